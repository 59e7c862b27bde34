"""End to end: `make pipeline` (the demo without the server) from a clean folder, then the API over it.

This is the path a newcomer takes with `make demo`: simulate the sector systems at the `small` scale,
run the whole pipeline once in-process (ingest → dbt build with checks → publish), and serve.
"""

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from catalog.store import CatalogStore
from kho.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

AS_OF = "2026-11-01"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHO_", "DAGSTER_"))}
    env["KHO_HOME"] = str(home)
    return env


def _kho(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "kho"), *args], cwd=PROJECT_ROOT,
                          env=_env(home), capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "var"
    # `-o .venv/.installed`: the venv is already set up; run exactly the demo's pipeline commands.
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "pipeline", f"KHO_HOME={home}"],
        cwd=PROJECT_ROOT, env=_env(home), capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return home


@pytest.fixture(scope="module")
def store(home) -> CatalogStore:
    return CatalogStore(Settings(home=home).catalog_url)


def test_pipeline_publishes_versioned_parquet_with_schema(home, store):
    for name in ("dossier_kpis_monthly", "public_services"):
        version = store.current_version(name)
        assert version is not None and version.status == "published", name
        folder = home / "published" / version.path
        schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
        rows = duckdb.sql(f"select count(*) from read_parquet('{folder / 'data.parquet'}')").fetchone()[0]
        assert rows == version.row_count == schema["row_count"] > 0
        assert schema["dataset"] == name and schema["version"] == version.version
        for column in schema["columns"]:
            assert column["title_vi"] and column["title_en"] and column["pii"] in ("none", "basic", "sensitive")
        assert duckdb.sql(
            f"select compression from parquet_metadata('{folder / 'data.parquet'}') limit 1"
        ).fetchone()[0].upper() == "ZSTD"


def test_api_serves_open_datasets_only(home, store):
    with TestClient(create_app(Settings(home=home))) as client:
        listed = client.get("/api/v1/datasets").json()["datasets"]
        names = {d["name"] for d in listed}
        assert {"dossier_kpis_monthly", "public_services"} <= names
        for dataset in store.list_datasets():
            visible = dataset["name"] in names
            assert visible == (dataset["access_level"] == "open" and dataset["current_version"] is not None)
            if dataset["access_level"] != "open":
                assert client.get(f"/api/v1/datasets/{dataset['name']}/rows").status_code == 404
        assert client.get("/api/v1/datasets/no_such_dataset").status_code == 404


def test_api_pages_through_every_row_of_the_current_version(home, store):
    version = store.current_version("public_services")
    key = store.get_dataset("public_services")["primary_key"]
    with TestClient(create_app(Settings(home=home))) as client:
        seen, url = [], "/api/v1/datasets/public_services/rows?_size=50&" + "&".join(f"_sort={k}" for k in key)
        while url:  # keyset paging: follow `next_url` until there is none
            page = client.get(url).json()
            assert page["version"] == version.version
            seen.extend(page["rows"])
            url = page["next_url"]
        assert len(seen) == version.row_count
        keys = [tuple(r[k] for k in key) for r in seen]
        assert len(set(keys)) == len(seen) and keys == sorted(keys)
        too_big = client.get("/api/v1/datasets/public_services/rows", params={"_size": 5000})
        assert too_big.status_code == 400 and too_big.json()["param"] == "_size"


def test_rerun_without_source_changes_publishes_no_new_version(home, store):
    before = {d["name"]: d["current_version"] for d in store.list_datasets()}
    result = _kho(home, "run")
    assert result.returncode == 0, result.stderr[-4000:]
    after = {d["name"]: d["current_version"] for d in store.list_datasets()}
    assert after == before
    for name in before:
        assert len(store.versions(name)) == 1, f"{name} got a second version without a data change"
