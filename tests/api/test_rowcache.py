"""The two-step page (narrow engine page + rows taken from memory by file position) gives exactly the
engine's one-step page: same rows and values of every column type, masks, tokens, counts and facets."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from api.engine import ParquetEngine
from api.query import AccessPolicy, DatasetSpec, parse_rows_request, run_rows
from api.rowcache import RowCache, cacheable
from tests.api_query.dataset import ARROW_SCHEMA, COLUMNS, make_rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("rowcache")
    path = root / "demo" / "v1" / "data.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(make_rows(), schema=ARROW_SCHEMA), path, row_group_size=97)
    engine = ParquetEngine(root)
    assert engine.rows is not None and engine.rows.load_now(str(path)) is not None
    spec = DatasetSpec("demo", path, COLUMNS, "v1", primary_key=["id"])
    yield engine, spec
    engine.close()


CASES = [
    [],
    [("_sort", "score"), ("_size", "37")],
    [("_sort_desc", "name"), ("_sort", "received"), ("_size", "11")],
    [("commune__in", "Him Lam,Nà Tấu"), ("_sort_desc", "amount"), ("_size", "50"), ("_extra", "count"),
     ("_facet", "level")],
    [("_search", "dien bien"), ("_col", "tags,name,id,birth"), ("_size", "1000")],
    [("online", "true"), ("_nocol", "received"), ("_sort", "birth"), ("_size", "23")],
    [("score__isnull", "1"), ("_sort_desc", "qty")],
    [("amount__gt", "10"), ("_size", "0"), ("_extra", "count")],
]


def _value(value):
    """A value compared by type and content; NaN equals NaN. (-0.0 equals 0.0: DuckDB itself returns a
    stored -0.0 as -0.0 from a scan but as 0.0 from some sorts.)"""
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    if isinstance(value, list):
        return (list, [_value(item) for item in value])
    return (type(value), value)


def _same(one, two) -> None:
    assert [{k: _value(v) for k, v in row.items()} for row in one.rows] == \
           [{k: _value(v) for k, v in row.items()} for row in two.rows]
    assert [list(row) for row in one.rows] == [list(row) for row in two.rows]  # column order
    assert (one.columns, one.next_token, one.row_tokens, one.masked_columns, one.version) == \
           (two.columns, two.next_token, two.row_tokens, two.masked_columns, two.version)
    assert (one.count, one.count_truncated, one.facets) == (two.count, two.count_truncated, two.facets)


@pytest.mark.parametrize("params", CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p) or "all")
@pytest.mark.parametrize("policy", [AccessPolicy.full(), AccessPolicy.public()], ids=["full", "masked"])
def test_two_steps_give_the_engines_pages(demo, params, policy) -> None:
    engine, spec = demo
    token = None
    for _ in range(100):  # every page of the query
        query = parse_rows_request(spec, params + ([("_next", token)] if token else []), policy)
        expected = run_rows(engine.query_conn, query, row_tokens=True)
        _same(expected, engine.run_page(query, row_tokens=True))
        token = expected.next_token
        if token is None:
            break
    else:
        raise AssertionError("paging did not end")


def test_only_types_that_round_trip_alike_are_cached(tmp_path: Path) -> None:
    assert cacheable(ARROW_SCHEMA)
    assert not cacheable(pa.schema([("t", pa.timestamp("us", tz="UTC"))]))
    assert not cacheable(pa.schema([("t", pa.timestamp("ns"))]))
    assert not cacheable(pa.schema([("s", pa.struct([("a", pa.int64())]))]))
    path = tmp_path / "zoned.parquet"
    pq.write_table(pa.table({"t": pa.array([0], pa.timestamp("us", tz="UTC"))}), path)
    assert RowCache(1 << 20).load_now(str(path)) is None
    small = tmp_path / "small.parquet"
    pq.write_table(pa.table({"x": list(range(100_000))}), small)
    assert RowCache(1000).load_now(str(small)) is None  # over the budget
    assert RowCache(1 << 24).load_now(str(small)) is not None
