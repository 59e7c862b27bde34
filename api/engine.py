"""The API's read-only query engine over published Parquet.

The API never opens the pipeline's working DuckDB file (DuckDB allows one writer and blocks other
processes' readers); it keeps its own in-memory DuckDB database and reads the immutable Parquet file of
a dataset version. Each request takes its own cursor, so requests run concurrently.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb


class ParquetEngine:
    def __init__(self, published_dir: Path, threads: int = 2):
        self.published_dir = published_dir
        self._db = duckdb.connect(":memory:", config={"threads": threads})
        self._lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:  # creating cursors on one connection from several threads needs a lock
            return self._db.cursor()

    def data_path(self, relative_version_path: str) -> Path:
        return self.published_dir / relative_version_path / "data.parquet"

    def close(self) -> None:
        self._db.close()
