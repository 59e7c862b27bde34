"""Backup and restore of what Kho cannot rebuild: the catalogue metadata and the published versions.

`kho backup FILE` writes one archive (`.tar.gz`):

    manifest.json                 format, Kho schema revision, time, row count of every table, every file's SHA-256
    catalog/<table>.jsonl         every row of every catalogue table (datasets, versions, resources, quality,
                                  agencies, tokens (hashes only), grants, the audit log, …) as JSON lines
    published/<dataset>/<version>/…  the folder of every version the dump records as published
    cache/<dataset>/<version>/data.csv  the catalogue's CSV copy of those versions, when written

The catalogue is dumped table by table through SQLAlchemy in one read transaction (a snapshot on SQLite's
WAL and PostgreSQL's REPEATABLE READ), so the dump is consistent while the API and the pipeline run, and it
restores into either database: a SQLite catalogue can be restored into PostgreSQL and back. Published
version folders are immutable, so copying the ones the snapshot records is consistent too.

`kho restore FILE` restores into an empty KHO_HOME (empty catalogue database, empty published folder):
it checks the archive (format, schema revision, SHA-256 of every file), writes the published folders,
creates the schema (Alembic head), inserts every row, and verifies the row counts and the audit chain.

Not in the archive (rebuildable or ephemeral): the pipeline's DuckDB warehouse and sources, Dagster run history (back it up with the Dagster database),
Redis rate-limit buckets.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa

FORMAT = "kho-backup"
FORMAT_VERSION = 1
_BATCH = 1000


class BackupError(Exception):
    """The archive or the target cannot be used; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    revision: str
    tables: dict[str, int]
    files: int
    bytes: int


@dataclass
class RestoreReport:
    revision: str
    tables: dict[str, int]
    files: int
    audit_entries: int
    audit_ok: bool
    audit_head: str | None
    audit_reason: str | None = None
    warnings: list[str] = field(default_factory=list)


def all_tables() -> list[sa.Table]:
    """Every table of the catalogue database in foreign-key order (catalogue tables, then access tables)."""
    from api.access.models import access_metadata
    from catalog.store import metadata

    return list(metadata.sorted_tables) + list(access_metadata.sorted_tables)


# -- values <-> JSON ---------------------------------------------------------------------------------
def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$dec": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode_cell(value: Any, column: sa.Column) -> Any:
    if isinstance(column.type, sa.JSON):
        return value  # JSON columns hold plain JSON
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "$dt":
            return dt.datetime.fromisoformat(text)
        if tag == "$d":
            return dt.date.fromisoformat(text)
        if tag == "$dec":
            return decimal.Decimal(text)
        if tag == "$b64":
            return base64.b64decode(text)
    return value


def _row_json(row: sa.Row, table: sa.Table) -> str:
    record = {}
    for column in table.columns:
        value = row._mapping[column.name]
        record[column.name] = value if isinstance(column.type, sa.JSON) else _encode(value)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_relative(text: str) -> PurePosixPath:
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"refusing unsafe path {text!r} in the archive")
    return path


# -- backup ------------------------------------------------------------------------------------------
def _snapshot_connection(engine: sa.Engine) -> sa.Connection:
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def create_backup(catalog_url: str, published_dir: Path, target: Path, cache_dir: Path | None = None,
                  progress: Callable[[str], None] | None = None) -> BackupReport:
    """Write the archive `target` (replaced atomically when complete). `cache_dir`: the catalogue's CSV
    cache; the CSV copies of the recorded versions found there are included (their SHA-256 is recorded in
    the resources table, so the restored catalogue serves the same bytes)."""
    from catalog.migrations import current_revision, head_revision

    note = progress or (lambda _msg: None)
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot_dir = tempfile.TemporaryDirectory(prefix=".kho-backup-", dir=target.parent)
    url = sa.engine.make_url(catalog_url)
    if url.get_backend_name() == "sqlite":
        # A consistent copy through SQLite's online backup API (readers and the pipeline keep running),
        # then the table dump reads the copy.
        if not url.database or url.database == ":memory:" or not Path(url.database).exists():
            snapshot_dir.cleanup()
            raise BackupError(f"no Kho catalogue at {catalog_url}: nothing to back up")
        copy = Path(snapshot_dir.name) / "catalog.sqlite"
        source = sqlite3.connect(f"file:{Path(url.database).resolve()}?mode=ro", uri=True, timeout=30)
        try:
            with sqlite3.connect(copy) as dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        engine = sa.create_engine(f"sqlite:///{copy}")
    else:
        engine = sa.create_engine(catalog_url)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise BackupError(f"no Kho catalogue at {_redact(catalog_url)} (no schema revision): nothing to back up")
        if revision != head_revision():
            raise BackupError(f"the catalogue is at schema revision {revision}, this Kho release expects "
                              f"{head_revision()}: start the API or run `kho token list` once to upgrade it first")
        present = set(sa.inspect(engine).get_table_names())
        tables = [t for t in all_tables() if t.name in present]
        unknown = present - {t.name for t in tables} - {"alembic_version"}
        if unknown:
            raise BackupError(f"the catalogue holds tables this release does not know: {', '.join(sorted(unknown))}")
        fd, tmp_name = tempfile.mkstemp(prefix=".kho-backup-", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        counts: dict[str, int] = {}
        files: dict[str, dict[str, Any]] = {}
        total_bytes = 0
        try:
            with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
                with _snapshot_connection(engine) as con, con.begin():
                    for table in tables:
                        note(f"dumping {table.name}")
                        counts[table.name] = _dump_table(con, table, tar)
                    version_paths = con.execute(
                        sa.text("SELECT path FROM dataset_versions WHERE status = 'published' AND path IS NOT NULL")
                    ).scalars().all()
                for rel in sorted(set(version_paths)):
                    folder = Path(published_dir) / _safe_relative(rel)
                    if not folder.is_dir():
                        raise BackupError(f"published version folder {folder} recorded in the catalogue is missing")
                    note(f"adding {rel}")
                    found = [("published", Path(published_dir), p) for p in sorted(folder.rglob("*")) if p.is_file()]
                    cached = Path(cache_dir) / _safe_relative(rel) if cache_dir else None
                    if cached is not None and cached.is_dir():
                        found += [("cache", Path(cache_dir), p) for p in sorted(cached.rglob("*"))
                                  if p.is_file() and not p.name.startswith(".tmp-")]
                    for prefix, root, path in found:
                        name = f"{prefix}/{path.relative_to(root).as_posix()}"
                        files[name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
                        total_bytes += path.stat().st_size
                        tar.add(path, arcname=name, recursive=False)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "revision": revision,
                    "source_dialect": engine.dialect.name,
                    "tables": counts,
                    "files": files,
                }
                _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        engine.dispose()
        snapshot_dir.cleanup()
    return BackupReport(target, revision, counts, len(files), total_bytes)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _dump_table(con: sa.Connection, table: sa.Table, tar: tarfile.TarFile) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    with tempfile.TemporaryFile() as buf:
        count = 0
        result = con.execution_options(stream_results=True).execute(sa.select(table).order_by(*order))
        for row in result:
            buf.write(_row_json(row, table).encode("utf-8") + b"\n")
            count += 1
        info = tarfile.TarInfo(f"catalog/{table.name}.jsonl")
        info.size = buf.tell()
        info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
        info.mode = 0o644
        buf.seek(0)
        tar.addfile(info, buf)
    return count


# -- restore -----------------------------------------------------------------------------------------
def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest = json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} is not a Kho backup archive ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Kho backup archive (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{archive} has backup format {manifest.get('format_version')}; "
                          f"this release reads format {FORMAT_VERSION}")
    return manifest


def _check_empty_target(engine: sa.Engine, published_dir: Path) -> None:
    from catalog.store import dataset_versions, datasets

    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as con:
        for table in (datasets, dataset_versions):
            if table.name in present and con.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(f"the target catalogue {_redact(str(engine.url))} already holds {table.name}: "
                                  "restore only into an empty catalogue database")
        for name in ("access_agencies", "access_tokens", "access_grants", "audit_log"):
            if name in present and con.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar():
                raise BackupError(f"the target catalogue already holds {name}: restore only into an empty "
                                  "catalogue database")
    if published_dir.exists() and any(published_dir.iterdir()):
        raise BackupError(f"the published folder {published_dir} is not empty: restore only into an empty KHO_HOME")


def restore_backup(archive: Path, catalog_url: str, published_dir: Path, audit_key: bytes | None = None,
                   cache_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> RestoreReport:
    """Restore `archive` into an empty catalogue database and published folder (and the CSV copies into
    `cache_dir` when given; without it the API streams CSV from Parquet)."""
    from api.access.audit import verify_chain
    from catalog.migrations import head_revision
    from catalog.store import CatalogStore

    note = progress or (lambda _msg: None)
    archive = Path(archive).resolve()
    manifest = read_manifest(archive)
    if manifest["revision"] != head_revision():
        raise BackupError(f"the backup was made at schema revision {manifest['revision']}, this Kho release is at "
                          f"{head_revision()}: restore it with the release that made it, then upgrade")
    published_dir = Path(published_dir).resolve()
    url = sa.engine.make_url(catalog_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(catalog_url)
    try:
        _check_empty_target(store.engine, published_dir)
        tables = {t.name: t for t in all_tables()}
        unknown = set(manifest["tables"]) - set(tables)
        if unknown:
            raise BackupError(f"the backup holds tables this release does not know: {', '.join(sorted(unknown))}")

        # 1. Published files: extract into a staging folder next to the target, check every SHA-256, then move.
        published_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".kho-restore-", dir=published_dir.parent))
        try:
            seen = 0
            with tarfile.open(archive, "r:*") as tar:
                for member in tar:
                    if not member.name.startswith(("published/", "cache/")):
                        continue
                    rel = _safe_relative(member.name)
                    expected = manifest["files"].get(member.name)
                    if expected is None or not member.isfile():
                        raise BackupError(f"{member.name} in the archive is not listed in its manifest")
                    dest = staging.joinpath(*rel.parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    source = tar.extractfile(member)
                    assert source is not None
                    with open(dest, "wb") as fh:
                        shutil.copyfileobj(source, fh)
                    if _sha256(dest) != expected["sha256"]:
                        raise BackupError(f"{member.name}: SHA-256 does not match the manifest (archive damaged)")
                    seen += 1
            if seen != len(manifest["files"]):
                raise BackupError(f"the archive holds {seen} of the {len(manifest['files'])} files its manifest lists")
            note(f"verified {seen} published files")

            # 2. Catalogue: schema at head, then every row, in one transaction.
            store.create_schema()
            from api.access.models import create_access_schema

            create_access_schema(store.engine)
            restored: dict[str, int] = {}
            with store.engine.begin() as con, tarfile.open(archive, "r:*") as tar:
                # create_schema() filled reference data (licences, the generation counter): the backup's rows win.
                for table in reversed(all_tables()):
                    if table.name in manifest["tables"] and table.name != "audit_log":
                        con.execute(table.delete())
                for table in all_tables():
                    if table.name not in manifest["tables"]:
                        continue
                    note(f"restoring {table.name}")
                    restored[table.name] = _load_table(con, table, tar)
                    if restored[table.name] != manifest["tables"][table.name]:
                        raise BackupError(f"{table.name}: restored {restored[table.name]} rows, the manifest says "
                                          f"{manifest['tables'][table.name]}")
                if con.dialect.name == "postgresql":
                    _reset_sequences(con, [tables[name] for name in restored])
            published_dir.mkdir(parents=True, exist_ok=True)
            for prefix, root in (("published", published_dir), ("cache", cache_dir)):
                source_root = staging / prefix
                if root is None or not source_root.is_dir():
                    continue
                for dataset_dir in source_root.iterdir():
                    for version_dir in dataset_dir.iterdir():
                        dest = Path(root) / dataset_dir.name / version_dir.name
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        if dest.exists():  # a CSV copy the new API already wrote: the same bytes
                            shutil.rmtree(dest)
                        shutil.move(str(version_dir), dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

        report = verify_chain(store.engine, audit_key)
        return RestoreReport(revision=manifest["revision"], tables=restored, files=len(manifest["files"]),
                             audit_entries=report.checked, audit_ok=report.ok,
                             audit_head=report.anchor if report.ok else None,
                             audit_reason=None if report.ok else report.reason)
    finally:
        store.engine.dispose()


def _rows(tar: tarfile.TarFile, table: sa.Table) -> Iterator[dict[str, Any]]:
    member = tar.extractfile(f"catalog/{table.name}.jsonl")
    if member is None:
        raise BackupError(f"catalog/{table.name}.jsonl is missing from the archive")
    columns = {c.name: c for c in table.columns}
    for line in member:
        record = json.loads(line)
        yield {name: _decode_cell(value, columns[name]) for name, value in record.items() if name in columns}


def _load_table(con: sa.Connection, table: sa.Table, tar: tarfile.TarFile) -> int:
    count, batch = 0, []
    for row in _rows(tar, table):
        batch.append(row)
        if len(batch) >= _BATCH:
            con.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        con.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(con: sa.Connection, tables: list[sa.Table]) -> None:
    """Rows were inserted with their ids: move serial sequences past them (PostgreSQL)."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
                                                 and len(table.primary_key.columns) == 1):
                seq = con.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                  {"t": table.name, "c": column.name}).scalar()
                if seq:
                    con.execute(sa.text(f"SELECT setval('{seq}', COALESCE((SELECT max({column.name}) FROM "
                                        f"{table.name}), 0) + 1, false)"))


def _redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for messages
        return "<catalogue url>"
