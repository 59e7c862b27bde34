"""The Python checks on ingestion, one pair per sector table (docs/quality.md):

* **row_count_reconciliation** (đủ, error): the rows the source holds now — counted at the source by
  primary key, independently of the load (a database: `count(*)` of rows with a key through the same
  scanner ingestion uses; a file drop: the distinct keys of the newest snapshot file, or of all delta
  files) — equal the rows in `raw.<system>__<table>` plus the keys ingestion set aside in quarantine.
  A shortfall fully explained by quarantined rows is a warning (the rows and their reasons are in
  `ingest.quarantine`); an unexplained difference fails, unless it is within 0.1 % of the source (rows
  that changed at a live source between the load and the count), which warns.
* **freshness** (sống, warn): the feed keeps up with the registry's `freshness_sla_hours`: the table's
  newest change (`updated_at`) is no older than the SLA relative to the warehouse's reference time (the
  newest change seen in any sector feed, capped at this table's extraction time — the same reference
  as the dbt `recent_updates` tests, deterministic on replayed data), and the platform loaded the table
  within the SLA (wall clock). A stale feed counts every row of the table as failing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.lib.ingest.files import list_drop_files
from orchestration.lib.ingest.spec import LOADED_AT, META_SCHEMA, RAW_SCHEMA, parse_url, table_spec
from orchestration.lib.quality.checks import CheckResult
from orchestration.lib.registry import System, Table, load_registry

RECONCILIATION = "row_count_reconciliation"
FRESHNESS = "freshness"
#: Unexplained differences up to this share of the source are reported as drift, not as loss.
DRIFT_TOLERANCE = 0.001


def check_id(system: str, table: str, check: str) -> str:
    return f"python.{system}.{table}.{check}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw(table: Table) -> str:
    return f"{RAW_SCHEMA}.{_quote(table.raw_name)}"


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, name]).fetchone()[0])


# ------------------------------------------------------------------------------------------- sources


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _file_keys(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> set[tuple]:
    """Distinct non-null primary keys of one drop file (CSV or Excel), read as text."""
    keys = list(table.primary_key)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook[table.name] if table.name in workbook.sheetnames else workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
            positions = [header.index(k.lower()) for k in keys]
            found = set()
            for row in rows:
                values = tuple(row[i] if i < len(row) else None for i in positions)
                values = tuple(None if v is None or str(v).strip() == "" else str(v).strip() for v in values)
                if all(v is not None for v in values):
                    found.add(values)
            return found
        finally:
            workbook.close()
    reader = f"read_csv({_sql_str(str(path))}, header = true, all_varchar = true, sample_size = -1)"
    columns = {c.lower(): c for c, *_ in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    exprs = [f"nullif(trim({_quote(columns[k.lower()])}), '')" for k in keys]
    not_null = " AND ".join(f"{e} IS NOT NULL" for e in exprs)
    return set(con.execute(f"SELECT DISTINCT {', '.join(exprs)} FROM {reader} WHERE {not_null}").fetchall())


def count_source_rows(con: duckdb.DuckDBPyConnection, system: System, table: Table, sources_dir: Path) -> tuple[int, str]:
    """(rows with a primary key at the source now, what was counted)."""
    spec = table_spec(system, table)
    url = parse_url(system.connection_url(Path(sources_dir)))
    if url.kind == "file":
        files = list_drop_files(url.path, spec.file_pattern or table.file or "*")
        if not files:
            raise FileNotFoundError(f"no file matching {spec.file_pattern} in {url.path}")
        chosen = files if spec.file_mode == "delta" else files[-1:]
        keys: set[tuple] = set()
        for f in chosen:
            keys |= _file_keys(con, table, f.path)
        return len(keys), ", ".join(f.name for f in chosen)
    from orchestration.lib.ingest.drift import check_drift
    from orchestration.lib.ingest.sources import open_source

    source = open_source(spec, url, con)
    with source:
        report = check_drift(spec, source.describe(), None)
        return source.count_keys(report), source.label


def reconcile(con: duckdb.DuckDBPyConnection, system: System, table: Table, sources_dir: Path,
              run_id: str | None = None) -> CheckResult:
    base = dict(check_id=check_id(system.name, table.name, RECONCILIATION), name=RECONCILIATION, source="python",
                dimension="du", severity="error", target=f"raw.{system.name}.{table.name}", run_id=run_id,
                checked_at=dt.datetime.now())
    if not _table_exists(con, RAW_SCHEMA, table.raw_name):
        return CheckResult(**base, status="fail", message=f"raw.{table.raw_name} does not exist: the table was never loaded")
    try:
        source_rows, counted = count_source_rows(con, system, table, sources_dir)
    except Exception as exc:  # the source is down or unreadable: the comparison cannot be made
        return CheckResult(**base, status="fail", message=f"cannot count the rows at the source: {exc}")
    raw_rows = int(con.execute(f"SELECT count(*) FROM {_raw(table)}").fetchone()[0])
    quarantined = 0
    if _table_exists(con, META_SCHEMA, "state"):
        row = con.execute(f"SELECT missing_keys FROM {META_SCHEMA}.state WHERE system = ? AND table_name = ?",
                          [system.name, table.name]).fetchone()
        quarantined = int(row[0] or 0) if row else 0
    diff = source_rows - raw_rows
    unexplained = diff - quarantined
    detail = (f"source {source_rows:,} rows ({counted}); raw {raw_rows:,} rows; "
              f"{quarantined:,} keys in quarantine")
    if diff == 0 and quarantined == 0:
        status, message = "pass", f"reconciled: {detail}"
    elif unexplained == 0:
        status, message = "warn", f"{diff:,} source rows could not be loaded and are in ingest.quarantine: {detail}"
    elif abs(unexplained) <= max(1, DRIFT_TOLERANCE * source_rows):
        status, message = "warn", (f"{unexplained:+,} rows unexplained, within the {DRIFT_TOLERANCE:.1%} drift a live "
                                   f"source can show between load and count: {detail}")
    else:
        status, message = "fail", f"{unexplained:+,} rows unexplained (lost or extra in raw): {detail}"
    return CheckResult(**base, status=status, failing_count=abs(diff), rows_tested=source_rows, message=message)


# ------------------------------------------------------------------------------------------- freshness


def reference_time(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dt.datetime | None:
    """The newest change any sector feed recorded (never after `now`): the warehouse's "as of"."""
    parts = []
    for system in load_registry().values():
        for table in system.tables:
            if table.cursor and _table_exists(con, RAW_SCHEMA, table.raw_name):
                parts.append(f"SELECT max({_quote(table.cursor)})::TIMESTAMP AS t FROM {_raw(table)} "
                             f"WHERE {_quote(table.cursor)} <= ?")
    if not parts:
        return None
    value = con.execute(f"SELECT max(t) FROM ({' UNION ALL '.join(parts)})", [now] * len(parts)).fetchone()[0]
    return value


def freshness(con: duckdb.DuckDBPyConnection, system: System, table: Table, *, now: dt.datetime | None = None,
              last_load_at: dt.datetime | None = None, run_id: str | None = None) -> tuple[CheckResult, dict]:
    """The freshness check, and the facts the catalogue's source-freshness list shows."""
    now = now or dt.datetime.now()
    sla = float(system.freshness_sla_hours)
    base = dict(check_id=check_id(system.name, table.name, FRESHNESS), name=FRESHNESS, source="python",
                dimension="song", severity="warn", target=f"raw.{system.name}.{table.name}", run_id=run_id,
                checked_at=now)
    facts: dict = {"sla_hours": sla, "last_loaded_at": None, "max_updated_at": None, "rows_loaded": None}
    if not _table_exists(con, RAW_SCHEMA, table.raw_name) or not table.cursor:
        return CheckResult(**base, status="warn", message="no raw table or no cursor column to measure"), facts
    rows, newest, loaded = con.execute(
        f"SELECT count(*), max({_quote(table.cursor)})::TIMESTAMP, max({LOADED_AT}) FROM {_raw(table)} "
        f"WHERE {_quote(table.cursor)} <= ? OR {_quote(table.cursor)} IS NULL", [now]).fetchone()
    total = int(con.execute(f"SELECT count(*) FROM {_raw(table)}").fetchone()[0])
    last_load_at = last_load_at or loaded
    facts.update(last_loaded_at=last_load_at, max_updated_at=newest, rows_loaded=total)
    reference = reference_time(con, now)
    if reference is not None and loaded is not None:
        reference = min(reference, loaded)
    problems = []
    if newest is None:
        problems.append("the table has no change time at all")
    elif reference is not None:
        lag = (reference - newest).total_seconds() / 3600
        if lag > sla:
            problems.append(f"newest change {newest:%Y-%m-%d %H:%M} is {lag:,.0f} h behind the sources' newest "
                            f"activity {reference:%Y-%m-%d %H:%M} (SLA {sla:,.0f} h)")
    if last_load_at is not None:
        load_lag = (now - last_load_at).total_seconds() / 3600
        if load_lag > sla:
            problems.append(f"last loaded {load_lag:,.0f} h ago (SLA {sla:,.0f} h)")
    if problems:
        return CheckResult(**base, status="warn", failing_count=total, rows_tested=total,
                           message="stale feed: " + "; ".join(problems)), facts
    lag_text = f"{(reference - newest).total_seconds() / 3600:,.0f} h" if reference and newest else "n/a"
    return CheckResult(**base, status="pass", failing_count=0, rows_tested=total,
                       message=f"newest change {newest:%Y-%m-%d %H:%M}, {lag_text} behind the sources' newest "
                               f"activity (SLA {sla:,.0f} h)"), facts
