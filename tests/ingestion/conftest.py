"""Fixtures of the ingestion tests: a small simulated province, fresh PostgreSQL / MariaDB databases
per test (dropped afterwards), a warehouse file per test, and helpers to run loads and materialize."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import duckdb
import psycopg
import pymysql
import pytest


AS_OF = dt.date(2026, 6, 30)
SEED = 20250701


@pytest.fixture(scope="session")
def simulated(tmp_path_factory) -> Path:
    """The `small` province, generated once (SQLite files, CSV and Excel drops)."""
    import simulator

    out = tmp_path_factory.mktemp("sources")
    simulator.generate(out, scale="small", seed=SEED, as_of=AS_OF)
    return out


@pytest.fixture
def sources(simulated, tmp_path) -> Path:
    """A private copy of the simulated files, free to modify."""
    target = tmp_path / "sources"
    shutil.copytree(simulated, target)
    return target


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse" / "kho.duckdb"


@pytest.fixture(autouse=True)
def _no_source_env(monkeypatch):
    for key in [k for k in __import__("os").environ if k.startswith("KHO_SOURCE_")]:
        monkeypatch.delenv(key)


def _server_url(base: str, database: str) -> str:
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


@pytest.fixture
def pg_db(postgres_url):
    """A fresh PostgreSQL database; yields its URL."""
    name = f"kho_ingest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _server_url(postgres_url, name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mysql_db(mysql_url):
    """A fresh MariaDB database; yields its URL."""
    name = f"kho_ingest_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    conn.close()
    yield _server_url(mysql_url, name)
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


def pg_exec(url: str, *statements: str, params=None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement, params)


def pg_rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def mysql_exec(url: str, *statements: str) -> None:
    database = url.rsplit("/", 1)[1]
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", database=database, autocommit=True)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def raw_rows(warehouse: Path, system: str, table: str, order: str = "1") -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f'SELECT * FROM raw."{system}__{table}" ORDER BY {order}').fetchall()


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def load(warehouse: Path, system: str, table: str, sources_dir: Path, **kwargs):
    """One load through the library (what the asset does), on its own connection."""
    from orchestration.lib.ingest import load_table
    from orchestration.lib.registry import load_registry

    from orchestration.lib.ingest.extensions import open_warehouse

    system_def = load_registry()[system]
    with open_warehouse(warehouse) as con:
        return load_table(con, system_def, system_def.table(table), sources_dir, run_id=kwargs.pop("run_id", "test"),
                          **kwargs)


def kho_resource(warehouse: Path, sources_dir: Path, tmp_path: Path):
    from orchestration.lib.resources import KhoPaths

    return KhoPaths(warehouse_path=str(warehouse), sources_dir=str(sources_dir),
                    published_dir=str(tmp_path / "published"), catalog_url=f"sqlite:///{tmp_path / 'catalog.sqlite'}")


def materialize(system: str, warehouse: Path, sources_dir: Path, tmp_path: Path, tables: list[str] | None = None,
                retry_policy=None, tags=None, raise_on_error: bool = True, instance=None):
    """Materialize the system's ingestion assets with Dagster, in process."""
    import dagster as dg

    from orchestration.lib.ingestion_assets import build_system_assets

    assets = build_system_assets(system, retry_policy=retry_policy or dg.RetryPolicy(max_retries=0))
    selection = None
    if tables is not None:
        selection = [dg.AssetKey(["raw", system, t]) for t in tables]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return dg.materialize(assets, selection=selection, resources={"kho": kho_resource(warehouse, sources_dir, tmp_path)},
                          tags=tags, raise_on_error=raise_on_error, instance=instance)


def materialization(result, system: str, table: str) -> dict:
    """Metadata of the asset's materialization in a materialize() result, as plain values."""
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        if mat.asset_key.path == ["raw", system, table]:
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of raw.{system}.{table}")


def check_result(result, system: str, table: str, check: str):
    for event in result.get_asset_check_evaluations():
        if event.asset_key.path == ["raw", system, table] and event.check_name == check:
            return event
    raise AssertionError(f"no {check} check evaluation for raw.{system}.{table}")


def error_text(error) -> str:
    """A Dagster SerializableErrorInfo with its causes, as one string."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)
