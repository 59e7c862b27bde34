"""Schema parsing, value canonicalisation, JSON values and the locked-down connection."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import duckdb
import pytest

from api.query import ColumnSpec, DatasetSpec, Family, QueryError, open_connection, to_jsonable
from api.query.schema import parse_column_type
from api.query.values import coerce_value


@pytest.mark.parametrize("declared, family, sql", [
    ("BIGINT", Family.INTEGER, "BIGINT"), ("int", Family.INTEGER, "INTEGER"), ("INT8", Family.INTEGER, "BIGINT"),
    ("UBIGINT", Family.INTEGER, "UBIGINT"), ("HUGEINT", Family.INTEGER, "HUGEINT"),
    ("DOUBLE", Family.FLOAT, "DOUBLE"), ("real", Family.FLOAT, "FLOAT"), ("DOUBLE PRECISION", Family.FLOAT, "DOUBLE"),
    ("DECIMAL(18,3)", Family.DECIMAL, "DECIMAL(18,3)"), ("decimal( 10 , 2 )", Family.DECIMAL, "DECIMAL(10,2)"),
    ("NUMERIC(5)", Family.DECIMAL, "DECIMAL(5,0)"), ("DECIMAL", Family.DECIMAL, "DECIMAL(18,3)"),
    ("VARCHAR", Family.TEXT, "VARCHAR"), ("VARCHAR(20)", Family.TEXT, "VARCHAR"), ("text", Family.TEXT, "VARCHAR"),
    ("DATE", Family.DATE, "DATE"), ("TIMESTAMP", Family.TIMESTAMP, "TIMESTAMP"),
    ("TIMESTAMP WITH TIME ZONE", Family.TIMESTAMP, "TIMESTAMPTZ"), ("TIMESTAMP_NS", Family.TIMESTAMP, "TIMESTAMP_NS"),
    ("TIME", Family.TIME, "TIME"), ("BOOLEAN", Family.BOOLEAN, "BOOLEAN"),
    ("BIGINT[]", Family.OTHER, None), ("STRUCT(a INT)", Family.OTHER, None), ("DECIMAL(39,2)", Family.OTHER, None),
    ("VARCHAR); DROP TABLE x; --", Family.OTHER, None), ("BLOB", Family.OTHER, None),
])
def test_column_types(declared, family, sql):
    parsed = parse_column_type(declared)
    assert (parsed.family, parsed.sql) == (family, sql)


def test_dataset_spec_validation_and_schema_json():
    with pytest.raises(ValueError, match="reserved"):
        DatasetSpec("d", "/x.parquet", [ColumnSpec("file_row_number", "BIGINT")], "v1")
    with pytest.raises(ValueError, match="ignoring case"):
        DatasetSpec("d", "/x.parquet", [ColumnSpec("a", "BIGINT"), ColumnSpec("A", "BIGINT")], "v1")
    with pytest.raises(ValueError, match="primary key"):
        DatasetSpec("d", "/x.parquet", [ColumnSpec("a", "BIGINT")], "v1", primary_key=["b"])
    with pytest.raises(ValueError):
        ColumnSpec("", "BIGINT")
    spec = DatasetSpec.from_schema_json("d", "v2", "/p/data.parquet", {
        "columns": [{"name": "ma_ho_so", "type": "VARCHAR", "pii": "none", "title_vi": "Mã hồ sơ", "unit": None},
                    {"name": "so_cccd", "type": "VARCHAR", "pii": "sensitive"}, {"name": "n", "type": "BIGINT"}],
        "primary_key": "ma_ho_so"})
    assert spec.primary_key == ("ma_ho_so",) and spec.by_name["so_cccd"].pii == "sensitive"
    assert spec.by_name["n"].pii == "none" and spec.by_name["ma_ho_so"].title_vi == "Mã hồ sơ"


@pytest.mark.parametrize("declared, value, canonical", [
    ("BIGINT", " +0042 ", "42"), ("TINYINT", "-128", "-128"), ("UBIGINT", str(2**64 - 1), str(2**64 - 1)),
    ("BIGINT", 7.0, "7"), ("BIGINT", Decimal("8"), "8"),
    ("DOUBLE", "1e3", "1000.0"), ("DOUBLE", "-INF", "-inf"), ("DOUBLE", "NaN", "nan"), ("DOUBLE", 3, "3.0"),
    ("FLOAT", "3.4e38", "3.4e+38"),
    ("DECIMAL(5,2)", "1.5", "1.50"), ("DECIMAL(5,2)", "-999.99", "-999.99"), ("DECIMAL(5,2)", "1.500", "1.50"),
    ("DECIMAL(38,10)", "1234567890123456789012345678.0123456789", "1234567890123456789012345678.0123456789"),
    ("DECIMAL(5,2)", 2.25, "2.25"),
    ("DATE", "2024-02-29", "2024-02-29"), ("DATE", dt.date(2024, 1, 2), "2024-01-02"),
    ("TIMESTAMP", "2024-01-02", "2024-01-02 00:00:00"), ("TIMESTAMP", "2024-01-02T03:04", "2024-01-02 03:04:00"),
    ("TIMESTAMP", "2024-01-02 03:04:05.123456789", "2024-01-02 03:04:05.123456789"),
    ("TIMESTAMP", dt.datetime(2024, 1, 2, 3, 4, 5, 6), "2024-01-02 03:04:05.000006"),
    ("TIMESTAMPTZ", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+00:00"),
    ("TIMESTAMPTZ", "2024-01-02T03:04:05+0700", "2024-01-02 03:04:05+07:00"),
    ("TIMESTAMPTZ", dt.datetime(2024, 1, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=7))), "2024-01-02 03:00:00.000000+00:00"),
    ("TIMESTAMPTZ", "2024-01-02", "2024-01-02 00:00:00+00:00"),
    ("TIME", "07:30", "07:30:00"), ("BOOLEAN", "T", "true"), ("BOOLEAN", False, "false"),
    ("VARCHAR", "Đie\u0302\u0323n", "Điện"),
])
def test_values_are_canonicalised_and_cast(declared, value, canonical):
    column_type = parse_column_type(declared)
    assert coerce_value(column_type, value, "p") == canonical
    placeholder = "?" if column_type.sql == "VARCHAR" else f"CAST(? AS {column_type.sql})"
    duckdb.connect().execute(f"SELECT {placeholder}", [canonical]).fetchall()


@pytest.mark.parametrize("declared, value", [
    ("BIGINT", True), ("BIGINT", "0x10"), ("BIGINT", str(2**63)), ("UTINYINT", "-1"), ("BIGINT", Decimal("1e100")),
    ("DOUBLE", "1e400"), ("DOUBLE", Decimal("sNaN")), ("DOUBLE", 10**400), ("FLOAT", "3.5e38"), ("DOUBLE", "1,5"),
    ("DECIMAL(5,2)", "1000"), ("DECIMAL(5,2)", "0.001"), ("DECIMAL(5,2)", "NaN"), ("DECIMAL(5,2)", float("inf")),
    ("DATE", "2024-02-30"), ("DATE", dt.datetime(2024, 1, 1)), ("DATE", "0000-01-01"),
    ("TIMESTAMP", "2024-01-02T25:00"), ("TIMESTAMP", "2024-01-02Z"),
    ("TIMESTAMP", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)), ("TIMESTAMP_NS", "1500-01-01"),
    ("TIMESTAMPTZ", "2024-01-02T03:04+16:00"), ("TIME", "24:00"), ("TIME", dt.time(1, tzinfo=dt.timezone.utc)),
    ("BOOLEAN", "yes"), ("VARCHAR", 5), ("VARCHAR", "x" * 5000), ("BIGINT[]", "1"),
])
def test_bad_values_are_refused(declared, value):
    with pytest.raises(QueryError) as caught:
        coerce_value(parse_column_type(declared), value, "p")
    assert caught.value.param == "p"


def test_jsonable_values():
    assert to_jsonable(Decimal("1.50")) == 1.5 and to_jsonable(Decimal("12")) == 12
    assert to_jsonable(float("nan")) is None and to_jsonable(-math.inf) is None
    assert to_jsonable(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert to_jsonable(dt.date(2024, 1, 2)) == "2024-01-02" and to_jsonable(b"\x00\x01") == "AAE="
    assert to_jsonable([Decimal("1"), {"a": float("inf")}]) == [1, {"a": None}]


def test_connection_reads_only_the_allowed_directory(tmp_path):
    allowed, other = tmp_path / "published", tmp_path / "other"
    allowed.mkdir()
    other.mkdir()
    for folder in (allowed, other):
        duckdb.connect().execute(f"COPY (SELECT 1 AS x) TO '{folder / 'd.parquet'}' (FORMAT parquet)")
    conn = open_connection(allowed_directories=[allowed], threads=1, memory_limit="256MB")
    assert conn.execute("SELECT x FROM read_parquet(?)", [str(allowed / "d.parquet")]).fetchall() == [(1,)]
    for statement in (f"SELECT * FROM read_parquet('{other / 'd.parquet'}')",
                      f"SELECT * FROM read_parquet('{allowed}/../other/d.parquet')",
                      "SET enable_external_access = true", "INSTALL httpfs", "LOAD httpfs"):
        with pytest.raises(duckdb.Error):
            conn.execute(statement)
    assert conn.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
