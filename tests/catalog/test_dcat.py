"""DCAT-AP 3 output (parsed back with rdflib), datapackage.json and the download URLs, on a live server."""

from __future__ import annotations

import hashlib
import io

import pyarrow.parquet as pq
import pytest
import requests
from rdflib import Graph, Literal, URIRef
import rdflib.namespace as ns

from catalog.dcat.graph import HYDRA, SPDX, VCARD
from tests.catalog.test_ckan_api import NON_PUBLIC, PUBLIC

FORMATS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
DATASET_MANDATORY = (ns.DCTERMS.title, ns.DCTERMS.description)
DATASET_RECOMMENDED = (ns.DCAT.contactPoint, ns.DCAT.distribution, ns.DCAT.keyword, ns.DCAT.theme, ns.DCTERMS.publisher,
                       ns.DCTERMS.spatial, ns.DCTERMS.temporal)
DATASET_MORE = (ns.DCTERMS.identifier, ns.DCTERMS.issued, ns.DCTERMS.modified, ns.DCTERMS.accessRights,
                ns.DCTERMS.accrualPeriodicity, ns.DCAT.landingPage, ns.DCTERMS.language)
DISTRIBUTION_PROPERTIES = (ns.DCAT.accessURL, ns.DCAT.downloadURL, ns.DCAT.mediaType, ns.DCTERMS["format"],
                           ns.DCTERMS.license,
                           ns.DCAT.byteSize, SPDX.checksum, ns.DCTERMS.description, ns.DCTERMS.title, ns.DCTERMS.issued)


def fetch_graph(url: str, ext: str, headers: dict | None = None) -> tuple[Graph, bytes]:
    response = requests.get(url, headers=headers or {}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith(FORMATS[ext])
    graph = Graph()
    graph.parse(data=response.content, format=RDFLIB_FORMAT[ext])
    return graph, response.content


@pytest.fixture(scope="module")
def packages(server):
    import ckanapi
    ckan = ckanapi.RemoteCKAN(server.url)
    return {name: ckan.action.package_show(id=name) for name in PUBLIC}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_catalog_has_every_public_dataset_with_dcat_ap_properties(server, catalogue, packages, ext):
    graph, raw = fetch_graph(f"{server.url}/catalog.{ext}", ext)
    catalogs = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert len(catalogs) == 1
    cat = catalogs[0]
    for prop in (ns.DCTERMS.title, ns.DCTERMS.description, ns.DCTERMS.publisher, ns.FOAF.homepage, ns.DCTERMS.language,
                 ns.DCTERMS.license, ns.DCTERMS.issued, ns.DCTERMS.modified, ns.DCAT.themeTaxonomy, ns.DCTERMS.spatial):
        assert graph.value(cat, prop) is not None, prop
    assert graph.value(graph.value(cat, ns.DCTERMS.publisher), ns.FOAF.name) is not None
    service = graph.value(cat, ns.DCAT.service)
    assert graph.value(service, ns.DCTERMS.title) and graph.value(service, ns.DCAT.endpointURL)

    datasets = set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert datasets == {URIRef(f"{server.url}/dataset/{n}") for n in PUBLIC}
    assert set(graph.objects(cat, ns.DCAT.dataset)) == datasets
    for ds in datasets:
        name = str(ds).rsplit("/", 1)[1]
        pkg = packages[name]
        for prop in DATASET_MANDATORY + DATASET_RECOMMENDED + DATASET_MORE:
            assert graph.value(ds, prop) is not None, (name, prop)
        assert {str(t.language) for t in graph.objects(ds, ns.DCTERMS.title)} == {"vi", "en"}
        assert graph.value(ds, ns.DCTERMS.identifier) == Literal(pkg["id"])
        assert graph.value(graph.value(ds, ns.DCTERMS.publisher), ns.FOAF.name) == Literal(pkg["organization"]["title"],
                                                                                    lang="vi")
        assert graph.value(graph.value(ds, ns.DCAT.contactPoint), VCARD.fn) is not None
        temporal = graph.value(ds, ns.DCTERMS.temporal)
        assert graph.value(temporal, ns.DCAT.startDate).datatype == ns.XSD.date
        assert graph.value(ds, ns.DCTERMS.modified).datatype == ns.XSD.dateTime
        themes = {str(t) for t in graph.objects(ds, ns.DCAT.theme)}
        assert any(t.startswith("http://publications.europa.eu/resource/authority/data-theme/") for t in themes)
        assert {str(k) for k in graph.objects(ds, ns.DCAT.keyword)} == {t["name"] for t in pkg["tags"]}
        distributions = set(graph.objects(ds, ns.DCAT.distribution))
        assert len(distributions) == 2
        by_url = {r["url"]: r for r in pkg["resources"]}
        for dist in distributions:
            assert (dist, ns.RDF.type, ns.DCAT.Distribution) in graph
            for prop in DISTRIBUTION_PROPERTIES:
                assert graph.value(dist, prop) is not None, (name, prop)
            res = by_url[str(graph.value(dist, ns.DCAT.downloadURL))]
            size = graph.value(dist, ns.DCAT.byteSize)
            assert size.datatype == ns.XSD.nonNegativeInteger and int(size) == res["size"]
            checksum = graph.value(dist, SPDX.checksum)
            assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert str(graph.value(checksum, SPDX.checksumValue)) == res["hash"]
            assert str(graph.value(dist, ns.DCAT.mediaType)).endswith(res["mimetype"])
            assert (graph.value(dist, ns.DCTERMS.license), ns.RDF.type, ns.DCTERMS.LicenseDocument) in graph
    # nothing shared or private leaks into the anonymous catalogue
    text = raw.decode("utf-8")
    for name in NON_PUBLIC:
        ds_id = catalogue.store.get_dataset(name)["id"]
        assert f"/dataset/{name}" not in text and ds_id not in text
    assert "Cơ sở dữ liệu công dân" not in text and "Số giấy tờ người nộp" not in text


def test_catalog_paging_with_hydra(server, monkeypatch):
    from catalog.dcat import graph as dcat_graph

    monkeypatch.setattr(dcat_graph, "PER_PAGE", 2)
    url, seen, pages = f"{server.url}/catalog.ttl", [], 0
    while url:
        graph, _ = fetch_graph(url, "ttl")
        pages += 1
        seen += [str(d) for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)]
        view = next(graph.subjects(ns.RDF.type, HYDRA.PagedCollection))
        assert int(graph.value(view, HYDRA.totalItems)) == len(PUBLIC)
        assert int(graph.value(view, HYDRA.itemsPerPage)) == 2
        nxt = graph.value(view, HYDRA.next)
        url = str(nxt) if nxt else None
    assert pages == 3 and len(seen) == len(set(seen)) == len(PUBLIC)
    assert requests.get(f"{server.url}/catalog.ttl?page=0", timeout=10).status_code == 400
    assert requests.get(f"{server.url}/catalog.xyz", timeout=10).status_code == 404


def test_catalog_modified_since(server):
    graph, _ = fetch_graph(f"{server.url}/catalog.ttl?modified_since=2999-01-01", "ttl")
    assert not list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    graph, _ = fetch_graph(f"{server.url}/catalog.ttl?modified_since=2000-01-01T00:00:00Z", "ttl")
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == len(PUBLIC)


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_dataset_endpoint(server, tokens, ext):
    graph, _ = fetch_graph(f"{server.url}/dataset/enterprises.{ext}", ext)
    ds = URIRef(f"{server.url}/dataset/enterprises")
    assert (ds, ns.RDF.type, ns.DCAT.Dataset) in graph
    temporal = graph.value(ds, ns.DCTERMS.temporal)
    assert str(graph.value(temporal, ns.DCAT.startDate)) == "2015-01-01"
    assert requests.get(f"{server.url}/dataset/dossiers.{ext}", timeout=10).status_code == 404
    assert requests.get(f"{server.url}/dataset/citizens.{ext}", timeout=10).status_code == 404
    shared, _ = fetch_graph(f"{server.url}/dataset/dossiers.{ext}", ext,
                            headers={"Authorization": f"Bearer {tokens['agency']}"})
    rights = shared.value(URIRef(f"{server.url}/dataset/dossiers"), ns.DCTERMS.accessRights)
    assert str(rights).endswith("access-right/RESTRICTED")


def test_admin_units_cover_the_country(server):
    graph, _ = fetch_graph(f"{server.url}/dataset/admin_units.ttl", "ttl")
    spatial = graph.value(URIRef(f"{server.url}/dataset/admin_units"), ns.DCTERMS.spatial)
    assert str(spatial) == "http://publications.europa.eu/resource/authority/country/VNM"


# -- datapackage.json and downloads -------------------------------------------------------------

def test_datapackage_describes_the_version_files(server, packages):
    descriptor = requests.get(f"{server.url}/dataset/dossier_kpis_monthly/datapackage.json", timeout=10).json()
    pkg = packages["dossier_kpis_monthly"]
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["name"] == "dossier-kpis-monthly" and descriptor["version"] == pkg["version"]
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["kho:row_count"] == 36
    assert [r["format"] for r in descriptor["resources"]] == ["csv", "parquet"]
    for resource in descriptor["resources"]:
        body = requests.get(resource["path"], timeout=30).content
        assert len(body) == resource["bytes"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == ["agency_id", "agency_name", "month_start_on", "received", "finished",
                                               "on_time_rate"]
        assert {f["name"]: f["type"] for f in fields}["month_start_on"] == "date"
        assert {f["name"]: f["type"] for f in fields}["received"] == "integer"
        assert fields[3]["title"] == "Số hồ sơ tiếp nhận" and fields[3]["kho:unit"] == "hồ sơ"
        assert resource["schema"]["primaryKey"] == ["agency_id", "month_start_on"]


def test_each_version_has_its_own_datapackage(server, catalogue):
    first = catalogue.info["first_kpis_version"]
    descriptor = requests.get(f"{server.url}/dataset/dossier_kpis_monthly/version/{first}/datapackage.json",
                              timeout=10).json()
    assert descriptor["version"] == first
    assert all(f"/version/{first}/" in r["path"] for r in descriptor["resources"])
    rejected = catalogue.info["rejected"]
    assert requests.get(f"{server.url}/dataset/dossier_kpis_monthly/version/{rejected}/datapackage.json",
                        timeout=10).status_code == 404


def test_downloads(server, packages):
    pkg = packages["enterprises"]
    urls = {r["format"]: r["url"] for r in pkg["resources"]}
    csv = requests.get(urls["CSV"], timeout=30)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8").splitlines()
    assert lines[0] == "tax_code,enterprise_name,legal_form,founded_on" and len(lines) == 41
    assert "Công ty TNHH Mường Thanh 0" in lines[1]
    parquet = requests.get(urls["Parquet"], timeout=30)
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == 40 and table.column_names[0] == "tax_code"
    latest = requests.get(f"{server.url}/dataset/enterprises/version/latest/data.csv", timeout=30)
    assert latest.content == csv.content
    schema = requests.get(f"{server.url}/dataset/enterprises/version/latest/schema.json", timeout=30).json()
    assert schema["dataset"] == "enterprises"
    assert requests.get(f"{server.url}/dataset/enterprises/version/latest/other.txt", timeout=10).status_code == 404


def test_downloads_respect_access_and_mask_personal_data(server, tokens, catalogue):
    version = catalogue.info["versions"]["dossiers"]
    base = f"{server.url}/dataset/dossiers/version/{version}"
    for file_name in ("data.csv", "data.parquet", "datapackage.json", "schema.json"):
        assert requests.get(f"{base}/{file_name}", timeout=10).status_code == 404
    agency = {"Authorization": f"Bearer {tokens['agency']}"}
    csv = requests.get(f"{base}/data.csv", headers=agency, timeout=30)
    assert csv.status_code == 200
    assert csv.headers["x-kho-masked-columns"] == "applicant_id_number,applicant_name"
    rows = csv.content.decode("utf-8").splitlines()
    assert rows[0].split(",")[2:4] == ["applicant_name", "applicant_id_number"]
    assert all(line.split(",")[2:4] == ["", ""] for line in rows[1:])
    parquet = pq.read_table(io.BytesIO(requests.get(f"{base}/data.parquet", headers=agency, timeout=30).content))
    assert parquet.column("applicant_name").null_count == parquet.num_rows == 60
    steward = {"Authorization": f"Bearer {tokens['steward']}"}
    full = requests.get(f"{base}/data.csv", headers=steward, timeout=30).content.decode("utf-8").splitlines()
    assert full[1].split(",")[2] == "Nguyễn Văn An"
