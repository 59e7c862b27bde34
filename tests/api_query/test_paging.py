"""Keyset paging: every row exactly once, in the documented order; tokens that cannot be abused."""

from __future__ import annotations

import base64
import json

import pytest

from api.query import DatasetSpec, QueryError, TokenCodec, requested_version, run_rows
from api.query.keyset import PageCursor, SortKey
from tests.api_query.dataset import FULL, PUBLIC, TOKENS
from tests.api_query.helpers import compile_query, fetch, fetch_all_pages
from tests.api_query.reference import filter_rows, ids, sort_rows

SORTS = [
    [],
    [("score", False)],
    [("score", True)],
    [("commune", False), ("qty", True)],
    [("online", True), ("received", False)],
    [("name", False)],
    [("amount", True), ("birth", False), ("level", False)],
    [("received", True)],
    [("level", False), ("online", False), ("commune", True), ("score", False)],
]


def sort_params(keys):
    return [("_sort_desc" if descending else "_sort", column) for column, descending in keys]


@pytest.mark.parametrize("keys", SORTS, ids=lambda keys: ",".join(f"{c}{'-' if d else ''}" for c, d in keys) or "file")
@pytest.mark.parametrize("size", [7, 100])
def test_pages_follow_reference_order_exactly_once(conn, spec, rows, keys, size):
    served = fetch_all_pages(conn, spec, sort_params(keys) + [("_size", str(size))])
    assert ids(served) == ids(sort_rows(rows, keys))


def test_single_row_pages_with_ties_and_nulls(conn, spec, rows):
    keys = [("score", True), ("online", False)]
    served = fetch_all_pages(conn, spec, sort_params(keys) + [("_size", "1"), ("qty__lte", "3")])
    assert ids(served) == ids(sort_rows(filter_rows(rows, [("qty", "lte", "3")]), keys))


def test_sort_params_combine_in_the_order_given(conn, spec, rows):
    params = [("_sort", "commune"), ("_sort_desc", "qty,level"), ("_sort", "birth"), ("_size", "1000")]
    keys = [("commune", False), ("qty", True), ("level", True), ("birth", False)]
    assert ids(fetch(conn, spec, params).rows) == ids(sort_rows(rows, keys))


def test_changing_filters_mid_way_never_repeats_a_row(conn, spec, rows):
    page = fetch(conn, spec, {"_sort": "qty", "_size": "50"})
    seen = ids(page.rows)
    for extra in ({"online": "true"}, {"online": "true", "score__notnull": "1"}, {}, {}, {}, {}, {}, {}, {}, {}, {}):
        if page.next_token is None:
            break
        page = fetch(conn, spec, {"_sort": "qty", "_size": "50", **extra, "_next": page.next_token})
        seen += ids(page.rows)
    assert page.next_token is None
    assert len(seen) == len(set(seen))


def test_size_zero_and_max(conn, spec):
    empty = fetch(conn, spec, {"_size": "0", "_extra": "count"})
    assert empty.rows == [] and empty.next_token is None and empty.count == 600
    assert len(fetch(conn, spec, {"_size": "max"}).rows) == 600
    assert len(fetch(conn, spec, {}).rows) == 100


def test_row_tokens_resume_after_each_row(conn, spec, rows):
    query = compile_query(spec, {"_sort_desc": "amount", "_size": "5"})
    page = run_rows(conn, query, row_tokens=True)
    expected = ids(sort_rows(rows, [("amount", True)]))
    for index, token in enumerate(page.row_tokens):
        following = fetch(conn, spec, {"_sort_desc": "amount", "_size": "3", "_next": token})
        assert ids(following.rows) == expected[index + 1:index + 4]


def token(conn, spec, params):
    return fetch(conn, spec, params).next_token


def test_every_altered_character_is_rejected(conn, spec):
    good = token(conn, spec, {"_sort": "received", "_size": "3"})
    alphabet = "AQgw-_.=+/a"
    for position in range(len(good)):
        for replacement in alphabet:
            if replacement == good[position]:
                continue
            bad = good[:position] + replacement + good[position + 1:]
            with pytest.raises(QueryError) as caught:
                compile_query(spec, {"_sort": "received", "_next": bad})
            assert caught.value.param == "_next"


@pytest.mark.parametrize("bad", ["", ".", "abc", "a.b.c", "%%%.%%%", "x" * 20000, "Điện.Biên", "\ud800.x"])
def test_garbage_tokens_are_rejected(spec, bad):
    params = {"_next": bad} if bad else {"_next": " "}
    if not bad:
        compile_query(spec, params)  # an empty _next means "first page"
        return
    with pytest.raises(QueryError) as caught:
        compile_query(spec, params)
    assert caught.value.param == "_next"


def test_token_signed_with_another_secret_is_rejected(spec):
    forged = TokenCodec(b"someone-else's-secret-000").encode("demo", "v1", (), PageCursor((), 10))
    with pytest.raises(QueryError):
        compile_query(spec, {"_next": forged})


def test_token_is_bound_to_sort_dataset_and_version(conn, spec):
    by_qty = token(conn, spec, {"_sort": "qty", "_size": "3"})
    for params in ({"_sort_desc": "qty"}, {"_sort": "level"}, {}, {"_sort": "qty,level"}):
        with pytest.raises(QueryError, match="different sort order"):
            compile_query(spec, {**params, "_next": by_qty})
    other_version = DatasetSpec("demo", spec.parquet_path, spec.columns, "v2")
    with pytest.raises(QueryError, match="version 'v1'") as caught:
        compile_query(other_version, {"_sort": "qty", "_next": by_qty})
    assert caught.value.param == "_next"
    other_dataset = DatasetSpec("other", spec.parquet_path, spec.columns, "v1")
    with pytest.raises(QueryError, match="another dataset"):
        compile_query(other_dataset, {"_sort": "qty", "_next": by_qty})


def test_requested_version_follows_the_token(conn, spec):
    by_qty = token(conn, spec, {"_sort": "qty", "_size": "3"})
    assert requested_version([("_next", by_qty)], "demo", tokens=TOKENS) == "v1"
    assert requested_version([("_next", by_qty), ("_version", "v7")], "demo", tokens=TOKENS) == "v7"
    assert requested_version([], "demo", tokens=TOKENS) is None
    for bad in ([("_version", "../etc")], [("_next", "junk")], [("_next", by_qty)]):
        with pytest.raises(QueryError):
            requested_version(bad, "other" if bad[0][1] == by_qty else "demo", tokens=TOKENS)
    with pytest.raises(QueryError, match="was opened"):
        compile_query(spec, {"_version": "v2"})


def test_signed_token_with_impossible_values_is_a_query_error(conn, spec):
    forged = TOKENS.encode("demo", "v1", (SortKey(spec.by_name["qty"]),), PageCursor(("not a number",), 3))
    with pytest.raises(QueryError) as caught:
        fetch(conn, spec, {"_sort": "qty", "_next": forged})
    assert caught.value.param == "_next"


def test_tokens_carry_no_personal_data(conn, spec, rows):
    personal = {row["id_number"] for row in rows} | {row["phone"] for row in rows}
    for params in ({"_size": "5"}, {"_sort": "name", "_size": "5"}):
        encoded = token(conn, spec, params).split(".")[0]
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        assert not personal & set(map(str, payload[4]))
    # A consumer allowed to see personal data may sort on it; the token then carries what they see.
    assert fetch(conn, spec, {"_sort": "id_number", "_size": "2"}, FULL).next_token


def test_group_by_refuses_paging_params(spec):
    with pytest.raises(QueryError) as caught:
        compile_query(spec, {"_group_by": "commune", "_next": "x.y"})
    assert caught.value.param == "_next"
    assert PUBLIC.is_masked(spec.by_name["id_number"])
