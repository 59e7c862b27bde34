"""The catalogue metadata store: datasets, their versions and the "current" pointer, and everything the
open-data catalogue derives from them — organizations (owning agencies), groups (topics), tags,
licences, resources (one per format and version), quality results and a folded search document.

SQLAlchemy Core over SQLite by default (`KHO_CATALOG_URL`), PostgreSQL in production; the schema is
managed by Alembic (`catalog/migrations/`) and `create_schema()` upgrades to the head revision. A version
is recorded once and never changed; a dataset's `current_version` moves in the same transaction that
records a published version, so readers see either the old or the new version, never a mix.

Every write also refreshes the derived rows of the dataset it touched and bumps one catalogue-wide
`generation` counter in the same transaction, so the search index can never drift from the metadata
(CKAN's Solr can: reference/ckan.md §7.4) and readers in other processes notice changes with one cheap
query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from catalog import vocab
from catalog.quality import DIMENSIONS, normalise_quality
from catalog.text import fold, nfc, slugify

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
    sa.Column("updated_at", sa.DateTime, nullable=False),  # = CKAN metadata_modified
    # catalogue additions (revision 0002)
    sa.Column("id", sa.String(36), index=True, unique=True),  # CKAN package id (UUID4)
    sa.Column("license_id", sa.String(100)),  # None → the access level's default licence
    sa.Column("overrides", sa.JSON),  # steward edits (package_patch), applied over the pipeline's values
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

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("code", sa.String(50), nullable=False, unique=True),  # the agency's electronic identifier
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("email", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("title_vi", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("eu_theme", sa.String(20)),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

dataset_groups = sa.Table(
    "dataset_groups",
    metadata,
    sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
    sa.Column("group_id", sa.String(36), sa.ForeignKey("groups.id"), primary_key=True),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("name_folded", sa.String(100), nullable=False, index=True),
)

dataset_tags = sa.Table(
    "dataset_tags",
    metadata,
    sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
    sa.Column("tag_id", sa.String(36), sa.ForeignKey("tags.id"), primary_key=True),
)

licenses = sa.Table(
    "licenses",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_vi", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False, default=""),
    sa.Column("od_conformance", sa.String(20), nullable=False),
    sa.Column("osd_conformance", sa.String(20), nullable=False),
    sa.Column("domain_content", sa.Boolean, nullable=False),
    sa.Column("domain_data", sa.Boolean, nullable=False),
    sa.Column("domain_software", sa.Boolean, nullable=False),
    sa.Column("is_generic", sa.Boolean, nullable=False),
    sa.Column("eu_uri", sa.Text),
)

resources = sa.Table(
    "resources",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("dataset", sa.String(100), nullable=False, index=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("format", sa.String(20), nullable=False),  # CSV | Parquet
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("byte_size", sa.BigInteger),  # filled once the file exists (Parquet: at once; CSV: once written)
    sa.Column("sha256", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_modified", sa.DateTime),
    sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
    sa.UniqueConstraint("dataset", "version", "format", name="uq_resources_version_format"),
)

version_coverage = sa.Table(
    "version_coverage",
    metadata,
    sa.Column("dataset", sa.String(100), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("temporal_column", sa.Text),
    sa.Column("temporal_start", sa.Date),
    sa.Column("temporal_end", sa.Date),
    sa.Column("spatial_scope", sa.String(10)),  # province | country
    sa.Column("computed_at", sa.DateTime, nullable=False),
    sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
)

quality_results = sa.Table(
    "quality_results",
    metadata,
    sa.Column("dataset", sa.String(100), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("dimension", sa.String(10), primary_key=True),  # dung | du | sach | song
    sa.Column("score", sa.Float),
    sa.Column("checks_total", sa.Integer, nullable=False, default=0),
    sa.Column("checks_failed", sa.Integer, nullable=False, default=0),
    sa.Column("checked_at", sa.DateTime, nullable=False),
    sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
)

quality_checks = sa.Table(
    "quality_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(100), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("dimension", sa.String(10)),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("source", sa.String(10)),  # dbt | gx | python
    sa.Column("target", sa.Text),  # what was checked, e.g. raw.motcua.ho_so, staging.stg_motcua__dossiers
    sa.Column("status", sa.String(10), nullable=False),  # pass | warn | fail
    sa.Column("severity", sa.String(10)),  # error | warn
    sa.Column("message", sa.Text),
    sa.Column("failing_count", sa.BigInteger),
    sa.Column("sample_rows", sa.JSON),
    sa.Column("checked_at", sa.DateTime, nullable=False),
    sa.ForeignKeyConstraint(["dataset", "version"], ["dataset_versions.dataset", "dataset_versions.version"]),
    sa.Index("ix_quality_checks_version", "dataset", "version"),
)

source_freshness = sa.Table(
    "source_freshness",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True),  # "<system>.<table>", as in source_tables
    sa.Column("owner_code", sa.String(50)),
    sa.Column("last_loaded_at", sa.DateTime),  # when the platform last read new rows
    sa.Column("max_updated_at", sa.DateTime),  # the newest change seen in the source (the cursor)
    sa.Column("rows_loaded", sa.BigInteger),
    sa.Column("sla_hours", sa.Float),
    sa.Column("checked_at", sa.DateTime, nullable=False),
)

search_documents = sa.Table(
    "search_documents",
    metadata,
    sa.Column("dataset", sa.String(100), sa.ForeignKey("datasets.name"), primary_key=True),
    sa.Column("title_folded", sa.Text, nullable=False),
    sa.Column("notes_folded", sa.Text, nullable=False),
    sa.Column("tags_folded", sa.Text, nullable=False),
    sa.Column("groups_folded", sa.Text, nullable=False),
    sa.Column("text_folded", sa.Text, nullable=False),  # everything a reader may search for
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

catalog_state = sa.Table(
    "catalog_state",
    metadata,
    sa.Column("key", sa.String(50), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

#: Metadata a steward may edit (package_patch); the pipeline's values stay underneath.
OVERRIDABLE = ("title_vi", "title_en", "description_vi", "description_en", "keywords", "theme",
               "update_frequency", "license_id", "contact_name", "contact_email", "documentation_url")


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
    run_id: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def resource_id(dataset: str, version: str, fmt: str) -> str:
    """Stable resource ids: the same dataset, version and format always get the same UUID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kho:resource:{dataset}:{version}:{fmt}"))


def effective(row: Mapping[str, Any]) -> dict[str, Any]:
    """A dataset row with the steward's overrides applied (what every door shows)."""
    out = dict(row)
    overrides = out.get("overrides") or {}
    for key in OVERRIDABLE:
        if key in overrides:
            out[key] = overrides[key]
        else:
            out.setdefault(key, None)
    out["keywords"] = list(out.get("keywords") or [])
    return out


def _clean_keywords(words: Iterable[Any]) -> list[str]:
    seen: dict[str, str] = {}
    for word in words or []:
        text = " ".join(nfc(str(word)).split())[:100]
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


class CatalogStore:
    def __init__(self, url: str):
        self.url = url
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if url.startswith("sqlite"):
            # WAL lets the API read while the pipeline records a version.
            @sa.event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(dbapi_con, _record):  # pragma: no cover - trivial
                dbapi_con.execute("PRAGMA journal_mode=WAL")
                dbapi_con.execute("PRAGMA foreign_keys=ON")

    # -- schema ---------------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Upgrade the database to the newest Alembic revision (creating it when empty), then fill
        reference data and any derived rows missing for datasets recorded before the upgrade."""
        from catalog.migrations import upgrade_to_head

        upgrade_to_head(self.engine)
        with self.engine.begin() as con:
            self._ensure_reference_data(con)
            missing = con.execute(
                sa.select(datasets.c.name).where(
                    ~sa.exists().where(search_documents.c.dataset == datasets.c.name))
            ).scalars().all()
            for name in missing:
                self._sync_dataset(con, name)
            published = con.execute(
                sa.select(dataset_versions.c.dataset, dataset_versions.c.version).where(
                    dataset_versions.c.status == "published",
                    ~sa.exists().where(sa.and_(resources.c.dataset == dataset_versions.c.dataset,
                                               resources.c.version == dataset_versions.c.version)))
            ).all()
            for dataset, version in published:
                self._add_resources(con, dataset, version)
            if missing or published:
                self._bump(con)

    def _ensure_reference_data(self, con: sa.Connection) -> None:
        if con.execute(sa.select(catalog_state.c.value).where(catalog_state.c.key == "generation")).first() is None:
            con.execute(catalog_state.insert().values(key="generation", value=1))
        known = set(con.execute(sa.select(licenses.c.id)).scalars())
        for lic in vocab.LICENSES:
            values = {"title": lic.title, "title_vi": lic.title_vi, "url": lic.url,
                      "od_conformance": lic.od_conformance, "osd_conformance": lic.osd_conformance,
                      "domain_content": lic.domain_content, "domain_data": lic.domain_data,
                      "domain_software": lic.domain_software, "is_generic": lic.is_generic, "eu_uri": lic.eu_uri}
            if lic.id in known:
                con.execute(licenses.update().where(licenses.c.id == lic.id).values(**values))
            else:
                con.execute(licenses.insert().values(id=lic.id, **values))

    # -- writes (pipeline) -------------------------------------------------------------------
    def upsert_dataset(self, meta: DatasetMeta) -> None:
        """Record a dataset's declared metadata. `updated_at` (CKAN's metadata_modified) moves only
        when a value actually changed, so harvesters do not re-import unchanged datasets every run."""
        values = {k: v for k, v in meta.__dict__.items()}
        for key in ("title_vi", "title_en", "description_vi", "description_en", "owner_name", "theme"):
            if values.get(key) is not None:
                values[key] = nfc(values[key])
        values["keywords"] = _clean_keywords(values.get("keywords") or [])
        now = _now()
        with self.engine.begin() as con:
            row = con.execute(sa.select(datasets).where(datasets.c.name == meta.name)).mappings().first()
            if row:
                if any(row[k] != v for k, v in values.items()):
                    con.execute(datasets.update().where(datasets.c.name == meta.name).values(**values, updated_at=now))
                    self._sync_dataset(con, meta.name)
                    self._bump(con)
            else:
                con.execute(datasets.insert().values(**values, id=str(uuid.uuid4()), created_at=now, updated_at=now))
                self._sync_dataset(con, meta.name)
                self._bump(con)

    def record_version(self, version: Version, make_current: bool) -> None:
        """Record a version; if `make_current`, move the dataset's pointer in the same transaction."""
        with self.engine.begin() as con:
            con.execute(dataset_versions.insert().values(**version.__dict__))
            if version.status == "published":
                self._add_resources(con, version.dataset, version.version)
            if version.quality:
                self._write_quality(con, version.dataset, version.version, version.quality, version.created_at)
            if make_current:
                con.execute(
                    datasets.update()
                    .where(datasets.c.name == version.dataset)
                    .values(current_version=version.version, updated_at=_now())
                )
                self._sync_dataset(con, version.dataset)
            self._bump(con)

    def record_quality(self, dataset: str, version: str, quality: Mapping[str, Any],
                       checked_at: dt.datetime | None = None) -> None:
        """Store (or replace) a version's quality scorecard: the JSON on the version and its rows."""
        with self.engine.begin() as con:
            con.execute(dataset_versions.update().where(
                dataset_versions.c.dataset == dataset, dataset_versions.c.version == version
            ).values(quality=dict(quality)))
            self._write_quality(con, dataset, version, quality, checked_at or _now())
            self._bump(con)

    def record_source_freshness(self, source: str, *, checked_at: dt.datetime | None = None,
                                last_loaded_at: dt.datetime | None = None,
                                max_updated_at: dt.datetime | None = None, rows_loaded: int | None = None,
                                sla_hours: float | None = None, owner_code: str | None = None) -> None:
        """Record how fresh a sector table is (called by ingestion; shown on the steward dashboard)."""
        values = {"owner_code": owner_code, "last_loaded_at": last_loaded_at, "max_updated_at": max_updated_at,
                  "rows_loaded": rows_loaded, "sla_hours": sla_hours, "checked_at": checked_at or _now()}
        with self.engine.begin() as con:
            updated = con.execute(source_freshness.update().where(source_freshness.c.source == source)
                                  .values(**{k: v for k, v in values.items() if v is not None}))
            if updated.rowcount == 0:
                con.execute(source_freshness.insert().values(source=source, **values))
            self._bump(con)

    # -- writes (catalogue) --------------------------------------------------------------------
    def patch_dataset(self, name: str, changes: Mapping[str, Any]) -> None:
        """A steward's metadata edit: stored as overrides on top of the pipeline's declaration."""
        unknown = set(changes) - set(OVERRIDABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        with self.engine.begin() as con:
            row = con.execute(sa.select(datasets.c.overrides).where(datasets.c.name == name)).first()
            if row is None:
                raise KeyError(name)
            overrides = dict(row[0] or {})
            for key, value in changes.items():
                if key == "keywords":
                    value = _clean_keywords(value)
                elif isinstance(value, str):
                    value = nfc(value)
                overrides[key] = value
            con.execute(datasets.update().where(datasets.c.name == name).values(overrides=overrides, updated_at=_now()))
            self._sync_dataset(con, name)
            self._bump(con)

    def complete_resource(self, rid: str, byte_size: int, sha256: str) -> None:
        """Record the size and checksum of a resource's file once it exists."""
        now = _now()
        with self.engine.begin() as con:
            row = con.execute(sa.select(resources.c.dataset).where(resources.c.id == rid)).first()
            if row is None:
                raise KeyError(rid)
            con.execute(resources.update().where(resources.c.id == rid)
                        .values(byte_size=byte_size, sha256=sha256, last_modified=now))
            con.execute(datasets.update().where(datasets.c.name == row[0]).values(updated_at=now))
            self._bump(con)

    def record_coverage(self, dataset: str, version: str, *, temporal_column: str | None,
                        temporal_start: dt.date | None, temporal_end: dt.date | None, spatial_scope: str) -> None:
        values = {"temporal_column": temporal_column, "temporal_start": temporal_start,
                  "temporal_end": temporal_end, "spatial_scope": spatial_scope, "computed_at": _now()}
        with self.engine.begin() as con:
            con.execute(version_coverage.delete().where(version_coverage.c.dataset == dataset,
                                                        version_coverage.c.version == version))
            con.execute(version_coverage.insert().values(dataset=dataset, version=version, **values))
            con.execute(datasets.update().where(datasets.c.name == dataset).values(updated_at=_now()))
            self._bump(con)

    # -- derived rows -------------------------------------------------------------------------
    def _bump(self, con: sa.Connection) -> None:
        updated = con.execute(catalog_state.update().where(catalog_state.c.key == "generation")
                              .values(value=catalog_state.c.value + 1))
        if updated.rowcount == 0:
            con.execute(catalog_state.insert().values(key="generation", value=1))

    def _add_resources(self, con: sa.Connection, dataset: str, version: str) -> None:
        now = _now()
        for position, fmt in enumerate(vocab.FORMATS):
            rid = resource_id(dataset, version, fmt.code)
            if con.execute(sa.select(resources.c.id).where(resources.c.id == rid)).first() is None:
                con.execute(resources.insert().values(
                    id=rid, dataset=dataset, version=version, format=fmt.code, position=position,
                    file_name=fmt.file_name, media_type=fmt.media_type, created_at=now))

    def _write_quality(self, con: sa.Connection, dataset: str, version: str, quality: Mapping[str, Any],
                       checked_at: dt.datetime) -> None:
        scores, checks = normalise_quality(quality)
        con.execute(quality_results.delete().where(quality_results.c.dataset == dataset,
                                                   quality_results.c.version == version))
        con.execute(quality_checks.delete().where(quality_checks.c.dataset == dataset,
                                                  quality_checks.c.version == version))
        for dim in DIMENSIONS:
            dim_checks = [c for c in checks if c["dimension"] == dim]
            if scores.get(dim) is None and not dim_checks:
                continue
            con.execute(quality_results.insert().values(
                dataset=dataset, version=version, dimension=dim, score=scores.get(dim),
                checks_total=len(dim_checks), checks_failed=sum(c["status"] == "fail" for c in dim_checks),
                checked_at=checked_at))
        for check in checks:
            con.execute(quality_checks.insert().values(dataset=dataset, version=version, checked_at=checked_at,
                                                       **check))

    def _organization_for(self, con: sa.Connection, code: str, title: str) -> str:
        row = con.execute(sa.select(organizations).where(organizations.c.code == code)).mappings().first()
        if row:
            if row["title"] != title:
                con.execute(organizations.update().where(organizations.c.id == row["id"])
                            .values(title=title, updated_at=_now()))
            return row["id"]
        name = slugify(title)
        if con.execute(sa.select(organizations.c.id).where(organizations.c.name == name)).first():
            name = slugify(f"{title}-{code}")
        oid = str(uuid.uuid4())
        now = _now()
        prov = vocab.province()
        con.execute(organizations.insert().values(
            id=oid, name=name, code=code, title=title, description=f"{title} — {prov.label_vi}",
            created_at=now, updated_at=now))
        return oid

    def _group_for(self, con: sa.Connection, theme: str | None) -> str | None:
        topic = vocab.topic_for(theme)
        if topic is None:
            return None
        row = con.execute(sa.select(groups.c.id).where(groups.c.name == topic.name)).first()
        if row:
            return row[0]
        gid = str(uuid.uuid4())
        con.execute(groups.insert().values(
            id=gid, name=topic.name, title_vi=topic.title_vi, title_en=topic.title_en,
            description=f"{topic.title_vi} ({topic.title_en})", eu_theme=topic.eu_theme, created_at=_now()))
        return gid

    def _tag_ids(self, con: sa.Connection, words: list[str]) -> list[str]:
        ids = []
        for word in words:
            row = con.execute(sa.select(tags.c.id).where(tags.c.name == word)).first()
            if row is None:
                tid = str(uuid.uuid4())
                con.execute(tags.insert().values(id=tid, name=word, name_folded=fold(word)[:100]))
            else:
                tid = row[0]
            ids.append(tid)
        return ids

    def _sync_dataset(self, con: sa.Connection, name: str) -> None:
        """Refresh the organization, topic, tags and search document of one dataset."""
        raw = con.execute(sa.select(datasets).where(datasets.c.name == name)).mappings().first()
        if raw is None:
            return
        ds = effective(raw)
        self._organization_for(con, ds["owner_code"], ds["owner_name"])
        con.execute(dataset_groups.delete().where(dataset_groups.c.dataset == name))
        group_titles: list[str] = []
        gid = self._group_for(con, ds["theme"])
        if gid:
            con.execute(dataset_groups.insert().values(dataset=name, group_id=gid))
            group_row = con.execute(sa.select(groups).where(groups.c.id == gid)).mappings().one()
            group_titles = [group_row["name"], group_row["title_vi"], group_row["title_en"]]
        con.execute(dataset_tags.delete().where(dataset_tags.c.dataset == name))
        for tid in self._tag_ids(con, ds["keywords"]):
            con.execute(dataset_tags.insert().values(dataset=name, tag_id=tid))

        columns_text: list[str] = []
        if ds["current_version"]:
            schema = con.execute(sa.select(dataset_versions.c.schema).where(
                dataset_versions.c.dataset == name, dataset_versions.c.version == ds["current_version"])).scalar()
            for col in (schema or {}).get("columns", []):
                columns_text += [col.get("name", ""), col.get("title_vi", ""), col.get("title_en", ""),
                                 col.get("description_vi", ""), col.get("description_en", "")]
        prov = vocab.province()
        text = " ".join([
            name.replace("_", " "), ds["title_vi"], ds["title_en"], ds["description_vi"], ds["description_en"],
            " ".join(ds["keywords"]), ds["owner_name"], " ".join(group_titles), prov.label_vi, prov.label_en,
            vocab.ACCESS_LABELS.get(ds["access_level"], ("", "", ""))[0], *columns_text,
        ])
        doc = {
            "title_folded": fold(f"{ds['title_vi']} {ds['title_en']}"),
            "notes_folded": fold(f"{ds['description_vi']} {ds['description_en']}"),
            "tags_folded": fold(" ".join(ds["keywords"])),
            "groups_folded": fold(" ".join(group_titles)),
            "text_folded": fold(text),
            "updated_at": _now(),
        }
        if con.execute(sa.select(search_documents.c.dataset).where(search_documents.c.dataset == name)).first():
            con.execute(search_documents.update().where(search_documents.c.dataset == name).values(**doc))
        else:
            con.execute(search_documents.insert().values(dataset=name, **doc))

    # -- reads (API, catalogue) -------------------------------------------------------------
    def generation(self) -> int:
        """A number that changes whenever anything in the catalogue changes (cheap to poll)."""
        with self.engine.connect() as con:
            value = con.execute(sa.select(catalog_state.c.value).where(catalog_state.c.key == "generation")).scalar()
        return int(value or 0)

    def list_datasets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(datasets).order_by(datasets.c.name)).mappings().all()
        return [effective(r) for r in rows]

    def get_dataset(self, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as con:
            row = con.execute(sa.select(datasets).where(datasets.c.name == name)).mappings().first()
        return effective(row) if row else None

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

    def snapshot(self) -> dict[str, Any]:
        """Everything the catalogue's read side needs, read in one transaction (consistent)."""
        with self.engine.connect() as con, con.begin():
            gen = con.execute(sa.select(catalog_state.c.value).where(catalog_state.c.key == "generation")).scalar()
            current = sa.and_(datasets.c.name == dataset_versions.c.dataset,
                              datasets.c.current_version == dataset_versions.c.version)
            snap = {
                "generation": int(gen or 0),
                "datasets": [effective(r) for r in
                             con.execute(sa.select(datasets).order_by(datasets.c.name)).mappings()],
                "versions": {r["dataset"]: dict(r) for r in con.execute(
                    sa.select(dataset_versions.c.dataset, dataset_versions.c.version, dataset_versions.c.row_count,
                              dataset_versions.c.byte_size, dataset_versions.c.schema, dataset_versions.c.path,
                              dataset_versions.c.created_at, dataset_versions.c.content_hash)
                    .join(datasets, current)).mappings()},
                "organizations": [dict(r) for r in con.execute(sa.select(organizations)).mappings()],
                "groups": [dict(r) for r in con.execute(sa.select(groups)).mappings()],
                "dataset_groups": [tuple(r) for r in con.execute(sa.select(dataset_groups))],
                "tags": [dict(r) for r in con.execute(sa.select(tags)).mappings()],
                "dataset_tags": [tuple(r) for r in con.execute(sa.select(dataset_tags))],
                "licenses": [dict(r) for r in con.execute(sa.select(licenses)).mappings()],
                "resources": [dict(r) for r in con.execute(
                    sa.select(resources).join(datasets, sa.and_(datasets.c.name == resources.c.dataset,
                                                                datasets.c.current_version == resources.c.version))
                    .order_by(resources.c.dataset, resources.c.position)).mappings()],
                "coverage": {r["dataset"]: dict(r) for r in con.execute(
                    sa.select(version_coverage).join(datasets, sa.and_(
                        datasets.c.name == version_coverage.c.dataset,
                        datasets.c.current_version == version_coverage.c.version))).mappings()},
                "quality": [dict(r) for r in con.execute(
                    sa.select(quality_results).join(datasets, sa.and_(
                        datasets.c.name == quality_results.c.dataset,
                        datasets.c.current_version == quality_results.c.version))).mappings()],
                "search": {r["dataset"]: dict(r) for r in con.execute(sa.select(search_documents)).mappings()},
            }
        return snap

    def resources_for(self, dataset: str, version: str) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(resources).where(resources.c.dataset == dataset,
                                                          resources.c.version == version)
                               .order_by(resources.c.position)).mappings().all()
        return [dict(r) for r in rows]

    def get_resource(self, rid: str) -> dict[str, Any] | None:
        with self.engine.connect() as con:
            row = con.execute(sa.select(resources).where(resources.c.id == rid)).mappings().first()
        return dict(row) if row else None

    def pending_resources(self) -> list[dict[str, Any]]:
        """Resources of published versions whose file size and checksum are not known yet."""
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(resources, dataset_versions.c.path)
                .join(dataset_versions, sa.and_(dataset_versions.c.dataset == resources.c.dataset,
                                                dataset_versions.c.version == resources.c.version))
                .where(resources.c.sha256.is_(None))
                .order_by(resources.c.created_at.desc(), resources.c.position)
            ).mappings().all()
        return [dict(r) for r in rows]

    def versions_without_coverage(self) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            rows = con.execute(
                sa.select(dataset_versions.c.dataset, dataset_versions.c.version, dataset_versions.c.path,
                          dataset_versions.c.schema)
                .where(dataset_versions.c.status == "published",
                       ~sa.exists().where(sa.and_(version_coverage.c.dataset == dataset_versions.c.dataset,
                                                  version_coverage.c.version == dataset_versions.c.version)))
            ).mappings().all()
        return [dict(r) for r in rows]

    def all_versions(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every recorded version (published and rejected), oldest first, without the schema."""
        query = sa.select(dataset_versions.c.dataset, dataset_versions.c.version, dataset_versions.c.status,
                          dataset_versions.c.row_count, dataset_versions.c.reasons, dataset_versions.c.run_id,
                          dataset_versions.c.created_at).order_by(dataset_versions.c.created_at,
                                                                  dataset_versions.c.version)
        if names is not None:
            query = query.where(dataset_versions.c.dataset.in_(list(names)))
        with self.engine.connect() as con:
            return [dict(r) for r in con.execute(query).mappings()]

    def quality_scores(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        query = sa.select(quality_results)
        if names is not None:
            query = query.where(quality_results.c.dataset.in_(list(names)))
        with self.engine.connect() as con:
            return [dict(r) for r in con.execute(query).mappings()]

    def quality_checks(self, dataset: str, version: str) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(quality_checks).where(
                quality_checks.c.dataset == dataset, quality_checks.c.version == version)
                .order_by(quality_checks.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def source_freshness(self) -> list[dict[str, Any]]:
        with self.engine.connect() as con:
            return [dict(r) for r in con.execute(sa.select(source_freshness)
                                                 .order_by(source_freshness.c.source)).mappings()]
