"""Connections to the pipeline's working DuckDB file, with the scanner extensions loaded.

DuckDB's extension repository is unreachable here, so extensions come from the pinned
`duckdb-extension-*` wheels (same version as duckdb) and are loaded from the file they ship.
Only the pipeline opens this file; the API and catalogue read published Parquet instead.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

#: DuckDB extension → the wheel module that ships it.
EXTENSION_MODULES = {
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "mysql_scanner": "duckdb_extension_mysql_scanner",
}


def extension_path(name: str) -> Path:
    module = importlib.import_module(EXTENSION_MODULES[name])
    path = Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(f"DuckDB extension {name} for duckdb {duckdb.__version__} is not installed ({path})")
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"LOAD '{extension_path(name)}'")


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
