"""Load one database table of a sector system into the raw layer: the steps, in order.

1. Read ingestion state; decide full refresh (asked for, first load, registry contract changed, raw table
   missing or reshaped) or incremental.
2. Open the source; describe its columns; check drift against the registry and the last load's schema.
3. Extract the batch into a DuckDB temp table: everything (full refresh) or rows with
   `cursor >= watermark − lookback OR cursor IS NULL` (incremental; the lookback catches late-arriving
   rows stamped with an older cursor than the last maximum seen).
4. Type the batch and quarantine what cannot be loaded (rows read = loaded + quarantined).
5. Incremental: stage inserts/updates by primary key (unchanged re-reads are not rewritten); decide
   whether deletions are possible by comparing key counts, and if so reconcile keys with the source.
6. Close the source, then apply everything in one DuckDB transaction. Any failure before COMMIT leaves
   the raw table exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.ingest.drift import DriftReport, check_drift, registry_hash
from orchestration.lib.ingest.incremental import Merger, ensure_meta, raw_columns, raw_layout_ok, read_state
from orchestration.lib.ingest.quarantine import cleanup as cleanup_typed
from orchestration.lib.ingest.quarantine import type_batch
from orchestration.lib.ingest.sources import CursorFilter, open_source
from orchestration.lib.ingest.spec import TableSpec, now_local, parse_url

BATCH = "_kho_batch"
KEYS = "_kho_keys"


@dataclass
class LoadResult:
    """What one load did; every field ends up in the Dagster asset's run metadata."""

    system: str
    table: str
    mode: str                          # incremental | full_refresh
    rows_read: int = 0
    rows_loaded: int = 0               # rows of the batch that reached raw (inserted + updated + unchanged)
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0            # re-read (lookback window) but identical to raw: not rewritten
    rows_deleted: int = 0
    rows_replaced: int = 0             # full refresh: rows of the raw table before
    rows_quarantined: int = 0
    rows_total: int = 0                # rows in raw after the load
    cursor_max: str | None = None      # watermark after the load
    cursor_from: str | None = None     # lower bound of the incremental read
    schema_hash: str = ""
    registry_hash: str = ""
    columns_added: list[str] = field(default_factory=list)
    type_changes: list[str] = field(default_factory=list)
    full_refresh_reason: str = ""
    key_reconciliation: bool = False
    missing_keys: int = 0
    connector: str = ""
    read_mode: str = ""
    source: str = ""
    duration_s: float = 0.0
    extract_s: float = 0.0
    apply_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)   # seconds per step of the load
    files_new: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_rejected: list[str] = field(default_factory=list)

    @property
    def rows_merged(self) -> int:
        return self.rows_inserted + self.rows_updated

    def as_dict(self) -> dict:
        return asdict(self)


def watermark(old: str | None, batch_max, cursor_type: str | None, started: dt.datetime, full: bool) -> str | None:
    """New cursor watermark: the batch's maximum, never in the future (future-dated rows would otherwise
    hide every later change), never moving backwards on incremental loads."""
    if cursor_type is None:
        return old
    candidates = []
    if batch_max is not None:
        value = batch_max
        if cursor_type == "timestamp" and isinstance(value, dt.datetime):
            value = min(value, started)
        elif cursor_type == "date" and isinstance(value, dt.date):
            value = min(value, started.date())
        candidates.append(value)
    if old is not None and not full:
        candidates.append(parse_cursor(old, cursor_type))
    if not candidates:
        return None
    best = max(candidates)
    return best.isoformat(sep=" ") if isinstance(best, dt.datetime) else str(best)


def parse_cursor(text: str, cursor_type: str):
    if cursor_type == "timestamp":
        return dt.datetime.fromisoformat(text)
    if cursor_type == "date":
        return dt.date.fromisoformat(text)
    if cursor_type in ("integer", "bigint"):
        return int(text)
    if cursor_type == "double":
        return float(text)
    return text


def lower_bound(spec: TableSpec, cursor_value: str):
    kind = spec.table.column(spec.table.cursor).type
    value = parse_cursor(cursor_value, kind)
    seconds = spec.lookback_seconds
    if kind == "timestamp":
        return value.replace(microsecond=0) - dt.timedelta(seconds=seconds)
    if kind == "date":
        return value - dt.timedelta(days=max(1, int(seconds // 86400)))
    return value


def load_table(con: duckdb.DuckDBPyConnection, system, table, sources_dir: Path, *, full_refresh: bool = False,
               run_id: str = "", spec: TableSpec | None = None) -> LoadResult:
    """Load one registry table into `raw.<system>__<table>` (file drops are handled by `load_files`)."""
    from orchestration.lib.ingest.files import load_files
    from orchestration.lib.ingest.spec import table_spec

    spec = spec or table_spec(system, table)
    url = parse_url(system.connection_url(Path(sources_dir)))
    if url.kind == "file":
        return load_files(con, spec, url, full_refresh=full_refresh, run_id=run_id)
    return _load_database_table(con, spec, url, full_refresh=full_refresh, run_id=run_id)


def decide_mode(con, spec: TableSpec, full_refresh: bool):
    """(state, raw layout, registry hash, full-refresh reason — empty for an incremental load)."""
    ensure_meta(con)
    state = read_state(con, spec)
    layout = raw_columns(con, spec)
    reg_hash = registry_hash(spec)
    if full_refresh:
        reason = "requested"
    elif state is None:
        reason = "first load"
    elif layout is None:
        reason = "raw table missing"
    elif not raw_layout_ok(layout, spec):
        reason = "raw table does not match the registry's columns"
    elif state.registry_hash != reg_hash:
        reason = "registry contract changed"
    elif not spec.table.cursor:
        reason = "table has no cursor column"
    else:
        reason = ""
    return state, layout, reg_hash, reason


class _Clock:
    def __init__(self, phases: dict[str, float]):
        self.phases, self.last = phases, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(self.phases.get(name, 0.0) + now - self.last, 4)
        self.last = now


def _load_database_table(con, spec: TableSpec, url, *, full_refresh: bool, run_id: str) -> LoadResult:
    started = time.perf_counter()
    state, layout, reg_hash, reason = decide_mode(con, spec, full_refresh)
    full = bool(reason)
    result = LoadResult(system=spec.system.name, table=spec.table.name,
                        mode="full_refresh" if full else "incremental", full_refresh_reason=reason,
                        registry_hash=reg_hash)
    clock = _Clock(result.phases)
    source = open_source(spec, url, con)
    result.connector, result.source = source.connector, source.label
    merger = None
    try:
        with source:
            clock.lap("connect")
            observed = source.describe()
            report: DriftReport = check_drift(spec, observed, None if full else (state.source_schema if state else None))
            extras = [c.name for c in report.added]
            result.schema_hash = report.schema_hash
            result.columns_added, result.type_changes = extras, report.changed
            where = None
            if not full and spec.table.cursor and state.cursor_value is not None:
                lower = lower_bound(spec, state.cursor_value)
                where = CursorFilter(report.mapping[spec.table.cursor],
                                     spec.table.column(spec.table.cursor).type, lower)
                result.cursor_from = where.literal()
            clock.lap("describe")
            extract_started = now_local()
            source.extract(report, where, BATCH)
            result.read_mode = source.read_mode
            result.extract_s = round(time.perf_counter() - started, 3)
            clock.lap("extract")

            typed = type_batch(con, spec, BATCH, extras, canonical=source.canonical_text,
                               key_unique=source.key_is_unique(report))
            clock.lap("type")
            merger = Merger(con, spec, typed, extras)
            if full:
                merger.stage_full(raw_exists=layout is not None)
                clock.lap("stage")
            else:
                merger.stage_incremental()
                clock.lap("stage")
                source_keys = source.count_keys(report)
                raw_before = con.execute(f"SELECT count(*) FROM {spec.raw_table}").fetchone()[0]
                new_missing = merger.new_missing_keys()
                clock.lap("count_keys")
                if (state.missing_keys or new_missing
                        or raw_before + merger.counts.inserted != source_keys):
                    source.fetch_keys(report, KEYS)
                    merger.stage_reconciliation(KEYS)
                    clock.lap("reconcile_keys")
        clock.lap("close")
        # Source closed: from here on only the warehouse is touched, in one transaction.
        apply_started = time.perf_counter()
        cursor_type = spec.table.column(spec.table.cursor).type if spec.table.cursor else None
        new_cursor = watermark(None if full or state is None else state.cursor_value, typed.cursor_max,
                               cursor_type, extract_started, full)
        merger.apply(loaded_at=now_local(), run_id=run_id, source_label=source.label, state_row={
            "cursor_value": new_cursor, "source_schema": report.baseline(), "schema_hash": report.schema_hash,
            "registry_hash": reg_hash})
        result.apply_s = round(time.perf_counter() - apply_started, 3)
        clock.lap("apply")
        counts = merger.counts
        result.rows_read, result.rows_loaded, result.rows_quarantined = typed.rows_read, typed.rows_loaded, typed.rows_quarantined
        result.rows_inserted, result.rows_updated, result.rows_unchanged = counts.inserted, counts.updated, counts.unchanged
        result.rows_deleted, result.rows_replaced = counts.deleted, counts.replaced
        result.key_reconciliation, result.missing_keys = counts.reconciled, counts.missing_keys
        result.cursor_max = new_cursor
        result.rows_total = con.execute(f"SELECT count(*) FROM {spec.raw_table}").fetchone()[0]
    finally:
        if merger is not None:
            merger.cleanup()
        cleanup_typed(con)
        for temp in (BATCH, KEYS):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    result.duration_s = round(time.perf_counter() - started, 3)
    return result
