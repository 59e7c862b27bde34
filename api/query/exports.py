"""Streaming exports of every matching row as CSV, NDJSON or Parquet, in constant memory.

An export honours filters, ``_search``, ``_sort``, ``_col``/``_nocol`` and masking (and exports all
groups of a group-by query); it ignores ``_size``, ``_next``, facets and counts. Rows flow from
DuckDB as Arrow record batches of ``batch_rows`` rows, each encoded and yielded before the next is
fetched, so memory is bounded by one batch whatever the file size.

Each function runs the statement when called, so a problem surfaces before a route starts its
response, and returns an iterator of encoded chunks (``StreamingResponse(iter_csv(conn, q))``).

* CSV: UTF-8, header row, RFC 4180 (CRLF line ends, fields quoted when needed, quotes doubled);
  NULL is an empty unquoted field and the empty string is ``""``, so the two stay distinguishable.
  Optional BOM for spreadsheet programs that otherwise guess the encoding wrong.
* NDJSON: one JSON object per line, values as :func:`api.query.jsonvalues.to_jsonable`.
* Parquet: zstd, one row group per batch; the schema is the query's Arrow schema (masked columns
  keep their type and are all NULL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .compiler import export_sql
from .jsonvalues import to_jsonable
from .query import RowsQuery

DEFAULT_BATCH_ROWS = 32_768
PARQUET_ROW_GROUP_ROWS = 122_880  # DuckDB's own row-group size
CSV_BOM = b"\xef\xbb\xbf"


def iter_csv(conn: duckdb.DuckDBPyConnection, query: RowsQuery, *, batch_rows: int = DEFAULT_BATCH_ROWS,
             include_header: bool = True, bom: bool = False) -> Iterator[bytes]:
    cursor, reader = _open(conn, query, batch_rows, nested_as_text=True)
    return _csv_chunks(cursor, reader, include_header, bom)


def iter_ndjson(conn: duckdb.DuckDBPyConnection, query: RowsQuery, *,
                batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[bytes]:
    cursor, reader = _open(conn, query, batch_rows, nested_as_text=False)
    return _ndjson_chunks(cursor, reader)


def iter_parquet(conn: duckdb.DuckDBPyConnection, query: RowsQuery, *, batch_rows: int = PARQUET_ROW_GROUP_ROWS,
                 compression: str = "zstd") -> Iterator[bytes]:
    cursor, reader = _open(conn, query, batch_rows, nested_as_text=False)
    return _parquet_chunks(cursor, reader, compression)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    stream: Callable[..., Iterator[bytes]]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv", iter_csv),
    "ndjson": ExportFormat("ndjson", "application/x-ndjson", "ndjson", iter_ndjson),
    "parquet": ExportFormat("parquet", "application/vnd.apache.parquet", "parquet", iter_parquet),
}


def iter_export(conn: duckdb.DuckDBPyConnection, query: RowsQuery, format_name: str, **options: Any) -> Iterator[bytes]:
    """Dispatch on a format name from :data:`EXPORT_FORMATS` (KeyError for others: the route's
    own path parameter, validated by its routing)."""
    return EXPORT_FORMATS[format_name].stream(conn, query, **options)


def _open(conn: duckdb.DuckDBPyConnection, query: RowsQuery, batch_rows: int,
          nested_as_text: bool) -> tuple[duckdb.DuckDBPyConnection, pa.RecordBatchReader]:
    statement = export_sql(query, nested_as_text)
    cursor = conn.cursor()
    try:
        cursor.execute(statement.text, list(statement.params))
        return cursor, cursor.to_arrow_reader(batch_rows)
    except BaseException:
        cursor.close()
        raise


class _ChunkSink:
    """A write-only file that hands back what was written since the last :meth:`take`."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _csv_chunks(cursor: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader, include_header: bool,
                bom: bool) -> Iterator[bytes]:
    try:
        sink = _ChunkSink()
        options = pacsv.WriteOptions(include_header=include_header, eol="\r\n", quoting_style="needed")
        writer = pacsv.CSVWriter(sink, reader.schema, write_options=options)
        head = (CSV_BOM if bom else b"") + sink.take()
        if head:
            yield head
        for batch in reader:
            writer.write_batch(batch)
            chunk = sink.take()
            if chunk:
                yield chunk
        writer.close()
        tail = sink.take()
        if tail:
            yield tail
    finally:
        cursor.close()


def _json_column(array: pa.Array) -> list[Any]:
    kind = array.type
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind) \
            or pa.types.is_boolean(kind) or pa.types.is_null(kind):
        return array.to_pylist()
    if pa.types.is_floating(kind):
        finite = pc.if_else(pc.is_finite(array), array, pa.scalar(None, kind))
        return finite.to_pylist()
    # Vectorised forms of to_jsonable for the common temporal types (same text: datetime.isoformat()
    # prints microseconds only when they are not zero); Python per value is the slow part otherwise.
    if pa.types.is_timestamp(kind) and kind.tz is None and kind.unit == "us":
        text = pc.replace_substring(pc.cast(array, pa.string()), pattern=" ", replacement="T", max_replacements=1)
        return pc.replace_substring_regex(text, pattern=r"\.000000$", replacement="").to_pylist()
    if pa.types.is_date32(kind):
        return pc.cast(array, pa.string()).to_pylist()
    return [to_jsonable(value) for value in array.to_pylist()]


def _ndjson_chunks(cursor: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader) -> Iterator[bytes]:
    try:
        names = reader.schema.names
        encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
        for batch in reader:
            columns = [_json_column(batch.column(index)) for index in range(batch.num_columns)]
            lines = [encode(dict(zip(names, values))) for values in zip(*columns)]
            if lines:
                yield ("\n".join(lines) + "\n").encode("utf-8")
    finally:
        cursor.close()


def _parquet_chunks(cursor: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader,
                    compression: str) -> Iterator[bytes]:
    try:
        sink = _ChunkSink()
        writer = pq.ParquetWriter(sink, reader.schema, compression=compression)
        for batch in reader:
            if batch.num_rows:
                writer.write_batch(batch)  # written out as a row group now, not buffered
                chunk = sink.take()
                if chunk:
                    yield chunk
        writer.close()
        yield sink.take()
    finally:
        cursor.close()
