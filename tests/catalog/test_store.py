"""The catalogue metadata store: Alembic migrations (fresh, and upgrading a pre-migration database),
derived rows, change detection, steward overrides, quality results — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import ckanapi
import pytest
import sqlalchemy as sa

from catalog.migrations import current_revision, head_revision
from catalog.quality import normalise_quality
from catalog.resources import finish_pending
from catalog.store import CatalogStore, DatasetMeta, Version
from kho.settings import Settings
from tests.catalog.conftest import LiveServer
from tests.catalog.fixtures import build_catalogue

META = DatasetMeta(name="schools", title_vi="Danh mục trường học", title_en="Schools", access_level="open",
                   owner_code="000.00.11.H17", owner_name="Sở Giáo dục và Đào tạo", theme="giao-duc",
                   keywords=["giáo dục", "trường học"], update_frequency="monthly", primary_key=["school_id"])


def version(name: str, v: str, status: str = "published", quality: dict | None = None) -> Version:
    return Version(dataset=name, version=v, status=status, content_hash="c" * 64, path=f"{name}/{v}", row_count=3,
                   byte_size=100, schema={"columns": [{"name": "school_id", "type": "VARCHAR", "title_vi": "Mã trường",
                                                       "title_en": "School code"}]},
                   quality=quality, reasons=[], created_at=dt.datetime(2025, 7, 1), run_id="run-1")


@pytest.fixture
def store(tmp_path: Path) -> CatalogStore:
    s = CatalogStore(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    s.create_schema()
    return s


def test_fresh_database_is_at_head_with_catalogue_and_access_tables(store):
    assert current_revision(store.engine) == head_revision() == "0003"
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"datasets", "dataset_versions", "organizations", "groups", "tags", "licenses", "resources",
            "quality_results", "quality_checks", "search_documents", "catalog_state", "source_freshness",
            "access_agencies", "access_tokens", "access_grants", "audit_log"} <= tables
    store.create_schema()  # idempotent
    with store.engine.connect() as con:
        assert con.execute(sa.text("SELECT count(*) FROM licenses")).scalar() == 15
        with pytest.raises(sa.exc.DatabaseError):  # the audit log's append-only guard came with the migration
            con.execute(sa.text("INSERT INTO audit_log (seq, at, action, prev_hash, hash) "
                                "VALUES (1, '2025-01-01', 'x', '0', '1')"))
            con.execute(sa.text("DELETE FROM audit_log"))


def test_upgrades_a_database_made_before_migrations(tmp_path):
    """The first publish step created two tables with create_all; upgrading keeps their rows."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    old = sa.MetaData()
    sa.Table("datasets", old, *[sa.Column(n, t, primary_key=(n == "name")) for n, t in (
        ("name", sa.String(100)), ("title_vi", sa.Text), ("title_en", sa.Text), ("description_vi", sa.Text),
        ("description_en", sa.Text), ("access_level", sa.String(10)), ("owner_code", sa.String(50)),
        ("owner_name", sa.Text), ("theme", sa.Text), ("keywords", sa.JSON), ("update_frequency", sa.String(20)),
        ("primary_key", sa.JSON), ("source_tables", sa.JSON), ("current_version", sa.String(64)),
        ("created_at", sa.DateTime), ("updated_at", sa.DateTime))])
    sa.Table("dataset_versions", old, *[sa.Column(n, t, primary_key=n in ("dataset", "version")) for n, t in (
        ("dataset", sa.String(100)), ("version", sa.String(64)), ("status", sa.String(10)),
        ("content_hash", sa.String(64)), ("path", sa.Text), ("row_count", sa.BigInteger),
        ("byte_size", sa.BigInteger), ("schema", sa.JSON), ("quality", sa.JSON), ("reasons", sa.JSON),
        ("run_id", sa.String(64)), ("created_at", sa.DateTime))])
    old.create_all(engine)
    now = dt.datetime(2025, 7, 1)
    with engine.begin() as con:
        con.execute(old.tables["datasets"].insert().values(
            **{k: v for k, v in META.__dict__.items()}, current_version="v1", created_at=now, updated_at=now))
        con.execute(old.tables["dataset_versions"].insert().values(
            dataset="schools", version="v1", status="published", content_hash="c" * 64, path="schools/v1",
            row_count=3, byte_size=10, schema={"columns": []}, quality=None, reasons=[], run_id=None, created_at=now))
    engine.dispose()

    store = CatalogStore(url)
    store.create_schema()
    assert current_revision(store.engine) == "0003"
    ds = store.get_dataset("schools")
    assert uuid.UUID(ds["id"]) and ds["current_version"] == "v1"
    assert [r["format"] for r in store.resources_for("schools", "v1")] == ["CSV", "Parquet"]
    snap = store.snapshot()
    assert snap["search"]["schools"]["title_folded"] == "danh muc truong hoc schools"
    assert [g["name"] for g in snap["groups"]] == ["giao-duc"]
    assert {t["name"] for t in snap["tags"]} == {"giáo dục", "trường học"}


def test_metadata_modified_moves_only_on_real_changes(store):
    store.upsert_dataset(META)
    first = store.get_dataset("schools")["updated_at"]
    generation = store.generation()
    store.upsert_dataset(META)  # every pipeline run does this
    assert store.get_dataset("schools")["updated_at"] == first
    assert store.generation() == generation
    store.upsert_dataset(DatasetMeta(**{**META.__dict__, "title_en": "Schools of the province"}))
    assert store.get_dataset("schools")["updated_at"] > first
    assert store.generation() > generation


def test_versions_resources_and_quality(store):
    store.upsert_dataset(META)
    scorecard = {"scores": {"đúng": 98.5, "đủ": 100, "sạch": 90, "sống": 100},
                 "checks": [{"name": "unique_school_id", "dimension": "sạch", "passed": False, "failing_count": 2,
                             "sample_rows": [{"school_id": "S1", "copies": 2}]},
                            {"name": "fresh", "dimension": "live", "status": "success"}]}
    store.record_version(version("schools", "v1", quality=scorecard), make_current=True)
    store.record_version(version("schools", "v2", status="rejected"), make_current=False)
    assert store.current_version("schools").version == "v1"
    assert store.get_version("schools", "v1").run_id == "run-1"
    assert store.resources_for("schools", "v2") == []
    assert len(store.pending_resources()) == 2
    scores = {r["dimension"]: r["score"] for r in store.quality_scores(["schools"])}
    assert scores == {"dung": 98.5, "du": 100, "sach": 90, "song": 100}
    checks = store.quality_checks("schools", "v1")
    assert [(c["name"], c["dimension"], c["status"], c["failing_count"]) for c in checks] == [
        ("unique_school_id", "sach", "fail", 2), ("fresh", "song", "pass", None)]
    assert checks[0]["sample_rows"] == [{"school_id": "S1", "copies": 2}]
    store.record_quality("schools", "v1", {"dung": 100, "du": 100, "sach": 100, "song": 100})
    assert store.quality_checks("schools", "v1") == []
    assert {r["score"] for r in store.quality_scores(["schools"])} == {100}
    store.record_source_freshness("giaoduc.truong_hoc", last_loaded_at=dt.datetime(2025, 7, 1),
                                  max_updated_at=dt.datetime(2025, 6, 30), rows_loaded=10, sla_hours=48)
    store.record_source_freshness("giaoduc.truong_hoc", rows_loaded=12)
    (fresh,) = store.source_freshness()
    assert fresh["rows_loaded"] == 12 and fresh["sla_hours"] == 48


def test_steward_overrides_survive_the_pipeline(store):
    store.upsert_dataset(META)
    store.patch_dataset("schools", {"title_vi": "Trường học phổ thông", "keywords": ["học sinh", "học sinh "],
                                    "theme": "van-hoa-xa-hoi"})
    store.upsert_dataset(META)  # the next pipeline run re-declares the dbt metadata
    ds = store.get_dataset("schools")
    assert ds["title_vi"] == "Trường học phổ thông" and ds["keywords"] == ["học sinh"]
    snap = store.snapshot()
    assert [g["name"] for g in snap["groups"] if (("schools", g["id"]) in snap["dataset_groups"])] == ["van-hoa-xa-hoi"]
    with pytest.raises(ValueError):
        store.patch_dataset("schools", {"access_level": "private"})


def test_quality_shapes():
    scores, checks = normalise_quality({"dung": {"score": 97, "checks": [{"name": "a", "status": "fail",
                                                                         "severity": "warn"}]},
                                        "complete": 88, "something_else": 1})
    assert scores == {"dung": 97.0, "du": 88.0}
    assert checks[0]["status"] == "warn" and checks[0]["dimension"] == "dung"
    assert normalise_quality({"scorecard": {"dimensions": {"Sống": {"score": 120}}}})[0] == {"song": 100.0}
    assert normalise_quality(None) == ({}, [])


@pytest.mark.integration
def test_postgresql_catalogue_serves_ckan(postgres_url, tmp_path, test_env, monkeypatch):
    """The whole catalogue on the local PostgreSQL server: migrations, publication, the Action API."""
    admin = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    db = f"kho_catalog_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{db}"'))
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{db}"
    try:
        monkeypatch.setenv("KHO_CATALOG_URL", url)
        settings = Settings(home=tmp_path)
        assert settings.catalog_url == url
        store = CatalogStore(url)
        info = build_catalogue(store, settings.published_dir)
        assert current_revision(store.engine) == "0003"
        from catalog.mount import catalog_cache_dir
        finish_pending(store, settings.published_dir, catalog_cache_dir(settings))
        store.create_schema()
        with LiveServer(settings) as live:
            ckan = ckanapi.RemoteCKAN(live.url)
            assert ckan.action.package_search(q="dien bien ho so")["results"][0]["name"] == "dossier_kpis_monthly"
            pkg = ckan.action.package_show(id="dossier_kpis_monthly")
            assert pkg["version"] == info["versions"]["dossier_kpis_monthly"]
            assert all(r["size"] and r["hash"] for r in pkg["resources"])
            rid = pkg["resources"][0]["id"]
            assert ckan.action.datastore_search(resource_id=rid, limit=1)["total"] == 36
            assert ckan.action.package_list() == ["admin_units", "dossier_kpis_monthly", "enterprises",
                                                  "public_services", "schools"]
            from api.access.agencies import add_agency
            from api.access.tokens import issue_token
            add_agency(store.engine, "000.00.01.H17", "Văn phòng UBND tỉnh")
            token = issue_token(store.engine, "000.00.01.H17", role="steward").token
            patched = ckanapi.RemoteCKAN(live.url, apikey=token).action.package_patch(
                id="schools", notes="Trường học của tỉnh Điện Biên")
            assert patched["notes"] == "Trường học của tỉnh Điện Biên"
        store.engine.dispose()
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def test_coverage_is_measured_on_the_data(tmp_path):
    import duckdb

    from catalog.resources import measure_coverage

    con = duckdb.connect()
    path = tmp_path / "data.parquet"
    con.execute(f"""COPY (SELECT (DATE '2024-01-01' + to_days(i * 40))::DATE AS report_on,
                              TIMESTAMP '2026-07-01 10:00:00' AS updated_at, '11' AS province_code
                          FROM range(10) r(i)) TO '{path}' (FORMAT parquet)""")
    facts = measure_coverage(con, path, None, [])
    assert facts == {"temporal_column": "report_on", "temporal_start": dt.date(2024, 1, 1),
                     "temporal_end": dt.date(2024, 12, 26), "spatial_scope": "province"}
    con.execute(f"COPY (SELECT TIMESTAMP '2026-07-01' AS updated_at, p AS province_code FROM "
                f"(VALUES ('11'), ('01')) v(p)) TO '{path}' (FORMAT parquet)")
    facts = measure_coverage(con, path, None, [])
    assert facts["temporal_column"] is None and facts["spatial_scope"] == "country"
