"""The rules behind ingestion, without services: drift, reading text values, watermarks, wiring."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest

from orchestration.lib.ingest import SchemaDriftError, spec_for
from orchestration.lib.ingest.drift import SourceColumn, check_drift, mysql_family, postgres_family, sqlite_family
from orchestration.lib.ingest.loader import lower_bound, watermark
from orchestration.lib.ingest.quarantine import conversion
from orchestration.lib.ingest.spec import parse_url
from orchestration.lib.registry import all_tables


def _observed(spec, **overrides):
    cols = []
    for c in spec.table.columns:
        family = {"text": "text", "integer": "integer", "bigint": "integer", "double": "float",
                  "boolean": "boolean", "date": "date", "timestamp": "timestamp"}[c.type]
        cols.append(SourceColumn(c.name, family, family))
    for name, value in overrides.items():
        cols = [c for c in cols if c.name != name]
        if value is not None:
            cols.append(SourceColumn(name, value[0], value[1]))
    return cols


def test_drift_names_removed_and_retyped_columns_and_lets_added_ones_through():
    spec = spec_for("dkkd", "doanh_nghiep")
    baseline = check_drift(spec, _observed(spec), None).baseline()
    report = check_drift(spec, _observed(spec, email=("varchar(200)", "text"), von_dieu_le=("numeric(20,0)", "integer")),
                         baseline)
    assert [c.name for c in report.added] == ["email"]
    assert report.changed == ["von_dieu_le: integer → numeric(20,0)"]
    with pytest.raises(SchemaDriftError) as removed:
        check_drift(spec, _observed(spec, trang_thai=None), baseline)
    assert removed.value.columns == ["trang_thai"] and "`trang_thai` was removed" in str(removed.value)
    with pytest.raises(SchemaDriftError) as retyped:
        check_drift(spec, _observed(spec, von_dieu_le=("text", "text")), baseline)
    assert "`von_dieu_le` was retyped at the source: integer → text (registry type bigint)" in str(retyped.value)
    # A full refresh re-baselines: text can be read as bigint value by value (bad values → quarantine).
    check_drift(spec, _observed(spec, von_dieu_le=("text", "text")), None)
    with pytest.raises(SchemaDriftError, match="cannot be read as the registry's date"):
        check_drift(spec, _observed(spec, ngay_thanh_lap=("boolean", "boolean")), None)


def test_type_families_of_each_engine():
    assert postgres_family("timestamp with time zone", "timestamptz", None) == "timestamptz"
    assert postgres_family("numeric", "numeric", 0) == "integer" and postgres_family("numeric", "numeric", 2) == "decimal"
    assert postgres_family("USER-DEFINED", "trang_thai_enum", None) == "text"
    assert mysql_family("tinyint", "tinyint(1)") == "boolean" and mysql_family("datetime", "datetime(6)") == "timestamp"
    assert mysql_family("decimal", "decimal(20,0)") == "integer"
    assert sqlite_family("TIMESTAMP") == "timestamp" and sqlite_family("VARCHAR(20)") == "text"
    assert sqlite_family("") == "any" and sqlite_family("BOOLEAN") == "boolean"


@pytest.mark.parametrize("text, target, expected", [
    ("42", "INTEGER", 42), (" 42 ", "BIGINT", 42), ("42.0", "BIGINT", 42), ("1.5", "INTEGER", "bad"),
    ("1e3", "BIGINT", "bad"), ("99999999999", "INTEGER", "bad"), ("", "INTEGER", None),
    ("có", "BOOLEAN", True), ("Không", "BOOLEAN", False), ("1", "BOOLEAN", True), ("maybe", "BOOLEAN", "bad"),
    ("2026-02-28", "DATE", dt.date(2026, 2, 28)), ("28/02/2026", "DATE", dt.date(2026, 2, 28)),
    ("2026-02-30", "DATE", "bad"), ("0000-00-00", "DATE", None),
    ("2026-02-28 07:30:00", "TIMESTAMP", dt.datetime(2026, 2, 28, 7, 30)),
    ("2026-02-28T07:30:00", "TIMESTAMP", dt.datetime(2026, 2, 28, 7, 30)),
    ("28/02/2026 07:30", "TIMESTAMP", dt.datetime(2026, 2, 28, 7, 30)),
    ("0000-00-00 00:00:00", "TIMESTAMP", None), ("hôm qua", "TIMESTAMP", "bad"),
    ("21.38", "DOUBLE", 21.38), ("21,38", "DOUBLE", "bad"),
])
def test_reading_text_values(text, target, expected):
    expr, fails = conversion("v", "VARCHAR", target)
    value, failed = duckdb.execute(f"SELECT {expr}, {fails} FROM (SELECT $1::VARCHAR AS v)", [text]).fetchone()
    if expected == "bad":
        assert failed and value is None
    else:
        assert not failed and value == expected


def test_typed_values_convert_without_loss_or_are_flagged():
    for source, target, literal, expected, bad in [
        ("DOUBLE", "BIGINT", "2.0", 2, False), ("DOUBLE", "BIGINT", "2.5", None, True),
        ("TINYINT", "BOOLEAN", "2", True, False), ("BIGINT", "INTEGER", "3000000000", None, True),
        ("DATE", "TIMESTAMP", "'2026-01-01'", dt.datetime(2026, 1, 1), False),
    ]:
        expr, fails = conversion("v", source, target)
        row = duckdb.execute(f"SELECT {expr}, {fails or 'false'} FROM (SELECT CAST({literal} AS {source}) AS v)").fetchone()
        assert row == (expected, bad), (source, target, literal)


def test_watermark_never_runs_into_the_future_nor_backwards():
    now = dt.datetime(2026, 7, 1, 12, 0, 0)
    assert watermark(None, dt.datetime(2099, 1, 1), "timestamp", now, full=True) == "2026-07-01 12:00:00"
    assert watermark("2026-06-30 10:00:00", dt.datetime(2026, 6, 1), "timestamp", now, full=False) == \
        "2026-06-30 10:00:00"
    assert watermark("2026-06-30 10:00:00", None, "timestamp", now, full=False) == "2026-06-30 10:00:00"
    assert watermark(None, 41, "bigint", now, full=True) == "41"
    spec = spec_for("motcua", "ho_so")
    # Lookback from the start of the watermark's second: a row stamped earlier in that second is re-read.
    assert lower_bound(spec, "2026-06-30 10:00:05.900000") == dt.datetime(2026, 6, 30, 9, 59, 5)


def test_urls_are_parsed_and_passwords_redacted():
    pg = parse_url("postgresql://kho:s3cr%40t@db.tinh.gov.vn:5433/motcua?schema=mc&sslmode=require")
    assert (pg.kind, pg.host, pg.port, pg.user, pg.password, pg.database) == \
        ("postgresql", "db.tinh.gov.vn", 5433, "kho", "s3cr@t", "motcua")
    assert pg.param("schema") == "mc" and "sslmode=require" in pg.libpq_dsn() and "schema" not in pg.libpq_dsn()
    assert "s3cr" not in pg.redacted and ":***@" in pg.redacted
    my = parse_url("mariadb://root@127.0.0.1:3306/qlvb")
    assert my.kind == "mysql" and my.mysql_url().endswith("/qlvb?prefer_socket=false")
    assert parse_url("sqlite:////var/kho/sources/dancu.sqlite").path.as_posix() == "/var/kho/sources/dancu.sqlite"


def test_every_table_has_an_asset_in_the_warehouse_pool_with_checks_schedules_and_sensors(tmp_path, monkeypatch):
    monkeypatch.setenv("KHO_HOME", str(tmp_path))
    from orchestration.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    for table in all_tables():
        key = dg.AssetKey(["raw", table.system, table.name])
        node = graph.get(key)
        assert node.group_name == table.system and node.pools == {"warehouse"}
        assert dg.AssetCheckKey(key, "quarantine") in graph.asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "yte", "co_so_y_te"]), "drop_files") in graph.asset_check_keys
    schedule = definitions.resolve_schedule_def("ingest_motcua_schedule")
    assert schedule.cron_schedule == "0 1 * * *" and schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert definitions.resolve_sensor_def("yte_drop_folder") and definitions.resolve_sensor_def("giaoduc_drop_folder")


def test_scanner_extensions_are_checked_against_their_wheel_before_loading(tmp_path, monkeypatch):
    from orchestration.lib.ingest import extensions

    extensions._verified.cache_clear()
    genuine = extensions.extension_path("sqlite_scanner")
    with extensions.open_warehouse(tmp_path / "w.duckdb") as con:
        extensions.load_scanner(con, "sqlite_scanner")
        assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'sqlite_scanner'").fetchone() \
            == (True,)
    tampered = tmp_path / genuine.name
    tampered.write_bytes(genuine.read_bytes()[:-1] + b"\0")
    monkeypatch.setattr(extensions, "extension_path", lambda name: tampered)
    extensions._verified.cache_clear()
    with pytest.raises(RuntimeError, match="does not match the sha256"):
        extensions._verified("sqlite_scanner")
    extensions._verified.cache_clear()
