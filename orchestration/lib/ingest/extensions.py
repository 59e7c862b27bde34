"""Loading DuckDB's scanner extensions for ingestion without re-verifying 40 MB per connection.

`orchestration.lib.warehouse.load_extension` LOADs the extension shipped by the pinned
`duckdb-extension-*` wheel; DuckDB then checks the file's signature, which costs 0.1–0.2 s on every new
connection (the postgres scanner is 42 MB) — more than a whole incremental load of a small table.

Ingestion opens its warehouse connection with `allow_unsigned_extensions` and instead verifies the
file once per process against the SHA-256 that the installed wheel's RECORD lists (what pip checked
when it installed the wheel), then LOADs it by absolute path. Nothing else is loaded on that
connection. A connection opened elsewhere (without the setting) falls back to DuckDB's own check.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb

from orchestration.lib.warehouse import EXTENSION_MODULES, extension_path, load_extension


@cache
def _verified(name: str) -> Path:
    path = extension_path(name)
    distribution = importlib.metadata.distribution(EXTENSION_MODULES[name].replace("_", "-"))
    expected = next((f.hash for f in distribution.files or [] if Path(str(f)).name == path.name and f.hash), None)
    if expected is None or expected.mode != "sha256":
        raise RuntimeError(f"{distribution.name}: no sha256 for {path.name} in the wheel's RECORD")
    digest = hashlib.sha256(path.read_bytes()).digest()
    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != expected.value:
        raise RuntimeError(f"{path} does not match the sha256 its wheel installed; reinstall {distribution.name}")
    return path


def load_scanner(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a scanner extension on an ingestion connection (see the module docstring)."""
    unsigned = con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0]
    if str(unsigned).lower() == "true":
        con.execute(f"LOAD '{_verified(name)}'")
    else:
        load_extension(con, name)


@contextlib.contextmanager
def open_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The ingestion assets' connection to the warehouse file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config={"allow_unsigned_extensions": "true"})
    try:
        yield con
    finally:
        con.close()
