"""`load_into`: copy generated systems into a real PostgreSQL or MariaDB server, so ingestion is tested
over real connections (DESIGN §4).

The generated files are read back through DuckDB with the registry's types. PostgreSQL gets one schema
per system, filled with COPY (psycopg 3) from CSV rendered batch by batch by Arrow; MariaDB gets the
tables in the URL's database, filled with LOAD DATA LOCAL INFILE from a CSV that DuckDB writes: 3.6× the
speed of PyMySQL's multi-row INSERT batches (measured on 200k van_ban rows: 42k vs 12k rows/s).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pymysql
from openpyxl import load_workbook

from orchestration.lib.registry import DUCKDB_TYPES, System, Table, load_registry
from simulator.writers import arrow_schema, duckdb_with_sqlite

POSTGRES_TYPES = {
    "text": "text", "integer": "integer", "bigint": "bigint", "double": "double precision",
    "boolean": "boolean", "date": "date", "timestamp": "timestamp without time zone",
}
# MariaDB: DATETIME, not TIMESTAMP, holds naive local time (TIMESTAMP converts time zones and ends in 2038).
MARIADB_TYPES = {
    "integer": "INT", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN",
    "date": "DATE", "timestamp": "DATETIME",
}
BATCH_ROWS = 200_000


class _Source:
    """The generated systems in out_dir, readable as typed relations in one DuckDB connection."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.con = duckdb_with_sqlite()
        self._attached: set[str] = set()

    def select(self, system: System, table: Table) -> str:
        """SELECT of the table's columns, in registry order, cast to the registry's types."""
        columns = ", ".join(f'CAST("{c.name}" AS {DUCKDB_TYPES[c.type]}) AS "{c.name}"' for c in table.columns)
        if not system.is_file_drop:
            path = self.out_dir / f"{system.name}.sqlite"
            if system.name not in self._attached:
                self.con.execute(f"ATTACH '{path}' AS src_{system.name} (TYPE sqlite, READ_ONLY)")
                self._attached.add(system.name)
            return f'SELECT {columns} FROM src_{system.name}."{table.name}"'
        path = self.out_dir / system.name / table.file
        if path.suffix == ".csv":
            types = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in table.columns)
            return (f"SELECT {columns} FROM read_csv('{path}', header = true, delim = ',', quote = '\"', "
                    f"columns = {{{types}}})")
        view = f"xlsx_{system.name}_{table.name}"
        self.con.register(view, _read_xlsx(path, table))
        return f'SELECT {columns} FROM "{view}"'

    def close(self) -> None:
        self.con.close()


def _read_xlsx(path: Path, table: Table) -> pa.Table:
    workbook = load_workbook(path, read_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = list(next(rows))
        expected = [c.name for c in table.columns]
        if header != expected:
            raise ValueError(f"{path}: header {header} differs from the registry's {expected}")
        values = list(rows)
    finally:
        workbook.close()
    return pa.table({name: [row[i] for row in values] for i, name in enumerate(header)}, schema=arrow_schema(table))


def load_into(out_dir: Path, target_url: str, systems: list[str]) -> dict[str, int]:
    """Load already generated systems from out_dir into a real server; return rows loaded per table.

    `postgresql://user@host:port/db`: each system in its own schema named after it.
    `mysql://user@host:port/db` (MariaDB): all tables in that database, created if missing.
    Existing tables of the same name are dropped and recreated.
    """
    registry = load_registry()
    unknown = sorted(set(systems) - set(registry))
    if unknown:
        raise ValueError(f"unknown systems {unknown}; the registry lists {list(registry)}")
    scheme = urlparse(target_url).scheme.split("+")[0]
    for name in systems:  # before touching the server
        system = registry[name]
        paths = ([Path(out_dir) / name / t.file for t in system.tables] if system.is_file_drop
                 else [Path(out_dir) / f"{name}.sqlite"])
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise FileNotFoundError(f"{', '.join(missing)} not found; generate the {name} system first")
    source = _Source(out_dir)
    try:
        if scheme in ("postgresql", "postgres"):
            return _load_postgres(source, target_url, [registry[s] for s in systems])
        if scheme in ("mysql", "mariadb"):
            return _load_mariadb(source, target_url, [registry[s] for s in systems])
        raise ValueError(f"unsupported target {target_url!r}: use postgresql:// or mysql://")
    finally:
        source.close()


def _quote_pg(*names: str) -> str:
    return ".".join('"' + n.replace('"', '""') + '"' for n in names)


def _load_postgres(source: _Source, url: str, systems: list[System]) -> dict[str, int]:
    loaded: dict[str, int] = {}
    csv_options = pacsv.WriteOptions(include_header=False)  # strings quoted, nulls as empty fields
    with psycopg.connect(url) as conn:
        for system in systems:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote_pg(system.name)}")
            for table in system.tables:
                target = _quote_pg(system.name, table.name)
                columns = ", ".join(f"{_quote_pg(c.name)} {POSTGRES_TYPES[c.type]}" for c in table.columns)
                conn.execute(f"DROP TABLE IF EXISTS {target}")
                conn.execute(f"CREATE TABLE {target} ({columns})")
                reader = source.con.execute(source.select(system, table)).to_arrow_reader(BATCH_ROWS)
                names = ", ".join(_quote_pg(c.name) for c in table.columns)
                with conn.cursor() as cur:
                    with cur.copy(f"COPY {target} ({names}) FROM STDIN (FORMAT csv)") as copy:
                        for batch in reader:
                            buffer = io.BytesIO()
                            pacsv.write_csv(batch, buffer, csv_options)
                            copy.write(buffer.getbuffer())
                    loaded[f"{system.name}.{table.name}"] = cur.rowcount
                # The key is added after the load: one index build instead of row-by-row maintenance.
                key = ", ".join(_quote_pg(k) for k in table.primary_key)
                conn.execute(f"ALTER TABLE {target} ADD PRIMARY KEY ({key})")
            conn.commit()
    return loaded


def _mariadb_connection(url: str) -> tuple[pymysql.connections.Connection, str]:
    parts = urlparse(url)
    database = parts.path.lstrip("/")
    if not database:
        raise ValueError(f"{url!r} names no database")
    conn = pymysql.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                           user=unquote(parts.username or "root"), password=unquote(parts.password or ""),
                           charset="utf8mb4", local_infile=True, autocommit=False)
    return conn, database


def _mariadb_type(column, max_bytes: dict[str, int]) -> str:
    if column.type != "text":
        return MARIADB_TYPES[column.type]
    # VARCHAR (indexable, keys included) unless the data needs more; byte length bounds character length.
    return "VARCHAR(255)" if max_bytes.get(column.name, 0) <= 255 else "TEXT"


def _load_mariadb(source: _Source, url: str, systems: list[System]) -> dict[str, int]:
    loaded: dict[str, int] = {}
    conn, database = _mariadb_connection(url)
    with conn, tempfile.TemporaryDirectory(prefix="kho-load-") as scratch:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            cur.execute(f"USE `{database}`")
            for system in systems:
                for table in system.tables:
                    select = source.select(system, table)
                    texts = [c.name for c in table.columns if c.type == "text"]
                    max_bytes = {}
                    if texts:
                        row = source.con.execute(
                            "SELECT " + ", ".join(f'coalesce(max(strlen("{n}")), 0)' for n in texts)
                            + f" FROM ({select})").fetchone()
                        max_bytes = dict(zip(texts, row))
                    columns = ", ".join(f"`{c.name}` {_mariadb_type(c, max_bytes)}"
                                        for c in table.columns)
                    key = ", ".join(f"`{k}`" for k in table.primary_key)
                    cur.execute(f"DROP TABLE IF EXISTS `{table.name}`")
                    cur.execute(f"CREATE TABLE `{table.name}` ({columns}, PRIMARY KEY ({key})) "
                                "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
                    # Booleans as 0/1; NULL as the bare word NULL; text always quoted so "NULL" stays text.
                    exported = ", ".join(f'CAST("{c.name}" AS INTEGER)' if c.type == "boolean" else f'"{c.name}"'
                                         for c in table.columns)
                    path = Path(scratch) / f"{system.name}.{table.name}.csv"
                    quoted = ", ".join(f'"{n}"' for n in texts)
                    force = f", FORCE_QUOTE ({quoted})" if texts else ""
                    source.con.execute(
                        f"COPY (SELECT {exported} FROM ({select})) TO '{path}' "
                        f"(FORMAT csv, HEADER false, NULLSTR 'NULL', QUOTE '\"', ESCAPE '\"'{force})")
                    names = ", ".join(f"`{c.name}`" for c in table.columns)
                    cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table.name}` CHARACTER SET utf8mb4 "
                                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                                f"LINES TERMINATED BY '\\n' ({names})", (str(path),))
                    loaded[f"{system.name}.{table.name}"] = cur.rowcount
                    cur.execute("SHOW WARNINGS LIMIT 5")
                    warnings = cur.fetchall()
                    if warnings:
                        raise RuntimeError(f"MariaDB warned while loading {table.name}: {warnings}")
                    path.unlink()
            conn.commit()
    return loaded
