"""Fast tests of the gate's parts (no pipeline run): scoring, statuses, masking, dimension mapping of every
dbt test, the GX suites (load, run on a batch, agree with their SQL translation) and the reconciliation
check against a real SQLite source and DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import duckdb
import pandas as pd
import pytest

from expectations.runner import GxRunner, check_name, load_suite, suite_names
from expectations.sql import run_suite_sql
from orchestration.lib.quality.checks import DIMENSIONS, CheckResult, dimension_score, status_of
from orchestration.lib.quality.dbt_checks import TEST_DIMENSIONS, DbtProjectGraph
from orchestration.lib.quality.ingestion import reconcile
from orchestration.lib.quality.masking import mask_rows, mask_value
from orchestration.lib.registry import Column, System, Table


def _check(status="pass", failing=0, rows=100, dim="dung", severity="error") -> CheckResult:
    return CheckResult(check_id=f"t{status}{failing}", name="t", source="dbt", dimension=dim, severity=severity,
                       status=status, target="x", failing_count=failing, rows_tested=rows)


def test_status_rules():
    assert status_of(True, "error", 0) == "pass"
    assert status_of(True, "error", 3) == "warn"      # within tolerance (mostly / error_if)
    assert status_of(False, "warn", 3) == "warn"
    assert status_of(False, "error", 3) == "fail"


def test_score_is_the_product_of_pass_shares_and_table_level_checks_count_whole():
    assert dimension_score([]) is None
    assert dimension_score([_check()]) == 100.0
    assert dimension_score([_check("warn", 1, 100), _check("warn", 1, 100)]) == pytest.approx(98.0, abs=0.05)
    assert dimension_score([_check("warn", None, None), _check()]) == 0.0
    assert dimension_score([_check("pass", None, None)]) == 100.0


def test_masking_keeps_the_shape_only():
    assert mask_value("0110575953601") == "9999999999999"
    assert mask_value("Nguyễn Văn Ánh") == "xxxxxx xxx xxx"
    assert mask_value(None) is None
    rows = mask_rows([{"full_name": "Lò Thị Mai", "commune_id": "03151"}], {"full_name"})
    assert rows == [{"full_name": "xx xxx xxx", "commune_id": "03151"}]


@pytest.fixture(scope="module")
def graph() -> DbtProjectGraph:
    from orchestration.defs.dbt.project import kho_dbt_project

    return DbtProjectGraph(json.loads(kho_dbt_project().manifest_path.read_text(encoding="utf-8")))


def test_every_dbt_test_has_a_dimension_by_tag_or_kind(graph):
    for uid in graph.all_tests:
        node = graph.node(uid)
        tags = set(node.get("tags") or []) & set(DIMENSIONS)
        kind = graph.test_kind(uid)
        assert tags or kind == "unit" or kind in TEST_DIMENSIONS, f"{uid} ({kind}) has no dimension"
        assert graph.dimension(uid) in DIMENSIONS


def test_published_datasets_see_their_upstream_tests(graph):
    from orchestration.lib.quality.gate import GateInputs

    gate = GateInputs(graph=graph, results={}, builds={})
    ids = gate.check_ids("dossier_kpis_monthly")
    assert any("stg_motcua__dossiers" in i for i in ids)                 # staging warn-tests upstream
    assert any(i.startswith("unit_test.kho.dossier_kpis_monthly") for i in ids)
    assert "python.motcua.ho_so.row_count_reconciliation" in ids
    assert "python.qlvb.co_quan.freshness" in ids
    assert not any("stg_dancu__citizens" in i for i in ids)              # not from other lineages
    # a relationships test is the dataset's own, not every dataset's that reads dim_agencies
    assert not any("relationships_dossiers_agency_id" in i for i in gate.check_ids("document_kpis_monthly"))


def test_every_published_dataset_has_a_suite_that_matches_its_columns(graph):
    published = {n["name"]: n for n in graph.nodes.values()
                 if n.get("resource_type") in ("model", "seed") and n.get("schema") == "published"}
    assert set(suite_names()) == set(published)
    for name in suite_names():
        suite = load_suite(name)
        names = [check_name(e) for e in suite["expectations"]]
        assert len(names) == len(set(names)), f"{name}: check names must be unique"
        for e in suite["expectations"]:
            assert e["meta"]["dimension"] in DIMENSIONS, (name, e)
            assert e["severity"] in ("critical", "warning"), (name, e)
        columns = next(e for e in suite["expectations"] if e["type"] == "expect_table_columns_to_match_ordered_list")
        assert columns["kwargs"]["column_list"] == list(published[name]["columns"]), name


def test_gx_suite_runs_on_a_batch_and_agrees_with_its_sql(tmp_path):
    """The enterprises suite on a tiny batch with one bad tax-code format and 1 in 4 invalid check digits
    (above the 5 % tolerance): GX and the one-query SQL translation find the same counts."""
    rows = [("5601000229", True), ("5601000620", True), ("5601001141", False), ("56010", True)]
    df = pd.DataFrame({
        "tax_code": [r[0] for r in rows], "is_tax_code_valid": [r[1] for r in rows],
        "enterprise_name": ["A", "B", "C", "D"], "legal_form": ["tnhh_1tv"] * 4, "main_industry_code": ["0111"] * 4,
        "charter_capital_vnd": [1, 2, 3, 4], "founded_on": [dt.date(2020, 1, 1)] * 4,
        "status": ["dang_hoat_dong"] * 4, "commune_id": ["03151"] * 4, "commune_name": ["X"] * 4,
        "province_id": ["11"] * 4, "province_name": ["Điện Biên"] * 4, "has_unknown_commune_code": [False] * 4,
        "updated_at": [dt.datetime(2025, 1, 1)] * 4,
    })
    checks = {c.name: c for c in GxRunner(tmp_path).validate("enterprises", df, set())}
    assert checks["tax_code_check_digit"].status == "fail" and checks["tax_code_check_digit"].failing_count == 1
    assert checks["expect_column_values_to_match_regex(tax_code)"].failing_count == 1
    assert checks["expect_column_values_to_match_regex(tax_code)"].sample_rows[0]["tax_code"] == "56010"
    assert checks["known_commune_code"].status == "pass"
    assert (tmp_path / "quality" / "data_docs" / "index.html").exists()
    con = duckdb.connect()
    con.execute("CREATE SCHEMA published")
    con.register("frame", df)
    con.execute("CREATE TABLE published.enterprises AS SELECT * FROM frame")
    sql = run_suite_sql(con, load_suite("enterprises"), "published", "enterprises")
    for name, check in checks.items():
        expected = check.failing_count if check.failing_count is not None else int(check.status != "pass")
        assert sql[name] == expected, name


def test_reconciliation_against_a_real_source(tmp_path):
    source = tmp_path / "t.sqlite"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE things (id INTEGER, name TEXT, updated_at TEXT)")
        db.executemany("INSERT INTO things VALUES (?, ?, ?)", [(i, f"n{i}", "2025-01-01 00:00:00") for i in range(5000)])
    table = Table(system="demo", name="things", primary_key=("id",), cursor="updated_at",
                  columns=(Column("id", "bigint", "none"), Column("name", "text", "none"),
                           Column("updated_at", "timestamp", "none")))
    system = System(name="demo", title="Demo", title_en="Demo", owner_code="x", owner_name="x",
                    connection_env="KHO_TEST_UNUSED_URL", connection_default=f"sqlite:///{source}", schedule="",
                    freshness_sla_hours=24, tables=(table,))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.demo__things AS SELECT range AS id, 'n' || range AS name, "
                "TIMESTAMP '2025-01-01' AS updated_at, now()::TIMESTAMP AS _kho_loaded_at FROM range(5000)")
    assert reconcile(con, system, table, tmp_path).status == "pass"
    con.execute("DELETE FROM raw.demo__things WHERE id < 100")          # 2 % lost in the warehouse
    lost = reconcile(con, system, table, tmp_path)
    assert (lost.status, lost.failing_count, lost.rows_tested) == ("fail", 100, 5000)
    con.execute("DELETE FROM raw.demo__things WHERE id = 4999")          # plus one more: still a failure
    assert reconcile(con, system, table, tmp_path).failing_count == 101
    con.execute("CREATE SCHEMA ingest")
    con.execute("CREATE TABLE ingest.state (system VARCHAR, table_name VARCHAR, missing_keys BIGINT)")
    con.execute("INSERT INTO ingest.state VALUES ('demo', 'things', 101)")   # explained by quarantine
    assert reconcile(con, system, table, tmp_path).status == "warn"


def test_a_dataset_without_a_suite_is_flagged_not_blocked(tmp_path):
    (check,) = GxRunner(tmp_path).validate("no_such_dataset", pd.DataFrame({"a": [1]}), set())
    assert (check.status, check.severity, check.source) == ("warn", "warn", "gx")
    assert "expectations/suites/no_such_dataset.json" in check.message
