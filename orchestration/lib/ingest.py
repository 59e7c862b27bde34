"""Load one sector table into the warehouse's raw layer (`raw.<system>__<table>`).

Database sources (SQLite, PostgreSQL, MySQL/MariaDB) are read through DuckDB's own scanners, so rows
travel source → Arrow-native vectors → DuckDB without per-row Python. File drops (CSV, Excel) are read
with DuckDB's CSV reader and openpyxl respectively. Every load is one transaction: the raw table is
replaced only when the whole source table was read, so a failed load leaves the previous raw table.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pyarrow as pa

from orchestration.lib.registry import DUCKDB_TYPES, System, Table
from orchestration.lib.warehouse import load_extension

RAW_SCHEMA = "raw"
LOADED_AT = "_kho_loaded_at"


class SourceUnavailableError(RuntimeError):
    """The sector system could not be reached or read."""


@dataclass(frozen=True)
class LoadResult:
    rows_read: int
    rows_loaded: int
    cursor_max: str | None
    schema_hash: str
    duration_s: float


def schema_hash(table: Table) -> str:
    """Hash of the registry's column names and types: changes whenever the contract changes."""
    text = "|".join(f"{c.name}:{c.type}" for c in table.columns)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _duckdb_attach_sql(url: str, alias: str) -> str:
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(url.split("sqlite:///", 1)[1])
        if not Path(path).exists():
            raise SourceUnavailableError(f"SQLite source {path} does not exist")
        return f"ATTACH '{path}' AS {alias} (TYPE sqlite, READ_ONLY)"
    if scheme in ("postgresql", "postgres"):
        dsn = (
            f"host={parsed.hostname or '127.0.0.1'} port={parsed.port or 5432} "
            f"dbname={parsed.path.lstrip('/') or 'postgres'} user={unquote(parsed.username or 'postgres')}"
        )
        if parsed.password:
            dsn += f" password={unquote(parsed.password)}"
        return f"ATTACH '{dsn}' AS {alias} (TYPE postgres, READ_ONLY)"
    if scheme in ("mysql", "mariadb"):
        dsn = (
            f"host={parsed.hostname or '127.0.0.1'} port={parsed.port or 3306} "
            f"database={parsed.path.lstrip('/')} user={unquote(parsed.username or 'root')}"
        )
        if parsed.password:
            dsn += f" password={unquote(parsed.password)}"
        return f"ATTACH '{dsn}' AS {alias} (TYPE mysql, READ_ONLY)"
    raise SourceUnavailableError(f"unsupported source URL scheme {scheme!r} in {url!r}")


_EXTENSION_FOR_SCHEME = {"sqlite": "sqlite_scanner", "postgresql": "postgres_scanner",
                         "postgres": "postgres_scanner", "mysql": "mysql_scanner", "mariadb": "mysql_scanner"}


def _typed_select(table: Table, relation: str) -> str:
    """Select the registry's columns from a source relation, cast to the registry's types."""
    cols = ", ".join(
        f'CAST("{c.name}" AS {DUCKDB_TYPES[c.type]}) AS "{c.name}"' for c in table.columns
    )
    return f"SELECT {cols}, CAST(now() AS TIMESTAMP) AS {LOADED_AT} FROM {relation}"


def _read_excel(path: Path, table: Table) -> pa.Table:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        data = list(rows)
    finally:
        wb.close()
    columns = {name: [row[i] for row in data] for i, name in enumerate(header)}
    return pa.table({c.name: pa.array([None if v is None else str(v) for v in columns[c.name]], pa.string())
                     for c in table.columns})


def _replace_raw(con: duckdb.DuckDBPyConnection, table: Table, select_sql: str) -> int:
    target = f"{RAW_SCHEMA}.{table.raw_name}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS {select_sql}")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


def load_table(con: duckdb.DuckDBPyConnection, system: System, table: Table, sources_dir: Path) -> LoadResult:
    """Full load of one source table into raw; returns what the run metadata records."""
    started = time.perf_counter()
    url = system.connection_url(sources_dir)
    if system.is_file_drop:
        folder = Path(url.removeprefix("file://"))
        path = folder / table.file
        if not path.exists():
            raise SourceUnavailableError(f"{system.name}: expected file {path} is missing")
        if path.suffix == ".csv":
            types = ", ".join(f"'{c.name}': 'VARCHAR'" for c in table.columns)
            relation = f"read_csv('{path}', header=true, columns={{{types}}})"
            rows = _replace_raw(con, table, _typed_select(table, relation))
        elif path.suffix in (".xlsx", ".xlsm"):
            con.register("excel_frame", _read_excel(path, table))
            try:
                rows = _replace_raw(con, table, _typed_select(table, "excel_frame"))
            finally:
                con.unregister("excel_frame")
        else:
            raise SourceUnavailableError(f"{system.name}: unsupported file type {path.suffix}")
    else:
        scheme = urlparse(url).scheme.split("+")[0]
        load_extension(con, _EXTENSION_FOR_SCHEME.get(scheme, "sqlite_scanner"))
        alias = f"src_{system.name}"
        try:
            con.execute(_duckdb_attach_sql(url, alias))
        except duckdb.Error as exc:
            raise SourceUnavailableError(f"{system.name}: cannot connect to {_redact(url)}: {exc}") from exc
        try:
            # PostgreSQL sources keep each system in a schema named after it (the simulator's layout).
            schema = f'"{system.name}".' if scheme.startswith("postgres") else ""
            source_relation = f'{alias}.{schema}"{table.name}"'
            rows = _replace_raw(con, table, _typed_select(table, source_relation))
        finally:
            con.execute(f"DETACH {alias}")
    cursor_max = None
    if table.cursor:
        value = con.execute(f'SELECT max("{table.cursor}") FROM {RAW_SCHEMA}.{table.raw_name}').fetchone()[0]
        cursor_max = None if value is None else str(value)
    return LoadResult(rows_read=rows, rows_loaded=rows, cursor_max=cursor_max,
                      schema_hash=schema_hash(table), duration_s=time.perf_counter() - started)


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url
