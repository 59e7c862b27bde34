"""The access matrix: every door × every persona × every access level, against an oracle written out
by hand (not computed with `api.access`), so a change of the rules has to change this table too.

Extending it to a new door (GraphQL, CKAN, exports, facets, search, counts): add a `Door` to `DOORS`
whose `visible(client, headers, dataset)` answers whether the dataset exists for the caller at that
door — and asserts that a hidden dataset looks exactly like a missing one there — and, if the door
returns rows, whose `rows(client, headers, dataset)` returns them as dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.access.conftest import DATASETS, PERSONAS, ROW_COUNTS

ALL = set(PERSONAS)
VISIBLE = {
    "open_ds": ALL,
    "shared_ds": ALL - {"anonymous"},
    "private_ds": {"owner", "granted", "granted_pii", "steward", "admin"},
}
#: who reads personal-data columns unmasked: the owner, a grant with personal data, admins
UNMASKED = {
    "open_ds": ALL,
    "shared_ds": {"owner", "granted_pii", "admin"},
    "private_ds": {"owner", "granted_pii", "admin"},
}
MISSING = "no_such_dataset"


def _same_as_missing(client: TestClient, headers: dict, url: str, dataset: str) -> None:
    """A hidden dataset answers exactly like one that does not exist (status, body, headers that matter)."""
    hidden = client.get(url.format(dataset), headers=headers)
    missing = client.get(url.format(MISSING), headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(dataset, "X") == missing.text.replace(MISSING, "X")
    assert hidden.headers.get("content-type") == missing.headers.get("content-type")


def _rest_list(client: TestClient, headers: dict, dataset: str) -> bool:
    body = client.get("/api/v1/datasets", headers=headers).json()
    names = {d["name"] for d in body["datasets"]}
    assert body["count"] == len(names)
    return dataset in names


def _get_url(url: str) -> Callable[[TestClient, dict, str], bool]:
    def visible(client: TestClient, headers: dict, dataset: str) -> bool:
        response = client.get(url.format(dataset), headers=headers)
        if response.status_code == 404:
            _same_as_missing(client, headers, url, dataset)
            return False
        assert response.status_code == 200, response.text
        return True

    return visible


def _rest_rows(client: TestClient, headers: dict, dataset: str) -> list[dict]:
    response = client.get(f"/api/v1/datasets/{dataset}/rows", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = body["rows"]
    if rows and not isinstance(rows[0], dict):  # positional rows with a column list
        columns = [c if isinstance(c, str) else c["name"] for c in body["columns"]]
        rows = [dict(zip(columns, r)) for r in rows]
    return rows


ROWS_QUERY = "/api/v1/datasets/{}/rows?id__gte=1&_sort_desc=id&_facet=id&_extra=count&_size=1000"


def _answered(url: str) -> Callable[[TestClient, dict, str], bool]:
    """Like `_get_url`, for a request that may be refused as a bad request once the dataset is visible
    (`_search` on a dataset whose only text columns are masked for the caller answers 400)."""
    def visible(client: TestClient, headers: dict, dataset: str) -> bool:
        response = client.get(url.format(dataset), headers=headers)
        if response.status_code == 404:
            _same_as_missing(client, headers, url, dataset)
            return False
        assert response.status_code in (200, 400), response.text
        if response.status_code == 400:
            assert response.json()["param"] == "_search"
        return True

    return visible


def _rest_query_rows(client: TestClient, headers: dict, dataset: str) -> list[dict]:
    response = client.get(ROWS_QUERY.format(dataset), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["rows"]) and body["facets"][0]["column"] == "id"
    return body["rows"]


def _export_rows(kind: str) -> Callable[[TestClient, dict, str], list[dict]]:
    def rows(client: TestClient, headers: dict, dataset: str) -> list[dict]:
        import csv
        import io
        import json

        import pyarrow.parquet as pq

        response = client.get(f"/api/v1/datasets/{dataset}/rows.{kind}", headers=headers)
        assert response.status_code == 200, response.text
        if kind == "csv":  # NULL is an empty field; the fixtures have no empty strings
            return [{k: v or None for k, v in r.items()} for r in csv.DictReader(io.StringIO(response.text))]
        if kind == "ndjson":
            return [json.loads(line) for line in response.text.splitlines()]
        return pq.read_table(io.BytesIO(response.content)).to_pylist()

    return rows


def _graphql(client: TestClient, headers: dict, query: str):
    return client.post("/graphql", json={"query": query}, headers=headers)


def _graphql_field(template: str) -> Callable[[TestClient, dict, str], bool]:
    """A GraphQL door: the dataset's field exists for the caller, or answers exactly like a field
    that does not exist (the schema is generated from the datasets the caller can see)."""
    def visible(client: TestClient, headers: dict, dataset: str) -> bool:
        response = _graphql(client, headers, template.format(dataset))
        if response.status_code == 400:
            missing = _graphql(client, headers, template.format(MISSING))
            assert missing.status_code == 400
            assert response.text.replace(dataset, "X") == missing.text.replace(MISSING, "X")
            return False
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        return True

    return visible


def _graphql_in_schema(client: TestClient, headers: dict, dataset: str) -> bool:
    body = _graphql(client, headers, "{ __schema { queryType { fields { name } } } }").json()
    names = {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}
    assert (dataset in names) == (f"{dataset}_aggregate" in names)
    return dataset in names


def _graphql_rows(client: TestClient, headers: dict, dataset: str) -> list[dict]:
    infos = _graphql(client, headers, "{ datasets { name columns { field } } }").json()["data"]["datasets"]
    [fields] = [[c["field"] for c in info["columns"]] for info in infos if info["name"] == dataset]
    body = _graphql(client, headers, f"{{ {dataset}(first: 1000) {{ nodes {{ {' '.join(fields)} }} }} }}").json()
    assert "errors" not in body, body
    return body["data"][dataset]["nodes"]


@dataclass(frozen=True)
class Door:
    name: str
    visible: Callable[[TestClient, dict, str], bool]
    rows: Callable[[TestClient, dict, str], list[dict]] | None = None


DOORS = [
    Door("rest.list", _rest_list),
    Door("rest.show", _get_url("/api/v1/datasets/{}")),
    Door("rest.rows", _get_url("/api/v1/datasets/{}/rows"), _rest_rows),
    Door("rest.rows.query", _get_url(ROWS_QUERY), _rest_query_rows),
    Door("rest.rows.search", _answered("/api/v1/datasets/{}/rows?_search=a&_extra=count")),
    Door("rest.rows.group_by", _get_url("/api/v1/datasets/{}/rows?_group_by=id&_agg=count,max:id")),
    Door("rest.versions", _get_url("/api/v1/datasets/{}/versions")),
    Door("rest.schema", _get_url("/api/v1/datasets/{}/schema")),
    Door("rest.csv", _get_url("/api/v1/datasets/{}/rows.csv"), _export_rows("csv")),
    Door("rest.ndjson", _get_url("/api/v1/datasets/{}/rows.ndjson"), _export_rows("ndjson")),
    Door("rest.parquet", _get_url("/api/v1/datasets/{}/rows.parquet"), _export_rows("parquet")),
    Door("graphql.schema", _graphql_in_schema),
    Door("graphql.rows", _graphql_field("{{ {}(first: 1000, filter: {{id: {{gte: 1}}}}) {{ totalCount nodes {{ id }} }} }}"),
         _graphql_rows),
    Door("graphql.aggregate", _graphql_field("{{ {}_aggregate(groupBy: [id]) {{ groups {{ count max {{ id }} }} }} }}")),
    Door("ckan.package_show", _get_url("/api/3/action/package_show?id={}")),
]
ROW_DOORS = [d for d in DOORS if d.rows is not None]


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("persona", list(PERSONAS))
def test_visibility(shared_env, persona: str, dataset: str, door: Door) -> None:
    client = shared_env._clients[0]
    assert door.visible(client, shared_env.headers(persona), dataset) == (persona in VISIBLE[dataset])


@pytest.mark.parametrize("door", ROW_DOORS, ids=lambda d: d.name)
@pytest.mark.parametrize(("persona", "dataset"),
                         [(p, d) for p in PERSONAS for d in sorted(DATASETS) if p in VISIBLE[d]])
def test_masking(shared_env, persona: str, dataset: str, door: Door) -> None:
    rows = door.rows(shared_env._clients[0], shared_env.headers(persona), dataset)
    assert len(rows) == ROW_COUNTS[dataset]
    personal = set(DATASETS[dataset]["pii"])
    for row in rows:
        for column, value in row.items():
            if column in personal and persona not in UNMASKED[dataset]:
                assert value is None, f"{persona} reads {dataset}.{column} unmasked"
            else:
                assert value is not None, f"{persona} gets {dataset}.{column} masked"


def test_rows_response_names_the_masked_columns(shared_env) -> None:
    client = shared_env._clients[0]
    body = client.get("/api/v1/datasets/shared_ds/rows", headers=shared_env.headers("outsider")).json()
    assert sorted(body["masked_columns"]) == ["cccd", "ho_ten"]
    body = client.get("/api/v1/datasets/shared_ds/rows", headers=shared_env.headers("granted_pii")).json()
    assert body["masked_columns"] == []


def test_listing_counts_per_persona(shared_env) -> None:
    """The listing's count is exactly the visible datasets: the total never hints at hidden ones."""
    client = shared_env._clients[0]
    for persona in PERSONAS:
        body = client.get("/api/v1/datasets", headers=shared_env.headers(persona)).json()
        expected = sorted(d for d in DATASETS if persona in VISIBLE[d])
        assert sorted(d["name"] for d in body["datasets"]) == expected
        assert body["count"] == len(expected)


def test_revoked_grant_hides_the_private_dataset_again(env) -> None:
    from api.access.grants import revoke_grant

    client = env.client()
    headers = env.headers("granted")
    assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 200
    revoke_grant(env.engine, PERSONAS["granted"][0], "private_ds", revoked_by="test")
    assert client.get("/api/v1/datasets/private_ds", headers=headers).status_code == 404
    _same_as_missing(client, headers, "/api/v1/datasets/{}/rows", "private_ds")


def test_grant_with_personal_data_unmasks_at_once(env) -> None:
    from api.access.grants import add_grant

    client = env.client()
    headers = env.headers("granted")
    rows = client.get("/api/v1/datasets/private_ds/rows", headers=headers).json()["rows"]
    assert all(r["so_dien_thoai"] is None for r in rows)
    add_grant(env.engine, PERSONAS["granted"][0], "private_ds", personal_data=True, granted_by="test")
    rows = client.get("/api/v1/datasets/private_ds/rows", headers=headers).json()["rows"]
    assert [r["so_dien_thoai"] for r in rows] == ["0912000001", "0912000002", "0912000003", "0912000004"]
