"""The latest result of every check, kept in the warehouse (schema `quality`) for the publication gate.

The ingestion asset checks and the dbt step write here as they finish (they hold the warehouse pool);
the publish step reads, per dataset, the checks that apply to it. One row per check (the newest run's
result replaces the previous one), plus the build status of every dbt model and seed of the last run
that built it, so the gate knows whether a published table was rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import duckdb

from orchestration.lib.quality.checks import CheckResult

SCHEMA = "quality"
RESULTS = f"{SCHEMA}.check_results"
BUILDS = f"{SCHEMA}.build_results"

DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {RESULTS} (
        check_id VARCHAR PRIMARY KEY, name VARCHAR, source VARCHAR, dimension VARCHAR, severity VARCHAR,
        status VARCHAR, target VARCHAR, failing_count BIGINT, rows_tested BIGINT, message VARCHAR,
        sample_rows VARCHAR, run_id VARCHAR, checked_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {BUILDS} (
        unique_id VARCHAR PRIMARY KEY, status VARCHAR, message VARCHAR, run_id VARCHAR, built_at TIMESTAMP)""",
]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL:
        con.execute(ddl)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, name]).fetchone()[0])


def save_results(con: duckdb.DuckDBPyConnection, results: Iterable[CheckResult]) -> int:
    rows = []
    now = dt.datetime.now()
    for r in results:
        rows.append((r.check_id, r.name, r.source, r.dimension, r.severity, r.status, r.target, r.failing_count,
                     r.rows_tested, r.message, json.dumps(r.sample_rows, ensure_ascii=False), r.run_id,
                     r.checked_at or now))
    if not rows:
        return 0
    ensure(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(f"INSERT OR REPLACE INTO {RESULTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows)


def load_results(con: duckdb.DuckDBPyConnection, check_ids: Iterable[str] | None = None) -> dict[str, CheckResult]:
    if not _exists(con, RESULTS):
        return {}
    query = (f"SELECT check_id, name, source, dimension, severity, status, target, failing_count, rows_tested, "
             f"message, sample_rows, run_id, checked_at FROM {RESULTS}")
    params: list = []
    if check_ids is not None:
        ids = sorted(set(check_ids))
        if not ids:
            return {}
        query += " WHERE check_id IN (SELECT unnest(?))"
        params = [ids]
    out = {}
    for row in con.execute(query, params).fetchall():
        (cid, name, source, dim, sev, status, target, failing, tested, message, samples, run_id, checked_at) = row
        out[cid] = CheckResult(check_id=cid, name=name, source=source, dimension=dim, severity=sev, status=status,
                               target=target, failing_count=failing, rows_tested=tested, message=message or "",
                               sample_rows=json.loads(samples or "[]"), run_id=run_id, checked_at=checked_at)
    return out


def save_builds(con: duckdb.DuckDBPyConnection, builds: Iterable[tuple[str, str, str]], run_id: str) -> None:
    """(unique_id, status, message) of the models and seeds a dbt invocation built, errored or skipped."""
    rows = [(uid, status, message, run_id, dt.datetime.now()) for uid, status, message in builds]
    if not rows:
        return
    ensure(con)
    con.executemany(f"INSERT OR REPLACE INTO {BUILDS} VALUES (?, ?, ?, ?, ?)", rows)


def load_builds(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    if not _exists(con, BUILDS):
        return {}
    return {uid: {"status": status, "message": message, "run_id": run_id, "built_at": built_at}
            for uid, status, message, run_id, built_at in con.execute(
                f"SELECT unique_id, status, message, run_id, built_at FROM {BUILDS}").fetchall()}
