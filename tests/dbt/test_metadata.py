"""Every published dataset carries the metadata the catalogue and the publish step read from the
manifest, and documents exactly the columns it has."""

from __future__ import annotations

import unicodedata

import pytest

DATASETS = {
    "dossier_kpis_monthly", "public_services", "document_kpis_monthly", "enterprises", "population_by_commune",
    "admin_units", "health_facilities", "schools", "agency_scorecard", "dossiers", "citizens",
}
DATASET_KEYS = {"dataset", "access_level", "title_vi", "title_en", "description_vi", "description_en", "owner_code",
                "owner_name", "theme", "keywords", "update_frequency", "primary_key", "source_tables"}
COLUMN_KEYS = {"title_vi", "title_en", "description_vi", "unit", "pii"}


@pytest.fixture(scope="module")
def published(dbt_run) -> dict[str, dict]:
    return {n["name"]: n for n in dbt_run.manifest["nodes"].values()
            if n["resource_type"] in ("model", "seed") and n["schema"] == "published"}


def _nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_the_published_schema_holds_exactly_the_datasets(published):
    assert set(published) == DATASETS


def test_every_dataset_has_its_catalogue_metadata(published):
    for name, node in published.items():
        kho = node["config"]["meta"]["kho"]
        assert DATASET_KEYS <= set(kho), (name, DATASET_KEYS - set(kho))
        assert kho["dataset"] is True
        assert kho["access_level"] in ("open", "shared", "private")
        assert kho["update_frequency"] in ("daily", "monthly", "quarterly")
        assert kho["primary_key"] and set(kho["primary_key"]) <= set(node["columns"]), name
        assert all(_nfc(str(v)) for v in kho.values() if isinstance(v, str)), name
        assert kho["keywords"] and all(_nfc(k) for k in kho["keywords"])


def test_every_column_is_documented_and_only_real_columns_are(dbt_run, published):
    with dbt_run.connect() as con:
        for name, node in published.items():
            actual = {r[0]: r[1] for r in con.sql(f"describe published.{name}").fetchall()}
            assert list(node["columns"]) == list(actual), name  # same columns, same order
            for column, spec in node["columns"].items():
                meta = spec["config"]["meta"]
                assert COLUMN_KEYS <= set(meta), (name, column)
                assert meta["title_vi"] and meta["title_en"] and spec["description"], (name, column)
                assert meta["pii"] in ("none", "basic", "sensitive"), (name, column)
                assert all(_nfc(meta[k]) for k in ("title_vi", "description_vi")), (name, column)
                assert spec["data_type"].upper() == actual[column], (name, column, actual[column])


def test_open_datasets_carry_no_personal_data(published):
    for name, node in published.items():
        if node["config"]["meta"]["kho"]["access_level"] == "open":
            pii = {c: s["config"]["meta"]["pii"] for c, s in node["columns"].items()}
            assert set(pii.values()) == {"none"}, (name, pii)


def test_personal_data_is_classed_in_shared_and_private_datasets(published):
    pii = lambda name: {c for c, s in published[name]["columns"].items() if s["config"]["meta"]["pii"] != "none"}
    assert {"applicant_name", "applicant_id_number"} <= pii("dossiers")
    assert {"citizen_id", "full_name", "born_on", "sex", "ethnicity"} <= pii("citizens")


def test_published_consumer_tests_block_publication(dbt_run, published):
    for name in published:
        uid = next(u for u, n in dbt_run.manifest["nodes"].items() if n["name"] == name
                   and n["resource_type"] in ("model", "seed"))
        tests = [n for n in dbt_run.manifest["nodes"].values()
                 if n["resource_type"] == "test" and n.get("attached_node") == uid]
        assert tests, name
        assert {t["config"]["severity"] for t in tests} == {"error"}, name
        pk = published[name]["config"]["meta"]["kho"]["primary_key"]
        kinds = {t["test_metadata"]["name"] for t in tests if t.get("test_metadata")}
        assert ("unique" in kinds if len(pk) == 1 else "unique_combination_of_columns" in kinds), name
