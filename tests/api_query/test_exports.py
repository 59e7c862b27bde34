"""Streaming exports: exact round trips and the same rows, order and masking as the pages."""

from __future__ import annotations

import io
import json

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from api.query import EXPORT_FORMATS, iter_csv, iter_export, iter_ndjson, iter_parquet, row_to_jsonable
from api.query.compiler import export_sql
from tests.api_query.dataset import FULL
from tests.api_query.helpers import compile_query, fetch_all_pages
from tests.api_query.reference import ids, same_rows, sort_rows

CASES = [
    {},
    {"_sort_desc": "score", "_sort": "name"},
    {"qty__gte": "4", "_search": "muong", "_col": "name,qty,received,tags,id"},
    {"_nocol": "tags", "_sort": "received", "online": "false"},
    {"id": "-5"},  # no rows: header only / empty file
]


def query_table(conn, query, nested_as_text):
    statement = export_sql(query, nested_as_text)
    return conn.execute(statement.text, list(statement.params)).to_arrow_table()


@pytest.mark.parametrize("params", CASES)
def test_csv_round_trip_is_exact(conn, spec, params):
    query = compile_query(spec, {**params, "_size": "3"}, FULL)
    data = b"".join(iter_csv(conn, query, batch_rows=64))
    expected = query_table(conn, query, nested_as_text=True)
    header, _, body = data.partition(b"\r\n")
    assert header.decode() == ",".join(f'"{name}"' for name in expected.column_names)
    assert data.endswith(b"\r\n")
    read_back = pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(column_types=expected.schema, null_values=[""], strings_can_be_null=True,
                                             quoted_strings_can_be_null=False),
        read_options=pacsv.ReadOptions(block_size=1 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )
    assert read_back.num_rows == expected.num_rows
    assert same_rows(read_back.to_pylist(), expected.to_pylist())
    # Written again, the rows give the very same bytes.
    again = io.BytesIO()
    pacsv.write_csv(read_back, again, write_options=pacsv.WriteOptions(eol="\r\n"))
    assert again.getvalue() == data


def test_csv_keeps_empty_strings_apart_from_nulls(conn, spec, rows):
    query = compile_query(spec, {"_col": "id,name", "name__in": '["", "Tủa Chùa"]'}, FULL)
    lines = b"".join(iter_csv(conn, query)).decode().split("\r\n")
    assert any(line.endswith(',""') for line in lines)
    query = compile_query(spec, {"_col": "id,name", "name__isnull": "1"}, FULL)
    lines = b"".join(iter_csv(conn, query)).decode().split("\r\n")[1:-1]
    assert lines and all(line.endswith(",") for line in lines)


def test_csv_bom_and_no_header(conn, spec):
    query = compile_query(spec, {"_col": "id", "id__lte": "2", "_sort": "id"})
    assert b"".join(iter_csv(conn, query, bom=True)) == b'\xef\xbb\xbf"id"\r\n1\r\n2\r\n'
    assert b"".join(iter_csv(conn, query, include_header=False)) == b"1\r\n2\r\n"


@pytest.mark.parametrize("params", CASES)
def test_exports_have_the_rows_and_order_of_the_pages(conn, spec, rows, params):
    query = compile_query(spec, params, FULL)
    paged = fetch_all_pages(conn, spec, {**params, "_size": "97"}, FULL)
    table = pq.read_table(io.BytesIO(b"".join(iter_parquet(conn, query, batch_rows=100))))
    assert same_rows(table.to_pylist(), paged)
    assert same_rows(table.to_pylist(), query_table(conn, query, nested_as_text=False).to_pylist())
    lines = b"".join(iter_ndjson(conn, query, batch_rows=50)).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(json.dumps(row_to_jsonable(row))) for row in paged]


def test_parquet_streams_one_row_group_per_batch(conn, spec):
    query = compile_query(spec, {}, FULL)
    chunks = list(iter_parquet(conn, query, batch_rows=100))
    assert len(chunks) >= 6
    metadata = pq.ParquetFile(io.BytesIO(b"".join(chunks))).metadata
    assert metadata.num_rows == 600 and metadata.num_row_groups == 6


def test_ndjson_values_are_plain_json(conn, spec):
    query = compile_query(spec, {"_col": "score,amount,received,birth,tags", "_sort": "score"}, FULL)
    lines = b"".join(iter_ndjson(conn, query)).decode().splitlines()
    values = [json.loads(line) for line in lines]
    assert all(isinstance(v["score"], (float, int)) or v["score"] is None for v in values)
    assert any(v["received"] and "T" in v["received"] for v in values)
    assert "NaN" not in "".join(lines) and "Infinity" not in "".join(lines)


def test_group_by_exports_every_group(conn, spec, rows):
    query = compile_query(spec, {"_group_by": "commune,online", "_size": "2"}, FULL)
    table = pq.read_table(io.BytesIO(b"".join(iter_export(conn, query, "parquet"))))
    assert table.num_rows == len({(row["commune"], row["online"]) for row in rows})
    assert sum(table.column("count").to_pylist()) == 600


def test_export_formats_and_closing_early(conn, spec, rows):
    assert set(EXPORT_FORMATS) == {"csv", "ndjson", "parquet"}
    assert EXPORT_FORMATS["csv"].media_type.startswith("text/csv")
    query = compile_query(spec, {"_sort": "qty"}, FULL)
    stream = iter_export(conn, query, "csv", batch_rows=10)
    assert next(stream).startswith(b'"id"')
    stream.close()  # a client that disconnects: the cursor is released, the connection still works
    served = pacsv.read_csv(io.BytesIO(b"".join(iter_csv(conn, query)))).column("id").to_pylist()
    assert served == ids(sort_rows(rows, [("qty", False)]))
