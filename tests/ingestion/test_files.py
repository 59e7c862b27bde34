"""CSV / Excel drop folders: new files loaded once by content hash, snapshots reconcile deletions, bad
rows quarantined, malformed files rejected whole with the reason, and the sensor that picks files up."""

from __future__ import annotations

import os
import shutil
import time

import dagster as dg
from openpyxl import Workbook

from orchestration.lib.ingestion_assets import build_drop_sensor, build_system_job
from tests.ingestion.conftest import check_result, kho_resource, load, materialization, materialize, query

HEADER = "ma_co_so,ten_co_so,loai_co_so,ma_xa,so_giuong,vi_do,kinh_do,updated_at\n"


def _csv(path, lines: list[str], header: str = HEADER, raw: bytes = b"") -> None:
    path.write_bytes((header + "".join(line + "\n" for line in lines)).encode() + raw)
    # Distinct modification times keep "oldest first" deterministic.
    stamp = time.time() + len(list(path.parent.iterdir()))
    os.utime(path, (stamp, stamp))


def _files(warehouse) -> list[tuple]:
    return query(warehouse, "SELECT file_name, status, reason, rows_read, rows_loaded, rows_quarantined "
                            "FROM ingest.files ORDER BY processed_at, file_name")


def test_csv_drops_load_once_snapshot_reconciles_and_bad_rows_are_quarantined(sources, warehouse, tmp_path):
    folder = sources / "yte"
    count = sum(1 for _ in open(folder / "co_so_y_te.csv", encoding="utf-8")) - 1
    first = materialize("yte", warehouse, sources, tmp_path)
    meta = materialization(first, "yte", "co_so_y_te")
    assert (meta["files_loaded"], meta["rows_inserted"], meta["dagster/row_count"]) == (["co_so_y_te.csv"], count, count)
    assert check_result(first, "yte", "co_so_y_te", "drop_files").passed

    # The same content under another name is not loaded again.
    shutil.copy(folder / "co_so_y_te.csv", folder / "co_so_y_te_copy.csv")
    again = load(warehouse, "yte", "co_so_y_te", sources)
    assert (again.files_new, again.rows_read) == (0, 0)

    # A new snapshot: one facility changed, one new, all others gone; two bad rows (a number, UTF-8) —
    # one of them an existing facility, which must keep its previous version rather than be deleted.
    before_11002 = query(warehouse, "SELECT * FROM raw.yte__co_so_y_te WHERE ma_co_so = '11002'")
    _csv(folder / "co_so_y_te_2026-07.csv", [
        "11001,Bệnh viện Đa khoa tỉnh (đổi tên),benh_vien,03127,700,21.40137,103.050861,2026-07-01 08:00:00",
        "99001,Trạm y tế mới,tram_y_te,03130,5,21.3,103.0,2026-07-01 08:00:00",
        "99002,Trạm y tế lỗi,tram_y_te,03130,năm,21.3,103.0,2026-07-01 08:00:00",
    ], raw=b"11002,B\xe1nh vi\xe1n,benh_vien,03127,3,21.3,103.0,2026-07-01 08:00:00\n")
    result = materialize("yte", warehouse, sources, tmp_path)
    meta = materialization(result, "yte", "co_so_y_te")
    assert meta["files_loaded"] == ["co_so_y_te_2026-07.csv"]
    assert (meta["rows_read"], meta["rows_loaded"], meta["rows_quarantined"]) == (4, 2, 2)
    assert (meta["rows_inserted"], meta["rows_updated"], meta["rows_deleted"]) == (1, 1, count - 2)
    assert query(warehouse, "SELECT ma_co_so, so_giuong FROM raw.yte__co_so_y_te ORDER BY 1") == [
        ("11001", 700), ("11002", before_11002[0][4]), ("99001", 5)]
    assert query(warehouse, "SELECT * FROM raw.yte__co_so_y_te WHERE ma_co_so = '11002'") == before_11002
    reasons = query(warehouse, "SELECT key, column_name, reason FROM ingest.quarantine ORDER BY key")
    assert reasons[0][0] == "11002" and reasons[0][2].startswith("not valid UTF-8 text (line 5)")
    assert reasons[1] == ("99002", "so_giuong", "not a whole number within the INTEGER range")
    assert not check_result(result, "yte", "co_so_y_te", "quarantine").passed


def test_malformed_files_are_rejected_whole_with_the_reason_and_good_ones_still_load(sources, warehouse, tmp_path):
    folder = sources / "yte"
    load(warehouse, "yte", "co_so_y_te", sources)
    before = query(warehouse, "SELECT * FROM raw.yte__co_so_y_te ORDER BY 1")
    _csv(folder / "co_so_y_te_a.csv", ["11001,A,benh_vien,03127,1,21.4,103.0,2026-07-01 08:00:00",
                                       "11002,B,benh_vien,03127,1,21.4,2026-07-01 08:00:00"])     # 7 fields
    _csv(folder / "co_so_y_te_b.csv", ["11001,A,benh_vien,03127,1,21.4,103.0"],
         header="ma_co_so,ten_co_so,loai_co_so,ma_xa,so_giuong,vi_do,kinh_do\n")               # no updated_at
    (folder / "co_so_y_te_c.csv").write_bytes(bytes(range(256)) * 8)                            # not a CSV
    _csv(folder / "co_so_y_te_d.csv", [])                                                      # header only
    result = materialize("yte", warehouse, sources, tmp_path)
    meta = materialization(result, "yte", "co_so_y_te")
    assert meta["files_loaded"] == [] and len(meta["files_rejected"]) == 4
    files = {name: (status, reason) for name, status, reason, *_ in _files(warehouse)}
    assert files["co_so_y_te_a.csv"][0] == "rejected" and "line 3" in files["co_so_y_te_a.csv"][1]
    assert "missing from the header: updated_at" in files["co_so_y_te_b.csv"][1]
    assert files["co_so_y_te_c.csv"][0] == "rejected"
    assert files["co_so_y_te_d.csv"][1] == "no data rows"
    assert query(warehouse, "SELECT * FROM raw.yte__co_so_y_te ORDER BY 1") == before
    check = check_result(result, "yte", "co_so_y_te", "drop_files")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    # A rejected content is not retried; a corrected file loads.
    _csv(folder / "co_so_y_te_e.csv", ["11001,A,benh_vien,03127,1,21.4,103.0,2026-07-01 08:00:00"])
    fixed = load(warehouse, "yte", "co_so_y_te", sources)
    assert fixed.files_loaded == ["co_so_y_te_e.csv"] and fixed.files_rejected == []
    assert query(warehouse, "SELECT count(*) FROM raw.yte__co_so_y_te") == [(1,)]


def test_excel_drop_loads_and_a_broken_workbook_is_rejected(sources, warehouse):
    folder = sources / "giaoduc"
    first = load(warehouse, "giaoduc", "truong_hoc", sources)
    assert first.files_loaded == ["truong_hoc.xlsx"] and first.rows_quarantined == 0 and first.rows_loaded > 100
    (folder / "truong_hoc_2026-07.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    broken = load(warehouse, "giaoduc", "truong_hoc", sources)
    assert broken.files_loaded == [] and "not a readable Excel workbook" in broken.files_rejected[0]
    book = Workbook()
    sheet = book.active
    sheet.append(["ma_truong", "ten_truong", "cap_hoc", "loai_hinh", "ma_xa", "so_hoc_sinh", "so_giao_vien",
                  "vi_do", "kinh_do", "updated_at", "hieu_truong"])        # one column the registry lacks
    sheet.append(["11100001", "Trường Mầm non số 1", "mam_non", "cong_lap", "03127", 341, 22.0, 21.38, 103.09,
                  __import__("datetime").datetime(2026, 7, 1, 8, 0), "Lò Thị Mai"])
    sheet.append([None] * 11)                                             # a blank row is not data
    book.save(folder / "truong_hoc_2026-08.xlsx")
    delta = load(warehouse, "giaoduc", "truong_hoc", sources)
    assert delta.files_loaded == ["truong_hoc_2026-08.xlsx"] and delta.columns_added == ["hieu_truong"]
    assert (delta.rows_read, delta.rows_updated, delta.rows_total) == (1, 1, 1)
    assert query(warehouse, "SELECT so_giao_vien, hieu_truong FROM raw.giaoduc__truong_hoc") == [(22, "Lò Thị Mai")]


def test_sensor_requests_a_run_for_new_content_only(sources, warehouse, tmp_path):
    job = build_system_job("yte")
    sensor = build_drop_sensor("yte", job)
    resources = {"kho": kho_resource(warehouse, sources, tmp_path)}
    with dg.build_sensor_context(resources=resources) as context:
        first = sensor(context)
    assert len(first) == 1 and first[0].asset_selection == [dg.AssetKey(["raw", "yte", "co_so_y_te"])]
    with dg.build_sensor_context(cursor=context.cursor, resources=resources) as context2:
        assert isinstance(sensor(context2), dg.SkipReason)
        cursor = context2.cursor
    shutil.copy(sources / "yte" / "co_so_y_te.csv", sources / "yte" / "co_so_y_te_copy.csv")
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context3:
        assert isinstance(sensor(context3), dg.SkipReason)           # same content, new name
        cursor = context3.cursor
    _csv(sources / "yte" / "co_so_y_te_2026-07.csv", ["1,A,benh_vien,03127,1,21.4,103.0,2026-07-01 08:00:00"])
    (sources / "yte" / "co_so_y_te_2026-08.csv.part").write_text("uploading")
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context4:
        requests = sensor(context4)
    assert len(requests) == 1 and requests[0].tags["kho/drop_files"] == "co_so_y_te_2026-07.csv"
