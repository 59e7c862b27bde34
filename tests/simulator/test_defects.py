"""The manifest lists exactly the injected defects: each rule, recomputed here over the written files,
finds the manifest's keys and nothing else; clean data trips no rule."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.simulator.conftest import AS_OF
from tests.simulator.test_ids import MST_VALID, PERSONAL_ID_MATCHES

# (defect type, table) → SQL returning the primary keys of the rows that break the rule.
RULES = {
    ("duplicate_dossier_code", "ho_so"):
        "SELECT h.id FROM motcua.ho_so h WHERE EXISTS "
        "(SELECT 1 FROM motcua.ho_so o WHERE o.ma_ho_so = h.ma_ho_so AND o.id < h.id)",
    ("finished_before_received", "ho_so"): "SELECT id FROM motcua.ho_so WHERE ngay_ket_thuc < ngay_tiep_nhan",
    ("missing_due_date", "ho_so"): "SELECT id FROM motcua.ho_so WHERE ngay_hen_tra IS NULL",
    ("unknown_commune_code", "ho_so"):
        "SELECT id FROM motcua.ho_so WHERE ma_xa NOT IN (SELECT commune_code FROM communes)",
    ("unknown_commune_code", "doanh_nghiep"):
        "SELECT ma_so_thue FROM dkkd.doanh_nghiep WHERE ma_xa NOT IN (SELECT commune_code FROM communes)",
    ("malformed_personal_id", "cong_dan"):
        "SELECT so_dinh_danh FROM dancu.cong_dan WHERE NOT "
        + PERSONAL_ID_MATCHES.format(id="so_dinh_danh", born="ngay_sinh", sex="gioi_tinh"),
    ("invalid_tax_code_check_digit", "doanh_nghiep"):
        "SELECT ma_so_thue FROM dkkd.doanh_nghiep WHERE NOT " + MST_VALID.format(c="ma_so_thue"),
    ("future_date", "ho_so"): f"SELECT id FROM motcua.ho_so WHERE ngay_tiep_nhan::DATE > DATE '{AS_OF}'",
    ("future_date", "van_ban"): f"SELECT id FROM qlvb.van_ban WHERE ngay_ban_hanh > DATE '{AS_OF}'",
    ("non_nfc_text", "ho_so"): "SELECT id FROM motcua.ho_so WHERE nfc_normalize(ten_nguoi_nop) <> ten_nguoi_nop",
    ("non_nfc_text", "doanh_nghiep"):
        "SELECT ma_so_thue FROM dkkd.doanh_nghiep WHERE nfc_normalize(ten_doanh_nghiep) <> ten_doanh_nghiep",
    # A feed is stale when its newest row is older than its 90-day SLA: then every row is listed.
    ("stale_feed", "co_so_y_te"):
        f"SELECT ma_co_so FROM co_so_y_te WHERE (SELECT max(updated_at::TIMESTAMP) FROM co_so_y_te) "
        f"< TIMESTAMP '{AS_OF}' - INTERVAL 90 DAY",
    ("stale_feed", "truong_hoc"):
        f"SELECT ma_truong FROM truong_hoc_sheet WHERE (SELECT max(updated_at) FROM truong_hoc_sheet) "
        f"< TIMESTAMP '{AS_OF}' - INTERVAL 90 DAY",
}
SYSTEM_OF = {"ho_so": "motcua", "van_ban": "qlvb", "doanh_nghiep": "dkkd", "cong_dan": "dancu",
             "co_so_y_te": "yte", "truong_hoc": "giaoduc"}
EXPECTED_TYPES = {key for key in RULES if key != ("stale_feed", "truong_hoc")}


def _found(con, sql) -> set:
    return {key for (key,) in con.execute(sql).fetchall()}


@pytest.mark.parametrize("defect, table", sorted(RULES))
def test_clean_data_breaks_no_rule(clean, defect, table):
    assert _found(clean.connect(), RULES[(defect, table)]) == set()


def test_clean_manifest_lists_nothing(clean):
    assert clean.manifest["defect_rate"] == 0
    assert clean.manifest["defects"] == [] and clean.manifest["stale_feeds"] == []


def test_manifest_lists_every_defect_type(spoilt):
    listed = {(d["type"], d["table"]) for d in spoilt.manifest["defects"]}
    assert listed == EXPECTED_TYPES
    for entry in spoilt.manifest["defects"]:
        assert entry["system"] == SYSTEM_OF[entry["table"]]
        assert entry["count"] == len(entry["keys"]) == len(set(entry["keys"])) > 0
        assert entry["keys"] == sorted(entry["keys"])


@pytest.mark.parametrize("defect, table", sorted(EXPECTED_TYPES))
def test_each_rule_finds_exactly_the_listed_rows(spoilt, defect, table):
    entry = next(d for d in spoilt.manifest["defects"] if (d["type"], d["table"]) == (defect, table))
    assert _found(spoilt.connect(), RULES[(defect, table)]) == set(entry["keys"])


def test_rates_follow_the_preset(spoilt):
    rows = spoilt.manifest["row_counts"]
    for entry in spoilt.manifest["defects"]:
        if entry["type"] != "stale_feed":
            assert entry["count"] == round(0.01 * rows[f"{entry['system']}.{entry['table']}"]), entry["type"]


def test_a_row_carries_one_defect(spoilt):
    by_table: dict[str, list[set]] = {}
    for entry in spoilt.manifest["defects"]:
        by_table.setdefault(entry["table"], []).append(set(entry["keys"]))
    for table, key_sets in by_table.items():
        union = set().union(*key_sets)
        assert len(union) == sum(len(keys) for keys in key_sets), table


def test_the_stale_feed_stops_about_120_days_before_as_of(spoilt):
    (feed,) = spoilt.manifest["stale_feeds"]
    assert feed["system"] == "yte"
    con = spoilt.connect()
    latest = con.execute("SELECT max(updated_at::TIMESTAMP) FROM co_so_y_te").fetchone()[0]
    assert latest.strftime("%Y-%m-%d %H:%M:%S") == feed["last_updated_at"]
    age = dt.datetime.combine(AS_OF, dt.time()) - latest
    assert dt.timedelta(days=119) < age < dt.timedelta(days=121)
    # The other feeds stay fresh even with defects on.
    for table in ("motcua.ho_so", "qlvb.van_ban", "dkkd.doanh_nghiep", "dancu.cong_dan"):
        newest = con.execute(f"SELECT max(updated_at) FROM {table}").fetchone()[0]
        assert dt.datetime.combine(AS_OF, dt.time()) - newest < dt.timedelta(hours=24), table


def test_duplicates_copy_an_earlier_clean_dossier(spoilt):
    con = spoilt.connect()
    spoilt_ids = {k for d in spoilt.manifest["defects"] if d["table"] == "ho_so" for k in d["keys"]}
    originals = {i for (i,) in con.execute("""
        SELECT min(id) FROM motcua.ho_so WHERE ma_ho_so IN
          (SELECT ma_ho_so FROM motcua.ho_so GROUP BY 1 HAVING count(*) > 1) GROUP BY ma_ho_so""").fetchall()}
    assert originals and not originals & spoilt_ids
