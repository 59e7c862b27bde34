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


@dataclass(frozen=True)
class Door:
    name: str
    visible: Callable[[TestClient, dict, str], bool]
    rows: Callable[[TestClient, dict, str], list[dict]] | None = None


DOORS = [
    Door("rest.list", _rest_list),
    Door("rest.show", _get_url("/api/v1/datasets/{}")),
    Door("rest.rows", _get_url("/api/v1/datasets/{}/rows"), _rest_rows),
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
