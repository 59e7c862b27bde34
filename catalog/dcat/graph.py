"""Building DCAT-AP 3 graphs from the catalogue's package dicts.

The mapping follows ckanext-dcat's `euro_dcat_ap_3` profile (reference/ckan.md §6) and fills the
DCAT-AP 3.0.1 mandatory and recommended properties from real metadata:

* Catalog: title, description, publisher, homepage, language, licence, issued, modified, theme
  taxonomies, spatial, datasets, the CKAN API as a DataService; Hydra paging triples.
* Dataset: identifier, title and description (vi, en), keywords, themes (EU data-theme + our topic),
  publisher (the owning agency), contact point, access rights, frequency, spatial and temporal coverage
  (measured on the data), issued/modified, version, landing page, language, provenance, distributions.
* Distribution: title, description, access and download URLs, access service, media type, format,
  licence, byte size (xsd:nonNegativeInteger), SHA-256 checksum, availability, issued/modified.

Object nodes are typed (foaf:Document, dct:LinguisticSystem, dct:LicenseDocument, …) so SHACL class
range checks pass, as ckanext-dcat does.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from catalog import vocab
from catalog.service import CatalogIndex
from catalog.search import parse_date_bound

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
AVAILABILITY_STABLE = URIRef(f"{vocab.EU}/planned-availability/STABLE")
PER_PAGE = 100  # ckanext.dcat.datasets_per_page

JSONLD_CONTEXT = {
    "dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD), "spdx": str(SPDX),
    "hydra": str(HYDRA), "locn": str(LOCN), "adms": str(ADMS), "skos": str(SKOS), "owl": str(OWL),
    "xsd": str(XSD), "rdfs": str(RDFS), "dcatap": str(DCATAP),
}
FORMATS = {  # extension → (rdflib format, content type)
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
    "xml": ("pretty-xml", "application/rdf+xml"),
    "n3": ("n3", "text/n3"),
}


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in JSONLD_CONTEXT.items():
        g.bind(prefix, Namespace(ns), override=True)
    return g


def _dt(value: str | None) -> Literal | None:
    parsed = parse_date_bound(value) if value else None
    return Literal(parsed.replace(microsecond=0).isoformat(), datatype=XSD.dateTime) if parsed else None


def _typed(g: Graph, node: URIRef, rdf_type: URIRef, label: str | None = None) -> URIRef:
    g.add((node, RDF.type, rdf_type))
    if label:
        g.add((node, SKOS.prefLabel, Literal(label)))
    return node


class DcatBuilder:
    def __init__(self, index: CatalogIndex):
        self.index = index
        self.base = index.base_url
        self.prov = vocab.province()

    # -- URIs ---------------------------------------------------------------------------------
    def catalog_uri(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    def dataset_uri(self, pkg: dict[str, Any]) -> URIRef:
        return URIRef(f"{self.base}/dataset/{pkg['name']}")

    def distribution_uri(self, pkg: dict[str, Any], res: dict[str, Any]) -> URIRef:
        return URIRef(f"{self.base}/dataset/{pkg['name']}/resource/{res['id']}")

    def org_uri(self, org: dict[str, Any]) -> URIRef:
        return URIRef(f"{self.base}/organization/{org['name']}")

    def service_uri(self) -> URIRef:
        return URIRef(f"{self.base}/api/3/action")

    # -- shared nodes -------------------------------------------------------------------------
    def _agent(self, g: Graph, org: dict[str, Any] | None, fallback_name: str, code: str | None) -> URIRef:
        node = self.org_uri(org) if org else URIRef(f"{self.base}/organization/{code or 'unknown'}")
        g.add((node, RDF.type, FOAF.Agent))
        g.add((node, RDF.type, FOAF.Organization))
        g.add((node, FOAF.name, Literal(org["title"] if org else fallback_name, lang="vi")))
        if code:
            g.add((node, DCTERMS.identifier, Literal(code)))
        g.add((node, DCTERMS.type, _typed(g, URIRef("http://purl.org/adms/publishertype/LocalAuthority"),
                                          SKOS.Concept, "Local Authority")))
        homepage = URIRef(f"{self.base}/organization/{org['name']}") if org else None
        if homepage:
            g.add((node, FOAF.homepage, _typed(g, homepage, FOAF.Document)))
        if org and org.get("email"):
            g.add((node, FOAF.mbox, URIRef(f"mailto:{org['email']}")))
        return node

    def _language(self, g: Graph, subject: URIRef) -> None:
        for uri in (vocab.EU_LANGUAGE_VI, vocab.EU_LANGUAGE_EN):
            g.add((subject, DCTERMS.language, _typed(g, URIRef(uri), DCTERMS.LinguisticSystem)))

    def _province_location(self, g: Graph) -> URIRef:
        node = URIRef(f"{self.base}/location/province/{self.prov.code}")
        g.add((node, RDF.type, DCTERMS.Location))
        g.add((node, SKOS.prefLabel, Literal(self.prov.label_vi, lang="vi")))
        g.add((node, SKOS.prefLabel, Literal(self.prov.label_en, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(self.prov.code)))
        g.add((node, DCTERMS.isPartOf, URIRef(vocab.EU_COUNTRY_VN)))
        return node

    def _data_service(self, g: Graph) -> URIRef:
        node = self.service_uri()
        g.add((node, RDF.type, DCAT.DataService))
        g.add((node, DCTERMS.title, Literal("API CKAN của Kho (Action API v3)", lang="vi")))
        g.add((node, DCTERMS.title, Literal("Kho CKAN-compatible Action API v3", lang="en")))
        g.add((node, DCAT.endpointURL, URIRef(f"{self.base}/api/3/action/")))
        g.add((node, DCAT.endpointDescription, URIRef(f"{self.base}/api/3/action/help_show?name=datastore_search")))
        g.add((node, DCTERMS.conformsTo, URIRef("https://docs.ckan.org/en/2.10/api/")))
        return node

    # -- dataset ------------------------------------------------------------------------------
    def add_dataset(self, g: Graph, pkg: dict[str, Any]) -> URIRef:
        ds = self.index.datasets[pkg["name"]]
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        node = self.dataset_uri(pkg)
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, Literal(pkg["id"])))
        g.add((node, ADMS.identifier, Literal(pkg["name"])))
        g.add((node, DCTERMS.title, Literal(pkg["title"], lang="vi")))
        g.add((node, DCTERMS.title, Literal(ds["title_en"], lang="en")))
        g.add((node, DCTERMS.description, Literal(pkg["notes"] or pkg["title"], lang="vi")))
        g.add((node, DCTERMS.description, Literal(ds["description_en"] or ds["title_en"], lang="en")))
        for tag in pkg["tags"]:
            g.add((node, DCAT.keyword, Literal(tag["name"], lang="vi")))
        for group in pkg["groups"]:
            topic_row = self.index.groups.get(group["name"])
            if topic_row and topic_row.get("eu_theme"):
                g.add((node, DCAT.theme, _typed(g, URIRef(f"{vocab.EU_THEME_SCHEME}/{topic_row['eu_theme']}"),
                                                SKOS.Concept)))
            topic = URIRef(f"{self.base}/group/{group['name']}")
            g.add((topic, RDF.type, SKOS.Concept))
            g.add((topic, SKOS.prefLabel, Literal(group["title"], lang="vi")))
            if topic_row:
                g.add((topic, SKOS.prefLabel, Literal(topic_row["title_en"], lang="en")))
            g.add((topic, SKOS.inScheme, URIRef(f"{self.base}/group")))
            g.add((node, DCAT.theme, topic))
        org = pkg["organization"]
        publisher = self._agent(g, self.index.org_by_id.get(pkg["owner_org"]) if pkg["owner_org"] else None,
                                ds["owner_name"], ds["owner_code"])
        g.add((node, DCTERMS.publisher, publisher))
        g.add((node, DCTERMS.creator, publisher))
        contact = BNode(f"contact-{pkg['name']}")
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, VCARD.fn, Literal(pkg["maintainer"] or ds["owner_name"], lang="vi")))
        if pkg.get("maintainer_email"):
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{pkg['maintainer_email']}")))
        if org:
            g.add((contact, VCARD.hasURL, URIRef(f"{self.base}/organization/{org['name']}")))
        g.add((node, DCAT.contactPoint, contact))
        label_vi, label_en, rights_uri = vocab.ACCESS_LABELS[ds["access_level"]]
        g.add((node, DCTERMS.accessRights, _typed(g, URIRef(rights_uri), DCTERMS.RightsStatement)))
        freq = vocab.frequency(ds.get("update_frequency"))
        if freq:
            g.add((node, DCTERMS.accrualPeriodicity, _typed(g, URIRef(freq.eu_uri), DCTERMS.Frequency)))
        if extras.get("spatial_uri"):
            g.add((node, DCTERMS.spatial, _typed(g, URIRef(extras["spatial_uri"]), DCTERMS.Location)))
        else:
            g.add((node, DCTERMS.spatial, self._province_location(g)))
        if extras.get("temporal_start") or extras.get("temporal_end"):
            period = BNode(f"temporal-{pkg['name']}")
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            if extras.get("temporal_start"):
                g.add((period, DCAT.startDate, Literal(extras["temporal_start"], datatype=XSD.date)))
            if extras.get("temporal_end"):
                g.add((period, DCAT.endDate, Literal(extras["temporal_end"], datatype=XSD.date)))
            g.add((node, DCTERMS.temporal, period))
        for prop, value in ((DCTERMS.issued, pkg["metadata_created"]), (DCTERMS.modified, pkg["metadata_modified"])):
            literal = _dt(value)
            if literal is not None:
                g.add((node, prop, literal))
        g.add((node, OWL.versionInfo, Literal(pkg["version"])))
        g.add((node, URIRef(f"{DCAT}version"), Literal(pkg["version"])))
        g.add((node, DCAT.landingPage, _typed(g, URIRef(f"{self.base}/dataset/{pkg['name']}"), FOAF.Document)))
        self._language(g, node)
        if pkg.get("url"):
            g.add((node, FOAF.page, _typed(g, URIRef(pkg["url"]), FOAF.Document)))
        g.add((node, FOAF.page, _typed(g, URIRef(f"{self.base}/dataset/{pkg['name']}/datapackage.json"),
                                       FOAF.Document)))
        sources = json.loads(extras.get("source_tables") or "[]")
        if sources:
            statement = BNode(f"provenance-{pkg['name']}")
            g.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
            g.add((statement, RDFS.label, Literal(
                "Tổng hợp từ các bảng nguồn: " + ", ".join(sources) + f"; xử lý bởi Kho dữ liệu tỉnh {self.prov.name}.",
                lang="vi")))
            g.add((statement, RDFS.label, Literal("Built from the source tables " + ", ".join(sources) + ".",
                                                  lang="en")))
            g.add((node, DCTERMS.provenance, statement))
        lic_uri = self._license(g, pkg["license_id"])
        for res in pkg["resources"]:
            g.add((node, DCAT.distribution, self.add_distribution(g, pkg, res, lic_uri)))
        return node

    def _license(self, g: Graph, license_id: str) -> URIRef:
        lic = vocab.LICENSES_BY_ID.get(license_id)
        if lic and lic.eu_uri:
            node = URIRef(lic.eu_uri)
        elif lic and lic.url:
            node = URIRef(lic.url)
        else:
            node = URIRef(f"{self.base}/license/{license_id}")
        g.add((node, RDF.type, DCTERMS.LicenseDocument))
        if lic:
            g.add((node, DCTERMS.title, Literal(lic.title_vi, lang="vi")))
            g.add((node, DCTERMS.title, Literal(lic.title, lang="en")))
        return node

    def add_distribution(self, g: Graph, pkg: dict[str, Any], res: dict[str, Any], lic_uri: URIRef) -> URIRef:
        node = self.distribution_uri(pkg, res)
        fmt = vocab.FORMATS_BY_CODE.get(res["format"])
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.identifier, Literal(res["id"])))
        g.add((node, DCTERMS.title, Literal(res["name"], lang="vi")))
        g.add((node, DCTERMS.description, Literal(res["description"], lang="vi")))
        url = URIRef(res["url"])
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
        g.add((node, DCAT.accessService, self._data_service(g)))
        if fmt:
            g.add((node, DCAT.mediaType, _typed(g, URIRef(fmt.iana_uri), DCTERMS.MediaType)))
            g.add((node, DCTERMS["format"], _typed(g, URIRef(fmt.eu_uri), DCTERMS.MediaTypeOrExtent)))
        g.add((node, DCTERMS.license, lic_uri))
        g.add((node, DCATAP.availability, _typed(g, AVAILABILITY_STABLE, SKOS.Concept)))
        if res.get("size") is not None:
            g.add((node, DCAT.byteSize, Literal(int(res["size"]), datatype=XSD.nonNegativeInteger)))
        if res.get("hash"):
            checksum = BNode(f"checksum-{res['id']}")
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(res["hash"], datatype=XSD.hexBinary)))
            g.add((node, SPDX.checksum, checksum))
        for prop, value in ((DCTERMS.issued, res.get("created")), (DCTERMS.modified, res.get("metadata_modified"))):
            literal = _dt(value)
            if literal is not None:
                g.add((node, prop, literal))
        self._language(g, node)
        return node

    # -- catalogue ----------------------------------------------------------------------------
    def catalog_graph(self, packages: list[dict[str, Any]], page: int, total: int, page_url,
                      per_page: int = PER_PAGE) -> Graph:
        g = _graph()
        cat = self.catalog_uri()
        g.add((cat, RDF.type, DCAT.Catalog))
        g.add((cat, DCTERMS.title, Literal(f"Kho dữ liệu tỉnh {self.prov.name}", lang="vi")))
        g.add((cat, DCTERMS.title, Literal(f"{self.prov.label_en} data warehouse catalogue", lang="en")))
        g.add((cat, DCTERMS.description, Literal(
            f"Danh mục dữ liệu mở của tỉnh {self.prov.name}: tập dữ liệu, phân phối, giấy phép và chất lượng.",
            lang="vi")))
        g.add((cat, DCTERMS.description, Literal(
            f"Open-data catalogue of {self.prov.label_en}: datasets, distributions, licences and quality.",
            lang="en")))
        publisher = URIRef(f"{self.base}/organization/ubnd-tinh")
        g.add((publisher, RDF.type, FOAF.Agent))
        g.add((publisher, RDF.type, FOAF.Organization))
        g.add((publisher, FOAF.name, Literal(f"Ủy ban nhân dân tỉnh {self.prov.name}", lang="vi")))
        g.add((publisher, FOAF.name, Literal(f"People's Committee of {self.prov.label_en}", lang="en")))
        g.add((publisher, DCTERMS.type, _typed(g, URIRef("http://purl.org/adms/publishertype/LocalAuthority"),
                                              SKOS.Concept, "Local Authority")))
        g.add((cat, DCTERMS.publisher, publisher))
        g.add((cat, FOAF.homepage, _typed(g, URIRef(f"{self.base}/"), FOAF.Document)))
        self._language(g, cat)
        g.add((cat, DCTERMS.license, self._license(g, vocab.DEFAULT_OPEN_LICENSE)))
        g.add((cat, DCTERMS.spatial, self._province_location(g)))
        g.add((cat, DCAT.themeTaxonomy, _typed(g, URIRef(vocab.EU_THEME_SCHEME), SKOS.ConceptScheme)))
        topics = URIRef(f"{self.base}/group")
        _typed(g, topics, SKOS.ConceptScheme)
        g.add((topics, DCTERMS.title, Literal("Chủ đề dữ liệu", lang="vi")))
        g.add((cat, DCAT.themeTaxonomy, topics))
        g.add((cat, DCAT.service, self._data_service(g)))
        public = [p for n, p in self.index.packages.items() if self.index.datasets[n]["access_level"] == "open"]
        if public:
            issued = min(p["metadata_created"] for p in public)
            modified = max(p["metadata_modified"] for p in public)
            g.add((cat, DCTERMS.issued, _dt(issued)))
            g.add((cat, DCTERMS.modified, _dt(modified)))
        else:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()
            g.add((cat, DCTERMS.issued, Literal(now, datatype=XSD.dateTime)))
            g.add((cat, DCTERMS.modified, Literal(now, datatype=XSD.dateTime)))
        for pkg in packages:
            g.add((cat, DCAT.dataset, self.add_dataset(g, pkg)))
            record = URIRef(f"{self.base}/catalog/record/{pkg['id']}")
            g.add((record, RDF.type, DCAT.CatalogRecord))
            g.add((record, FOAF.primaryTopic, self.dataset_uri(pkg)))
            g.add((record, DCTERMS.modified, _dt(pkg["metadata_modified"])))
            g.add((record, DCTERMS.issued, _dt(pkg["metadata_created"])))
            g.add((cat, DCAT.record, record))
        # Hydra paging (what ckanext-dcat's harvester follows)
        last = max(1, -(-total // per_page))
        view = URIRef(page_url(page))
        g.add((view, RDF.type, HYDRA.PagedCollection))
        g.add((view, RDF.type, HYDRA.PartialCollectionView))
        g.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
        g.add((view, HYDRA.itemsPerPage, Literal(per_page, datatype=XSD.integer)))
        g.add((view, HYDRA.first, URIRef(page_url(1))))
        g.add((view, HYDRA.firstPage, Literal(page_url(1))))
        g.add((view, HYDRA.last, URIRef(page_url(last))))
        g.add((view, HYDRA.lastPage, Literal(page_url(last))))
        if page < last:
            g.add((view, HYDRA.next, URIRef(page_url(page + 1))))
            g.add((view, HYDRA.nextPage, Literal(page_url(page + 1))))
        if page > 1:
            g.add((view, HYDRA.previous, URIRef(page_url(page - 1))))
            g.add((view, HYDRA.previousPage, Literal(page_url(page - 1))))
        return g

    def dataset_graph(self, pkg: dict[str, Any]) -> Graph:
        g = _graph()
        self.add_dataset(g, pkg)
        return g


def serialize(g: Graph, ext: str) -> bytes:
    fmt = FORMATS[ext][0]
    if fmt == "json-ld":
        return g.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True, encoding="utf-8")
    return g.serialize(format=fmt, encoding="utf-8")
