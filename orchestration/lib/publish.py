"""Publish a dbt model of the `published` schema as an immutable, versioned dataset.

A version is a folder `<published root>/<dataset>/<version>/` holding `data.parquet` (zstd) and
`schema.json`. It is written under a temporary name and renamed into place, so a reader never sees a
half-written version; the catalogue's "current" pointer moves only after the folder is complete.
A run whose data did not change (same content hash) publishes no new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.store import CatalogStore, DatasetMeta, Version

DATA_FILE = "data.parquet"
SCHEMA_FILE = "schema.json"


@dataclass(frozen=True)
class PublishedModel:
    """A dataset as declared in dbt: the relation to publish and its metadata."""

    meta: DatasetMeta
    relation: str
    columns: dict[str, dict[str, Any]]  # column name → {description, title_vi, title_en, unit, pii, ...}


@dataclass(frozen=True)
class PublishOutcome:
    dataset: str
    version: str
    status: str  # published | unchanged
    row_count: int
    path: Path


def published_models(manifest_path: Path) -> list[PublishedModel]:
    """Read the datasets to publish (models or seeds with `meta.kho.dataset: true`) from dbt's manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        kho = (node.get("config", {}).get("meta") or node.get("meta") or {}).get("kho") or {}
        if not kho.get("dataset"):
            continue
        columns = {}
        for name, col in node.get("columns", {}).items():
            col_meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
            columns[name] = {"description": col.get("description", ""), "data_type": col.get("data_type"),
                             **col_meta}
        meta = DatasetMeta(
            name=node["name"],
            title_vi=kho["title_vi"],
            title_en=kho["title_en"],
            description_vi=kho.get("description_vi", ""),
            description_en=kho.get("description_en", node.get("description", "")),
            access_level=kho["access_level"],
            owner_code=kho["owner_code"],
            owner_name=kho["owner_name"],
            theme=kho.get("theme"),
            keywords=list(kho.get("keywords", [])),
            update_frequency=kho.get("update_frequency"),
            primary_key=list(kho.get("primary_key", [])),
            source_tables=list(kho.get("source_tables", [])),
        )
        relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
        models.append(PublishedModel(meta=meta, relation=relation, columns=columns))
    return sorted(models, key=lambda m: m.meta.name)


def content_hash(con: duckdb.DuckDBPyConnection, relation: str, schema: list[dict[str, Any]]) -> str:
    """Order-independent hash of the rows and column types: equal data ⇒ equal hash."""
    count, total = con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {relation} t").fetchone()
    shape = json.dumps([(c["name"], c["type"]) for c in schema])
    return hashlib.sha256(f"{shape}|{count}|{total}".encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _column_schema(con: duckdb.DuckDBPyConnection, model: PublishedModel) -> list[dict[str, Any]]:
    described = con.execute(f"DESCRIBE {model.relation}").fetchall()
    columns = []
    for name, col_type, *_ in described:
        declared = model.columns.get(name, {})
        columns.append({
            "name": name,
            "type": col_type,
            "title_vi": declared.get("title_vi", name),
            "title_en": declared.get("title_en", name),
            "description_vi": declared.get("description_vi", ""),
            "description_en": declared.get("description", ""),
            "unit": declared.get("unit"),
            "pii": declared.get("pii", "none"),
        })
    return columns


def publish_model(
    con: duckdb.DuckDBPyConnection,
    store: CatalogStore,
    published_root: Path,
    model: PublishedModel,
    run_id: str | None = None,
    now: dt.datetime | None = None,
) -> PublishOutcome:
    name = model.meta.name
    schema = _column_schema(con, model)
    digest = content_hash(con, model.relation, schema)
    store.upsert_dataset(model.meta)
    current = store.current_version(name)
    if current is not None and current.content_hash == digest:
        return PublishOutcome(name, current.version, "unchanged", current.row_count,
                              published_root / (current.path or ""))

    now = now or dt.datetime.now(dt.UTC)
    version = f"{now:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    dataset_dir = published_root / name
    dataset_dir.mkdir(parents=True, exist_ok=True)
    staging = dataset_dir / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        order = ", ".join(f'"{c}"' for c in model.meta.primary_key) or "ALL"
        con.execute(
            f"COPY (SELECT * FROM {model.relation} ORDER BY {order}) TO '{staging / DATA_FILE}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        row_count = con.execute(f"SELECT count(*) FROM {model.relation}").fetchone()[0]
        data_path = staging / DATA_FILE
        document = {
            "dataset": name,
            "version": version,
            "title_vi": model.meta.title_vi,
            "title_en": model.meta.title_en,
            "access_level": model.meta.access_level,
            "primary_key": model.meta.primary_key,
            "row_count": row_count,
            "content_hash": digest,
            "files": {DATA_FILE: {"sha256": _file_sha256(data_path), "bytes": data_path.stat().st_size,
                                  "media_type": "application/vnd.apache.parquet"}},
            "columns": schema,
        }
        (staging / SCHEMA_FILE).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        for path in staging.iterdir():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        final = dataset_dir / version
        os.rename(staging, final)  # atomic on one filesystem: the version appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    store.record_version(
        Version(
            dataset=name,
            version=version,
            status="published",
            content_hash=digest,
            path=f"{name}/{version}",
            row_count=row_count,
            byte_size=sum(p.stat().st_size for p in final.iterdir()),
            schema={"columns": schema},
            quality=None,
            reasons=[],
            created_at=now.replace(tzinfo=None),
        ),
        make_current=True,
    )
    return PublishOutcome(name, version, "published", row_count, final)
