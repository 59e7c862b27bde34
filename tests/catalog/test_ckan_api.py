"""The CKAN Action API against a live server, through `ckanapi` (as CKAN's own tools call it) and
through raw HTTP where the envelope, status codes and GET/POST rules are the point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest
import requests

CKAN_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
PUBLIC = {"dossier_kpis_monthly", "public_services", "admin_units", "enterprises", "schools"}
NON_PUBLIC = {"dossiers", "citizens"}


@pytest.fixture(scope="module")
def ckan(server):
    return ckanapi.RemoteCKAN(server.url)


@pytest.fixture(scope="module")
def steward(server, tokens):
    return ckanapi.RemoteCKAN(server.url, apikey=tokens["steward"])


@pytest.fixture(scope="module")
def agency(server, tokens):
    return ckanapi.RemoteCKAN(server.url, apikey=tokens["agency"])


def get(server, action: str, version: str = "3", **params):
    prefix = "/api/3/action/" if version == "3" else "/api/action/"
    return requests.get(server.url + prefix + action, params=params, timeout=30)


# -- site ---------------------------------------------------------------------------------------

def test_status_show(ckan, server):
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2.10")
    assert status["locale_default"] == "vi"
    assert status["site_url"] == server.url
    assert "Điện Biên" in status["site_title"]
    assert requests.get(server.url + "/api/3", timeout=10).json() == {"version": 3}


def test_envelope_and_content_type(server):
    response = get(server, "package_list")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["success"] is True
    assert body["help"] == f"{server.url}/api/3/action/help_show?name=package_list"
    assert set(body) == {"help", "success", "result"}


def test_both_prefixes_get_and_post(server):
    for prefix in ("/api/3/action/", "/api/action/"):
        assert requests.get(server.url + prefix + "package_list", timeout=10).json()["success"]
        assert requests.post(server.url + prefix + "package_list", json={}, timeout=10).json()["success"]
    # legacy: a form whose single key is the JSON body
    legacy = requests.post(server.url + "/api/3/action/package_show",
                           data={json.dumps({"id": "schools"}): "1"}, timeout=10)
    assert legacy.json()["result"]["name"] == "schools"


def test_unknown_action_bad_json_and_get_on_write_action(server):
    unknown = requests.get(server.url + "/api/3/action/no_such_action", timeout=10)
    assert unknown.status_code == 400
    assert unknown.json() == "Bad request - Action name not known: no_such_action"
    bad = requests.post(server.url + "/api/3/action/package_show", data=b"{not json",
                        headers={"Content-Type": "application/json"}, timeout=10)
    assert bad.status_code == 400
    assert bad.json().startswith("Bad request - JSON Error: Error decoding JSON data.")
    not_dict = requests.post(server.url + "/api/3/action/package_show", data=b"[1]",
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert not_dict.status_code == 400
    post_only = requests.get(server.url + "/api/3/action/package_patch", params={"id": "schools"}, timeout=10)
    assert post_only.status_code == 400
    assert post_only.json() == "Bad request - JSON Error: Invalid request. Please use POST method for your request"


def test_jsonp(server):
    response = requests.get(server.url + "/api/3/action/package_list", params={"callback": "cb"}, timeout=10)
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.text.startswith("cb(") and response.text.endswith(");")


def test_help_show_and_site_read(ckan):
    assert "Search datasets" in ckan.action.help_show(name="package_search")
    assert ckan.action.site_read() is True


# -- datasets -------------------------------------------------------------------------------------

def test_package_list_is_public_names_sorted(ckan):
    names = ckan.action.package_list()
    assert names == sorted(PUBLIC)
    assert ckan.action.package_list(limit=2, offset=1) == sorted(PUBLIC)[1:3]


def test_package_show_shape(ckan, catalogue):
    pkg = ckan.action.package_show(id="dossier_kpis_monthly")
    assert pkg["name"] == "dossier_kpis_monthly"
    assert pkg["title"] == "Chỉ số giải quyết thủ tục hành chính theo tháng"
    assert pkg["type"] == "dataset" and pkg["state"] == "active" and pkg["private"] is False
    assert pkg["license_id"] == "cc-by" and pkg["isopen"] is True and pkg["license_url"]
    assert pkg["organization"]["title"] == "Văn phòng UBND tỉnh"
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert [g["name"] for g in pkg["groups"]] == ["cai-cach-hanh-chinh"]
    assert {t["name"] for t in pkg["tags"]} == {"thủ tục hành chính", "một cửa", "dịch vụ công trực tuyến", "TTHC"}
    assert pkg["num_tags"] == 4 and pkg["num_resources"] == 2
    for key in ("metadata_created", "metadata_modified"):
        assert CKAN_DATE.match(pkg[key]), pkg[key]
    for key in ("author", "author_email", "maintainer", "maintainer_email", "url", "version", "notes",
                "relationships_as_object", "relationships_as_subject", "creator_user_id"):
        assert key in pkg
    assert pkg["version"] == catalogue.info["versions"]["dossier_kpis_monthly"]
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["access_level"] == "open" and extras["title_en"] == "Monthly administrative-procedure KPIs"
    assert extras["temporal_start"] == "2024-01-01" and extras["temporal_end"] == "2024-12-01"
    assert extras["quality_dung"] == "100" and extras["quality_score"] == "100"
    formats = {r["format"]: r for r in pkg["resources"]}
    assert set(formats) == {"CSV", "Parquet"}
    for res in pkg["resources"]:
        assert res["package_id"] == pkg["id"] and res["datastore_active"] is True
        assert res["size"] > 0 and len(res["hash"]) == 64 and res["url"].startswith("http://127.0.0.1")
        assert res["mimetype"] in ("text/csv", "application/vnd.apache.parquet")
    # by id too, and unknown parameters are ignored (ckanapi dump sends some)
    assert ckan.action.package_show(id=pkg["id"], include_datasets=False)["name"] == pkg["name"]


def test_package_show_errors(ckan, server):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no_such_dataset")
    missing = get(server, "package_show")
    assert missing.status_code == 409
    assert missing.json()["error"] == {"__type": "Validation Error", "name_or_id": ["Missing value"]}
    not_found = get(server, "package_show", id="nope")
    assert not_found.status_code == 404
    assert not_found.json()["error"] == {"__type": "Not Found Error", "message": "Not found: Dataset not found"}
    assert "result" not in not_found.json()


def test_shared_and_private_visibility(ckan, agency, tokens, server):
    for name in NON_PUBLIC:
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=name)
    assert agency.action.package_show(id="dossiers")["private"] is True
    with pytest.raises(ckanapi.NotFound):
        agency.action.package_show(id="citizens")  # private: owner and explicit grants only
    police = ckanapi.RemoteCKAN(server.url, apikey=tokens["police"])
    assert police.action.package_show(id="citizens")["name"] == "citizens"
    # listings: public only unless include_private, and then only what the caller may see
    assert agency.action.package_search(rows=100)["count"] == len(PUBLIC)
    names = {p["name"] for p in agency.action.package_search(rows=100, include_private=True)["results"]}
    assert names == PUBLIC | {"dossiers"}
    assert ckan.action.package_search(rows=100, include_private=True)["count"] == len(PUBLIC)


def test_current_package_list_with_resources(ckan):
    packages = ckan.action.current_package_list_with_resources()
    assert len(packages) == len(PUBLIC)  # default limit 10
    modified = [p["metadata_modified"] for p in packages]
    assert modified == sorted(modified, reverse=True)
    assert all(p["resources"] for p in packages)
    assert len(ckan.action.current_package_list_with_resources(limit=2, offset=1)) == 2
    assert ckan.action.current_package_list_with_resources(limit=2, page=2) == \
        ckan.action.current_package_list_with_resources(limit=2, offset=2)


# -- package_search ---------------------------------------------------------------------------------

def test_search_folds_diacritics(ckan):
    result = ckan.action.package_search(q="dien bien ho so")
    names = [p["name"] for p in result["results"]]
    assert names[:2] == ["dossier_kpis_monthly", "public_services"]
    assert "dossiers" not in names
    assert ckan.action.package_search(q="Điện Biên")["count"] == ckan.action.package_search(q="DIEN BIEN")["count"]
    assert [p["name"] for p in ckan.action.package_search(q="doanh nghiep")["results"]][0] == "enterprises"
    assert ckan.action.package_search(q="đơn vị hành chính")["results"][0]["name"] == "admin_units"


def test_search_fq_syntax_used_by_harvesters(ckan, catalogue):
    org = ckan.action.package_show(id="enterprises")["organization"]["name"]
    assert {p["name"] for p in ckan.action.package_search(fq=f"organization:{org}")["results"]} == {"enterprises"}
    rest = ckan.action.package_search(fq=f"-organization:{org}", rows=100)
    assert rest["count"] == len(PUBLIC) - 1
    both = ckan.action.package_search(fq=f"organization:{org} OR groups:giao-duc", rows=100)
    assert {p["name"] for p in both["results"]} == {"enterprises", "schools"}
    assert ckan.action.package_search(fq='tags:"thủ tục hành chính"')["count"] == 2
    assert ckan.action.package_search(fq="res_format:CSV", rows=100)["count"] == len(PUBLIC)
    assert ckan.action.package_search(fq="res_format:XLS")["count"] == 0
    assert ckan.action.package_search(fq="metadata_modified:[2000-01-01T00:00:00.000000Z TO *]")["count"] == len(PUBLIC)
    assert ckan.action.package_search(fq="metadata_modified:[NOW+1DAY TO *]")["count"] == 0
    assert ckan.action.package_search(fq="capacity:public", rows=100)["count"] == len(PUBLIC)
    assert ckan.action.package_search(q="name:school*")["results"][0]["name"] == "schools"
    assert ckan.action.package_search(fq_list=["groups:cai-cach-hanh-chinh", "tags:TTHC"])["count"] == 2


def test_search_rows_start_sort_fl(ckan, server):
    assert len(ckan.action.package_search()["results"]) == len(PUBLIC)  # rows default 10
    page = ckan.action.package_search(rows=2, start=1, sort="name asc")
    assert [p["name"] for p in page["results"]] == sorted(PUBLIC)[1:3]
    assert page["sort"] == "name asc"
    assert ckan.action.package_search(sort="name desc")["results"][0]["name"] == "schools"
    slim = ckan.action.package_search(fl="name,title", rows=1, sort="name asc")["results"][0]
    assert slim == {"name": "admin_units", "title": "Danh mục đơn vị hành chính (sau sắp xếp 2025)"}
    big = get(server, "package_search", rows="5000")  # silently clamped to 1000
    assert big.status_code == 200
    bad_rows = get(server, "package_search", rows="many")
    assert bad_rows.status_code == 409 and bad_rows.json()["error"]["rows"] == ["Invalid integer"]
    negative = get(server, "package_search", start="-1")
    assert negative.status_code == 409 and negative.json()["error"]["start"] == ["Must be a natural number"]


def test_search_facets(ckan, server):
    result = ckan.action.package_search(**{"facet.field": ["organization", "groups", "tags", "res_format",
                                                           "license_id"], "rows": 0})
    assert result["results"] == []
    assert result["facets"]["res_format"] == {"CSV": len(PUBLIC), "Parquet": len(PUBLIC)}
    assert result["facets"]["groups"]["cai-cach-hanh-chinh"] == 2
    orgs = result["search_facets"]["organization"]
    assert orgs["title"] == "organization"
    displays = [i["display_name"] for i in orgs["items"]]
    assert displays == sorted(displays, reverse=True)
    assert {"Văn phòng UBND tỉnh", "Sở Tài chính", "Sở Giáo dục và Đào tạo"} == set(displays)
    licence = result["search_facets"]["license_id"]["items"][0]
    assert licence["name"] == "cc-by" and licence["display_name"] == "Creative Commons Attribution"
    limited = ckan.action.package_search(**{"facet.field": ["tags"], "facet.limit": 2})
    assert len(limited["facets"]["tags"]) == 2
    # GET passes facet.field as JSON text
    via_get = get(server, "package_search", **{"facet.field": '["groups"]'}).json()["result"]
    assert "groups" in via_get["search_facets"]
    assert get(server, "package_search", **{"facet.field": "[oops"}).status_code == 409


def test_search_errors(ckan, server):
    invalid = get(server, "package_search", foo="1")
    assert invalid.status_code == 400
    assert invalid.json()["error"] == {"__type": "Search Query Error",
                                       "message": "Search Query is invalid: (\"Invalid search parameters: ['foo']\",)"}
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(foo="bar")
    undefined = get(server, "package_search", fq="nosuchfield:x")
    assert undefined.status_code == 409 and undefined.json()["error"]["__type"] == "Search Error"
    with pytest.raises(ckanapi.SearchError):
        ckan.action.package_search(sort="nosuchfield asc")
    assert get(server, "package_search", fq="organization:(").status_code == 409


def test_harvester_paging_returns_every_public_dataset_once(server, ckan):
    """ckanext-harvest's gather stage: GET package_search rows=100, sort=id asc, start += 100 until empty,
    with its fq on organizations and an incremental metadata_modified window."""
    org = ckan.action.package_show(id="schools")["organization"]["name"]
    for fq in (None, f"-organization:{org}", "metadata_modified:[2020-01-01T00:00:00.000000Z TO *]"):
        seen: list[str] = []
        start, previous = 0, None
        while True:
            params = {"rows": 2, "start": start, "sort": "id asc"}
            if fq:
                params["fq"] = fq
            body = get(server, "package_search", **params)
            assert body.status_code == 200
            assert body.content != previous
            previous = body.content
            results = body.json()["result"]["results"]
            if not results:
                break
            seen += [r["id"] for r in results]
            start += 2
        names = {ckan.action.package_show(id=i)["name"] for i in seen}
        assert len(seen) == len(set(seen))
        expected = PUBLIC - ({"schools"} if fq and fq.startswith("-") else set())
        assert names == expected


# -- organizations, groups, tags, licences, resources --------------------------------------------

def test_organization_list_and_show(ckan, agency):
    names = ckan.action.organization_list()
    assert "van-phong-ubnd-tinh" in names and "so-tai-chinh" in names
    full = ckan.action.organization_list(all_fields=True)
    entry = next(o for o in full if o["name"] == "van-phong-ubnd-tinh")
    assert entry["package_count"] == 3 and entry["is_organization"] is True and entry["type"] == "organization"
    assert CKAN_DATE.match(entry["created"])
    assert [o["title"] for o in ckan.action.organization_list(all_fields=True, sort="title asc")] == \
        sorted((o["title"] for o in full), key=lambda t: __import__("catalog.text").text.fold(t))
    shown = ckan.action.organization_show(id="van-phong-ubnd-tinh", include_datasets=True)
    assert {p["name"] for p in shown["packages"]} == {"dossier_kpis_monthly", "public_services", "admin_units"}
    assert {p["name"] for p in agency.action.organization_show(id="van-phong-ubnd-tinh",
                                                               include_datasets=True)["packages"]} == \
        {"dossier_kpis_monthly", "public_services", "admin_units", "dossiers"}
    assert "packages" not in ckan.action.organization_show(id="van-phong-ubnd-tinh")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="cai-cach-hanh-chinh")  # a group's name


def test_group_list_and_show(ckan):
    assert ckan.action.group_list() == ["cai-cach-hanh-chinh", "danh-muc-dung-chung", "giao-duc", "kinh-te"]
    full = ckan.action.group_list(all_fields=True, sort="packages desc")
    assert full[0]["name"] == "cai-cach-hanh-chinh" and full[0]["package_count"] == 2
    assert full[0]["type"] == "group" and full[0]["is_organization"] is False
    group = ckan.action.group_show(id="giao-duc", include_datasets=True)
    assert [p["name"] for p in group["packages"]] == ["schools"]
    assert {"key": "eu_theme", "value": "EDUC"} in group["extras"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.group_show(id="van-phong-ubnd-tinh")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.group_list(sort="popularity")


def test_tag_list(ckan, agency):
    tags = ckan.action.tag_list()
    assert "thủ tục hành chính" in tags and "Đề án 06" not in tags  # citizens' tag stays hidden
    assert "hồ sơ" not in tags and "hồ sơ" in agency.action.tag_list()  # dossiers' tag: authenticated only
    assert ckan.action.tag_list(query="thu tuc") == ["thủ tục hành chính"]
    full = ckan.action.tag_list(all_fields=True)
    assert {"id", "name", "display_name", "vocabulary_id"} <= set(full[0])


def test_license_list(ckan):
    licences = ckan.action.license_list()
    ids = [lic["id"] for lic in licences]
    assert ids == ["notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by", "cc-by-sa", "gfdl",
                   "other-open", "other-pd", "other-at", "uk-ogl", "cc-nc", "other-nc", "other-closed"]
    cc_by = licences[ids.index("cc-by")]
    assert cc_by["od_conformance"] == "approved" and cc_by["domain_content"] == "True"
    assert all(isinstance(v, str) for lic in licences for v in lic.values())


def test_resource_show(ckan, agency):
    pkg = ckan.action.package_show(id="schools")
    res = pkg["resources"][0]
    assert ckan.action.resource_show(id=res["id"]) == res
    shared = agency.action.package_show(id="dossiers")["resources"][0]["id"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.resource_show(id=shared)
    with pytest.raises(ckanapi.NotFound):
        ckan.action.resource_show(id="00000000-0000-0000-0000-000000000000")


# -- datastore_search ------------------------------------------------------------------------------

def _csv_resource(client, name):
    return next(r["id"] for r in client.action.package_show(id=name)["resources"] if r["format"] == "CSV")


def test_datastore_search_basics(ckan):
    rid = _csv_resource(ckan, "schools")
    result = ckan.action.datastore_search(resource_id=rid)
    assert result["total"] == 20 and len(result["records"]) == 20 and result["limit"] == 100
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert [f["id"] for f in result["fields"][1:]] == ["school_id", "school_name", "school_level", "pupils"]
    assert result["fields"][4]["type"] == "int4" and result["fields"][1]["info"]["label"] == "Mã trường"
    assert result["records"][0]["_id"] == 1
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=100" in result["_links"]["next"]
    assert result["total_was_estimated"] is False


def test_datastore_search_params(ckan, server, catalogue):
    rid = _csv_resource(ckan, "schools")
    filtered = ckan.action.datastore_search(resource_id=rid, filters={"school_level": "thpt"})
    assert filtered["total"] == 5 and {r["school_level"] for r in filtered["records"]} == {"thpt"}
    listed = ckan.action.datastore_search(resource_id=rid, filters={"school_level": ["thpt", "thcs"]})
    assert listed["total"] == 10
    assert ckan.action.datastore_search(resource_id=rid, filters={"pupils": 109})["total"] == 1
    fields = ckan.action.datastore_search(resource_id=rid, fields=["school_id", "pupils"], limit=3,
                                          sort="pupils desc", offset=1)
    assert [f["id"] for f in fields["fields"]] == ["school_id", "pupils"]
    assert [r["pupils"] for r in fields["records"]] == [262, 253, 244]
    no_total = ckan.action.datastore_search(resource_id=rid, include_total=False, limit=1)
    assert "total" not in no_total
    lists = ckan.action.datastore_search(resource_id=rid, records_format="lists", limit=2, fields="school_id,pupils")
    assert lists["records"] == [["S0", 100], ["S1", 109]]
    as_csv = ckan.action.datastore_search(resource_id=rid, records_format="csv", limit=2, fields="school_id,pupils")
    assert as_csv["records"] == "S0,100\nS1,109\n"
    tsv = ckan.action.datastore_search(resource_id=rid, records_format="tsv", limit=1, fields=["school_id", "pupils"])
    assert tsv["records"] == "S0\t100\n"
    # full-text q folds diacritics; dict q searches one field
    services = _csv_resource(ckan, "public_services")
    assert ckan.action.datastore_search(resource_id=services, q="dang ky khai sinh")["total"] == 6
    assert ckan.action.datastore_search(resource_id=services, q={"online_level": "toan trinh"})["total"] == 13
    assert ckan.action.datastore_search(resource_id=services, distinct=True, fields="online_level")["total"] == 2
    # GET with JSON-encoded filters, as CKAN clients send them
    body = get(server, "datastore_search", resource_id=rid, filters='{"school_level": "mam_non"}').json()
    assert body["result"]["total"] == 5
    assert ckan.action.datastore_search(id=rid, limit=1)["resource_id"] == rid
    # the resource of an older version still answers with that version's rows (versions are immutable)
    from catalog.store import resource_id
    old = resource_id("dossier_kpis_monthly", catalogue.info["first_kpis_version"], "CSV")
    current = _csv_resource(ckan, "dossier_kpis_monthly")
    assert old != current
    first_old = ckan.action.datastore_search(resource_id=old, limit=1, fields="received")["records"][0]["received"]
    first_new = ckan.action.datastore_search(resource_id=current, limit=1, fields="received")["records"][0]["received"]
    assert first_new == first_old + 1


def test_datastore_search_errors(ckan, server):
    rid = _csv_resource(ckan, "schools")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="nope")
    bad_field = get(server, "datastore_search", resource_id=rid, filters='{"nope": 1}')
    assert bad_field.status_code == 409 and bad_field.json()["error"]["__type"] == "Validation Error"
    assert get(server, "datastore_search", resource_id=rid, sort="nope asc").status_code == 409
    assert get(server, "datastore_search", resource_id=rid, fields="nope").status_code == 409
    assert get(server, "datastore_search", resource_id=rid, records_format="xml").status_code == 409
    assert get(server, "datastore_search", resource_id=rid, unknown="1").status_code == 409
    assert get(server, "datastore_search", resource_id=rid, filters='{"pupils": "many"}').status_code == 409
    assert get(server, "datastore_search", resource_id=rid, limit="99999").json()["result"]["limit"] == 32000
    assert get(server, "datastore_search").json()["error"] == {"__type": "Validation Error",
                                                             "resource_id": ["Missing value"]}


def test_datastore_search_masks_personal_data(agency, server, tokens, catalogue):
    rid = _csv_resource(agency, "dossiers")
    result = agency.action.datastore_search(resource_id=rid, limit=3)
    assert result["masked_fields"] == ["applicant_id_number", "applicant_name"]
    assert all(r["applicant_name"] is None and r["applicant_id_number"] is None for r in result["records"])
    assert all(r["dossier_code"] for r in result["records"])
    assert {f["id"]: f.get("masked") for f in result["fields"]}["applicant_name"] is True
    with pytest.raises(ckanapi.NotAuthorized):
        agency.action.datastore_search(resource_id=rid, filters={"applicant_id_number": "011000000001"})
    with pytest.raises(ckanapi.NotAuthorized):
        agency.action.datastore_search(resource_id=rid, sort="applicant_name asc")
    # full-text search does not look into masked columns
    assert agency.action.datastore_search(resource_id=rid, q="Nguyen Van An")["total"] == 0
    # the owning agency's steward sees them; the access is audited
    steward = ckanapi.RemoteCKAN(server.url, apikey=tokens["steward"])
    full = steward.action.datastore_search(resource_id=rid, q="Nguyen Van An")
    assert full["total"] == 15 and full["records"][0]["applicant_name"] == "Nguyễn Văn An"
    import sqlalchemy as sa
    with catalogue.store.engine.connect() as con:
        actions = con.execute(sa.text("SELECT action, dataset FROM audit_log")).all()
    assert ("datastore_search", "dossiers") in [tuple(a) for a in actions]


# -- steward writes --------------------------------------------------------------------------------

def test_package_patch_needs_a_steward(ckan, agency, server):
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.package_patch(id="schools", title="x")
    with pytest.raises(ckanapi.NotAuthorized):
        agency.action.package_patch(id="schools", title="x")
    anonymous = requests.post(server.url + "/api/3/action/package_patch", json={"id": "schools", "title": "x"},
                              timeout=10)
    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["__type"] == "Authorization Error"
    bad_token = requests.post(server.url + "/api/3/action/package_patch", json={"id": "schools"},
                              headers={"Authorization": "kho_0123456789abcdef_wrong"}, timeout=10)
    assert bad_token.status_code == 401 and bad_token.json()["success"] is False


def test_package_patch_edits_metadata(steward, ckan):
    before = ckan.action.package_show(id="schools")
    patched = steward.action.package_patch(
        id="schools", title="Danh mục trường học phổ thông", notes="Trường học trên địa bàn tỉnh Điện Biên.",
        tags=[{"name": "giáo dục"}, {"name": "trường học"}, {"name": "học sinh"}], license_id="odc-by",
        maintainer="Phòng Kế hoạch – Tài chính", maintainer_email="khtc.sgddt@dienbien.gov.vn",
        extras=[{"key": "title_en", "value": "Primary and secondary schools"}])
    assert patched["title"] == "Danh mục trường học phổ thông"
    assert patched["license_id"] == "odc-by" and patched["maintainer_email"] == "khtc.sgddt@dienbien.gov.vn"
    assert {t["name"] for t in patched["tags"]} == {"giáo dục", "trường học", "học sinh"}
    assert patched["metadata_modified"] > before["metadata_modified"]
    shown = ckan.action.package_show(id="schools")
    assert shown["title"] == patched["title"]
    assert {e["key"]: e["value"] for e in shown["extras"]}["title_en"] == "Primary and secondary schools"
    assert ckan.action.package_search(q="hoc sinh pho thong")["results"][0]["name"] == "schools"
    assert ckan.action.package_search(fq='tags:"học sinh"')["count"] == 1


def test_package_patch_validation(steward, server, tokens):
    cases = [
        ({"license_id": "nope"}, "license_id"),
        ({"license_id": "other-closed"}, "license_id"),  # open data needs an open licence
        ({"private": True}, "private"),
        ({"name": "renamed"}, "name"),
        ({"tags": [{"name": "bad/tag"}]}, "tags"),
        ({"groups": [{"name": "no-such-group"}]}, "groups"),
        ({"maintainer_email": "not an email"}, "maintainer_email"),
        ({"resources": []}, "resources"),
        ({"owner_org": "van-phong-ubnd-tinh"}, "owner_org"),
    ]
    for changes, field in cases:
        with pytest.raises(ckanapi.ValidationError) as err:
            steward.action.package_patch(id="enterprises", **changes)
        assert field in err.value.error_dict, (changes, err.value.error_dict)
    response = requests.post(server.url + "/api/action/package_patch", json={"id": "enterprises", "private": True},
                             headers={"Authorization": tokens["steward"]}, timeout=10)
    assert response.status_code == 409 and "message" not in response.json()["error"]
    with pytest.raises(ckanapi.NotFound):
        steward.action.package_patch(id="no_such_dataset", title="x")
    moved = steward.action.package_patch(id="enterprises", groups=[{"name": "tai-chinh"}])
    assert [g["name"] for g in moved["groups"]] == ["tai-chinh"]
    steward.action.package_patch(id="enterprises", groups=[{"name": "kinh-te"}])


# -- CKAN's own command-line client ---------------------------------------------------------------

def test_ckanapi_dump_datasets(server, tmp_path: Path):
    out = tmp_path / "datasets.jsonl"
    ckanapi_bin = Path(sys.executable).with_name("ckanapi")
    env = {**os.environ, "PATH": f"{ckanapi_bin.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its workers
    completed = subprocess.run([str(ckanapi_bin), "dump", "datasets", "--all", "-q", "-r", server.url, "-O", str(out)],
                               capture_output=True, text=True, timeout=120, env=env)
    assert completed.returncode == 0, completed.stderr
    dumped = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {d["name"] for d in dumped} == PUBLIC
    assert all(d["resources"] and d["organization"] for d in dumped)
    search = subprocess.run([str(ckanapi_bin), "search", "datasets", "q=dien bien ho so", "-r", server.url],
                            capture_output=True, text=True, timeout=120, env=env)
    assert search.returncode == 0, search.stderr
    found = [json.loads(line)["name"] for line in search.stdout.splitlines()]
    assert found[:2] == ["dossier_kpis_monthly", "public_services"]
