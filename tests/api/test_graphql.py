"""GraphQL `/graphql`: the generated schema, filters/sorts/paging answering like REST (one engine,
two doors), aggregates, masking, errors, limits and GraphiQL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.api.helpers import graphql

ALL_FIELDS = "id name commune fee score qty received day online tags"


def data(response) -> dict:
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def error(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    [first, *_] = response.json()["errors"]
    return first


# -- schema ---------------------------------------------------------------------------------------------
def test_one_type_per_visible_dataset(client, shared_world) -> None:
    query = "{ __schema { queryType { fields { name } } } }"
    anonymous = {f["name"] for f in data(graphql(client, query))["__schema"]["queryType"]["fields"]}
    assert anonymous == {"datasets", "services", "services_aggregate"}
    agency = {f["name"] for f in data(graphql(client, query, headers=shared_world.headers("agency")))
              ["__schema"]["queryType"]["fields"]}
    assert agency == anonymous | {"people", "people_aggregate"}
    owner = {f["name"] for f in data(graphql(client, query, headers=shared_world.headers("owner")))
             ["__schema"]["queryType"]["fields"]}
    assert owner == agency | {"ledger", "ledger_aggregate"}
    types = data(graphql(client, '{ __type(name: "ServicesRow") { fields { name type { name } } } }'))
    fields = {f["name"]: f["type"]["name"] for f in types["__type"]["fields"]}
    assert fields == {"id": "BigInt", "name": "String", "commune": "String", "fee": "Decimal", "score": "Float",
                      "qty": "Int", "received": "DateTime", "day": "Date", "online": "Boolean", "tags": "JSON"}


def test_a_hidden_dataset_is_an_unknown_field(client) -> None:
    hidden = graphql(client, "{ ledger { totalCount } }")
    missing = graphql(client, "{ nosuch { totalCount } }")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.text.replace("ledger", "X") == missing.text.replace("nosuch", "X")
    assert "Did you mean" not in graphql(client, "{ service { totalCount } }").text


def test_datasets_field(client, shared_world) -> None:
    [info] = data(graphql(client, "{ datasets { name version row_count field aggregate_field columns { name masked } } }"))["datasets"]
    assert info == {"name": "services", "version": shared_world.versions["services"], "row_count": 257,
                    "field": "services", "aggregate_field": "services_aggregate",
                    "columns": [{"name": n, "masked": False} for n in ALL_FIELDS.split()]}


# -- rows: the same answers as REST ---------------------------------------------------------------------------
@pytest.mark.parametrize(("graphql_filter", "rest"), [
    ('{commune: {eq: "Him Lam"}}', "commune=Him Lam"),
    ('{commune: {in: ["Nà Tấu", "Thanh Nưa"]}, qty: {gte: 2}}', "commune__in=Nà Tấu,Thanh Nưa&qty__gte=2"),
    ('{fee: {lt: "100.50"}, score: {isnull: false}}', "fee__lt=100.50&score__notnull=1"),
    ('{received: {date: "2026-01-02"}}', "received__date=2026-01-02"),
    ('{name: {startswith: "Mường"}, online: {eq: true}}', "name__startswith=Mường&online=true"),
    ('{commune: {isnull: true}}', "commune__isnull=1"),
    ('{day: {gt: "2026-02-01"}, commune: {notin: ["Him Lam"]}}', "day__gt=2026-02-01&commune__notin=Him Lam"),
    ('{tags: {notnull: true}, id: {not: 3}}', "tags__notnull=1&id__not=3"),
])
def test_filters_answer_like_rest(client, graphql_filter: str, rest: str) -> None:
    result = data(graphql(client, f"{{ services(filter: {graphql_filter}, sort: [fee_desc, id_asc], first: 1000) "
                                  f"{{ totalCount nodes {{ {ALL_FIELDS} }} }} }}"))["services"]
    body = client.get(f"/api/v1/datasets/services/rows?{rest}&_sort_desc=fee&_sort=id&_size=1000&_extra=count").json()
    assert result["nodes"] == body["rows"] and result["totalCount"] == body["count"]


def test_search_and_relay_paging_visit_every_row_once(client, reference) -> None:
    query = """query($after: String) { services(sort: [score_asc], first: 40, after: $after) {
                 edges { cursor node { id score } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }"""
    seen, after, pages = [], None, 0
    while True:
        page = data(graphql(client, query, {"after": after}))["services"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert pages == 7 and sorted(seen) == sorted(r["id"] for r in reference["services"]) and len(seen) == len(set(seen))
    found = data(graphql(client, '{ services(search: "dien BIEN", first: 1000) { nodes { id } } }'))["services"]["nodes"]
    assert [n["id"] for n in found] == [r["id"] for r in reference["services"] if r["name"] == "Điện Biên Phủ"]


def test_aggregates_with_group_by(client, reference) -> None:
    result = data(graphql(client, """{ services_aggregate(groupBy: [commune], sort: [count_desc, commune_asc],
        filter: {qty: {lt: 4}}) { truncated groups { key { commune qty } count sum { fee } avg { score }
        min { received } max { day } } } }"""))["services_aggregate"]
    rows = [r for r in reference["services"] if r["qty"] < 4]
    assert not result["truncated"]
    assert [g["count"] for g in result["groups"]] == sorted((g["count"] for g in result["groups"]), reverse=True)
    for group in result["groups"]:
        members = [r for r in rows if r["commune"] == group["key"]["commune"]]
        assert group["key"]["qty"] is None and group["count"] == len(members)
        assert Decimal(str(group["sum"]["fee"])) == sum(r["fee"] for r in members)
        scores = [r["score"] for r in members if r["score"] is not None]
        assert group["avg"]["score"] == pytest.approx(sum(scores) / len(scores))
        assert group["min"]["received"] == min(r["received"] for r in members).isoformat()
        assert group["max"]["day"] == max(r["day"] for r in members).isoformat()
    total = data(graphql(client, "{ services_aggregate { groups { count max { fee } } } }"))["services_aggregate"]
    assert total["groups"] == [{"count": 257, "max": {"fee": float(max(r["fee"] for r in reference["services"]))}}]
    by_sum = data(graphql(client, "{ services_aggregate(groupBy: [qty], sort: [sum_fee_desc], first: 2) "
                                  "{ truncated groups { key { qty } } } }"))["services_aggregate"]
    assert by_sum["truncated"] and len(by_sum["groups"]) == 2


def test_reads_an_older_version_and_checks_it(client, shared_world) -> None:
    version = shared_world.versions["services"]
    result = data(graphql(client, f'{{ services(version: "{version}", first: 1) {{ version nodes {{ id }} }} }}'))
    assert result["services"]["version"] == version
    failure = error(graphql(client, '{ services(version: "20000101T000000Z-deadbeef") { version } }'))
    assert failure["extensions"] == {"code": "BAD_USER_INPUT", "param": "version"}


# -- masking and errors ------------------------------------------------------------------------------
def test_personal_data_is_masked_and_refused(client, shared_world) -> None:
    query = "{ people(first: 1000) { maskedColumns nodes { id full_name id_number commune } } }"
    agency = data(graphql(client, query, headers=shared_world.headers("agency")))["people"]
    assert agency["maskedColumns"] == ["full_name", "id_number"]
    assert all(n["full_name"] is None and n["id_number"] is None and n["commune"] for n in agency["nodes"])
    granted = data(graphql(client, query, headers=shared_world.headers("granted_pii")))["people"]
    assert granted["maskedColumns"] == [] and granted["nodes"][0]["id_number"] == "000000000001"
    for probe, param in (('people(filter: {id_number: {startswith: "0"}}) { totalCount }', "filter.id_number.startswith"),
                         ("people(sort: [full_name_asc]) { totalCount }", "sort"),
                         ("people_aggregate(groupBy: [full_name]) { groups { count } }", "groupBy"),
                         ("people_aggregate { groups { max { id_number } } }", "groups.max.id_number")):
        failure = error(graphql(client, f"{{ {probe} }}", headers=shared_world.headers("agency")))
        assert failure["extensions"]["code"] == "PERSONAL_DATA" and failure["extensions"]["param"] == param
        assert "000000" not in failure["message"]


@pytest.mark.parametrize(("arguments", "param"), [
    ('filter: {received: {gte: "soon"}}', "filter.received.gte"),
    ('filter: {fee: {eq: "1.234"}}', "filter.fee.eq"),
    ("filter: {commune: {eq: null}}", "filter.commune.eq"),
    ("first: 5000", "first"),
    ('after: "garbage"', "after"),
    ('version: "../etc"', "version"),
])
def test_bad_arguments_name_the_argument(client, arguments: str, param: str) -> None:
    failure = error(graphql(client, f"{{ services({arguments}) {{ nodes {{ id }} }} }}"))
    assert failure["extensions"]["code"] == "BAD_USER_INPUT" and failure["extensions"]["param"] == param
    assert failure["path"] == ["services"]


def test_request_errors(client) -> None:
    assert error(graphql(client, "{ services { nodes { id } "), 400)["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error(graphql(client, "{ services { nodes { nope } } }"), 400)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error(graphql(client, "query($n: Int) { services(first: $n) { totalCount } }", {"n": "x"}), 400)
    assert client.post("/graphql", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/graphql", json={"query": 5}).status_code == 400
    assert "mutation" in error(graphql(client, "mutation { x }"), 400)["message"]
    assert data(client.get("/graphql", params={"query": "{ services(first: 1) { totalCount } }"}))
    assert client.get("/graphql", params={"query": "{ datasets { name } }", "debug": "1"}).status_code == 400
    assert data(client.post("/graphql", content=b"{ datasets { name } }", headers={"Content-Type": "application/graphql"}))


# -- limits ---------------------------------------------------------------------------------------------
def test_depth_field_dataset_and_node_limits(client, shared_world) -> None:
    deep = "{ __schema { types " + "{ fields { type " * 8 + "{ name }" + " } }" * 8 + " } }"
    assert "depth" in error(graphql(client, deep), 400)["message"]  # graphql-core's own introspection rule
    shallow = shared_world.client(KHO_GRAPHQL_MAX_DEPTH="3")
    shared_world.monkeypatch.delenv("KHO_GRAPHQL_MAX_DEPTH")
    failure = error(graphql(shallow, "{ services { edges { node { id } } } }"), 400)
    assert failure["extensions"]["code"] == "QUERY_TOO_DEEP" and "3 levels" in failure["message"]
    assert data(graphql(shallow, "{ services { nodes { id } } }"))
    introspection = client.get("/graphql", params={"query": _graphiql_introspection()})
    assert introspection.status_code == 200  # GraphiQL's own introspection fits
    bomb = "fragment A on ServicesRow { " + " ".join(f"a{i}: id" for i in range(60)) + " } " + \
           "{ services { nodes { " + " ".join("...A" for _ in range(40)) + " } } }"
    assert error(graphql(client, bomb), 400)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    many = "{ " + " ".join(f"s{i}: services(first: 1) {{ totalCount }}" for i in range(11)) + " }"
    assert error(graphql(client, many), 400)["extensions"]["code"] == "TOO_MANY_DATASET_FIELDS"
    nodes = "query($n: Int) { " + " ".join(f"s{i}: services(first: $n) {{ totalCount }}" for i in range(10)) + " }"
    assert data(graphql(client, nodes, {"n": 1000}))
    assert error(graphql(client, nodes.replace("$n", "1001").replace("query(1001: Int) ", "")), 400)
    huge = "{ services { nodes { id } } }" + " " * 100_001
    assert error(graphql(client, huge), 400)["extensions"]["code"] == "QUERY_TOO_LONG"


def test_time_limit(shared_world) -> None:
    client = shared_world.client(KHO_GRAPHQL_TIME_LIMIT_MS="1")
    shared_world.monkeypatch.delenv("KHO_GRAPHQL_TIME_LIMIT_MS")
    response = graphql(client, "{ a: services { totalCount } b: services { totalCount } }")
    assert response.status_code == 200
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"TIME_LIMIT"} and "1 ms" in response.json()["errors"][0]["message"]


# -- GraphiQL ----------------------------------------------------------------------------------------
def test_graphiql_is_served_from_our_own_files(client) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page.text) if s != "data:,"]  # no favicon request
    assert sources and all(s.startswith("/static/graphiql/") for s in sources)
    assert "http://" not in page.text and "https://" not in page.text
    for source in sources:
        assert client.get(source).status_code == 200, source
    for licence in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert "MIT License" in client.get(f"/static/graphiql/{licence}").text


def _graphiql_introspection() -> str:
    from graphql import get_introspection_query

    return get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                   schema_description=True, input_value_deprecation=True)


def test_the_fast_row_completion_answers_like_graphql_core(client, shared_world, monkeypatch) -> None:
    from graphql import ExecutionContext

    import api.graphql.service as service

    queries = [
        f"{{ services(first: 1000, sort: [received_desc]) {{ nodes {{ {ALL_FIELDS} __typename }} }} }}",
        "{ services(first: 50) { edges { cursor node { i: id id n: name fee score received tags } __typename } } }",
        "{ services(first: 5) { nodes { id ... on ServicesRow { name } } edges { node { id @include(if: false) fee } } } }",
        "fragment F on ServicesRow { id day } { services(first: 7) { nodes { ...F online } } }",
        "{ people(first: 30) { nodes { id full_name id_number age } edges { cursor node { commune } } } }",
    ]
    headers = shared_world.headers("agency")
    fast = [graphql(client, query, headers=headers).json() for query in queries]
    monkeypatch.setattr(service, "RowsExecutionContext", ExecutionContext)
    standard = [graphql(client, query, headers=headers).json() for query in queries]
    assert fast == standard and all("errors" not in answer for answer in fast)
