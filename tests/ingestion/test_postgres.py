"""Ingestion from a real PostgreSQL: the simulator loads `motcua` and `dkkd` into a fresh database and
the Dagster assets ingest them over real connections (full, incremental, deletes, late updates,
drift, connection cuts, retries, idempotence)."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.lib.ingest import SourceUnavailableError
from orchestration.lib.registry import load_registry
from tests.ingestion.conftest import (
    check_result,
    error_text,
    load,
    materialization,
    materialize,
    pg_exec,
    pg_rows,
    query,
    raw_rows,
)
from tests.ingestion.proxy import CuttingProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_sources(pg_db, simulated, monkeypatch):
    import simulator

    simulator.load_into(simulated, pg_db, ["motcua", "dkkd"])
    monkeypatch.setenv("KHO_SOURCE_MOTCUA_URL", pg_db)
    monkeypatch.setenv("KHO_SOURCE_DKKD_URL", pg_db)
    return pg_db


def _source_snapshot(url: str, table: str, order: str = "1") -> list[tuple]:
    system = "motcua"
    cols = ", ".join(f'"{c.name}"' for c in load_registry()[system].table(table).columns)
    return pg_rows(url, f"SELECT {cols} FROM {system}.{table} ORDER BY {order}")


def _raw_without_loaded_at(warehouse, table: str, order: str = "1") -> list[tuple]:
    n = len(load_registry()["motcua"].table(table).columns)
    return [row[:n] for row in raw_rows(warehouse, "motcua", table, order)]


def test_full_load_of_every_table_with_run_metadata(pg_sources, simulated, warehouse, tmp_path):
    result = materialize("motcua", warehouse, simulated, tmp_path)
    assert result.success
    for table in load_registry()["motcua"].tables:
        meta = materialization(result, "motcua", table.name)
        source_rows = pg_rows(pg_sources, f"SELECT count(*) FROM motcua.{table.name}")[0][0]
        assert meta["mode"] == "full_refresh" and meta["full_refresh_reason"] == "first load"
        assert meta["rows_read"] == meta["rows_loaded"] == meta["rows_inserted"] == source_rows
        assert meta["dagster/row_count"] == source_rows
        assert meta["rows_quarantined"] == 0 and meta["rows_deleted"] == 0
        assert meta["connector"] == "duckdb-postgres-scanner"
        assert meta["cursor_reached"] and len(meta["schema_hash"]) == 16 and meta["duration_s"] > 0
        assert check_result(result, "motcua", table.name, "quarantine").passed
    # Raw layout is the contract dbt staging reads: registry columns in order, then _kho_loaded_at
    # (and _kho_row_hash, which incremental loads compare).
    columns = query(warehouse, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = 'raw' AND table_name = 'motcua__ho_so' ORDER BY ordinal_position")
    registry = load_registry()["motcua"].table("ho_so")
    assert [c for c, _ in columns] == [c.name for c in registry.columns] + ["_kho_loaded_at", "_kho_row_hash"]
    assert dict(columns)["updated_at"] == "TIMESTAMP" and dict(columns)["da_so_hoa"] == "BOOLEAN"
    assert _raw_without_loaded_at(warehouse, "ho_so", "id") == _source_snapshot(pg_sources, "ho_so", "id")


def test_incremental_after_inserts_updates_and_deletes(pg_sources, simulated, warehouse, tmp_path):
    materialize("motcua", warehouse, simulated, tmp_path, tables=["ho_so"])
    pg_exec(pg_sources,
            "INSERT INTO motcua.ho_so SELECT id + 1000000, ma_ho_so || '-N', ma_thu_tuc, ma_co_quan, ma_xa, "
            "ten_nguoi_nop, so_giay_to, loai_doi_tuong, kenh, ngay_tiep_nhan, ngay_hen_tra, ngay_ket_thuc, "
            "trang_thai, da_so_hoa, thanh_toan_truc_tuyen, localtimestamp(0) FROM motcua.ho_so WHERE id <= 5",
            "UPDATE motcua.ho_so SET trang_thai = 'tu_choi', updated_at = localtimestamp(0) WHERE id IN (10, 11, 12)",
            "DELETE FROM motcua.ho_so WHERE id IN (20, 21)")
    result = materialize("motcua", warehouse, simulated, tmp_path, tables=["ho_so"])
    meta = materialization(result, "motcua", "ho_so")
    assert meta["mode"] == "incremental"
    assert (meta["rows_inserted"], meta["rows_updated"], meta["rows_deleted"]) == (5, 3, 2)
    assert meta["rows_read"] == meta["rows_loaded"] == 8 + meta["rows_unchanged"]
    assert meta["key_reconciliation"] is True
    assert _raw_without_loaded_at(warehouse, "ho_so", "id") == _source_snapshot(pg_sources, "ho_so", "id")
    deleted = query(warehouse, "SELECT key FROM ingest.deletions WHERE table_name = 'ho_so' ORDER BY key")
    assert deleted == [("20",), ("21",)]


def test_late_update_with_an_older_cursor_in_the_same_second_is_not_lost(pg_sources, simulated, warehouse):
    pg_exec(pg_sources, "UPDATE motcua.linh_vuc SET updated_at = '2026-06-30 10:00:05.900'")
    first = load(warehouse, "motcua", "linh_vuc", simulated)
    assert first.cursor_max == "2026-06-30 10:00:05.900000"
    # Committed after the load, stamped 0.6 s *before* the maximum already seen.
    pg_exec(pg_sources, "UPDATE motcua.linh_vuc SET ten_linh_vuc = 'Lĩnh vực muộn', "
                        "updated_at = '2026-06-30 10:00:05.300' WHERE ma_linh_vuc = "
                        "(SELECT min(ma_linh_vuc) FROM motcua.linh_vuc)")
    second = load(warehouse, "motcua", "linh_vuc", simulated)
    assert second.rows_updated == 1 and second.cursor_from <= "2026-06-30 10:00:05"
    assert ("Lĩnh vực muộn",) in query(warehouse, "SELECT ten_linh_vuc FROM raw.motcua__linh_vuc")


def test_idempotent_rerun_changes_nothing(pg_sources, simulated, warehouse, tmp_path):
    materialize("dkkd", warehouse, simulated, tmp_path)
    before = raw_rows(warehouse, "dkkd", "doanh_nghiep", "ma_so_thue")
    result = materialize("dkkd", warehouse, simulated, tmp_path)
    meta = materialization(result, "dkkd", "doanh_nghiep")
    assert (meta["rows_inserted"], meta["rows_updated"], meta["rows_deleted"], meta["rows_quarantined"]) == (0, 0, 0, 0)
    assert "key_reconciliation" not in meta        # key counts matched: no key scan needed
    assert raw_rows(warehouse, "dkkd", "doanh_nghiep", "ma_so_thue") == before   # _kho_loaded_at included
    full = materialize("dkkd", warehouse, simulated, tmp_path, tags={"kho/full_refresh": "true"})
    meta = materialization(full, "dkkd", "doanh_nghiep")
    assert meta["mode"] == "full_refresh" and meta["full_refresh_reason"] == "requested"
    assert meta["rows_replaced"] == meta["rows_inserted"] == len(before)
    n = len(load_registry()["dkkd"].table("doanh_nghiep").columns)
    assert [r[:n] for r in raw_rows(warehouse, "dkkd", "doanh_nghiep", "ma_so_thue")] == [r[:n] for r in before]


def test_schema_drift_added_column_flows_removed_and_retyped_stop_only_that_table(pg_sources, simulated, warehouse,
                                                                                   tmp_path):
    materialize("motcua", warehouse, simulated, tmp_path)
    pg_exec(pg_sources, "ALTER TABLE motcua.thu_tuc ADD COLUMN ghi_chu text",
            "UPDATE motcua.thu_tuc SET ghi_chu = 'mới', updated_at = localtimestamp(0) "
            "WHERE ma_thu_tuc = (SELECT min(ma_thu_tuc) FROM motcua.thu_tuc)")
    result = materialize("motcua", warehouse, simulated, tmp_path, tables=["thu_tuc"])
    meta = materialization(result, "motcua", "thu_tuc")
    assert meta["columns_added"] == ["ghi_chu"] and meta["rows_updated"] == 1
    assert query(warehouse, "SELECT count(*) FROM raw.motcua__thu_tuc WHERE ghi_chu = 'mới'") == [(1,)]

    before_ho_so = raw_rows(warehouse, "motcua", "ho_so", "id")
    pg_exec(pg_sources, "ALTER TABLE motcua.ho_so DROP COLUMN kenh",
            "ALTER TABLE motcua.ho_so_xu_ly ALTER COLUMN buoc TYPE text",
            "UPDATE motcua.linh_vuc SET updated_at = localtimestamp(0)")
    result = materialize("motcua", warehouse, simulated, tmp_path, raise_on_error=False)
    failures = {e.step_key: error_text(e.event_specific_data.error)
                for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE}
    assert len(failures) == 2
    ho_so = next(m for k, m in failures.items() if "ho_so" in k and "xu_ly" not in k)
    xu_ly = next(m for k, m in failures.items() if "xu_ly" in k)
    assert "`kenh` was removed at the source" in ho_so
    assert "`buoc` was retyped at the source: integer → text" in xu_ly
    # The other tables still loaded; the stopped one is untouched.
    assert materialization(result, "motcua", "linh_vuc")["rows_updated"] > 0
    assert raw_rows(warehouse, "motcua", "ho_so", "id") == before_ho_so


def test_connection_cut_mid_transfer_fails_cleanly_and_leaves_raw_as_it_was(pg_sources, simulated, warehouse,
                                                                            monkeypatch):
    load(warehouse, "motcua", "ho_so_xu_ly", simulated)
    before = raw_rows(warehouse, "motcua", "ho_so_xu_ly", "id")
    state = query(warehouse, "SELECT * FROM ingest.state WHERE table_name = 'ho_so_xu_ly'")
    pg_exec(pg_sources, "UPDATE motcua.ho_so_xu_ly SET ten_buoc = ten_buoc || ' (sửa)', updated_at = localtimestamp(0)")
    port = int(pg_sources.split(":")[-1].split("/")[0])
    with CuttingProxy(port, cut_after=300_000) as proxy:
        monkeypatch.setenv("KHO_SOURCE_MOTCUA_URL", pg_sources.replace(f":{port}/", f":{proxy.port}/"))
        with pytest.raises(SourceUnavailableError, match="transfer failed|server closed|connection"):
            load(warehouse, "motcua", "ho_so_xu_ly", simulated)
        assert proxy.cuts >= 1
    assert raw_rows(warehouse, "motcua", "ho_so_xu_ly", "id") == before
    assert query(warehouse, "SELECT * FROM ingest.state WHERE table_name = 'ho_so_xu_ly'") == state


def test_cut_connection_is_retried_with_backoff_and_then_loads(pg_sources, simulated, warehouse, tmp_path,
                                                               monkeypatch):
    port = int(pg_sources.split(":")[-1].split("/")[0])
    with CuttingProxy(port, cut_after=300_000, max_cuts=1) as proxy:
        monkeypatch.setenv("KHO_SOURCE_MOTCUA_URL", pg_sources.replace(f":{port}/", f":{proxy.port}/"))
        policy = dg.RetryPolicy(max_retries=2, delay=0.2, backoff=dg.Backoff.EXPONENTIAL)
        result = materialize("motcua", warehouse, simulated, tmp_path, tables=["ho_so_xu_ly"], retry_policy=policy)
    assert result.success and proxy.cuts == 1
    restarts = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(restarts) == 1
    assert "transfer failed" in error_text(restarts[0].event_specific_data.error)
    meta = materialization(result, "motcua", "ho_so_xu_ly")
    assert meta["rows_loaded"] == pg_rows(pg_sources, "SELECT count(*) FROM motcua.ho_so_xu_ly")[0][0]


def test_unreachable_source_fails_with_a_clear_error_after_retries(simulated, warehouse, tmp_path, monkeypatch,
                                                                   postgres_url):
    monkeypatch.setenv("KHO_SOURCE_DKKD_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    policy = dg.RetryPolicy(max_retries=2, delay=0.1, backoff=dg.Backoff.EXPONENTIAL)
    result = materialize("dkkd", warehouse, simulated, tmp_path, retry_policy=policy, raise_on_error=False)
    assert not result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert len(retries) == 2
    assert "dkkd.doanh_nghiep: cannot connect to postgresql://postgres@127.0.0.1:1/nowhere" in \
        error_text(failure.event_specific_data.error)
    assert not warehouse.exists() or query(warehouse, "SELECT count(*) FROM information_schema.tables "
                                                      "WHERE table_schema = 'raw'") == [(0,)]


def test_legacy_text_columns_quarantine_bad_values_and_load_the_rest(pg_db, simulated, warehouse, tmp_path,
                                                                      monkeypatch):
    # A legacy register that keeps dates and amounts as text.
    pg_exec(pg_db, "CREATE SCHEMA dkkd", """
        CREATE TABLE dkkd.doanh_nghiep (ma_so_thue text primary key, ten_doanh_nghiep text, loai_hinh text,
          nganh_nghe_chinh text, von_dieu_le text, ngay_thanh_lap text, trang_thai text, ma_xa text,
          nguoi_dai_dien text, so_giay_to_nguoi_dai_dien text, updated_at text)""", """
        INSERT INTO dkkd.doanh_nghiep VALUES
          ('0100000001', 'Công ty A', 'co_phan', '4711', '5000000000', '2020-01-15', 'dang_hoat_dong', '03127',
           'Nguyễn Văn A', '011000000001', '2026-06-01 08:00:00'),
          ('0100000002', 'Công ty B', 'tnhh_1tv', '4711', '1.5 tỷ', '15/02/2021', 'dang_hoat_dong', '03127',
           'Trần Thị B', '011000000002', '2026-06-01 08:00:00'),
          ('0100000003', 'Công ty C', 'tu_nhan', '4711', '200000000', '31/02/2021', 'tam_ngung', '03127',
           'Lê Văn C', '011000000003', '2026-06-01 08:00:00'),
          ('0100000004', 'Công ty D', 'tu_nhan', '4711', ' 300000000 ', '01/03/2022', 'dang_hoat_dong', '03127',
           'Phạm Văn D', '011000000004', 'không rõ')""")
    monkeypatch.setenv("KHO_SOURCE_DKKD_URL", pg_db)
    result = materialize("dkkd", warehouse, simulated, tmp_path)
    meta = materialization(result, "dkkd", "doanh_nghiep")
    assert (meta["rows_read"], meta["rows_loaded"], meta["rows_quarantined"]) == (4, 1, 3)
    assert raw_rows(warehouse, "dkkd", "doanh_nghiep")[0][:7] == (
        "0100000001", "Công ty A", "co_phan", "4711", 5_000_000_000, __import__("datetime").date(2020, 1, 15),
        "dang_hoat_dong")
    quarantined = query(warehouse, "SELECT source, key, column_name, reason, value FROM ingest.quarantine ORDER BY key")
    assert [(k, c, v) for _, k, c, _, v in quarantined] == [
        ("0100000002", "von_dieu_le", "1.5 tỷ"), ("0100000003", "ngay_thanh_lap", "31/02/2021"),
        ("0100000004", "updated_at", "không rõ")]
    assert all(s.endswith("dkkd.doanh_nghiep") and s.startswith("postgresql://") for s, *_ in quarantined)
    assert "not a whole number" in quarantined[0][3] and "not a valid date" in quarantined[1][3]
    check = check_result(result, "dkkd", "doanh_nghiep", "quarantine")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["rows_quarantined"].value == 3
    # Row 4 had a valid date written dd/mm/yyyy and blanks around its amount: those are read, not rejected.
    pg_exec(pg_db, "UPDATE dkkd.doanh_nghiep SET updated_at = '2026-06-30 09:00:00' WHERE ma_so_thue = '0100000004'")
    second = load(warehouse, "dkkd", "doanh_nghiep", simulated)
    # The two still-bad rows are inside the lookback window: read again, quarantined again, never lost.
    assert (second.rows_inserted, second.rows_quarantined) == (1, 2)
    assert second.key_reconciliation and second.missing_keys == 2
    assert query(warehouse, "SELECT von_dieu_le, ngay_thanh_lap FROM raw.dkkd__doanh_nghiep "
                            "WHERE ma_so_thue = '0100000004'") == [(300_000_000, __import__("datetime").date(2022, 3, 1))]
