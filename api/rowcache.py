"""Rows of published versions held in memory, so a page's wide rows are fetched by position.

Why: a page such as "status = tu_choi, newest first, 50 rows" over a million-row file is a top-N. DuckDB
evaluates it by decoding *every* projected column of every matching row before keeping 50, and a Parquet
file can only be decoded a whole page of a row group at a time: with thirty columns that is most of the
file for each request (100+ ms on the province's `dossiers`). The same top-N over the filter and sort
columns alone is a few milliseconds. So, once a version's rows are in memory, a page runs in two steps:

1. the query engine runs the page with a single narrow column (same filters, sort, keyset, limits,
   count, facets and tokens) and reports each row's position in the file (``run_rows(positions=True)``);
2. the page's rows are taken from the in-memory Arrow batches by position (microseconds).

The result is the one the engine would have given — tests/api/test_rowcache.py compares both paths over
every column type the engine knows — and everything else (group-by, exports, counts, facets) is
unchanged. Versions are immutable, so a cached version never goes stale; the cache keeps the most
recently used ones within ``KHO_API_ROW_CACHE_MB`` (default 512; 0 turns it off). A version is loaded in
a background thread on its first page request; until it is in memory, pages run the one-step way. Files
with column types whose Python values could differ between Arrow and DuckDB (time zones, nanoseconds,
times, structs, binary) are not cached.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Collection, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

DEFAULT_BUDGET_MB = 512


def _simple(kind: pa.DataType) -> bool:
    return (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
            or pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind)
            or pa.types.is_date32(kind) or (pa.types.is_timestamp(kind) and kind.unit == "us" and kind.tz is None))


def cacheable(schema: pa.Schema) -> bool:
    """Whether every column's Python values are the same through Arrow as through DuckDB."""
    for item in schema:
        kind = item.type
        if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _simple(kind.value_type):
            continue
        if not _simple(kind):
            return False
    return True


@dataclass(frozen=True)
class CachedRows:
    """One Parquet file's rows as Arrow record batches, with the file position each batch starts at."""

    batches: tuple[pa.RecordBatch, ...]
    starts: tuple[int, ...]
    names: frozenset[str]
    nbytes: int

    @classmethod
    def read(cls, path: str) -> "CachedRows":
        table = pq.read_table(path, memory_map=True)
        batches = tuple(batch for batch in table.to_batches() if batch.num_rows)
        starts, position = [], 0
        for batch in batches:
            starts.append(position)
            position += batch.num_rows
        return cls(batches, tuple(starts), frozenset(table.column_names), table.nbytes)

    def rows(self, positions: Sequence[int], columns: Sequence[str], masked: Collection[str]) -> list[dict[str, Any]]:
        """The rows at ``positions`` (file order positions), as ``{column: value}``, masked columns None."""
        wanted = [name for name in columns if name not in masked]
        by_batch: dict[int, list[tuple[int, int]]] = {}
        for index, position in enumerate(positions):
            number = bisect.bisect_right(self.starts, position) - 1
            by_batch.setdefault(number, []).append((index, position - self.starts[number]))
        out: list[dict[str, Any] | None] = [None] * len(positions)
        for number, items in by_batch.items():
            taken = self.batches[number].select(wanted).take(pa.array([offset for _, offset in items], pa.int64()))
            for (index, _), values in zip(items, taken.to_pylist()):
                out[index] = values
        masked_values = {name: None for name in columns if name in masked}
        if masked_values:
            return [{name: (row.get(name) if name not in masked_values else None) for name in columns}
                    for row in out]  # type: ignore[union-attr]
        return out  # type: ignore[return-value]


class RowCache:
    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._tables: OrderedDict[str, CachedRows] = OrderedDict()
        self._loading: set[str] = set()
        self._refused: set[str] = set()
        self._lock = threading.Lock()
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kho-rowcache")

    @classmethod
    def from_env(cls) -> "RowCache | None":
        megabytes = float(os.environ.get("KHO_API_ROW_CACHE_MB", DEFAULT_BUDGET_MB))
        return cls(int(megabytes * 1024 * 1024)) if megabytes > 0 else None

    def lookup(self, path: str) -> CachedRows | None:
        """The file's rows if they are in memory; otherwise start loading them and answer None."""
        with self._lock:
            cached = self._tables.get(path)
            if cached is not None:
                self._tables.move_to_end(path)
                return cached
            if path in self._loading or path in self._refused:
                return None
            self._loading.add(path)
        self._loader.submit(self._load, path)
        return None

    def load_now(self, path: str) -> CachedRows | None:
        """Load synchronously (tests, warm-up); None if the file is not cacheable."""
        self._load(path)
        with self._lock:
            return self._tables.get(path)

    def _load(self, path: str) -> None:
        try:
            metadata = pq.read_metadata(path)
            size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
            if size > self.budget or not cacheable(metadata.schema.to_arrow_schema()):
                with self._lock:
                    self._refused.add(path)
                return
            rows = CachedRows.read(path)
            with self._lock:
                if rows.nbytes > self.budget:
                    self._refused.add(path)
                    return
                self._tables[path] = rows
                while sum(t.nbytes for t in self._tables.values()) > self.budget:
                    self._tables.popitem(last=False)
        except Exception:  # noqa: BLE001 — a file that cannot be cached is served the one-step way
            log.exception("could not cache the rows of %s", path)
            with self._lock:
                self._refused.add(path)
        finally:
            with self._lock:
                self._loading.discard(path)

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._tables.clear()
