"""The catalogue metadata store: datasets, their versions and the "current" pointer.

SQLAlchemy Core over SQLite by default (`KHO_CATALOG_URL`), PostgreSQL in production. A version is
recorded once and never changed; a dataset's `current_version` moves in the same transaction that
records a published version, so readers see either the old or the new version, never a mix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("title_vi", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text, nullable=False),
    sa.Column("description_vi", sa.Text, nullable=False, default=""),
    sa.Column("description_en", sa.Text, nullable=False, default=""),
    sa.Column("access_level", sa.String(10), nullable=False),  # open | shared | private
    sa.Column("owner_code", sa.String(50), nullable=False),
    sa.Column("owner_name", sa.Text, nullable=False),
    sa.Column("theme", sa.Text),
    sa.Column("keywords", sa.JSON, nullable=False, default=list),
    sa.Column("update_frequency", sa.String(20)),
    sa.Column("primary_key", sa.JSON, nullable=False, default=list),
    sa.Column("source_tables", sa.JSON, nullable=False, default=list),
    sa.Column("current_version", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # published | rejected
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("path", sa.Text),  # folder of the version's files, relative to the published root
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("byte_size", sa.BigInteger, nullable=False),
    sa.Column("schema", sa.JSON, nullable=False),
    sa.Column("quality", sa.JSON),
    sa.Column("reasons", sa.JSON, nullable=False, default=list),
    sa.Column("run_id", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class DatasetMeta:
    name: str
    title_vi: str
    title_en: str
    access_level: str
    owner_code: str
    owner_name: str
    description_vi: str = ""
    description_en: str = ""
    theme: str | None = None
    keywords: list[str] = field(default_factory=list)
    update_frequency: str | None = None
    primary_key: list[str] = field(default_factory=list)
    source_tables: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Version:
    dataset: str
    version: str
    status: str
    content_hash: str
    path: str | None
    row_count: int
    byte_size: int
    schema: dict[str, Any]
    quality: dict[str, Any] | None
    reasons: list[Any]
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class CatalogStore:
    def __init__(self, url: str):
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if url.startswith("sqlite"):
            # WAL lets the API read while the pipeline records a version.
            @sa.event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(dbapi_con, _record):  # pragma: no cover - trivial
                dbapi_con.execute("PRAGMA journal_mode=WAL")
                dbapi_con.execute("PRAGMA foreign_keys=ON")

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    # -- writes (pipeline) -------------------------------------------------------------------
    def upsert_dataset(self, meta: DatasetMeta) -> None:
        values = {k: v for k, v in meta.__dict__.items()}
        now = _now()
        with self.engine.begin() as con:
            exists = con.execute(sa.select(datasets.c.name).where(datasets.c.name == meta.name)).first()
            if exists:
                con.execute(datasets.update().where(datasets.c.name == meta.name).values(**values, updated_at=now))
            else:
                con.execute(datasets.insert().values(**values, created_at=now, updated_at=now))

    def record_version(self, version: Version, make_current: bool) -> None:
        """Record a version; if `make_current`, move the dataset's pointer in the same transaction."""
        with self.engine.begin() as con:
            con.execute(dataset_versions.insert().values(**version.__dict__))
            if make_current:
                con.execute(
                    datasets.update()
                    .where(datasets.c.name == version.dataset)
                    .values(current_version=version.version, updated_at=_now())
                )

    # -- reads (API, catalogue) -------------------------------------------------------------
    def list_datasets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(datasets).order_by(datasets.c.name)).mappings().all()
        return [dict(r) for r in rows]

    def get_dataset(self, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as con:
            row = con.execute(sa.select(datasets).where(datasets.c.name == name)).mappings().first()
        return dict(row) if row else None

    def get_version(self, dataset: str, version: str) -> Version | None:
        with self.engine.connect() as con:
            row = con.execute(
                sa.select(dataset_versions).where(
                    dataset_versions.c.dataset == dataset, dataset_versions.c.version == version
                )
            ).mappings().first()
        return Version(**row) if row else None

    def current_version(self, dataset: str) -> Version | None:
        ds = self.get_dataset(dataset)
        if not ds or not ds["current_version"]:
            return None
        return self.get_version(dataset, ds["current_version"])

    def versions(self, dataset: str) -> list[Version]:
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(dataset_versions)
                .where(dataset_versions.c.dataset == dataset)
                .order_by(dataset_versions.c.created_at.desc(), dataset_versions.c.version.desc())
            ).mappings().all()
        return [Version(**r) for r in rows]

    def current_versions(self, names: Iterable[str] | None = None) -> dict[str, Version]:
        query = sa.select(dataset_versions).join(
            datasets,
            sa.and_(datasets.c.name == dataset_versions.c.dataset,
                    datasets.c.current_version == dataset_versions.c.version),
        )
        if names is not None:
            query = query.where(datasets.c.name.in_(list(names)))
        with self.engine.connect() as con:
            rows = con.execute(query).mappings().all()
        return {r["dataset"]: Version(**r) for r in rows}
