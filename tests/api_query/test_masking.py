"""Personal-data columns: masked in every output, unusable in every clause, visible with a grant."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest

from api.query import AccessPolicy, ColumnSpec, MaskedColumnRefused, QueryError, iter_csv, iter_ndjson, iter_parquet
from tests.api_query.dataset import FULL, PUBLIC
from tests.api_query.helpers import compile_query, fetch
from tests.api_query.reference import ids

BASIC_ONLY = AccessPolicy({"basic"})


def test_masked_columns_are_typed_nulls_and_listed(conn, spec, rows):
    page = fetch(conn, spec, {"_size": "1000"})
    assert all(row["id_number"] is None and row["phone"] is None for row in page.rows)
    assert page.masked_columns == ["id_number", "phone"]
    assert list(page.rows[0]) == [column.name for column in spec.columns]
    granted = fetch(conn, spec, {"_size": "1000"}, FULL)
    assert [row["id_number"] for row in granted.rows] == [row["id_number"] for row in rows]
    assert granted.masked_columns == []
    basic = fetch(conn, spec, {"_size": "3"}, BASIC_ONLY)
    assert basic.masked_columns == ["id_number"] and basic.rows[0]["phone"] is not None


def test_unknown_personal_data_class_fails_closed():
    assert FULL.is_masked(ColumnSpec("x", "VARCHAR", pii="secret"))
    assert not PUBLIC.is_masked(ColumnSpec("x", "VARCHAR"))


def test_policy_from_the_access_layers_masked_set(conn, spec):
    policy = AccessPolicy.from_masked_columns({"phone", "commune"})
    page = fetch(conn, spec, {"_size": "3"}, policy)
    assert page.masked_columns == ["commune", "phone"] and page.rows[0]["id_number"] is not None
    with pytest.raises(MaskedColumnRefused):
        fetch(conn, spec, {"commune": "Him Lam"}, policy)
    searched = fetch(conn, spec, {"_search": "him lam", "_size": "1000"}, policy)
    assert all("him lam" in (row["name"] or "").lower() for row in searched.rows)


@pytest.mark.parametrize("params, param", [
    ({"id_number": "000000000001"}, "id_number"),
    ({"id_number__startswith": "0"}, "id_number__startswith"),
    ({"id_number__isnull": "1"}, "id_number__isnull"),
    ({"phone__in": "0900000000,0911111111"}, "phone__in"),
    ({"id_number__gt": "not even a number"}, "id_number__gt"),
    ({"_sort": "id_number"}, "_sort"),
    ({"_sort_desc": "phone"}, "_sort_desc"),
    ({"_facet": "phone"}, "_facet"),
    ({"_group_by": "id_number"}, "_group_by"),
    ({"_agg": "min:phone"}, "_agg"),
    ({"_agg": "max:id_number"}, "_agg"),
])
def test_masked_columns_cannot_be_used_and_errors_reveal_nothing(conn, spec, rows, params, param):
    with pytest.raises(MaskedColumnRefused) as caught:
        fetch(conn, spec, params)
    assert isinstance(caught.value, QueryError) and caught.value.status == 403
    assert caught.value.param == param
    assert "personal data" in caught.value.message
    values = {row["id_number"] for row in rows} | {row["phone"] for row in rows}
    assert not any(value in caught.value.message for value in values)
    compile_query(spec, params, FULL)  # the same request is fine with a personal-data grant


def test_granted_consumer_can_filter_on_personal_data(conn, spec, rows):
    target = rows[10]
    assert ids(fetch(conn, spec, {"id_number": target["id_number"]}, FULL).rows) == [target["id"]]
    assert ids(fetch(conn, spec, {"phone": target["phone"]}, BASIC_ONLY).rows) == [
        row["id"] for row in rows if row["phone"] == target["phone"]]


def test_column_selection_keeps_masking(conn, spec):
    page = fetch(conn, spec, {"_col": "id_number,id", "_size": "5"})
    assert page.columns == ["id_number", "id"]
    assert all(row["id_number"] is None for row in page.rows)


def test_exports_are_masked(conn, spec, rows):
    query = compile_query(spec, {"_col": "id,id_number,phone"})
    table = pq.read_table(io.BytesIO(b"".join(iter_parquet(conn, query))))
    assert table.column("id_number").null_count == 600 and str(table.schema.field("id_number").type) == "string"
    text = b"".join(iter_csv(conn, query)).decode()
    ndjson = b"".join(iter_ndjson(conn, query)).decode()
    for row in rows[:50]:
        assert row["id_number"] not in text and row["id_number"] not in ndjson and row["phone"] not in text
