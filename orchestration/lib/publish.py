"""Publish a dbt model of the `published` schema as an immutable, versioned dataset — through the gate.

A version is a folder `<published root>/<dataset>/<version>/` holding `data.parquet` (zstd),
`schema.json`, `quality.json` (the scorecard) and a Frictionless `datapackage.json`. It is written under
a temporary name and renamed into place, so a reader never sees a half-written version; the catalogue's
"current" pointer moves, in the same transaction that records the version, only after the folder is
complete and the gate passed (docs/quality.md).

Outcomes per dataset:
* ``unchanged`` — same content hash as the current version: nothing new is recorded;
* ``published`` — the gate passed (warnings allowed): new version, now current;
* ``rejected`` — an error-severity check failed: the version is recorded as rejected with its scorecard,
  reasons and sample failing rows, no files are served, and the previous version stays current (the same
  rejected content is recorded once, not again on every run);
* ``not_built`` — a model of its lineage failed to build: the table is stale, nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.store import CatalogStore, DatasetMeta, Version
from orchestration.lib import datapackage
from orchestration.lib.quality.checks import CheckResult
from orchestration.lib.quality.gate import GateInputs, reasons, scorecard, verdict

DATA_FILE = "data.parquet"
SCHEMA_FILE = "schema.json"
QUALITY_FILE = "quality.json"
DATAPACKAGE_FILE = "datapackage.json"


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
    status: str  # published | unchanged | rejected | not_built
    row_count: int
    path: Path | None
    scores: dict[str, float | None] | None = None
    reasons: list[dict[str, Any]] | None = None
    warnings: int = 0
    checks: int = 0


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


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def publish_model(
    con: duckdb.DuckDBPyConnection,
    store: CatalogStore,
    published_root: Path,
    model: PublishedModel,
    gate: GateInputs,
    validate: Callable[[str, Any, set[str]], list[CheckResult]],
    run_id: str | None = None,
    now: dt.datetime | None = None,
) -> PublishOutcome:
    """Gate and publish one dataset. `validate(name, dataframe, personal_columns)` runs its GX suite."""
    name = model.meta.name
    store.upsert_dataset(model.meta)
    problems = gate.build_problems(name)
    if problems:
        return PublishOutcome(name, "", "not_built", 0, None,
                              reasons=[{"check": "dbt build", "message": p} for p in problems])
    schema = _column_schema(con, model)
    digest = content_hash(con, model.relation, schema)
    current = store.current_version(name)
    if current is not None and current.content_hash == digest:
        return PublishOutcome(name, current.version, "unchanged", current.row_count,
                              published_root / (current.path or ""),
                              scores=(current.quality or {}).get("scores"))

    now = now or dt.datetime.now(dt.UTC)
    version = f"{now:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    row_count = con.execute(f"SELECT count(*) FROM {model.relation}").fetchone()[0]
    personal = {c["name"] for c in schema if c.get("pii", "none") != "none"}
    frame = con.execute(f"SELECT * FROM {model.relation}").df()
    checks = gate.upstream_checks(name) + validate(name, frame, personal)
    del frame
    status = verdict(checks)
    card = scorecard(name, version, checks, run_id=run_id, checked_at=now.replace(tzinfo=None),
                     content_hash=digest, row_count=row_count)
    why = reasons(checks)
    warned = sum(c.status == "warn" for c in checks)

    if status == "rejected":
        previous = next((v for v in store.versions(name) if v.content_hash == digest and v.status == "rejected"), None)
        if previous is not None:  # the same content was already rejected: keep one record of it
            return PublishOutcome(name, previous.version, "rejected", row_count, None, scores=card["scores"],
                                  reasons=why, warnings=warned, checks=len(checks))
        store.record_version(
            Version(dataset=name, version=version, status="rejected", content_hash=digest, path=None,
                    row_count=row_count, byte_size=0, schema={"columns": schema}, quality=card, reasons=why,
                    created_at=now.replace(tzinfo=None), run_id=run_id),
            make_current=False,
        )
        return PublishOutcome(name, version, "rejected", row_count, None, scores=card["scores"], reasons=why,
                              warnings=warned, checks=len(checks))

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
        data_path = staging / DATA_FILE
        files = {DATA_FILE: {"sha256": _file_sha256(data_path), "bytes": data_path.stat().st_size,
                             "media_type": "application/vnd.apache.parquet"}}
        _write_json(staging / SCHEMA_FILE, {
            "dataset": name,
            "version": version,
            "title_vi": model.meta.title_vi,
            "title_en": model.meta.title_en,
            "access_level": model.meta.access_level,
            "primary_key": model.meta.primary_key,
            "row_count": row_count,
            "content_hash": digest,
            "files": files,
            "columns": schema,
        })
        _write_json(staging / QUALITY_FILE, card)
        _write_json(staging / DATAPACKAGE_FILE, datapackage.build(
            model.meta, version=version, created=now, columns=schema, files=files, row_count=row_count,
            content_hash=digest, scores=card["scores"]))
        for path in staging.iterdir():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        final = dataset_dir / version
        os.rename(staging, final)  # atomic on one filesystem: the version appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    # One transaction records the version, its scorecard and moves the dataset's "current" pointer.
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
            quality=card,
            reasons=[],
            created_at=now.replace(tzinfo=None),
            run_id=run_id,
        ),
        make_current=True,
    )
    return PublishOutcome(name, version, "published", row_count, final, scores=card["scores"], reasons=[],
                          warnings=warned, checks=len(checks))
