"""The audit chain records agency access through every Data API door — pages, group-by, each export
format, GraphQL rows and aggregates — before data is sent, and refuses to serve without it."""

from __future__ import annotations

from api.access.audit import AuditLog, verify_chain
from tests.api.conftest import PERSONAS
from tests.api.helpers import graphql


def test_every_door_writes_an_entry_for_agencies(world) -> None:
    client = world.client()
    headers = world.headers("granted_pii")
    version = world.versions["people"]
    assert client.get("/api/v1/datasets/people/rows?commune=Him%20Lam&_size=4", headers=headers).status_code == 200
    assert client.get("/api/v1/datasets/people/rows?_group_by=commune", headers=headers).status_code == 200
    for kind in ("csv", "ndjson", "parquet"):
        assert client.get(f"/api/v1/datasets/people/rows.{kind}?age__gte=40", headers=headers).status_code == 200
    response = graphql(client, '{ people(first: 3, filter: {commune: {eq: "Thanh Nưa"}}) { nodes { id } } '
                               "a: people_aggregate(groupBy: [commune]) { groups { count } } }", headers=headers)
    assert response.status_code == 200 and "errors" not in response.json()
    entries = AuditLog(world.engine).tail(20)
    assert [(e.action, e.rows_returned) for e in entries] == [
        ("GET /api/v1/datasets/people/rows", 4),
        ("GET /api/v1/datasets/people/rows", 2),
        ("export", None), ("export", None), ("export", None),
        ("POST /graphql", 3),
        ("POST /graphql", 2),
    ]
    assert all(e.dataset == "people" and e.version == version and e.status == 200 for e in entries)
    assert all(e.agency_code == PERSONAS["granted_pii"][0] and e.token_id == world.token_ids["granted_pii"]
               for e in entries)
    assert entries[0].params == {"commune": "Him Lam", "_size": "4"}
    assert entries[2].params == {"age__gte": "40"}
    graphql_entry = entries[5].params
    assert graphql_entry["graphql"]["arguments"] == {"first": 3, "filter": {"commune": {"eq": "Thanh Nưa"}}}
    assert graphql_entry["query"]["filters"] == [{"column": "commune", "op": "exact", "values": ["Thanh Nưa"]}]
    assert entries[6].params["graphql"]["alias"] == "a"
    assert verify_chain(world.engine).ok


def test_anonymous_and_metadata_and_refusals_are_not_recorded(world) -> None:
    client = world.client()
    assert client.get("/api/v1/datasets/services/rows").status_code == 200
    assert client.get("/api/v1/datasets/services/rows.csv").status_code == 200
    assert graphql(client, "{ services { totalCount } }").status_code == 200
    headers = world.headers("agency")
    assert client.get("/api/v1/datasets/people/schema", headers=headers).status_code == 200
    assert client.get("/api/v1/datasets/people/rows?_sort=full_name", headers=headers).status_code == 403
    assert client.get("/api/v1/datasets/ledger/rows", headers=headers).status_code == 404
    assert client.get("/api/v1/datasets/people/rows?nope=1", headers=headers).status_code == 400
    assert AuditLog(world.engine).tail() == []


def test_revalidation_is_recorded(world) -> None:
    client = world.client()
    headers = world.headers("owner")
    first = client.get("/api/v1/datasets/ledger/rows", headers=headers)
    again = client.get("/api/v1/datasets/ledger/rows", headers={**headers, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert [(e.status, e.rows_returned) for e in AuditLog(world.engine).tail()] == [(200, 12), (304, 0)]


def test_no_audit_no_data(world) -> None:
    client = world.client()
    with world.engine.begin() as con:
        con.exec_driver_sql("DROP TABLE audit_log")
    headers = world.headers("owner")
    for url in ("/api/v1/datasets/ledger/rows", "/api/v1/datasets/ledger/rows.csv", "/api/v1/datasets/ledger/rows.parquet"):
        response = client.get(url, headers=headers)
        assert response.status_code == 503 and "0912" not in response.text, url
    response = graphql(client, "{ ledger { nodes { phone } } }", headers=headers)
    assert response.status_code == 503 and "0912" not in response.text and "data" not in response.json()
    assert client.get("/api/v1/datasets/services/rows.csv").status_code == 200  # anonymous: nothing to write
