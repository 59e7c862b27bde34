"""CKAN's query language over the search documents: folding, Lucene fq syntax, dismax mm, sorting."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.search import (SearchDoc, SearchError, minimum_match, parse_date_bound, parse_dismax, parse_lucene,
                            search)
from catalog.text import fold, slugify, tokens


def doc(name: str, title: str, org: str, tags: list[str], modified: dt.datetime, text: str = "",
        formats: tuple[str, ...] = ("CSV", "Parquet")) -> SearchDoc:
    return SearchDoc(
        name=name,
        strings={"name": [name], "id": [f"id-{name}"], "organization": [org], "tags": tags, "groups": ["g"],
                 "res_format": list(formats), "capacity": ["public"], "extras_access_level": ["open"]},
        texts={"name": tokens(name.replace("_", " ")), "title": tokens(title), "tags": tokens(" ".join(tags)),
               "groups": [], "text": tokens(f"{title} {text} {' '.join(tags)}"), "notes": tokens(text)},
        dates={"metadata_modified": modified, "metadata_created": modified},
        numbers={"num_resources": float(len(formats)), "num_tags": float(len(tags))},
        sort_keys={"title_string": fold(title)},
    )


DOCS = {d.name: d for d in (
    doc("dossiers", "Hồ sơ thủ tục hành chính", "vp", ["hồ sơ", "TTHC"], dt.datetime(2025, 7, 3),
        "Từng hồ sơ ở tỉnh Điện Biên"),
    doc("kpis", "Chỉ số giải quyết hồ sơ theo tháng", "vp", ["TTHC"], dt.datetime(2025, 7, 2), "tỉnh Điện Biên"),
    doc("dak_lak", "Đơn vị hành chính Đắk Lắk", "stc", ["đơn vị hành chính"], dt.datetime(2025, 6, 1)),
    doc("schools", "Trường học", "sgd", ["giáo dục"], dt.datetime(2024, 1, 1), formats=("CSV",)),
)}


def names(**kw) -> list[str]:
    return search(DOCS, **kw).names


def test_folding():
    assert fold("Điện Biên") == "dien bien"
    assert fold("Đắk Lắk") == "dak lak"
    assert fold("Hoà") == fold("Hòa") == "hoa"
    assert tokens("Phường Đống Đa, 2025!") == ["phuong", "dong", "da", "2025"]
    assert slugify("Sở Giáo dục và Đào tạo") == "so-giao-duc-va-dao-tao"


def test_free_text_folds_and_ranks():
    assert names(q="dien bien ho so") == ["dossiers", "kpis"]
    assert names(q="Điện Biên hồ sơ") == ["dossiers", "kpis"]
    assert names(q="dak lak") == ["dak_lak"]
    assert names(q="DAK LAK") == ["dak_lak"]
    assert names(q='"ho so thu tuc"') == ["dossiers"]  # a phrase
    assert names(q="ho so -tthc") == []
    assert names(q="truong hoc +giao") == ["schools"]  # "giáo dục" is a tag of schools
    assert names(q="truong hoc +xyz") == []  # a required word that nothing contains
    assert names(q="", sort="name asc") == ["dak_lak", "dossiers", "kpis", "schools"]


def test_minimum_match_like_solr():
    assert [minimum_match(n) for n in range(1, 9)] == [1, 2, 2, 3, 4, 4, 5, 6]
    assert names(q="ho so xyz") == ["dossiers", "kpis"]  # 2 of 3 clauses suffice
    assert names(q="ho xyz") == []  # both of 2 are needed


def test_lucene_fielded_queries():
    assert names(q="organization:vp", sort="name asc") == ["dossiers", "kpis"]
    assert names(fq=["-organization:vp"], sort="name asc") == ["dak_lak", "schools"]
    assert names(fq=["organization:stc OR organization:sgd"], sort="name asc") == ["dak_lak", "schools"]
    assert names(fq=['tags:"hồ sơ"']) == ["dossiers"]
    assert names(fq=["tags:(TTHC AND \"hồ sơ\")"]) == ["dossiers"]
    assert names(fq=["res_format:CSV", "-res_format:Parquet"]) == ["schools"]
    assert names(fq=["name:dos*"]) == ["dossiers"]
    assert names(fq=["title:hanh chinh"], sort="name asc") == ["dak_lak", "dossiers"]
    assert names(fq=["title:\"hanh chinh dak\""]) == ["dak_lak"]
    assert names(fq=["num_resources:[2 TO *]"], sort="name asc") == ["dak_lak", "dossiers", "kpis"]
    assert names(fq=["extras_access_level:open"], sort="name asc") == sorted(DOCS)
    assert names(fq=["*:*"], sort="name asc") == sorted(DOCS)
    assert names(fq=["NOT organization:vp AND NOT organization:stc"]) == ["schools"]


def test_date_ranges_and_math():
    assert names(fq=["metadata_modified:[2025-07-02T00:00:00.000000Z TO *]"], sort="name asc") == ["dossiers", "kpis"]
    assert names(fq=["metadata_modified:{2025-07-02T00:00:00Z TO *]"]) == ["dossiers"]
    assert names(fq=["metadata_modified:[* TO 2024-12-31]"]) == ["schools"]
    assert names(fq=["metadata_modified:[NOW-100YEARS TO NOW]"], sort="name asc") == sorted(DOCS)
    now = dt.datetime(2025, 7, 15, 13, 45)
    assert parse_date_bound("NOW-1DAY", now) == dt.datetime(2025, 7, 14, 13, 45)
    assert parse_date_bound("NOW/DAY", now) == dt.datetime(2025, 7, 15)
    assert parse_date_bound("NOW-1MONTH/MONTH", now) == dt.datetime(2025, 6, 1)
    assert parse_date_bound("2025-07-01T09:00:00+07:00") == dt.datetime(2025, 7, 1, 2, 0)
    assert parse_date_bound("yesterday") is None


def test_sorting_and_paging_is_stable():
    assert names(sort="metadata_modified desc") == ["dossiers", "kpis", "dak_lak", "schools"]
    assert names(sort="title_string asc") == ["kpis", "dak_lak", "dossiers", "schools"]
    assert names(sort="id asc", rows=2) + names(sort="id asc", rows=2, start=2) == names(sort="id asc", rows=10)


def test_facets():
    result = search(DOCS, facet_fields=["organization", "res_format"])
    assert result.facets["organization"] == [("vp", 2), ("sgd", 1), ("stc", 1)]
    assert result.facets["res_format"] == [("CSV", 4), ("Parquet", 3)]
    assert search(DOCS, facet_fields=["organization"], facet_limit=1).facets["organization"] == [("vp", 2)]


@pytest.mark.parametrize("bad", ["nosuch:x", "organization:(", 'tags:"open', "metadata_modified:[x TO y]",
                                 "title:a OR", "num_resources:[a TO b]"])
def test_errors(bad):
    with pytest.raises(SearchError):
        search(DOCS, fq=[bad])


def test_sort_errors():
    with pytest.raises(SearchError):
        search(DOCS, sort="popularity desc")
    with pytest.raises(SearchError):
        search(DOCS, sort="name sideways")


def test_parsers():
    clauses = parse_dismax('+điện -"hồ sơ" biên')
    assert [(c.terms, c.required, c.prohibited) for c in clauses] == [
        (["dien"], True, False), (["ho", "so"], False, True), (["bien"], False, False)]
    assert parse_lucene("").match(DOCS["kpis"])
