"""Bad parameters give a QueryError naming them; hostile input gives a QueryError or a correct answer."""

from __future__ import annotations

import pytest

from api.query import (AccessPolicy, FilterRequest, QueryError, RowsRequest, SortRequest, build_rows_query,
                       parse_rows_request, run_rows)
from tests.api_query.dataset import FULL, TOKENS
from tests.api_query.helpers import compile_query, fetch
from tests.api_query.reference import filter_rows, ids


@pytest.mark.parametrize("params, param", [
    ({"_size": "1001"}, "_size"),
    ({"_size": "-1"}, "_size"),
    ({"_size": "ten"}, "_size"),
    ({"_size": "1" * 40}, "_size"),
    ({"_size": "1e3"}, "_size"),
    ({"_size": ["10", "20"]}, "_size"),
    ({"_facet_size": "101"}, "_facet_size"),
    ({"_sort": "nope"}, "_sort"),
    ({"_sort_desc": "tags"}, "_sort_desc"),
    ({"_sort": "qty,qty"}, "_sort"),
    ({"_sort": "qty", "_sort_desc": "qty"}, "_sort_desc"),
    ({"_sort": "qty,,level"}, "_sort"),
    ({"_sort": "id,name,commune,amount,score,qty,level,received,birth"}, "_sort"),
    ({"_col": "nope"}, "_col"),
    ({"_nocol": "nope"}, "_nocol"),
    ({"_col": "id", "_nocol": "id"}, "_nocol"),
    ({"_facet": "nope"}, "_facet"),
    ({"_facet": "tags"}, "_facet"),
    ({"_facet": "id,name,commune,amount,score,qty,level,received,birth,online,tags"}, "_facet"),
    ({"_extra": "count,suggested_facets"}, "_extra"),
    ({"_search": "x" * 5000}, "_search"),
    ({"_search": " ".join(["w"] * 17)}, "_search"),
    ({"_search": "\ud800"}, "_search"),
    ({"_search": ["a", "b"]}, "_search"),
    ({"_version": "v1/../../etc"}, "_version"),
    ({"_version": "v9"}, "_version"),
    ({"_next": ["a", "b"]}, "_next"),
    ({"_shape": "array"}, "_shape"),
    ({"_where": "1=1"}, "_where"),
    ({"_": "1"}, "_"),
    ({"": "1"}, ""),
    ({"__": "1"}, "__"),
    ({"__exact": "1"}, "__exact"),
    ({"qty__": "1"}, "qty__"),
    ({"qty__EXACT": "1"}, "qty__EXACT"),
    ({"QTY": "1"}, "QTY"),
])
def test_bad_parameters_name_themselves(spec, params, param):
    with pytest.raises(QueryError) as caught:
        compile_query(spec, params)
    assert caught.value.param == param
    assert caught.value.status == 400


def test_passthrough_parameters_are_left_to_the_route(conn, spec):
    query = parse_rows_request(spec, [("_shape", "array"), ("_size", "2")], AccessPolicy.public(),
                               tokens=TOKENS, passthrough={"_shape"})
    assert query.size == 2


def test_empty_special_parameters_mean_not_given(spec):
    query = compile_query(spec, [("_sort", ""), ("_col", ""), ("_size", ""), ("_facet", " "), ("_next", ""),
                                 ("_search", ""), ("_extra", ""), ("_version", "")])
    assert query.size == 100 and not query.sort and not query.facets and len(query.columns) == len(spec.columns)


def test_too_many_parameters_and_filters(spec):
    with pytest.raises(QueryError, match="at most 500 parameters"):
        compile_query(spec, [("_sort", "")] * 10_000)
    with pytest.raises(QueryError, match="at most 100 filters"):
        compile_query(spec, [("qty__gt", "1")] * 101)
    assert len(compile_query(spec, [("qty__gt", "1")] * 100).conditions) == 100


def test_huge_values_are_refused_before_work(spec):
    for params in ({"name": "x" * 1_000_000}, {"qty__in": "1," * 100_000}, {"_next": "A" * 100_000}):
        with pytest.raises(QueryError) as caught:
            compile_query(spec, params)
        assert caught.value.param == next(iter(params))


@pytest.mark.parametrize("value", [
    "' OR '1'='1", "'; DROP TABLE t; --", "x\" OR 1=1 --", "*/ SELECT 1 /*", "$1", "?", "%", "_", "\\",
    "') UNION SELECT * FROM read_csv('/etc/passwd') --", "Điện Biên'); --", "\u202eevil", "NULL", "null",
])
def test_injection_attempts_in_values_are_just_values(conn, spec, rows, value):
    for op in ("exact", "not", "contains", "startswith", "gte"):
        expected = ids(filter_rows(rows, [("name", op, value)]))
        assert ids(fetch(conn, spec, {f"name__{op}": value, "_size": "1000"}).rows) == expected
    assert ids(fetch(conn, spec, {"name__in": f'["{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}", "Tủa Chùa"]',
                                  "_size": "1000"}).rows) == ids(filter_rows(rows, [("name", "in", [value, "Tủa Chùa"])]))
    for param in ("_sort", "_col", "_facet", "_group_by", "qty__" + value, value):
        with pytest.raises(QueryError):
            compile_query(spec, {param: value})


def test_graphql_style_requests_use_their_own_labels_and_native_values(conn, spec, rows):
    import datetime as dt
    from decimal import Decimal
    request = RowsRequest(
        filters=[FilterRequest("qty", "gte", 3, "where.qty.gte"), FilterRequest("amount", "lt", Decimal("50"), "where.amount.lt"),
                 FilterRequest("received", "lt", dt.datetime(2024, 3, 1), "where.received.lt"),
                 FilterRequest("online", "exact", True, "where.online.eq"), FilterRequest("commune", "in", ["Him Lam", "Nà Tấu"], "where.commune.in")],
        sort=[SortRequest("amount", True, "orderBy")], size=1000, param_names={"size": "first", "next_token": "after"})
    page = run_rows(conn, build_rows_query(spec, request, FULL, tokens=TOKENS))
    expected = [r for r in rows if r["qty"] is not None and r["qty"] >= 3 and r["amount"] is not None and r["amount"] < 50
                and r["received"] is not None and r["received"] < dt.datetime(2024, 3, 1) and r["online"] is True
                and r["commune"] in ("Him Lam", "Nà Tấu")]
    assert sorted(ids(page.rows)) == sorted(ids(expected)) and expected
    for bad, label in ((RowsRequest(size=5000, param_names={"size": "first"}), "first"),
                       (RowsRequest(filters=[FilterRequest("qty", "gt", "x", "where.qty.gt")]), "where.qty.gt"),
                       (RowsRequest(filters=[FilterRequest("qty", "gt", [1], "where.qty.gt")]), "where.qty.gt"),
                       (RowsRequest(filters=[FilterRequest("qty", "gt", 1.5, "where.qty.gt")]), "where.qty.gt"),
                       (RowsRequest(filters=[FilterRequest("online", "exact", 1.0, "w")]), "w"),
                       (RowsRequest(filters=[FilterRequest("qty", "in", [3, None], "w")]), "w"),
                       (RowsRequest(filters=[FilterRequest("qty", "isnull", False, "w")]), "w"),
                       (RowsRequest(columns="id", param_names={"columns": "fields"}), "fields"),
                       (RowsRequest(columns=[1]), "_col"),
                       (RowsRequest(next_token="zz", param_names={"next_token": "after"}), "after"),
                       (RowsRequest(sort=[SortRequest(None, False, "orderBy")]), "orderBy"),
                       (RowsRequest(search=7), "_search")):
        with pytest.raises(QueryError) as caught:
            build_rows_query(spec, bad, FULL, tokens=TOKENS)
        assert caught.value.param == label


def test_params_must_be_text_pairs(spec):
    for params in ([("qty", 1)], [(1, "x")], [("a", "b", "c")], ["qty=1"]):
        with pytest.raises(QueryError):
            parse_rows_request(spec, params, FULL, tokens=TOKENS)


def test_error_parts_are_printable(spec):
    with pytest.raises(QueryError) as caught:
        compile_query(spec, {"\ud800" * 10 + "x" * 300: "1"})
    error = caught.value.to_dict()
    assert len(error["param"]) < 200
    (error["param"] + error["error"]).encode("utf-8")
