"""Rows of a published version for the catalogue: `datastore_search`, the portal's preview and chart,
and masked CSV downloads.

Reads the version's immutable Parquet file through the API's own read-only DuckDB (`api.engine`), with
every value bound as a parameter and every column name checked against the published schema. Columns
that `api.access.masked_columns` names come back as NULL, and can be neither filtered, searched nor
sorted on (that would reveal them): `MaskedColumnError`. This is the one function to switch to `api/query` later.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from api.access import MaskedColumnError, check_not_masked
from api.engine import ParquetEngine

ROWS_DEFAULT = 100  # ckan.datastore.search.rows_default
ROWS_MAX = 32000  # ckan.datastore.search.rows_max


class RowQueryError(Exception):
    """Invalid request: a dict field → [messages], as CKAN's ValidationError carries."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def fold_sql(expr: str) -> str:
    """DuckDB expression folding diacritics and đ/Đ (strip_accents keeps them: reference/vietnam.md §9)."""
    return f"lower(replace(replace(strip_accents({expr}), 'Đ', 'D'), 'đ', 'd'))"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def datastore_type(duck_type: str) -> str:
    """DuckDB type → the PostgreSQL-style type names CKAN's datastore reports."""
    t = duck_type.upper()
    if t in ("INTEGER", "INT", "INT4", "SMALLINT", "TINYINT", "USMALLINT", "UTINYINT"):
        return "int4"
    if t in ("BIGINT", "INT8", "UINTEGER", "HUGEINT", "UBIGINT"):
        return "int8"
    if t in ("DOUBLE", "FLOAT8"):
        return "float8"
    if t in ("FLOAT", "REAL", "FLOAT4"):
        return "float4"
    if t.startswith("DECIMAL") or t.startswith("NUMERIC"):
        return "numeric"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return "timestamptz"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t == "TIME":
        return "time"
    return "text"


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass
class RowQuery:
    filters: Mapping[str, Any] = field(default_factory=dict)
    q: str | Mapping[str, str] | None = None
    fields: Sequence[str] | None = None
    sort: str | None = None
    limit: int = ROWS_DEFAULT
    offset: int = 0
    include_total: bool = True
    distinct: bool = False


@dataclass
class RowResult:
    fields: list[dict[str, Any]]  # [{"id", "type", "info"?, "masked"?}]
    records: list[tuple[Any, ...]]
    total: int | None


_SORT_PART = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|([^\s,]+))(?:\s+(asc|desc))?\s*$', re.IGNORECASE)


def parse_sort(sort: str, names: set[str]) -> list[tuple[str, bool]]:
    keys = []
    for part in sort.split(","):
        if not part.strip():
            continue
        m = _SORT_PART.match(part)
        if not m:
            raise RowQueryError({"sort": [f"field \"{part.strip()}\" is not a valid sort expression"]})
        name = (m.group(1) or "").replace('""', '"') or m.group(2)
        if name not in names:
            raise RowQueryError({"sort": [f"field \"{name}\" not in fields"]})
        keys.append((name, (m.group(3) or "asc").lower() == "desc"))
    return keys


class RowReader:
    def __init__(self, engine: ParquetEngine):
        self.engine = engine

    def describe(self, path: str) -> list[tuple[str, str]]:
        cur = self.engine.cursor()
        try:
            return [(r[0], r[1]) for r in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()]
        finally:
            cur.close()

    def search(self, path: str, schema_columns: Sequence[Mapping[str, Any]], masked: set[str],
               query: RowQuery, language: str = "vi") -> RowResult:
        described = self.describe(path)
        types = dict(described)
        names = [n for n, _ in described]
        meta = {c["name"]: c for c in schema_columns}
        all_names = {"_id", *names}

        if query.fields:
            unknown = [f for f in query.fields if f not in all_names]
            if unknown:
                raise RowQueryError({"fields": [f'field "{f}" not in fields' for f in unknown]})
            chosen = [f for f in query.fields if f != "_id"]
            with_id = "_id" in query.fields
        else:
            chosen, with_id = names, True
        if query.distinct:
            with_id = with_id and bool(query.fields) and "_id" in query.fields

        where, params = [], []
        for key, value in (query.filters or {}).items():
            if key == "_id":
                col_expr, col_type = "(file_row_number + 1)", "BIGINT"
            elif key not in types:
                raise RowQueryError({"filters": [f'field "{key}" not in fields']})
            elif key in masked:
                raise MaskedColumnError([key])
            else:
                col_expr, col_type = quote(key), types[key]
            values = value if isinstance(value, list) else [value]
            if not values:
                where.append("FALSE")
                continue
            holders = []
            for v in values:
                if isinstance(v, dict | list):
                    raise RowQueryError({"filters": [f'invalid value for field "{key}"']})
                holders.append(f"CAST(? AS {col_type})")
                params.append(None if v is None else str(v) if not isinstance(v, bool) else str(v).lower())
            where.append(f"{col_expr} IN ({', '.join(holders)})" if len(holders) > 1 else f"{col_expr} = {holders[0]}")

        searchable = [n for n in names if n not in masked]
        if isinstance(query.q, str) and query.q.strip():
            from catalog.text import tokens

            haystack = fold_sql("concat_ws(' ', " + ", ".join(f"CAST({quote(n)} AS VARCHAR)" for n in searchable) + ")")
            for word in tokens(query.q):
                where.append(f"{haystack} LIKE ?")
                params.append(f"%{word}%")
        elif isinstance(query.q, Mapping):
            from catalog.text import tokens

            for key, text in query.q.items():
                if key not in types:
                    raise RowQueryError({"q": [f'field "{key}" not in fields']})
                if key in masked:
                    raise MaskedColumnError([key])
                for word in tokens(str(text)):
                    where.append(f"{fold_sql(f'CAST({quote(key)} AS VARCHAR)')} LIKE ?")
                    params.append(f"%{word}%")

        order = "file_row_number"
        if query.sort:
            keys = parse_sort(query.sort, all_names)
            check_not_masked(masked, [name for name, _ in keys])
            order = ", ".join(("(file_row_number + 1)" if n == "_id" else quote(n)) + (" DESC" if d else "")
                              for n, d in keys) + ", file_row_number"

        select = (["(file_row_number + 1) AS _id"] if with_id else []) + [
            f"CAST(NULL AS {types[n]}) AS {quote(n)}" if n in masked else quote(n) for n in chosen]
        where_sql = (" WHERE " + " AND ".join(where)) if where else ""
        source = "read_parquet(?, file_row_number = true)"
        if query.distinct:
            sql = f"SELECT DISTINCT {', '.join(select)} FROM {source}{where_sql} LIMIT ? OFFSET ?"
        else:
            sql = f"SELECT {', '.join(select)} FROM {source}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?"

        cur = self.engine.cursor()
        try:
            try:
                records = cur.execute(sql, [path, *params, query.limit, query.offset]).fetchall()
                total = None
                if query.include_total:
                    if query.distinct:
                        total = cur.execute(f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(select)} "
                                            f"FROM {source}{where_sql})", [path, *params]).fetchone()[0]
                    else:
                        total = cur.execute(f"SELECT count(*) FROM {source}{where_sql}", [path, *params]).fetchone()[0]
            except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
                raise RowQueryError({"filters": [str(exc).splitlines()[0]]}) from exc
        finally:
            cur.close()

        fields = []
        if with_id:
            fields.append({"id": "_id", "type": "int"})
        for n in chosen:
            col = meta.get(n, {})
            info = {"label": col.get("title_vi" if language == "vi" else "title_en") or n,
                    "notes": col.get("description_vi" if language == "vi" else "description_en") or ""}
            if col.get("unit"):
                info["unit"] = col["unit"]
            entry = {"id": n, "type": datastore_type(types[n]), "info": info}
            if n in masked:
                entry["masked"] = True
            fields.append(entry)
        return RowResult(fields=fields, records=records, total=total)

    def stream_csv(self, path: str, masked: set[str], delimiter: str = ",",
                   batch_rows: int = 10_000) -> Iterator[bytes]:
        """All rows as CSV, masked columns empty, in constant memory (record batches)."""
        described = self.describe(path)
        select = ", ".join(f"CAST(NULL AS {t}) AS {quote(n)}" if n in masked else quote(n) for n, t in described)
        cur = self.engine.cursor()
        try:
            reader = cur.execute(f"SELECT {select} FROM read_parquet(?, file_row_number = true) "
                                 "ORDER BY file_row_number", [path]).to_arrow_reader(batch_rows)
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
            writer.writerow([n for n, _ in described])
            yield buf.getvalue().encode("utf-8")
            for batch in reader:
                buf.seek(0)
                buf.truncate()
                columns = [col.to_pylist() for col in batch.columns]
                for row in zip(*columns):
                    writer.writerow(["" if v is None else jsonable(v) for v in row])
                yield buf.getvalue().encode("utf-8")
        finally:
            cur.close()

    def masked_parquet(self, path: str, masked: set[str], out_path: str) -> None:
        described = self.describe(path)
        select = ", ".join(f"CAST(NULL AS {t}) AS {quote(n)}" if n in masked else quote(n) for n, t in described)
        cur = self.engine.cursor()
        try:
            escaped = out_path.replace("'", "''")
            cur.execute(f"COPY (SELECT {select} FROM read_parquet(?)) TO '{escaped}' "
                        "(FORMAT parquet, COMPRESSION zstd)", [path])
        finally:
            cur.close()


def records_as(fmt: str, fields: list[dict[str, Any]], records: list[tuple[Any, ...]]) -> Any:
    """CKAN's records_format: objects | lists | csv | tsv."""
    names = [f["id"] for f in fields]
    if fmt == "lists":
        return [[jsonable(v) for v in r] for r in records]
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        for r in records:
            writer.writerow(["" if v is None else jsonable(v) for v in r])
        return buf.getvalue()
    return [{n: jsonable(v) for n, v in zip(names, r)} for r in records]
