"""Property tests (hypothesis): arbitrary input never escapes as anything but QueryError, and random
valid queries agree with the pure-Python reference."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from api.query import (QueryError, iter_csv, iter_ndjson, iter_parquet, parse_rows_request, run_group_by,  # noqa: E402
                       run_rows)
from api.query.filters import OPERATORS  # noqa: E402
from api.query.params import SPECIAL_PARAMS  # noqa: E402
from api.query.schema import parse_column_type  # noqa: E402
from api.query.text import fold_sql, fold_text  # noqa: E402
from api.query.values import coerce_value  # noqa: E402
from tests.api_query.dataset import COLUMNS, FULL, PUBLIC, TOKENS  # noqa: E402
from tests.api_query.helpers import fetch, fetch_all_pages  # noqa: E402
from tests.api_query.reference import filter_rows, ids, sort_rows  # noqa: E402

# Deterministic in CI and no example database written into the work tree.
SETTINGS = settings(deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

COLUMN_NAMES = [column.name for column in COLUMNS]
NASTY = ["'", '"', ";", "--", "/*", "*/", "\\", "%", "_", ",", "[", "]", "{", "}", "\x00", "\ud800", "\udfff",
         "Đ", "đ", "ệ", "\u0301", "\u202e", "\n", "\r\n", " ", "1", "-1", "9" * 30, "1e308", "nan", "true",
         "2024-01-01", "2024-13-45", "T", ":", "+07:00", "null", "NULL", "max", "count", "sum:qty"]

text_piece = st.one_of(st.sampled_from(NASTY), st.text(max_size=6))
nasty_text = st.lists(text_piece, max_size=6).map("".join)
param_name = st.one_of(
    st.sampled_from(sorted(SPECIAL_PARAMS) + COLUMN_NAMES + ["_shape", "_where", ""]),
    st.tuples(st.sampled_from(COLUMN_NAMES + ["nope"]), st.sampled_from(sorted(OPERATORS) + ["bad", ""]))
    .map(lambda pair: f"{pair[0]}__{pair[1]}"),
    nasty_text,
)
param_value = st.one_of(nasty_text, st.sampled_from(COLUMN_NAMES).map(lambda name: name + "," + name),
                        st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()), max_size=4)
                        .map(json.dumps), st.integers().map(str))


@SETTINGS
@given(params=st.lists(st.tuples(param_name, param_value), max_size=8), granted=st.booleans(),
       export=st.sampled_from([None, iter_csv, iter_ndjson, iter_parquet]))
def test_arbitrary_parameters_give_a_result_or_a_query_error(conn, spec, params, granted, export):
    try:
        query = parse_rows_request(spec, params, FULL if granted else PUBLIC, tokens=TOKENS)
        if query.is_grouped:
            run_group_by(conn, query)
        else:
            run_rows(conn, query)
        if export is not None:
            for _ in export(conn, query):
                pass
    except QueryError as error:
        assert error.param is None or isinstance(error.param, str)
        (str(error.param) + error.message).encode("utf-8")


def filter_strategy(rows):
    def value_for(column):
        present = [row[column] for row in rows if row[column] is not None][:40]
        def text(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return value.isoformat()
            return str(value).lower() if isinstance(value, bool) else str(value)
        return st.sampled_from(present).map(text)

    columns = ["id", "name", "commune", "amount", "score", "qty", "level", "received", "birth", "online"]

    @st.composite
    def one(draw):
        column = draw(st.sampled_from(columns))
        ops = ["exact", "not", "gt", "gte", "lt", "lte", "in", "notin", "isnull", "notnull"]
        if column in ("name", "commune"):
            ops += ["contains", "startswith", "endswith"]
        if column in ("received", "birth"):
            ops += ["date"]
        op = draw(st.sampled_from(ops))
        if op in ("isnull", "notnull"):
            return column, op, None, "1"
        if op in ("in", "notin"):
            values = draw(st.lists(value_for(column), min_size=1, max_size=4))
            return column, op, values, json.dumps(values, ensure_ascii=False)
        if op in ("contains", "startswith", "endswith"):
            value = draw(value_for(column))
            start = draw(st.integers(0, len(value)))
            value = value[start:start + draw(st.integers(0, 4))]
            return column, op, value, value
        value = draw(value_for(column))
        if op == "date":
            value = value[:10]
        return column, op, value, value

    return st.lists(one(), max_size=3)


SORTABLE = ["id", "name", "commune", "amount", "score", "qty", "level", "received", "birth", "online"]


def test_random_filters_and_sorts_match_reference(conn, spec, rows):
    @settings(SETTINGS, max_examples=150)
    @given(filters=filter_strategy(rows),
           keys=st.lists(st.tuples(st.sampled_from(SORTABLE), st.booleans()), max_size=3,
                         unique_by=lambda key: key[0]))
    def check(filters, keys):
        params = [(f"{column}__{op}", text) for column, op, _, text in filters]
        params += [("_sort_desc" if descending else "_sort", column) for column, descending in keys]
        expected = sort_rows(filter_rows(rows, [(c, op, v) for c, op, v, _ in filters]), keys)
        assert ids(fetch(conn, spec, params + [("_size", "1000")], FULL).rows) == ids(expected)

    check()


def test_random_paging_returns_every_row_once_in_order(conn, spec, rows):
    @settings(SETTINGS, max_examples=25)
    @given(keys=st.lists(st.tuples(st.sampled_from(SORTABLE), st.booleans()), max_size=4, unique_by=lambda key: key[0]),
           size=st.integers(3, 120), search=st.sampled_from([None, "muong", "dien bien", "a"]))
    def check(keys, size, search):
        params = [("_sort_desc" if descending else "_sort", column) for column, descending in keys]
        params += [("_size", str(size))] + ([("_search", search)] if search else [])
        expected = sort_rows(filter_rows(rows, search=search, search_columns=["name", "commune"]), keys)
        assert ids(fetch_all_pages(conn, spec, params)) == ids(expected)

    check()


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY \u0300\u0301\u0303\u0309\u0323\u0306\u0302\u031b"


@settings(SETTINGS, max_examples=300)
@given(text=st.text(alphabet=VIETNAMESE, max_size=20))
def test_python_and_sql_folding_agree(conn, text):
    ((folded,),) = conn.execute(f"SELECT {fold_sql('?')}", [text]).fetchall()
    assert folded == fold_text(text)


TYPES = ["TINYINT", "UTINYINT", "INTEGER", "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL(5,2)", "DECIMAL(38,10)",
         "DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_S", "TIMESTAMPTZ", "TIME", "BOOLEAN", "VARCHAR"]
value_text = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{0,45}(\.[0-9]{0,14})?([eE][+-]?[0-9]{1,4})?\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,10})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?\Z"),
    st.from_regex(r"\A[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,10})?)?\Z"),
    nasty_text,
)
native_value = st.one_of(st.integers(min_value=-(2**130), max_value=2**130), st.floats(), st.booleans(), st.dates(),
                         st.datetimes(), st.times(), st.decimals(allow_nan=True),
                         st.datetimes(timezones=st.just(dt.timezone(dt.timedelta(hours=7)))))


@settings(SETTINGS, max_examples=600)
@given(type_name=st.sampled_from(TYPES), value=st.one_of(value_text, native_value))
def test_accepted_values_always_cast_in_duckdb(conn, type_name, value):
    column_type = parse_column_type(type_name)
    try:
        text = coerce_value(column_type, value, "p")
    except QueryError as error:
        assert error.param == "p"
        return
    placeholder = "?" if column_type.sql == "VARCHAR" else f"CAST(? AS {column_type.sql})"
    try:
        conn.execute(f"SELECT {placeholder}", [text]).fetchall()
    except duckdb.Error as error:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{type_name} accepted {value!r} as {text!r} but DuckDB refused it: {error}")


anything = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8), st.dates(), st.datetimes(),
              st.decimals(), st.sampled_from(COLUMN_NAMES)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=3), children, max_size=2)),
    max_leaves=6)


@settings(SETTINGS, max_examples=400)
@given(filters=st.lists(st.tuples(st.one_of(st.sampled_from(COLUMN_NAMES), anything),
                                  st.one_of(st.sampled_from(sorted(OPERATORS)), anything), anything), max_size=4),
       sort=st.lists(st.tuples(st.one_of(st.sampled_from(COLUMN_NAMES), anything), st.booleans()), max_size=3),
       columns=st.one_of(st.none(), anything), size=st.one_of(st.none(), anything), search=st.one_of(st.none(), anything),
       group_by=st.one_of(st.just(()), anything))
def test_graphql_style_requests_with_any_values(conn, spec, filters, sort, columns, size, search, group_by):
    from api.query import FilterRequest, RowsRequest, SortRequest, build_rows_query
    request = RowsRequest(filters=[FilterRequest(c, o, v, "f") for c, o, v in filters],
                          sort=[SortRequest(c, d, "s") for c, d in sort], columns=columns, size=size,
                          search=search, group_by=group_by)
    try:
        query = build_rows_query(spec, request, FULL, tokens=TOKENS)
        run_group_by(conn, query) if query.is_grouped else run_rows(conn, query)
    except QueryError:
        pass
