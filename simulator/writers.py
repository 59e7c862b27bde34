"""Deterministic writers for the sector systems' storage: SQLite databases, CSV and Excel file drops.

SQLite files are filled through DuckDB's sqlite extension (loaded from the pinned wheel; DuckDB's
extension repository is never contacted) from Arrow batches: ~1M rows/s, and byte-identical output for
identical input because DuckDB keeps insertion order. Tables are created first with sqlite3 so their
declared types (TIMESTAMP, DATE, BOOLEAN, ...) let DuckDB's sqlite scanner type the columns on the way
back; SQLite stores timestamps as 'YYYY-MM-DD HH:MM:SS' text and booleans as 0/1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner
import pyarrow as pa
from openpyxl import Workbook

from orchestration.lib.registry import Table

SQLITE_EXTENSION = (Path(duckdb_extension_sqlite_scanner.__file__).parent
                    / f"extensions/v{duckdb.__version__}/sqlite_scanner.duckdb_extension")

SQLITE_TYPES = {
    "text": "TEXT", "integer": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
    "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
}
ARROW_TYPES = {
    "text": pa.string(), "integer": pa.int32(), "bigint": pa.int64(), "double": pa.float64(),
    "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("s"),
}


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in table.columns])


def sqlite_ddl(table: Table) -> str:
    """CREATE TABLE with the registry's columns in order and its primary key.

    A single integer key is declared `INTEGER PRIMARY KEY` — SQLite's rowid alias, which costs no extra
    index; DuckDB's scanner reads INTEGER and BIGINT alike as BIGINT.
    """
    key = table.primary_key
    rowid_key = len(key) == 1 and table.column(key[0]).type in ("integer", "bigint")
    columns = []
    for column in table.columns:
        if rowid_key and column.name == key[0]:
            columns.append(f'"{column.name}" INTEGER PRIMARY KEY')
        else:
            columns.append(f'"{column.name}" {SQLITE_TYPES[column.type]}')
    if not rowid_key:
        columns.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in key) + ")")
    return f'CREATE TABLE "{table.name}" (\n  ' + ",\n  ".join(columns) + "\n)"


def duckdb_with_sqlite() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"LOAD '{SQLITE_EXTENSION}'")
    return con


class SqliteWriter:
    """One system's SQLite database: tables created up front, then filled batch by batch."""

    def __init__(self, path: Path, tables: list[Table]):
        # A journal left by an interrupted run would be "rolled back" into the new file: remove it too.
        for stale in (path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
            stale.unlink(missing_ok=True)
        with sqlite3.connect(path) as con:
            for table in tables:
                con.execute(sqlite_ddl(table))
        self._con = duckdb_with_sqlite()
        # SQLite takes one writer; more DuckDB threads only compete with the generator for the cores.
        self._con.execute("SET threads = 1")
        self._con.execute(f"ATTACH '{path}' AS target (TYPE sqlite)")

    def append(self, table: Table, data: pa.Table) -> None:
        self._con.register("batch", data)
        try:
            self._con.execute(f'INSERT INTO target."{table.name}" SELECT * FROM batch')
        finally:
            self._con.unregister("batch")

    def close(self) -> None:
        self._con.execute("DETACH target")
        self._con.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_csv(path: Path, data: pa.Table) -> None:
    """UTF-8 CSV with a header row, '\\n' line ends, ISO timestamps and empty cells for nulls."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(data.column_names)
        for row in zip(*(column.to_pylist() for column in data.columns)):
            out.writerow(_cell(v) for v in row)


# A fixed modification time for every zip member and for the workbook's document properties.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_xlsx(path: Path, data: pa.Table, sheet: str, stamped: dt.datetime) -> None:
    """One sheet with a header row. Timestamps are real Excel date-times; `stamped` is the workbook's
    created/modified time, so the file is byte-identical for identical input."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(data.column_names)
    for row in zip(*(column.to_pylist() for column in data.columns)):
        worksheet.append(list(row))
    workbook.properties.creator = "Kho simulator"
    buffer = io.BytesIO()
    workbook.save(buffer)
    _normalise_zip(buffer.getvalue(), path, stamped)


def _normalise_zip(content: bytes, path: Path, stamped: dt.datetime) -> None:
    """openpyxl stamps 'now' into docProps/core.xml and into every zip entry; replace both."""
    iso = stamped.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            body = source.read(name)
            if name == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{iso}\g<2>", text)
                body = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, body)
