"""Fixtures of the operations tests: a small published catalogue in its own KHO_HOME (three datasets of
every access level, one with two versions, personal-data columns), agencies with tokens, and an audit log
with entries — built with the real publish step and access layer, without the pipeline."""

from __future__ import annotations

import datetime as dt
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
from catalog.resources import finish_pending
from catalog.store import CatalogStore, DatasetMeta
from orchestration.lib.publish import PublishedModel, publish_model
from tests.catalog.fixtures import NoUpstream, checks

OWNER = "000.00.03.H11"
DATASETS = {
    "open_ds": ("open", "000.00.01.H11", {}, "SELECT * FROM (VALUES (1, 'Xã Mường Phăng', 12000), "
                "(2, 'Xã Thanh Nưa', 9000), (3, 'Phường Điện Biên Phủ', 30000)) t(id, ten_xa, dan_so)"),
    "shared_ds": ("shared", OWNER, {"ho_ten": "basic", "cccd": "sensitive"},
                  "SELECT * FROM (VALUES (1, 'Lò Văn A', '011000000001'), (2, 'Quàng Thị B', '011000000002')) "
                  "t(id, ho_ten, cccd)"),
    "private_ds": ("private", OWNER, {"so_dien_thoai": "basic"},
                   "SELECT * FROM (VALUES (1, 1500000, '0912000001'), (2, 2500000, '0912000002')) "
                   "t(id, so_tien, so_dien_thoai)"),
}
#: every test of this folder: no rate limits, no secrets unless a test sets them
CLEAN_ENV = ("KHO_REDIS_URL", "KHO_TOKEN_PEPPER", "KHO_AUDIT_KEY", "KHO_ENV", "KHO_CATALOG_CACHE_DIR",
             "KHO_SOURCES_DIR", "KHO_WAREHOUSE", "PROMETHEUS_MULTIPROC_DIR", "KHO_METRICS", "KHO_LOG_FORMAT",
             "KHO_LOG_LEVEL", "KHO_WORKERS", "KHO_SITE_URL")


def point_env_at(monkeypatch: pytest.MonkeyPatch, home: Path, catalog_url: str | None = None) -> None:
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in ("KHO_RATE_LIMIT_ANONYMOUS", "KHO_RATE_LIMIT_TOKEN", "KHO_RATE_LIMIT_AUTH_FAILURES"):
        monkeypatch.setenv(name, "off")
    monkeypatch.setenv("KHO_HOME", str(home))
    monkeypatch.setenv("KHO_CATALOG_URL", catalog_url or f"sqlite:///{home / 'catalog.sqlite'}")
    monkeypatch.setenv("KHO_PUBLISHED_DIR", str(home / "published"))


@dataclass
class World:
    home: Path
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def published_dir(self) -> Path:
        return self.home / "published"


def build_world(home: Path, url: str | None = None) -> World:
    """Publish the datasets (open_ds twice), register agencies, tokens and a grant."""
    url = url or f"sqlite:///{home / 'catalog.sqlite'}"
    published = home / "published"
    published.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(url)
    store.create_schema()
    create_access_schema(store.engine)
    con = duckdb.connect(":memory:")
    start = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
    for i, (name, (access, owner, pii, sql)) in enumerate(DATASETS.items()):
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        meta = DatasetMeta(name=name, title_vi=f"Tập {name}", title_en=f"Dataset {name}", access_level=access,
                           owner_code=owner, owner_name=f"Cơ quan {owner}", primary_key=["id"], theme="dan-cu",
                           keywords=["dân cư", "xã"])
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        publish_model(con, store, published, PublishedModel(meta=meta, relation=f'"main"."{name}"',
                                                            columns={c: {"pii": k} for c, k in pii.items()}),
                      NoUpstream(), checks(name, rows), run_id="run-1", now=start + dt.timedelta(minutes=i))
    # a second version of open_ds
    con.execute("INSERT INTO open_ds VALUES (4, 'Xã Nà Tấu', 7000)")
    meta = DatasetMeta(name="open_ds", title_vi="Tập open_ds", title_en="Dataset open_ds", access_level="open",
                       owner_code="000.00.01.H11", owner_name="Cơ quan 000.00.01.H11", primary_key=["id"],
                       theme="dan-cu", keywords=["dân cư", "xã"])
    publish_model(con, store, published, PublishedModel(meta=meta, relation='"main"."open_ds"', columns={}),
                  NoUpstream(), checks("open_ds", 4), run_id="run-2", now=start + dt.timedelta(days=1))
    con.close()
    finish_pending(store, published, home / "cache" / "catalog")  # CSV copies, coverage: as the API would
    world = World(home=home, url=url)
    add_agency(store.engine, OWNER, "Sở Tài chính")
    add_agency(store.engine, "000.00.00.H11", "Văn phòng UBND tỉnh")
    add_grant(store.engine, OWNER, "open_ds", personal_data=False, granted_by="test")
    world.tokens["owner"] = issue_token(store.engine, OWNER, "agency", label="owner").token
    world.tokens["admin"] = issue_token(store.engine, "000.00.00.H11", "admin", label="admin").token
    store.engine.dispose()
    return world


def client_for(home: Path) -> TestClient:
    from api.app import create_app
    from kho.settings import Settings

    return TestClient(create_app(Settings(home=home)))


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    home = tmp_path / "home"
    home.mkdir()
    point_env_at(monkeypatch, home)
    return build_world(home)


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (dropped afterwards); its psycopg URL."""
    name = f"kho_ops_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = sa.engine.make_url(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as con:
            con.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
