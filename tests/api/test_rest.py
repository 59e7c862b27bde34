"""REST `/api/v1`: metadata routes, the rows grammar wired through the query engine, errors, caching,
CORS and gzip. The grammar itself is tested against independent DuckDB results in tests/api_query;
here each feature is checked once at the HTTP level against rows computed in Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.api.conftest import DATASETS
from tests.api.helpers import all_pages

ROWS = "/api/v1/datasets/services/rows"


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


# -- metadata ---------------------------------------------------------------------------------------
def test_list_and_show(client, shared_world) -> None:
    body = client.get("/api/v1/datasets").json()
    assert [d["name"] for d in body["datasets"]] == ["services"] and body["count"] == 1
    shown = client.get("/api/v1/datasets/services").json()
    assert shown["row_count"] == 257 and shown["current_version"] == shared_world.versions["services"]
    assert [c["name"] for c in shown["columns"]][:3] == ["id", "name", "commune"]
    assert shown["links"]["csv"].endswith("/api/v1/datasets/services/rows.csv")
    agency = client.get("/api/v1/datasets", headers=shared_world.headers("agency")).json()
    assert [d["name"] for d in agency["datasets"]] == ["people", "services"]


def test_versions_and_one_version(client, shared_world) -> None:
    version = shared_world.versions["services"]
    body = client.get("/api/v1/datasets/services/versions").json()
    assert body["current_version"] == version and body["count"] == 1
    [item] = body["versions"]
    assert item["is_current"] and item["row_count"] == 257 and item["rows_url"].endswith(f"_version={version}")
    one = client.get(f"/api/v1/datasets/services/versions/{version}")
    assert one.status_code == 200 and one.json()["schema"]["columns"][0]["name"] == "id"
    assert "immutable" in one.headers["cache-control"]
    missing = client.get("/api/v1/datasets/services/versions/20000101T000000Z-deadbeef")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_schema_says_what_each_column_allows(client, shared_world) -> None:
    columns = {c["name"]: c for c in client.get("/api/v1/datasets/services/schema").json()["columns"]}
    assert columns["name"]["family"] == "text" and "contains" in columns["name"]["filters"]
    assert "date" in columns["received"]["filters"] and "sum:fee" in columns["fee"]["aggregates"]
    assert columns["tags"]["filters"] == ["isnull", "notnull"] and not columns["tags"]["sortable"]
    people = client.get("/api/v1/datasets/people/schema", headers=shared_world.headers("agency")).json()
    masked = {c["name"]: c for c in people["columns"]}
    assert people["masked_columns"] == ["full_name", "id_number"]
    assert masked["id_number"]["masked"] and masked["id_number"]["filters"] == [] and not masked["id_number"]["sortable"]
    unmasked = client.get("/api/v1/datasets/people/schema", headers=shared_world.headers("owner")).json()
    assert unmasked["masked_columns"] == []
    assert client.get("/api/v1/datasets/services/schema?_size=3").status_code == 400


# -- rows ---------------------------------------------------------------------------------------------
def test_filters_sort_and_size(client, reference) -> None:
    rows = reference["services"]
    body = client.get(ROWS, params={"commune": "Him Lam", "fee__gte": "100", "_sort_desc": "fee", "_size": "7"}).json()
    expected = sorted((r for r in rows if r["commune"] == "Him Lam" and r["fee"] >= 100),
                      key=lambda r: (-r["fee"], rows.index(r)))[:7]
    assert ids(body["rows"]) == ids(expected)
    assert body["next"] and body["next_url"].startswith("http://testserver/api/v1/datasets/services/rows?")
    body = client.get(ROWS, params={"commune__in": "Nà Tấu,Thanh Nưa", "received__date": "2026-01-02", "_size": "max"}).json()
    assert ids(body["rows"]) == ids([r for r in rows if r["commune"] in ("Nà Tấu", "Thanh Nưa")
                                     and r["received"].date() == dt.date(2026, 1, 2)])
    body = client.get(ROWS, params={"commune__isnull": "1", "_size": "max"}).json()
    assert ids(body["rows"]) == ids([r for r in rows if r["commune"] is None])
    body = client.get(ROWS, params={"name__startswith": "Mường", "online": "true", "_size": "max"}).json()
    assert ids(body["rows"]) == ids([r for r in rows if r["name"].startswith("Mường") and r["online"]])


def test_columns_shape_facets_count_and_search(client, reference) -> None:
    rows = reference["services"]
    body = client.get(ROWS, params={"_col": "name,id", "_size": "2", "_shape": "arrays"}).json()
    assert body["columns"] == ["name", "id"] and body["rows"] == [[r["name"], r["id"]] for r in rows[:2]]
    body = client.get(ROWS, params={"_nocol": "tags", "_size": "1"}).json()
    assert "tags" not in body["columns"] and len(body["columns"]) == 9
    body = client.get(ROWS, params={"qty": "2", "_facet": "commune", "_extra": "count", "_size": "0"}).json()
    assert body["count"] == sum(r["qty"] == 2 for r in rows) and body["rows"] == []
    [facet] = body["facets"]
    counts = {v["value"]: v["count"] for v in facet["values"]}
    assert counts["Him Lam"] == sum(r["qty"] == 2 and r["commune"] == "Him Lam" for r in rows)
    body = client.get(ROWS, params={"_search": "DIEN bien", "_size": "max"}).json()
    assert ids(body["rows"]) == ids([r for r in rows if r["name"] == "Điện Biên Phủ"])


def test_group_by_aggregates(client, reference) -> None:
    rows = reference["services"]
    body = client.get(ROWS, params={"_group_by": "commune", "_agg": "count,sum:fee,max:received",
                                    "_sort_desc": "count"}).json()
    assert body["columns"] == ["commune", "count", "sum:fee", "max:received"] and not body["truncated"]
    by = {g["commune"]: g for g in body["rows"]}
    for commune in {r["commune"] for r in rows}:
        group = [r for r in rows if r["commune"] == commune]
        assert by[commune]["count"] == len(group)
        assert Decimal(str(by[commune]["sum:fee"])) == sum(r["fee"] for r in group)
        assert by[commune]["max:received"] == max(r["received"] for r in group).isoformat()
    assert [g["count"] for g in body["rows"]] == sorted((g["count"] for g in body["rows"]), reverse=True)


def test_json_alias_and_keyset_paging_visits_every_row_once(client, reference) -> None:
    assert client.get(ROWS + ".json?_size=3").json()["rows"] == client.get(ROWS + "?_size=3").json()["rows"]
    rows, versions = all_pages(client, ROWS + "?_sort=score&_size=20")
    assert len(versions) == 1 and sorted(ids(rows)) == sorted(ids(reference["services"]))
    scores = [r["score"] for r in rows]
    present = [s for s in scores if s is not None]
    assert present == sorted(present) and scores[len(present):] == [None] * (len(scores) - len(present))


def test_an_older_version_is_read_with_version(client, shared_world) -> None:
    version = shared_world.versions["services"]
    body = client.get(ROWS, params={"_version": version, "_size": "1"}).json()
    assert body["version"] == version
    response = client.get(ROWS, params={"_version": "20000101T000000Z-deadbeef"})
    assert response.status_code == 400 and response.json()["param"] == "_version"


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "param"), [
    ("nope=1", "nope"),
    ("id__gt=abc", "id__gt"),
    ("id__between=1", "id__between"),
    ("fee__gt=1.234", "fee__gt"),
    ("received__gte=soon", "received__gte"),
    ("day__date=2026-13-01", "day__date"),
    ("qty__contains=1", "qty__contains"),
    ("tags=1", "tags"),
    ("online=maybe", "online"),
    ("commune__isnull=2", "commune__isnull"),
    ("_sort=nope", "_sort"),
    ("_sort=tags", "_sort"),
    ("_sort_desc=id&_sort=id", "_sort"),
    ("_size=1001", "_size"),
    ("_size=-1", "_size"),
    ("_size=1&_size=2", "_size"),
    ("_next=garbage", "_next"),
    ("_col=id,nope", "_col"),
    ("_nocol=id,name,commune,fee,score,qty,received,day,online,tags", "_nocol"),
    ("_facet=nope", "_facet"),
    ("_facet_size=500", "_facet_size"),
    ("_extra=everything", "_extra"),
    ("_group_by=nope", "_group_by"),
    ("_agg=median:fee", "_agg"),
    ("_agg=sum:name", "_agg"),
    ("_group_by=qty&_next=abc", "_next"),
    ("_version=../../etc", "_version"),
    ("_shape=table", "_shape"),
    ("_bogus=1", "_bogus"),
    ("name=%00", "name"),
])
def test_every_bad_parameter_is_a_400_naming_it(client, query: str, param: str) -> None:
    response = client.get(f"{ROWS}?{query}")
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["error"] == "bad_parameter" and body["param"] == param and body["detail"]


def test_unknown_dataset_format_and_export_only_parameters(client) -> None:
    for url in ("/api/v1/datasets/nope", "/api/v1/datasets/nope/rows", "/api/v1/datasets/nope/rows.csv",
                "/api/v1/datasets/nope/versions", "/api/v1/datasets/nope/schema"):
        response = client.get(url)
        assert response.status_code == 404 and response.json() == {
            "error": "not_found", "detail": "dataset 'nope' not found", "param": None}
    response = client.get(ROWS + ".xml")
    assert response.status_code == 400 and response.json()["param"] == "format"
    for param in ("_size=5", "_next=x", "_facet=qty", "_extra=count", "_shape=arrays"):
        response = client.get(f"{ROWS}.csv?{param}")
        assert response.status_code == 400 and response.json()["param"] == param.split("=")[0]
    assert client.get(ROWS + ".ndjson?_bom=1").status_code == 400
    assert client.get(ROWS + "?_dl=1").status_code == 400


def test_personal_data_columns_are_refused_not_probed(client, shared_world) -> None:
    headers = shared_world.headers("agency")
    for query in ("id_number__startswith=0", "_sort=full_name", "_facet=id_number", "_group_by=full_name",
                  "_agg=max:id_number"):
        response = client.get(f"/api/v1/datasets/people/rows?{query}", headers=headers)
        assert response.status_code == 403, query
        body = response.json()
        assert body["error"] == "personal_data" and body["columns"] in (["id_number"], ["full_name"])
    assert client.get("/api/v1/datasets/people/rows?_sort=full_name",
                      headers=shared_world.headers("granted_pii")).status_code == 200


# -- HTTP: caching, CORS, gzip -----------------------------------------------------------------------
def test_etag_and_cache_control_come_from_the_version(client, shared_world) -> None:
    current = client.get(ROWS + "?_size=5")
    assert current.headers["cache-control"] == "public, max-age=60, must-revalidate"
    assert "Authorization" in current.headers["vary"]
    etag = current.headers["etag"]
    again = client.get(ROWS + "?_size=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(ROWS + "?_size=6", headers={"If-None-Match": etag}).status_code == 200
    pinned = client.get(ROWS + f"?_size=5&_version={shared_world.versions['services']}")
    assert pinned.headers["cache-control"] == "public, max-age=86400, immutable"
    token_page = client.get(ROWS + f"?_size=5&_next={current.json()['next']}")
    assert "immutable" in token_page.headers["cache-control"]
    private = client.get("/api/v1/datasets/people/rows", headers=shared_world.headers("agency"))
    assert private.headers["cache-control"].startswith("private")
    unmasked = client.get("/api/v1/datasets/people/rows", headers=shared_world.headers("owner"))
    assert unmasked.headers["etag"] != private.headers["etag"]  # masking changes the bytes, so the tag
    listing = client.get("/api/v1/datasets")
    assert client.get("/api/v1/datasets", headers={"If-None-Match": listing.headers["etag"]}).status_code == 304


def test_cors_for_open_data(client) -> None:
    response = client.get(ROWS + "?_size=1", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(ROWS, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET",
                                              "Access-Control-Request-Headers": "Authorization"})
    assert preflight.status_code == 200 and "Authorization" in preflight.headers["access-control-allow-headers"]
    graphql = client.options("/graphql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "Content-Type"})
    assert graphql.status_code == 200
    unauthorized = client.get(ROWS, headers={"Origin": "https://example.org", "Authorization": "Bearer nope"})
    assert unauthorized.status_code == 401 and unauthorized.headers["access-control-allow-origin"] == "*"


def test_gzip_when_accepted(client) -> None:
    zipped = client.get(ROWS + "?_size=max", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and len(zipped.json()["rows"]) == 257
    plain = client.get(ROWS + "?_size=max", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == zipped.json()
    parquet = client.get(ROWS + ".parquet", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in parquet.headers


def test_openapi_documents_the_grammar(client) -> None:
    spec = client.get("/openapi.json").json()
    rows = spec["paths"]["/api/v1/datasets/{name}/rows"]["get"]
    names = {p["name"] for p in rows["parameters"]}
    assert {"_sort", "_sort_desc", "_size", "_next", "_col", "_nocol", "_facet", "_search", "_extra", "_group_by",
            "_agg", "_version", "filters"} <= names
    assert "400" in rows["responses"] and "403" in rows["responses"] and "404" in rows["responses"]
    for path in ("/api/v1/datasets/{name}/rows.csv", "/api/v1/datasets/{name}/rows.ndjson",
                 "/api/v1/datasets/{name}/rows.parquet", "/api/v1/datasets/{name}/versions",
                 "/api/v1/datasets/{name}/versions/{version}", "/api/v1/datasets/{name}/schema", "/graphql"):
        assert path in spec["paths"], path
    assert set(DATASETS) >= {"services"}


def test_swagger_ui_is_served_from_our_own_files(client) -> None:
    import re

    page = client.get("/docs")
    assert page.status_code == 200 and "validatorUrl\": null" in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/swagger-ui/") for s in sources)
    assert not re.search(r"https?://", page.text)
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert client.get("/redoc").status_code in (404, 200) and "cdn" not in client.get("/redoc").text


def test_metadata_routes_refuse_unknown_parameters(client, shared_world) -> None:
    version = shared_world.versions["services"]
    for url in ("/api/v1/datasets?x=1", "/api/v1/datasets/services?_size=1", "/api/v1/datasets/services/versions?q=1",
                f"/api/v1/datasets/services/versions/{version}?_sort=id", "/api/v1/datasets/services/schema?x=1"):
        response = client.get(url)
        assert response.status_code == 400 and response.json()["param"] == url.rsplit("?", 1)[1].split("=")[0], url
    assert client.get("/api/v1/datasets?api_key=kho_x").status_code == 200  # credentials in URLs: ignored
    assert client.get("/api/v1/datasets/%00").status_code == 404
    assert client.get("/api/v1/datasets/services/versions/%00bad").status_code == 404
