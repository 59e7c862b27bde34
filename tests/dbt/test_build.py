"""`dbt build` over a simulated province with its default defects: green, unit tests run, and every
injected defect is found by its staging warn-test and handled explicitly by the models."""

from __future__ import annotations

from collections import defaultdict

import pytest

#: Defect type → (model or source the test sits on, test macro, column) of the warn-test that finds it.
DETECTING_TESTS = {
    ("duplicate_dossier_code", "ho_so"): [("stg_motcua__dossiers", "unique", "dossier_code")],
    ("finished_before_received", "ho_so"): [("stg_motcua__dossiers", "expression_is_true", None)],
    ("missing_due_date", "ho_so"): [("stg_motcua__dossiers", "not_null", "due_at")],
    ("unknown_commune_code", "ho_so"): [("stg_motcua__dossiers", "commune_in_province", "commune_id")],
    ("unknown_commune_code", "doanh_nghiep"): [("stg_dkkd__enterprises", "commune_in_province", "commune_id")],
    ("malformed_personal_id", "cong_dan"): [("stg_dancu__citizens", "personal_id_matches_person", "citizen_id")],
    ("invalid_tax_code_check_digit", "doanh_nghiep"): [("stg_dkkd__enterprises", "valid_tax_code", "enterprise_id")],
    ("future_date", "ho_so"): [("stg_motcua__dossiers", "not_after_source_as_of", "received_at"),
                               ("stg_motcua__dossiers", "not_after_source_as_of", "finished_at")],
    ("future_date", "van_ban"): [("stg_qlvb__documents", "not_after_source_as_of", "issued_on")],
    ("non_nfc_text", "ho_so"): [("ho_so", "is_nfc", "ten_nguoi_nop")],
    ("non_nfc_text", "doanh_nghiep"): [("doanh_nghiep", "is_nfc", "ten_doanh_nghiep")],
    ("stale_feed", "co_so_y_te"): [("stg_yte__health_facilities", "recent_updates", None)],
    ("stale_feed", "truong_hoc"): [("stg_giaoduc__schools", "recent_updates", None)],
}
#: Row-level tests whose failure count is exactly the number of rows the simulator spoilt.
EXACT = {"finished_before_received", "missing_due_date", "unknown_commune_code", "malformed_personal_id",
         "invalid_tax_code_check_digit", "non_nfc_text"}


def _tests_by_target(run) -> dict[tuple[str, str, str | None], list[str]]:
    found = defaultdict(list)
    for uid, node in run.manifest["nodes"].items():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        attached = node.get("attached_node") or ""
        target = attached.split(".")[-1] if attached else (node["sources"][0][-1] if node.get("sources") else "")
        found[(target, node["test_metadata"]["name"], node.get("column_name"))].append(uid)
    return found


def test_build_is_green_with_default_defects(dbt_run):
    assert dbt_run.returncode == 0, dbt_run.output
    bad = {uid: r["status"] for uid, r in dbt_run.results.items() if r["status"] in ("error", "fail", "skipped")}
    assert not bad, bad


def test_unit_tests_run_and_pass(dbt_run):
    unit = {uid: r["status"] for uid, r in dbt_run.results.items() if uid.startswith("unit_test.")}
    assert len(unit) >= 7 and set(unit.values()) == {"pass"}, unit


def test_every_injected_defect_is_found_by_its_warn_test(dbt_run):
    tests = _tests_by_target(dbt_run)
    assert dbt_run.defects, "the simulator injected no defects"
    for defect in dbt_run.defects:
        key = (defect["type"], defect["table"])
        assert key in DETECTING_TESTS, f"no staging test is known to detect {key}"
        for target, macro, column in DETECTING_TESTS[key]:
            uids = tests[(target, macro, column)]
            assert uids, f"{macro} on {target}.{column} is not declared"
            results = [dbt_run.results[uid] for uid in uids]
            node = dbt_run.node(uids[0])
            assert node["config"]["severity"] == "warn", uids
            assert {r["status"] for r in results} == {"warn"}, (key, [(r["unique_id"], r["status"]) for r in results])
            if defect["type"] in EXACT:
                assert sum(r["failures"] for r in results) == defect["count"], (key, uids)


def test_no_staging_test_warns_without_an_injected_defect(dbt_run):
    """The defect checks are precise: on simulated data only the injected defects trip them."""
    tests = _tests_by_target(dbt_run)
    expected = {uid for key in {(d["type"], d["table"]) for d in dbt_run.defects}
                for target in DETECTING_TESTS[key] for uid in tests[target]}
    warned = {uid for uid, r in dbt_run.results.items() if r["status"] == "warn"}
    assert warned <= expected, sorted(warned - expected)


def test_defect_tests_are_warnings_tagged_with_a_quality_dimension(dbt_run):
    for uid, node in dbt_run.manifest["nodes"].items():
        if node["resource_type"] != "test":
            continue
        if node["fqn"][1] == "staging":
            assert node["config"]["severity"] == "warn", uid
            assert len(set(node["tags"]) & {"dung", "du", "sach", "song"}) == 1, (uid, node["tags"])
        elif node["fqn"][1] == "published":
            assert node["config"]["severity"] == "error", uid


def _keys(run, type_, table):
    return next((set(d["keys"]) for d in run.defects if d["type"] == type_ and d["table"] == table), set())


def test_duplicate_dossier_codes_are_counted_once(dbt_run):
    with dbt_run.connect() as con:
        raw_rows, raw_codes = con.sql("select count(*), count(distinct ma_ho_so) from raw.motcua__ho_so").fetchone()
        published, codes = con.sql("select count(*), count(distinct dossier_code) from published.dossiers").fetchone()
    assert raw_rows - raw_codes == len(_keys(dbt_run, "duplicate_dossier_code", "ho_so")) > 0
    assert published == codes == raw_codes


@pytest.mark.parametrize("type_, table, sql", [
    ("finished_before_received", "ho_so",
     # Clean finishes are never in the future, so a finish that is not valid is one before receipt.
     "select dossier_id from marts.fct_dossiers where finished_at is not null"
     " and not has_valid_finish_dates and not is_received_in_future"),
    ("future_date", "ho_so", "select dossier_id from marts.fct_dossiers where is_received_in_future"),
    ("missing_due_date", "ho_so", "select dossier_id from marts.fct_dossiers where is_due_date_missing"),
    ("unknown_commune_code", "ho_so", "select dossier_id from marts.fct_dossiers where has_unknown_commune_code"),
    ("future_date", "van_ban", "select document_id from marts.fct_documents where is_issued_in_future"),
    ("invalid_tax_code_check_digit", "doanh_nghiep", "select tax_code from published.enterprises where not is_tax_code_valid"),
    ("unknown_commune_code", "doanh_nghiep", "select tax_code from published.enterprises where has_unknown_commune_code"),
    ("malformed_personal_id", "cong_dan", "select citizen_id from published.citizens where not is_citizen_id_valid"),
])
def test_models_flag_exactly_the_defective_rows(dbt_run, type_, table, sql):
    injected = _keys(dbt_run, type_, table)
    if table == "ho_so":
        # Dossier keys are source row ids; a duplicate copy that lost deduplication is not in the marts.
        with dbt_run.connect() as con:
            kept = {r[0] for r in con.sql("select dossier_id from marts.fct_dossiers").fetchall()}
        injected &= kept
    assert injected, f"nothing injected for {type_} in {table}"
    with dbt_run.connect() as con:
        flagged = {r[0] for r in con.sql(sql).fetchall()}
    assert flagged == injected


def test_defective_rows_stay_out_of_published_keys_and_codes(dbt_run):
    with dbt_run.connect() as con:
        foreign = con.sql("""
            select count(*) from published.dossiers d
            where d.commune_id is not null
              and d.commune_id not in (select commune_id from marts.dim_communes)""").fetchone()[0]
        future_months = con.sql("""
            select count(*) from published.dossier_kpis_monthly
            where month_start_on > (select max(received_on) from marts.fct_dossiers where not is_received_in_future)
        """).fetchone()[0]
    assert foreign == 0
    assert future_months == 0
