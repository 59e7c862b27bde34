"""The API's read-only DuckDB over published Parquet, and the dataset specs the query engine needs.

The API never opens the pipeline's working DuckDB file (DuckDB allows one writer and blocks other
processes' readers); it keeps its own in-memory DuckDB databases and reads the immutable Parquet file
of a dataset version. Each request takes its own cursor, so requests run concurrently.

Two connections, for two kinds of caller:

* ``query_conn`` — the Data API's (REST rows and exports, GraphQL): opened with
  :func:`api.query.open_connection`, so it reads files under the published folder and nowhere else,
  loads no extension and cannot have that configuration changed by any statement.
* ``cursor()`` — the catalogue's own readers (`catalog/rows.py`, the portal's charts), which also
  write masked copies to the cache folder.

``version`` reads a published version from the catalogue and ``spec_for`` turns it into the query
engine's :class:`~api.query.DatasetSpec`; versions are immutable, so both are cached.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Mapping

import duckdb

from api.query import DatasetSpec, Family, Page, RowsQuery, open_connection, run_rows
from api.rowcache import RowCache

DATA_FILE = "data.parquet"
_SPEC_CACHE_SIZE = 256


class ParquetEngine:
    def __init__(self, published_dir: Path, threads: int = 2):
        self.published_dir = Path(published_dir).resolve()
        self._db = duckdb.connect(":memory:", config={"threads": threads})
        self._lock = threading.Lock()
        self.query_conn = open_connection(allowed_directories=[self.published_dir], threads=threads)
        self.rows = RowCache.from_env()
        self._specs: OrderedDict[tuple[Any, ...], DatasetSpec] = OrderedDict()
        self._versions: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:  # creating cursors on one connection from several threads needs a lock
            return self._db.cursor()

    def data_path(self, relative_version_path: str) -> Path:
        return self.published_dir / relative_version_path / DATA_FILE

    def version(self, store: Any, dataset: str, version_id: str) -> Any | None:
        """A published version (a `catalog.store.Version`), None for unknown, rejected or file-less ones.

        Published versions never change, so they are cached: reading one from the catalogue also parses
        its quality scorecard (hundreds of kilobytes for a large dataset), which a data request never needs.
        """
        key = (id(store), dataset, version_id)
        with self._lock:
            cached = self._versions.get(key)
            if cached is not None:
                self._versions.move_to_end(key)
                return cached
        version = store.get_version(dataset, version_id)
        if version is None or version.status != "published" or not version.path:
            return None
        with self._lock:
            self._versions[key] = version
            while len(self._versions) > _SPEC_CACHE_SIZE:
                self._versions.popitem(last=False)
        return version

    def spec_for(self, dataset: Mapping[str, Any], version: Any) -> DatasetSpec:
        """The query engine's view of ``version`` (a `catalog.store.Version`) of ``dataset``."""
        primary_key = tuple(dataset.get("primary_key") or ())
        key = (version.dataset, version.version, version.path, primary_key)
        with self._lock:
            spec = self._specs.get(key)
            if spec is not None:
                self._specs.move_to_end(key)
                return spec
        columns = version.schema["columns"] if isinstance(version.schema, Mapping) else version.schema
        known = {column["name"] for column in columns}
        spec = DatasetSpec.from_schema_json(
            version.dataset, version.version, self.data_path(version.path),
            {"columns": columns, "primary_key": [name for name in primary_key if name in known]},
        )
        with self._lock:
            self._specs[key] = spec
            while len(self._specs) > _SPEC_CACHE_SIZE:
                self._specs.popitem(last=False)
        return spec

    def run_page(self, query: RowsQuery, *, time_limit_ms: int | None = None, row_tokens: bool = False) -> Page:
        """``api.query.run_rows`` for a page, in two steps when the version's rows are in memory
        (see api/rowcache.py): the engine pages over one narrow column and reports file positions,
        and the wide rows are taken from memory. Same page, same tokens, same count and facets."""
        names = [column.name for column in query.columns]
        narrow = dataclasses.replace(query, columns=(_narrow_column(query),))
        masked = [name for name in names if name in query.masked_columns]
        if query.size == 0:  # only the count and facets: no column needs reading
            page = run_rows(self.query_conn, narrow, time_limit_ms=time_limit_ms, row_tokens=row_tokens)
            return dataclasses.replace(page, columns=names, masked_columns=masked)
        cached = self.rows.lookup(query.spec.parquet_path) if self.rows is not None else None
        if cached is None or not cached.names.issuperset(names):
            return run_rows(self.query_conn, query, time_limit_ms=time_limit_ms, row_tokens=row_tokens)
        page = run_rows(self.query_conn, narrow, time_limit_ms=time_limit_ms, row_tokens=row_tokens, positions=True)
        return dataclasses.replace(page, rows=cached.rows(page.positions or [], names, query.masked_columns),
                                   columns=names, masked_columns=masked, positions=None)

    def close(self) -> None:
        if self.rows is not None:
            self.rows.close()
        self.query_conn.close()
        self._db.close()


def _narrow_column(query: RowsQuery):
    """The cheapest column to carry through the narrow step: one DuckDB reads anyway for the sort or a
    filter, else a fixed-width one."""
    if query.sort:
        return query.sort[0].column
    if query.conditions:
        return query.conditions[0].column
    fixed = (Family.INTEGER, Family.BOOLEAN, Family.DATE, Family.TIMESTAMP, Family.FLOAT)
    return next((column for column in query.spec.columns if column.family in fixed), query.spec.columns[0])
