"""Fixtures: a tiny published catalogue (open / shared / private datasets, two with personal data),
agencies with tokens for every persona, and a factory of running Kho apps over them.

The catalogue and Parquet files are published once per session with the real publish step; each test
gets its own copy of the catalogue database, so tokens, grants and the audit log never leak between
tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.access.agencies import add_agency
from api.access.grants import add_grant
from api.access.models import create_access_schema
from api.access.tokens import issue_token
from catalog.store import CatalogStore, DatasetMeta
from orchestration.lib.publish import PublishedModel, publish_model
from tests.catalog.fixtures import NoUpstream, checks

OWNER = "000.00.03.H11"  # owns shared_ds and private_ds
OPEN_OWNER = "000.00.01.H11"

DATASETS = {
    "open_ds": dict(access="open", owner=OPEN_OWNER, pii={},
                    sql="SELECT * FROM (VALUES (1, 'Xã Mường Phăng', 12000), (2, 'Xã Thanh Nưa', 9000), "
                        "(3, 'Phường Điện Biên Phủ', 30000)) t(id, ten_xa, dan_so)"),
    "shared_ds": dict(access="shared", owner=OWNER, pii={"ho_ten": "basic", "cccd": "sensitive"},
                      sql="SELECT * FROM (VALUES (1, 'Lò Văn A', '011000000001', 'Mường Phăng'), "
                          "(2, 'Quàng Thị B', '011000000002', 'Thanh Nưa')) t(id, ho_ten, cccd, xa)"),
    "private_ds": dict(access="private", owner=OWNER, pii={"so_dien_thoai": "basic"},
                       sql="SELECT * FROM (VALUES (1, 1500000, '0912000001'), (2, 2500000, '0912000002'), "
                           "(3, 800000, '0912000003'), (4, 100000, '0912000004')) t(id, so_tien, so_dien_thoai)"),
}
ROW_COUNTS = {"open_ds": 3, "shared_ds": 2, "private_ds": 4}

#: persona → (agency code, role, grants {dataset: personal_data}); None = anonymous
PERSONAS: dict[str, tuple[str, str, dict[str, bool]] | None] = {
    "anonymous": None,
    "outsider": ("000.00.09.H11", "agency", {}),
    "owner": (OWNER, "agency", {}),
    "granted": ("000.00.04.H11", "agency", {"private_ds": False}),
    "granted_pii": ("000.00.05.H11", "agency", {"private_ds": True, "shared_ds": True}),
    "steward": ("000.00.00.H11", "steward", {}),
    "admin": ("000.00.00.H11", "admin", {}),
}


@dataclass(frozen=True)
class Catalogue:
    db_file: Path
    published_dir: Path


@pytest.fixture(scope="session")
def base_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = tmp_path_factory.mktemp("access-catalogue")
    db_file, published = root / "catalog.sqlite", root / "published"
    published.mkdir()
    store = CatalogStore(f"sqlite:///{db_file}")
    store.create_schema()
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    for name, spec in DATASETS.items():
        con.execute(f"CREATE TABLE {name} AS {spec['sql']}")
        meta = DatasetMeta(name=name, title_vi=f"Tập {name}", title_en=f"Dataset {name}",
                           access_level=spec["access"], owner_code=spec["owner"], owner_name=f"Agency {spec['owner']}",
                           primary_key=["id"])
        columns = {col: {"pii": cls} for col, cls in spec["pii"].items()}
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        publish_model(con, store, published, PublishedModel(meta=meta, relation=f'"main"."{name}"', columns=columns),
                      NoUpstream(), checks(name, rows))
    con.close()
    store.engine.dispose()
    assert not Path(f"{db_file}-wal").exists() or Path(f"{db_file}-wal").stat().st_size == 0
    return Catalogue(db_file, published)


@dataclass
class Env:
    """One test's world: its own catalogue database, the tokens of every persona, running apps."""

    home: Path
    url: str
    published_dir: Path
    engine: sa.Engine
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    monkeypatch: pytest.MonkeyPatch | None = None
    _clients: list[TestClient] = field(default_factory=list)

    def headers(self, persona: str) -> dict[str, str]:
        token = self.tokens.get(persona)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def client(self, **env: str) -> TestClient:
        """A running app (lifespan started) with these extra environment variables."""
        from api.app import create_app
        from kho.settings import Settings

        assert self.monkeypatch is not None
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        client = TestClient(create_app(Settings(home=self.home)))
        client.__enter__()
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in reversed(self._clients):
            client.__exit__(None, None, None)
        self.engine.dispose()


def issue_persona_tokens(engine: sa.Engine, personas: dict, tokens: dict[str, str],
                         token_ids: dict[str, str]) -> None:
    """Register each persona's agency and grants and issue it a token (anonymous personas get none)."""
    seen: set[str] = set()
    for persona, spec in personas.items():
        if spec is None:
            continue
        code, role, grants = spec
        if code not in seen:
            add_agency(engine, code, f"Cơ quan {code}")
            seen.add(code)
        for dataset, personal in grants.items():
            add_grant(engine, code, dataset, personal_data=personal, granted_by="test")
        issued = issue_token(engine, code, role, label=persona)
        tokens[persona] = issued.token
        token_ids[persona] = issued.id


def make_env(base: Catalogue, home: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    db_file = home / "catalog.sqlite"
    shutil.copy(base.db_file, db_file)
    url = f"sqlite:///{db_file}"
    for name in ("KHO_REDIS_URL", "KHO_RATE_LIMIT_ANONYMOUS", "KHO_RATE_LIMIT_TOKEN", "KHO_RATE_LIMIT_AUTH_FAILURES",
                 "KHO_RATE_LIMIT_PREFIX", "KHO_TOKEN_PEPPER", "KHO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KHO_HOME", str(home))
    monkeypatch.setenv("KHO_CATALOG_URL", url)
    monkeypatch.setenv("KHO_PUBLISHED_DIR", str(base.published_dir))
    store = CatalogStore(url)  # the same engine setup as the app's (WAL, foreign keys)
    create_access_schema(store.engine)
    world = Env(home=home, url=url, published_dir=base.published_dir, engine=store.engine, monkeypatch=monkeypatch)
    issue_persona_tokens(store.engine, PERSONAS, world.tokens, world.token_ids)
    return world


@pytest.fixture
def env(base_catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    world = make_env(base_catalogue, tmp_path, monkeypatch)
    yield world
    world.close()


@pytest.fixture(scope="module")
def shared_env(base_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """One world for read-only tests of a module (the access matrix)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        world = make_env(base_catalogue, tmp_path_factory.mktemp("access-shared"), monkeypatch)
        world.client()
        yield world
        world.close()


@pytest.fixture
def client(env: Env) -> TestClient:
    return env.client()


def unique_prefix() -> str:
    return f"kho:test:{uuid.uuid4().hex}:"


def utc(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(**delta)
