"""Applying masks: rows, positional rows, SQL select lists with typed NULLs, and masked columns refused
as filters / sort keys with a 403 on every door."""

from __future__ import annotations

import duckdb
import pytest
from fastapi import Request

from api.access import MaskedColumnError, check_not_masked, mask_rows, mask_tuples, masked_select_list


def test_mask_rows_and_tuples() -> None:
    rows = [{"id": 1, "cccd": "011", "xa": "A"}, {"id": 2, "cccd": "012", "xa": "B"}]
    assert mask_rows(rows, {"cccd"}) == [{"id": 1, "cccd": None, "xa": "A"}, {"id": 2, "cccd": None, "xa": "B"}]
    assert rows[0]["cccd"] == "011"  # the input is not modified
    assert mask_rows(rows, set()) == rows
    assert mask_tuples(["id", "cccd", "xa"], [(1, "011", "A")], {"cccd", "xa"}) == [(1, None, None)]


def test_masked_select_list_keeps_types() -> None:
    columns = [{"name": "id", "type": "INTEGER"}, {"name": "ngay \"sinh\"", "type": "DATE"},
               {"name": "cccd", "type": "VARCHAR"}]
    con = duckdb.connect()
    con.execute('CREATE TABLE t (id INTEGER, "ngay ""sinh""" DATE, cccd VARCHAR)')
    con.execute("INSERT INTO t VALUES (1, DATE '1990-01-02', '011')")
    sql = masked_select_list(columns, {"ngay \"sinh\"", "cccd"})
    rel = con.execute(f"SELECT {sql} FROM t")
    assert rel.fetchall() == [(1, None, None)]
    assert [(d[0], str(d[1])) for d in rel.description] == [("id", "INTEGER"), ('ngay "sinh"', "DATE"),
                                                             ("cccd", "VARCHAR")]


def test_check_not_masked() -> None:
    check_not_masked({"cccd"}, ["id", "xa"])
    with pytest.raises(MaskedColumnError) as exc:
        check_not_masked({"cccd", "ho_ten"}, ["ho_ten", "id", "cccd"])
    assert exc.value.columns == ["cccd", "ho_ten"] and "personal data" in str(exc.value)


def test_masked_column_errors_answer_403_at_every_door(env) -> None:
    client = env.client()

    def filter_on_masked(request: Request) -> dict:
        check_not_masked({"cccd"}, request.query_params.keys())
        return {}

    client.app.add_api_route("/api/v1/test-masked", filter_on_masked)
    response = client.get("/api/v1/test-masked?cccd=011")
    assert response.status_code == 403
    assert response.json()["columns"] == ["cccd"] and "personal data" in response.json()["detail"]
    assert client.get("/api/v1/test-masked?xa=A").status_code == 200


def test_error_bodies_per_door() -> None:
    from api.access.middleware import error_body

    ckan = error_body("/api/3/action/datastore_search", 403, "personal_data", "no", {"columns": ["cccd"]})
    assert ckan == {"help": "", "success": False,
                    "error": {"__type": "Authorization Error", "message": "no", "columns": ["cccd"]}}
    assert error_body("/api/action/package_show", 429, "rate_limited", "slow")["error"]["__type"] == "Rate Limit Error"
    graphql = error_body("/graphql", 403, "personal_data", "no")
    assert graphql == {"errors": [{"message": "no", "extensions": {"code": "PERSONAL_DATA"}}]}
    assert error_body("/api/v1/datasets", 401, "invalid_token", "bad") == {"detail": "bad", "error": "invalid_token"}
