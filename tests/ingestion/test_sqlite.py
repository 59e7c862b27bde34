"""Ingestion from SQLite files (the embedded default): typed fast path, text fallback for values that do
not fit their declared type, hex fallback for text that is not UTF-8, incremental loads and deletes."""

from __future__ import annotations

import datetime as dt
import sqlite3

from tests.ingestion.conftest import load, query, raw_rows

DDL = """CREATE TABLE doanh_nghiep (ma_so_thue TEXT, ten_doanh_nghiep TEXT, loai_hinh TEXT, nganh_nghe_chinh TEXT,
  von_dieu_le BIGINT, ngay_thanh_lap DATE, trang_thai TEXT, ma_xa TEXT, nguoi_dai_dien TEXT,
  so_giay_to_nguoi_dai_dien TEXT, updated_at TIMESTAMP)"""


def _row(mst, name="Công ty", capital=1_000_000, founded="2020-01-01", rep="Nguyễn Văn A",
         updated="2026-06-01 08:00:00"):
    return (mst, name, "co_phan", "4711", capital, founded, "dang_hoat_dong", "03127", rep, "011000000001", updated)


def _write(path, rows, ddl=DDL):
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE IF EXISTS doanh_nghiep")
        db.execute(ddl)
        db.executemany("INSERT INTO doanh_nghiep VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_bad_values_encoding_null_and_duplicate_keys_are_quarantined_the_rest_loads(sources, warehouse):
    path = sources / "dkkd.sqlite"
    _write(path, [
        _row("0100000001"),
        _row("0100000002", capital="một tỷ"),                          # text in a BIGINT column
        _row("0100000003", founded="2021-02-30"),                      # impossible date
        _row("0100000004"),                                            # representative: bytes, not UTF-8 (below)
        _row(None, name="Không có mã"),                                # no primary key
        _row("0100000006", updated="2026-06-01 08:00:00"),
        _row("0100000006", name="Công ty (bản mới)", updated="2026-06-02 08:00:00"),  # duplicate key
        _row("0100000007", capital=2.5),                               # fraction in an integer column
        _row("0100000008", founded="15/03/2019", capital=" 42 "),      # day-first date, blanks: both fine
    ])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE doanh_nghiep SET nguoi_dai_dien = CAST(X'4E677579FF6E' AS TEXT) "
                   "WHERE ma_so_thue = '0100000004'")
    result = load(warehouse, "dkkd", "doanh_nghiep", sources)
    assert result.read_mode == "hex"                     # typed → text → hex: every fallback exercised
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 3, 6)
    loaded = query(warehouse, "SELECT ma_so_thue, ten_doanh_nghiep, von_dieu_le, ngay_thanh_lap "
                              "FROM raw.dkkd__doanh_nghiep ORDER BY 1")
    assert loaded == [("0100000001", "Công ty", 1_000_000, dt.date(2020, 1, 1)),
                      ("0100000006", "Công ty (bản mới)", 1_000_000, dt.date(2020, 1, 1)),
                      ("0100000008", "Công ty", 42, dt.date(2019, 3, 15))]
    quarantined = query(warehouse, "SELECT key, column_name, reason, value FROM ingest.quarantine")
    assert len(quarantined) == 6
    by_key = {(k, c): (r, v) for k, c, r, v in quarantined}
    assert by_key[("0100000002", "von_dieu_le")] == ("not a whole number within the BIGINT range", "một tỷ")
    assert by_key[("0100000003", "ngay_thanh_lap")][1] == "2021-02-30"
    assert by_key[("0100000007", "von_dieu_le")][1] == "2.5"
    # The representative's name is personal data: the reason is kept, the value is not copied.
    assert by_key[("0100000004", "nguoi_dai_dien")] == ("not valid UTF-8 text (value withheld: personal data)", None)
    assert by_key[(None, "ma_so_thue")][0] == "primary key is missing (NULL)"
    assert by_key[("0100000006", "ma_so_thue")][0].startswith("duplicate primary key")


def test_incremental_updates_and_deletes_on_a_sqlite_file(sources, warehouse):
    first = load(warehouse, "motcua", "ho_so", sources)
    assert first.read_mode == "typed" and first.mode == "full_refresh"
    with sqlite3.connect(sources / "motcua.sqlite") as db:
        db.execute("UPDATE ho_so SET trang_thai = 'rut_ho_so', updated_at = '2026-07-01 10:00:00' WHERE id IN (1, 2)")
        db.execute("DELETE FROM ho_so WHERE id IN (3, 4, 5)")
    second = load(warehouse, "motcua", "ho_so", sources)
    assert second.read_mode == "text" and second.mode == "incremental"
    assert (second.rows_updated, second.rows_deleted, second.rows_inserted) == (2, 3, 0)
    assert second.cursor_max == "2026-07-01 10:00:00"
    assert query(warehouse, "SELECT id, trang_thai FROM raw.motcua__ho_so WHERE id <= 5 ORDER BY id") == \
        [(1, "rut_ho_so"), (2, "rut_ho_so")]
    third = load(warehouse, "motcua", "ho_so", sources)
    assert (third.rows_inserted, third.rows_updated, third.rows_deleted) == (0, 0, 0)
    assert not third.key_reconciliation


def test_future_dated_rows_do_not_push_the_watermark_past_now(sources, warehouse):
    _write(sources / "dkkd.sqlite", [_row("0100000001", updated="2099-01-01 00:00:00"),
                                     _row("0100000002", updated="2026-06-01 08:00:00")])
    first = load(warehouse, "dkkd", "doanh_nghiep", sources)
    assert first.cursor_max < "2099"
    with sqlite3.connect(sources / "dkkd.sqlite") as db:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        db.execute("UPDATE doanh_nghiep SET trang_thai = 'giai_the', updated_at = ? WHERE ma_so_thue = '0100000002'",
                   [now])
    second = load(warehouse, "dkkd", "doanh_nghiep", sources)
    assert second.rows_updated == 1
    assert raw_rows(warehouse, "dkkd", "doanh_nghiep", "1")[1][6] == "giai_the"
