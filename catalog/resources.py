"""Completing the distributions of newly published versions.

A version's Parquet file is written by the publish step; its CSV twin is written here once, into the
catalogue's cache folder (`<cache>/<dataset>/<version>/data.csv`, under a temporary name and renamed,
like the publish step). Both get their byte size and SHA-256 recorded, so CKAN resources and DCAT
distributions carry real sizes and checksums. The version's temporal coverage (min/max of its main
date column) and spatial scope (one province, or the whole country) are measured on the data too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import duckdb

from catalog.store import CatalogStore

log = logging.getLogger(__name__)

DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
PROVINCE_COLUMNS = ("province_code", "province_id", "ma_tinh")
#: Dates that record when a row changed in a system, not what the data is about.
BOOKKEEPING_SUFFIXES = ("updated_at", "created_at", "modified_at", "loaded_at", "ingested_at", "synced_at",
                        "deleted_at", "_valid_from", "_valid_to")


def is_bookkeeping_column(name: str) -> bool:
    return name.lower().endswith(BOOKKEEPING_SUFFIXES) or name.lower().startswith("_")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def csv_path(cache_dir: Path, dataset: str, version: str) -> Path:
    return Path(cache_dir) / dataset / version / "data.csv"


def write_csv(con: duckdb.DuckDBPyConnection, parquet: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex}.csv")
    escaped = str(tmp).replace("'", "''")
    try:
        con.execute(f"COPY (SELECT * FROM read_parquet(?)) TO '{escaped}' (FORMAT csv, HEADER true)", [str(parquet)])
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _parquet_facts(version_dir: Path, parquet: Path) -> tuple[int, str]:
    """Size and SHA-256 of the Parquet file, from schema.json when it recorded them (no re-hashing)."""
    size = parquet.stat().st_size
    schema_file = version_dir / "schema.json"
    if schema_file.exists():
        try:
            entry = json.loads(schema_file.read_text(encoding="utf-8")).get("files", {}).get(parquet.name, {})
            if entry.get("sha256") and entry.get("bytes") == size:
                return size, entry["sha256"]
        except (ValueError, AttributeError):
            pass
    return size, file_sha256(parquet)


def measure_coverage(con: duckdb.DuckDBPyConnection, parquet: Path, schema: dict[str, Any] | None,
                     primary_key: list[str]) -> dict[str, Any]:
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(parquet)]).fetchall()
    types = {name: col_type.upper() for name, col_type, *_ in described}
    date_cols = [n for n, t in types.items() if t in DATE_TYPES and not is_bookkeeping_column(n)]
    chosen = next((c for c in primary_key if c in date_cols), None) or (date_cols[0] if date_cols else None)
    start = end = None
    if chosen:
        lo, hi = con.execute(f'SELECT min("{chosen}"), max("{chosen}") FROM read_parquet(?)', [str(parquet)]).fetchone()
        start = lo.date() if isinstance(lo, dt.datetime) else lo
        end = hi.date() if isinstance(hi, dt.datetime) else hi
    scope = "province"
    province_col = next((c for c in PROVINCE_COLUMNS if c in types), None)
    if province_col:
        distinct = con.execute(f'SELECT count(DISTINCT "{province_col}") FROM read_parquet(?)',
                               [str(parquet)]).fetchone()[0]
        if distinct > 1:
            scope = "country"
    return {"temporal_column": chosen, "temporal_start": start, "temporal_end": end, "spatial_scope": scope}


def finish_pending(store: CatalogStore, published_dir: Path, cache_dir: Path,
                   stop: threading.Event | None = None) -> int:
    """Complete every pending resource and coverage; returns how many items were completed."""
    done = 0
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        for res in store.pending_resources():
            if stop is not None and stop.is_set():
                return done
            version_dir = Path(published_dir) / (res["path"] or "")
            parquet = version_dir / "data.parquet"
            if not parquet.exists():
                log.warning("published file missing for %s %s: %s", res["dataset"], res["version"], parquet)
                continue
            if res["format"] == "Parquet":
                size, digest = _parquet_facts(version_dir, parquet)
            elif res["format"] == "CSV":
                target = csv_path(cache_dir, res["dataset"], res["version"])
                if not target.exists():
                    write_csv(con, parquet, target)
                size, digest = target.stat().st_size, file_sha256(target)
            else:
                continue
            store.complete_resource(res["id"], size, digest)
            done += 1
        for row in store.versions_without_coverage():
            if stop is not None and stop.is_set():
                return done
            parquet = Path(published_dir) / (row["path"] or "") / "data.parquet"
            if not parquet.exists():
                continue
            ds = store.get_dataset(row["dataset"]) or {}
            facts = measure_coverage(con, parquet, row["schema"], list(ds.get("primary_key") or []))
            store.record_coverage(row["dataset"], row["version"], **facts)
            done += 1
    finally:
        con.close()
    return done
