"""Injection attempts in every parameter and personal-data leaks.

Every parameter position gets SQL, path and markup payloads: names (filters, `_sort`, `_col`, `_facet`,
`_group_by`, `_agg`), values of non-text columns, `_next`, `_version`, the path's dataset name and format,
and GraphQL arguments. Each answer is a 4xx whose body contains no data and nothing of the server's
internals. Text filter values are values: a payload there matches rows whose text is literally the
payload, nothing more. And for callers without a personal-data grant, no response of any door — pages,
exports, GraphQL, facets, group-by, errors — contains any personal-data value of the fixtures.
"""

from __future__ import annotations

import itertools
import json
import urllib.parse

import pytest

from tests.api.helpers import graphql, personal_values

PAYLOADS = [
    "1' OR '1'='1",
    "1; DROP TABLE t; --",
    '") UNION SELECT * FROM read_csv(\'/etc/passwd\') --',
    "name\" FROM read_parquet('/etc/passwd') --",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "1 OR 1=1",
    "id,(SELECT 1)",
    "\u0000",
    "Điện'Biên\"",
]
POSITIONS = [
    "{p}=1", "id__{p}=1", "id={p}", "fee__gt={p}", "received__date={p}", "qty__in={p}", "_sort={p}",
    "_sort_desc={p}", "_col={p}", "_nocol={p}", "_facet={p}", "_group_by={p}", "_agg=sum:{p}", "_agg={p}",
    "_next={p}", "_version={p}", "_size={p}", "_facet_size={p}", "_extra={p}", "_shape={p}",
]
#: Nothing of the server may show in an answer: file paths, SQL it runs, Python, the database.
INTERNALS = ("/tmp/", "read_parquet(", "select ", "traceback", "duckdb", ".py", "sqlite", "file_row_number", "t.\"")


def _without_echo(text: str) -> str:
    """The answer's strings with the payloads removed: echoing the caller's own input is fine."""
    try:
        strings = " ".join(_strings(json.loads(text)))
    except ValueError:
        strings = text
    strings = strings.lower()
    pieces = {part.strip().lower() for payload in PAYLOADS for part in (payload, *payload.split(","), *payload.split(":"))}
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) > 2:
            for form in (repr(piece)[1:-1], piece):
                strings = strings.replace(form, "")
    return strings


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _assert_no_internals(text: str, what: str) -> None:
    clean = _without_echo(text)
    for internal in INTERNALS:
        assert internal not in clean, (what, internal, text[:300])


def _assert_clean_4xx(response, what: str) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.text[:300])
    assert "rows" not in response.json() or not response.json()["rows"], what
    _assert_no_internals(response.text, what)


@pytest.mark.parametrize("position", POSITIONS)
def test_payloads_in_every_parameter_are_refused(client, position: str) -> None:
    for payload in PAYLOADS:
        query = position.format(p=urllib.parse.quote(payload, safe=""))
        response = client.get(f"/api/v1/datasets/services/rows?{query}")
        if response.status_code == 200:
            # only legitimate: an empty-string-free payload that is a valid value for the column
            raise AssertionError(f"{query} was accepted: {response.text[:200]}")
        body = response.json()
        assert body["error"] == "bad_parameter" and body["param"], query
        _assert_clean_4xx(response, query)
        for kind in ("csv", "ndjson", "parquet"):
            if position.split("=")[0] in ("_next", "_size", "_facet", "_facet_size", "_extra", "_shape"):
                continue
            _assert_clean_4xx(client.get(f"/api/v1/datasets/services/rows.{kind}?{query}"), f"{kind} {query}")


def test_payloads_in_the_path_are_refused(client) -> None:
    for payload in PAYLOADS:
        quoted = urllib.parse.quote(payload, safe="")
        for url in (f"/api/v1/datasets/{quoted}", f"/api/v1/datasets/{quoted}/rows",
                    f"/api/v1/datasets/{quoted}/rows.csv", f"/api/v1/datasets/services/rows.{quoted}",
                    f"/api/v1/datasets/services/versions/{quoted}", f"/api/v1/datasets/{quoted}/schema"):
            response = client.get(url)
            assert response.status_code in (400, 404), (url, response.status_code)
            if response.headers.get("content-type", "").startswith("application/json"):
                _assert_clean_4xx(response, url)


def test_payloads_in_text_values_match_literally(client, reference) -> None:
    injection = "x' OR 1=1; --"
    body = client.get("/api/v1/datasets/services/rows", params={"name": injection, "_size": "max"}).json()
    assert [r["id"] for r in body["rows"]] == [r["id"] for r in reference["services"] if r["name"] == injection]
    every = {r["id"] for r in reference["services"]}
    for payload in PAYLOADS:
        if "\u0000" in payload:
            continue
        body = client.get("/api/v1/datasets/services/rows", params={"name": payload, "commune__contains": payload}).json()
        assert body["rows"] == []
        response = client.get("/api/v1/datasets/services/rows", params={"_search": payload, "_size": "max"})
        assert response.status_code == 200 and {r["id"] for r in response.json()["rows"]} <= every


def test_payloads_in_graphql_arguments(client) -> None:
    for payload in PAYLOADS:
        for arguments in (f"filter: {{fee: {{gt: {_gql(payload)}}}}}", f"filter: {{received: {{date: {_gql(payload)}}}}}",
                          f"after: {_gql(payload)}", f"version: {_gql(payload)}", f"filter: {{id: {{in: [{_gql(payload)}]}}}}"):
            response = graphql(client, f"{{ services({arguments}) {{ nodes {{ id }} }} }}")
            assert response.status_code in (200, 400), arguments
            body = response.json()
            assert body.get("data") in (None, {"services": None}) and body["errors"], arguments
            _assert_no_internals(response.text, arguments)
        response = graphql(client, "query($s: String) { services(search: $s, filter: {name: {eq: $s}}) { nodes { id } } }",
                           {"s": payload})
        assert response.status_code == 200 or "\u0000" in payload


def _gql(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\u0000", "\\u0000") + '"'


# -- personal data ------------------------------------------------------------------------------------------
def test_personal_data_never_reaches_the_ungranted(client, shared_world, reference) -> None:
    secrets = personal_values(reference)
    for persona in ("anonymous", "agency", "steward"):
        headers = shared_world.headers(persona)
        urls = [f"/api/v1/datasets/{name}/{suffix}" for name, suffix in itertools.product(
            ("people", "ledger"),
            ("rows?_size=max", "rows?_size=max&_facet=commune&_extra=count", "rows?_search=Người",
             "rows?_search=0912", "rows?_search=000000000001", "rows?_group_by=commune&_agg=count,max:id",
             "rows.csv", "rows.ndjson", "rows.parquet", "schema", "versions", "",
             "rows?id_number=000000000001", "rows?phone__startswith=0912", "rows?_sort=full_name",
             "rows?_facet=phone", "rows?_agg=max:id_number", "rows?_col=full_name,phone,id_number"))]
        for url in urls:
            response = client.get(url, headers=headers)
            content = response.content
            for secret in secrets:
                assert secret.encode() not in content, (persona, url, secret)
        queries = [
            "{ people(first: 1000) { nodes { id full_name id_number commune age } } }",
            '{ people(search: "Người") { nodes { id full_name } } }',
            "{ ledger(first: 1000) { nodes { id amount phone } } }",
            "{ people_aggregate(groupBy: [commune]) { groups { key { commune } count min { age } } } }",
            '{ people(filter: {id_number: {eq: "000000000001"}}) { totalCount } }',
            "{ ledger_aggregate { groups { max { phone } } } }",
        ]
        for query in queries:
            content = graphql(client, query, headers=headers).content
            for secret in secrets:
                assert secret.encode() not in content, (persona, query, secret)
    # the granted do read them, so the check above is not vacuous
    granted = client.get("/api/v1/datasets/people/rows.csv", headers=shared_world.headers("granted_pii")).content
    assert b"000000000001" in granted and "Người số 1".encode() in granted
