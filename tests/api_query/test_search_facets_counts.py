"""_search folding, facets, capped counts and time limits."""

from __future__ import annotations

import collections
import functools
import unicodedata

import duckdb
import pytest

from api.query import QueryError, QueryLimits, QueryTimeout, fold_text, run_rows
from api.query.sql import Sql
from api.query.text import fold_sql
from tests.api_query.dataset import FULL, NAMES
from tests.api_query.helpers import compile_query, fetch
from tests.api_query.reference import compare, filter_rows, fold, ids

PUBLIC_TEXT = ["name", "commune"]


@pytest.mark.parametrize("query", [
    "dien bien", "Điện Biên", "ĐIỆN BIÊN", "điện", "DIEN", "bien dien", "muong", "Mường Lay", "dong",
    "đồng nai", "uy ban", "uu tien", "on gioi", "an uong", "thanh nua", "him", "x' OR 1=1; --", "\"in\"",
    "không tồn tại", "   dien   bien  ",
])
def test_search_is_diacritic_insensitive_and_matches_reference(conn, spec, rows, query):
    expected = ids(filter_rows(rows, search=query, search_columns=PUBLIC_TEXT))
    assert ids(fetch(conn, spec, {"_search": query, "_size": "1000"}).rows) == expected


def test_search_finds_dien_bien(conn, spec):
    names = {row["name"] for row in fetch(conn, spec, {"_search": "dien bien", "_size": "1000"}).rows}
    assert {"Điện Biên Phủ", "Điện Biên Đông", "dien bien"} <= names
    # The one decomposed (NFD) row matches too: folding decomposes before stripping marks.
    assert any(name and name != "Điện Biên Phủ" and fold_text(name) == "dien bien phu" for name in names)


def test_python_and_sql_folding_agree_on_vietnamese(conn):
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    samples = list(NAMES) + [unicodedata.normalize(form, base + tone) for base in alphabet + alphabet.upper()
                             for tone in tones for form in ("NFC", "NFD")]
    folded = conn.execute(f"SELECT {fold_sql('s')} FROM unnest(?) AS u(s)", [samples]).fetchall()
    assert [row[0] for row in folded] == [fold_text(sample) for sample in samples]
    assert all(fold_text(sample) == fold(sample) for sample in samples)


def test_empty_search_is_ignored_and_search_skips_masked_columns(conn, spec, rows):
    assert len(fetch(conn, spec, {"_search": "   ", "_size": "1000"}).rows) == 600
    someone = rows[3]["id_number"]
    assert fetch(conn, spec, {"_search": someone}).rows == []
    assert ids(fetch(conn, spec, {"_search": someone}, FULL).rows) == [rows[3]["id"]]


def reference_facet(rows, column, size):
    counts = collections.Counter(row[column] for row in rows)

    def order(a, b):
        if a[1] != b[1]:
            return b[1] - a[1]
        if a[0] is None or b[0] is None:
            return (a[0] is None) - (b[0] is None)
        return compare(a[0], b[0])

    ranked = sorted(counts.items(), key=functools.cmp_to_key(order))
    return ranked[:size], len(ranked) > size


@pytest.mark.parametrize("column", ["commune", "qty", "online", "name", "level", "birth"])
def test_facets_match_counter(conn, spec, rows, column):
    page = fetch(conn, spec, {"_facet": column, "_facet_size": "5", "score__notnull": "1", "_size": "0"})
    (facet,) = page.facets
    expected, truncated = reference_facet(filter_rows(rows, [("score", "notnull", None)]), column, 5)
    assert [(value.value, value.count) for value in facet.values] == expected
    assert facet.truncated == truncated and not facet.timed_out


def test_several_facets_comma_and_repeated(conn, spec):
    page = fetch(conn, spec, [("_facet", "commune,online"), ("_facet", "qty"), ("_facet", "online")])
    assert [facet.column for facet in page.facets] == ["commune", "online", "qty"]


def test_counts_are_exact_without_filters_and_capped_with_them(conn, spec, rows):
    limits = QueryLimits(count_limit=50)
    unfiltered = fetch(conn, spec, {"_extra": "count"}, limits=limits)
    assert (unfiltered.count, unfiltered.count_truncated) == (600, False)
    many = fetch(conn, spec, {"_extra": "count", "qty__notnull": "1"}, limits=limits)
    assert (many.count, many.count_truncated) == (50, True)
    few_expected = len(filter_rows(rows, [("qty", "exact", "3")]))
    assert few_expected < 50
    few = fetch(conn, spec, {"_extra": "count", "qty": "3"}, limits=limits)
    assert (few.count, few.count_truncated) == (few_expected, False)
    exact = fetch(conn, spec, {"_extra": "count", "_search": "muong"})
    assert exact.count == len(filter_rows(rows, search="muong", search_columns=PUBLIC_TEXT))
    assert fetch(conn, spec, {}).count is None


SLOW = Sql("SELECT sum(i * i) AS facet_value, 1 AS facet_count FROM range(10000000000) AS r(i)")


def test_a_slow_facet_times_out_without_failing_the_page(conn, spec, monkeypatch):
    import api.query.facets as facets
    from api.query.compiler import facet_sql
    monkeypatch.setattr(facets, "facet_sql", lambda query, column: SLOW if column.name == "qty" else facet_sql(query, column))
    query = compile_query(spec, {"_facet": "commune,qty"}, limits=QueryLimits(facet_time_limit_ms=50))
    page = run_rows(conn, query)
    commune, qty = page.facets
    assert commune.values and not commune.timed_out
    assert qty.timed_out and qty.values == []
    assert len(page.rows) == 100


def test_page_time_limit_raises_query_timeout(conn, spec, monkeypatch):
    import api.query.execute as execute
    monkeypatch.setattr(execute, "page_sql", lambda query: SLOW)
    with pytest.raises(QueryTimeout) as caught:
        run_rows(conn, compile_query(spec, {}), time_limit_ms=50)
    assert isinstance(caught.value, QueryError) and caught.value.status == 400


def test_count_time_limit_reports_timed_out(conn, spec, monkeypatch):
    import api.query.execute as execute
    monkeypatch.setattr(execute, "count_sql", lambda query: (Sql("SELECT sum(i * i) FROM range(10000000000) AS r(i)"), True))
    page = run_rows(conn, compile_query(spec, {"_extra": "count"}, limits=QueryLimits(count_time_limit_ms=50)))
    assert page.count is None and page.count_timed_out


def test_connection_is_usable_after_interrupts(conn):
    assert conn.execute("SELECT 42").fetchall() == [(42,)]
    with pytest.raises(duckdb.Error):
        conn.execute("SELECT * FROM read_parquet('/etc/passwd')").fetchall()


def test_page_json_body(conn, spec):
    import json
    page = fetch(conn, spec, {"_facet": "online", "_extra": "count", "_size": "2", "_sort": "score"})
    body = json.loads(json.dumps(page.to_json(), allow_nan=False))
    assert body["count"] == 600 and body["next"] and len(body["rows"]) == 2
    assert {value["value"] for value in body["facets"][0]["values"]} == {True, False, None}
    assert body["masked_columns"] == ["id_number", "phone"]
