"""Fixtures for the Data API: a small published catalogue built without the pipeline (DuckDB tables
published with `orchestration.lib.publish.publish_model` into a temporary catalogue), agencies with
tokens for each persona, and running apps over it.

Datasets:

* ``services`` (open, 257 rows): every column family — BIGINT, VARCHAR with Vietnamese text, DECIMAL,
  DOUBLE, INTEGER, TIMESTAMP, DATE, BOOLEAN and a list column — with NULLs and ties;
* ``people`` (shared, owner ``OWNER``): two personal-data columns, ``full_name`` (basic) and
  ``id_number`` (sensitive);
* ``ledger`` (private, owner ``OWNER``): a personal-data ``phone``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.access.models import create_access_schema
from catalog.store import CatalogStore, DatasetMeta
from orchestration.lib.publish import PublishedModel, publish_model
from tests.access.conftest import issue_persona_tokens
from tests.catalog.fixtures import NoUpstream

OWNER = "000.00.03.H11"
T0 = dt.datetime(2026, 11, 1, 2, 0, 0)

SERVICES_SQL = """
SELECT
    i::BIGINT AS id,
    ['Điện Biên Phủ', 'Mường Lay', 'Tủa Chùa', 'xã Thanh Nưa', 'Phường Him Lam', 'Đồng Nai', 'x'' OR 1=1; --',
     'Quote "q"'][1 + (i * 7) % 8] AS name,
    CASE WHEN i % 9 = 0 THEN NULL ELSE ['Him Lam', 'Thanh Nưa', 'Mường Phăng', 'Nà Tấu'][1 + i % 4] END AS commune,
    CAST(((i * 37) % 1000) / 4 AS DECIMAL(12, 2)) AS fee,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 13) * 0.5 END::DOUBLE AS score,
    (i % 5)::INTEGER AS qty,
    TIMESTAMP '2026-01-01 08:00:00' + INTERVAL (i * 7) HOUR AS received,
    DATE '2026-01-01' + (i % 40)::INTEGER AS day,
    i % 3 = 0 AS online,
    [i % 4, i % 6]::BIGINT[] AS tags
FROM range(1, 258) r(i)
"""
PEOPLE_SQL = """
SELECT i::BIGINT AS id, 'Người số ' || i AS full_name, lpad(i::VARCHAR, 12, '0') AS id_number,
       ['Him Lam', 'Thanh Nưa'][1 + i % 2] AS commune, (18 + i % 60)::INTEGER AS age
FROM range(1, 31) r(i)
"""
LEDGER_SQL = """
SELECT i::BIGINT AS id, (i * 100000)::BIGINT AS amount, '09120000' || lpad(i::VARCHAR, 2, '0') AS phone
FROM range(1, 13) r(i)
"""

DATASETS: dict[str, dict[str, Any]] = {
    "services": dict(sql=SERVICES_SQL, access="open", owner="000.00.01.H11", pii={}, rows=257),
    "people": dict(sql=PEOPLE_SQL, access="shared", owner=OWNER, pii={"full_name": "basic", "id_number": "sensitive"},
                   rows=30),
    "ledger": dict(sql=LEDGER_SQL, access="private", owner=OWNER, pii={"phone": "basic"}, rows=12),
}

#: persona → (agency code, role, grants {dataset: personal_data}); None = anonymous
PERSONAS: dict[str, tuple[str, str, dict[str, bool]] | None] = {
    "anonymous": None,
    "agency": ("000.00.09.H11", "agency", {}),
    "owner": (OWNER, "agency", {}),
    "granted_pii": ("000.00.05.H11", "agency", {"ledger": True, "people": True}),
    "steward": ("000.00.00.H11", "steward", {}),
    "admin": ("000.00.00.H11", "admin", {}),
}


def no_checks(name: str, frame: Any, personal: set[str]) -> list[Any]:
    return []


def publish(con: duckdb.DuckDBPyConnection, store: CatalogStore, published: Path, name: str, relation: str,
            now: dt.datetime) -> str:
    spec = DATASETS[name]
    meta = DatasetMeta(name=name, title_vi=f"Tập {name}", title_en=f"Dataset {name}", access_level=spec["access"],
                       owner_code=spec["owner"], owner_name=f"Cơ quan {spec['owner']}", primary_key=["id"])
    columns = {column: {"pii": kind, "title_vi": column, "title_en": column} for column, kind in spec["pii"].items()}
    outcome = publish_model(con, store, published, PublishedModel(meta=meta, relation=relation, columns=columns),
                            NoUpstream(), no_checks, run_id="test", now=now)
    assert outcome.status == "published", outcome
    return outcome.version


@dataclass(frozen=True)
class Catalogue:
    db_file: Path
    published_dir: Path
    versions: dict[str, str]


@pytest.fixture(scope="session")
def api_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = tmp_path_factory.mktemp("api-catalogue")
    db_file, published = root / "catalog.sqlite", root / "published"
    published.mkdir()
    store = CatalogStore(f"sqlite:///{db_file}")
    store.create_schema()
    con = duckdb.connect(":memory:")
    versions = {}
    for i, (name, spec) in enumerate(DATASETS.items()):
        con.execute(f"CREATE TABLE {name} AS {spec['sql']}")
        versions[name] = publish(con, store, published, name, f'"main"."{name}"', T0 + dt.timedelta(minutes=i))
    con.close()
    store.engine.dispose()
    return Catalogue(db_file, published, versions)


@dataclass
class World:
    """One test's world: its own copy of the catalogue database, tokens per persona, running apps."""

    home: Path
    url: str
    published_dir: Path
    engine: sa.Engine
    versions: dict[str, str]
    monkeypatch: pytest.MonkeyPatch
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    clients: list[TestClient] = field(default_factory=list)

    def headers(self, persona: str) -> dict[str, str]:
        token = self.tokens.get(persona)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def client(self, **env: str) -> TestClient:
        from api.app import create_app
        from kho.settings import Settings

        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        client = TestClient(create_app(Settings(home=self.home)))
        client.__enter__()
        self.clients.append(client)
        return client

    @property
    def store(self) -> CatalogStore:
        return CatalogStore(self.url)

    def close(self) -> None:
        for client in reversed(self.clients):
            client.__exit__(None, None, None)
        self.engine.dispose()


def make_world(base: Catalogue, home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    db_file = home / "catalog.sqlite"
    shutil.copy(base.db_file, db_file)
    url = f"sqlite:///{db_file}"
    for name in ("KHO_REDIS_URL", "KHO_RATE_LIMIT_TOKEN", "KHO_RATE_LIMIT_AUTH_FAILURES", "KHO_TOKEN_PEPPER",
                 "KHO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KHO_RATE_LIMIT_ANONYMOUS", "off")
    monkeypatch.setenv("KHO_HOME", str(home))
    monkeypatch.setenv("KHO_CATALOG_URL", url)
    monkeypatch.setenv("KHO_PUBLISHED_DIR", str(base.published_dir))
    monkeypatch.setenv("KHO_CATALOG_CACHE_DIR", str(home / "cache"))
    store = CatalogStore(url)
    create_access_schema(store.engine)
    world = World(home=home, url=url, published_dir=base.published_dir, engine=store.engine,
                  versions=dict(base.versions), monkeypatch=monkeypatch)
    issue_persona_tokens(store.engine, PERSONAS, world.tokens, world.token_ids)
    return world


@pytest.fixture
def world(api_catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    built = make_world(api_catalogue, tmp_path, monkeypatch)
    yield built
    built.close()


@pytest.fixture(scope="module")
def shared_world(api_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world for the read-only tests of a module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = make_world(api_catalogue, tmp_path_factory.mktemp("api-shared"), monkeypatch)
        built.client()
        yield built
        built.close()


@pytest.fixture(scope="module")
def client(shared_world: World) -> TestClient:
    return shared_world.clients[0]


@pytest.fixture(scope="session")
def reference(api_catalogue: Catalogue) -> dict[str, list[dict[str, Any]]]:
    """Every dataset's current rows, read independently of the API (DuckDB over the published file)."""
    out = {}
    for name in DATASETS:
        path = api_catalogue.published_dir / name / api_catalogue.versions[name] / "data.parquet"
        relation = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
        out[name] = [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    return out
