"""Ingestion from a real MariaDB: the simulator loads `qlvb` into a fresh database; ConnectorX reads it."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.lib.ingest import SourceUnavailableError
from orchestration.lib.registry import load_registry
from tests.ingestion.conftest import (
    check_result,
    load,
    materialization,
    materialize,
    mysql_exec,
    query,
    raw_rows,
)
from tests.ingestion.proxy import CuttingProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def qlvb(mysql_db, simulated, monkeypatch):
    import simulator

    simulator.load_into(simulated, mysql_db, ["qlvb"])
    monkeypatch.setenv("KHO_SOURCE_QLVB_URL", mysql_db)
    return mysql_db


def _mysql_rows(url: str, sql: str) -> list[tuple]:
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", database=url.rsplit("/", 1)[1])
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def test_full_then_incremental_with_inserts_updates_deletes(qlvb, simulated, warehouse, tmp_path):
    result = materialize("qlvb", warehouse, simulated, tmp_path)
    for table in ("co_quan", "van_ban"):
        meta = materialization(result, "qlvb", table)
        count = _mysql_rows(qlvb, f"SELECT count(*) FROM {table}")[0][0]
        assert meta["rows_read"] == meta["rows_inserted"] == meta["dagster/row_count"] == count
        assert meta["connector"] == "connectorx" and meta["rows_quarantined"] == 0
    n = len(load_registry()["qlvb"].table("van_ban").columns)
    first = [r[:n] for r in raw_rows(warehouse, "qlvb", "van_ban", "id")]
    source = _mysql_rows(qlvb, "SELECT * FROM van_ban ORDER BY id")
    assert [(r[0], r[1], r[7], bool(r[8]), r[10]) for r in source[:50]] == \
        [(r[0], r[1], r[7], r[8], r[10]) for r in first[:50]]

    mysql_exec(qlvb,
               "INSERT INTO van_ban SELECT id + 10000000, so_ky_hieu, loai_van_ban, trich_yeu, ma_co_quan, "
               "co_quan_ban_hanh, chieu, ngay_ban_hanh, ky_so, do_khan, NOW() FROM van_ban WHERE id <= 4",
               "UPDATE van_ban SET ky_so = NOT ky_so, updated_at = NOW() WHERE id IN (7, 8)",
               "DELETE FROM van_ban WHERE id IN (30, 31, 32)")
    result = materialize("qlvb", warehouse, simulated, tmp_path, tables=["van_ban"])
    meta = materialization(result, "qlvb", "van_ban")
    assert (meta["rows_inserted"], meta["rows_updated"], meta["rows_deleted"]) == (4, 2, 3)
    ids = {r[0] for r in query(warehouse, "SELECT id FROM raw.qlvb__van_ban")}
    assert ids == {r[0] for r in _mysql_rows(qlvb, "SELECT id FROM van_ban")}
    assert query(warehouse, "SELECT id, ky_so FROM raw.qlvb__van_ban WHERE id IN (7, 8) ORDER BY id") == \
        [(i, bool(k)) for i, k in _mysql_rows(qlvb, "SELECT id, ky_so FROM van_ban WHERE id IN (7, 8) ORDER BY id")]


def test_zero_dates_are_null_and_bad_values_are_quarantined(mysql_db, simulated, warehouse, tmp_path, monkeypatch):
    # A register whose issue date column is free text, plus MySQL's zero date.
    mysql_exec(mysql_db, "SET SESSION sql_mode = ''", """
        CREATE TABLE co_quan (ma_co_quan VARCHAR(32) PRIMARY KEY, ten_co_quan VARCHAR(255), loai_co_quan VARCHAR(32),
          ma_xa VARCHAR(8), updated_at DATETIME)""", """
        CREATE TABLE van_ban (id BIGINT PRIMARY KEY, so_ky_hieu VARCHAR(64), loai_van_ban VARCHAR(8),
          trich_yeu TEXT, ma_co_quan VARCHAR(32), co_quan_ban_hanh VARCHAR(255), chieu VARCHAR(4),
          ngay_ban_hanh VARCHAR(20), ky_so TINYINT(1), do_khan VARCHAR(16), updated_at DATETIME)""")
    mysql_exec(mysql_db, "SET SESSION sql_mode = ''", """
        INSERT INTO van_ban VALUES
          (1, '1/QĐ-UBND', 'QĐ', 'Về việc A', 'X', 'UBND tỉnh', 'di', '2026-01-05', 1, 'thuong', '2026-06-01 08:00:00'),
          (2, '2/QĐ-UBND', 'QĐ', 'Về việc B', 'X', 'UBND tỉnh', 'di', '2026-13-45', 0, 'khan', '2026-06-01 08:00:00'),
          (3, '3/CV-UBND', 'CV', 'Về việc C', 'X', 'UBND tỉnh', 'den', '0000-00-00', 1, 'thuong', '0000-00-00 00:00:00'),
          (4, '4/CV-UBND', 'CV', 'Về việc D', 'X', 'UBND tỉnh', 'den', '07/02/2026', 2, 'hoa_toc', '2026-06-02 09:30:00')""")
    monkeypatch.setenv("KHO_SOURCE_QLVB_URL", mysql_db)
    result = materialize("qlvb", warehouse, simulated, tmp_path, tables=["van_ban"])
    meta = materialization(result, "qlvb", "van_ban")
    assert (meta["rows_read"], meta["rows_loaded"], meta["rows_quarantined"]) == (4, 3, 1)
    rows = query(warehouse, "SELECT id, ngay_ban_hanh, ky_so, updated_at FROM raw.qlvb__van_ban ORDER BY id")
    assert rows == [(1, dt.date(2026, 1, 5), True, dt.datetime(2026, 6, 1, 8)),
                    (3, None, True, None),
                    (4, dt.date(2026, 2, 7), True, dt.datetime(2026, 6, 2, 9, 30))]
    assert query(warehouse, "SELECT key, column_name, value FROM ingest.quarantine") == [("2", "ngay_ban_hanh", "2026-13-45")]
    assert not check_result(result, "qlvb", "van_ban", "quarantine").passed


def test_connection_cut_mid_transfer_keeps_raw_as_it_was(qlvb, simulated, warehouse, monkeypatch):
    load(warehouse, "qlvb", "van_ban", simulated, full_refresh=True)
    before = raw_rows(warehouse, "qlvb", "van_ban", "id")
    with CuttingProxy(3306, cut_after=400_000) as proxy:
        monkeypatch.setenv("KHO_SOURCE_QLVB_URL", qlvb.replace(":3306/", f":{proxy.port}/"))
        with pytest.raises(SourceUnavailableError, match="transfer failed from mysql://root@127.0.0.1"):
            load(warehouse, "qlvb", "van_ban", simulated, full_refresh=True)
        assert proxy.cuts >= 1
    assert raw_rows(warehouse, "qlvb", "van_ban", "id") == before
