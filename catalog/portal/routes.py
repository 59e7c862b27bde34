"""The portal: server-rendered pages for citizens, developers and data stewards.

Vietnamese first, English on a switch; fast and complete without JavaScript (one small local script
only adds "copy" buttons); nothing loads from the internet. Every page asks `api.access` what the
visitor may see — the same rules as the APIs.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.access import Principal, audit_access, can_see_dataset, masked_columns
from catalog import search as searching
from catalog import vocab
from catalog.portal import i18n
from catalog.portal.charts import choose_chart, quality_lines, render_chart, sparkline
from catalog.portal.lineage import lineage_for
from catalog.quality import DIMENSIONS, LABELS, grade, overall
from catalog.rows import RowQuery, RowReader, jsonable
from catalog.service import CatalogIndex
from catalog.web import catalog_of, index_of, principal
from kho.settings import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PAGE_SIZE = 20
PREVIEW_ROWS = 20

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
router = APIRouter(include_in_schema=False)

_cache: OrderedDict[tuple, Any] = OrderedDict()
_cache_lock = threading.Lock()


def _memo(key: tuple, build):
    """Previews and charts of immutable versions are computed once."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > 256:
            _cache.popitem(last=False)
    return value


def gx_docs_dir() -> Path:
    return Path(os.environ.get("KHO_GX_DOCS_DIR",
                               PROJECT_ROOT / "expectations" / "gx" / "uncommitted" / "data_docs" / "local_site"))


def dbt_docs_dir() -> Path:
    return Path(os.environ.get("KHO_DBT_TARGET_DIR", PROJECT_ROOT / "target"))


# -- rendering ---------------------------------------------------------------------------------------

def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        return asked
    cookie = request.cookies.get(i18n.COOKIE)
    return cookie if cookie in i18n.LANGS else "vi"


def _url(request: Request, path: str | None = None, **changes: Any) -> str:
    params = dict(request.query_params.multi_items())
    params.pop("lang", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    query = urlencode(params)
    return (path or request.url.path) + (f"?{query}" if query else "")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    prov = vocab.province()
    who = principal(request)

    def _(key: str, **values: Any) -> str:
        return i18n.translate(lang, key, **values)

    other = "en" if lang == "vi" else "vi"
    html = env.get_template(template).render(
        request=request, lang=lang, _=_, province=f"tỉnh {prov.name}" if lang == "vi" else prov.label_en,
        switch_url=_url(request, lang=other), other_lang=other, principal=who,
        num=lambda v, d=0: i18n.number(v, lang, d), date=lambda v, t=False: i18n.date(v, lang, t),
        size=lambda v: i18n.size(v, lang), url=lambda path=None, **kw: _url(request, path, **kw),
        title_of=lambda d: (d.get("title_en") if lang == "en" else d.get("title_vi")) or d.get("title_vi"),
        desc_of=lambda d: (d.get("description_en") if lang == "en" else d.get("description_vi")) or "",
        dim_label=lambda d: LABELS[d][1 if lang == "en" else 0], grade=grade, dimensions=DIMENSIONS,
        access_label=lambda level: _("access_" + level), reason_text=_reason_text, **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Language"] = lang
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def not_found(request: Request) -> HTMLResponse:
    return render(request, "not_found.html", status=404)


# -- shared view data ----------------------------------------------------------------------------

def _freshness(ds: dict[str, Any], published_at: dt.datetime | None) -> dict[str, Any]:
    if published_at is None:
        return {"status": "unknown", "days": None}
    days = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - published_at).days
    freq = vocab.frequency(ds.get("update_frequency"))
    limit = vocab.OPEN_DATA_MAX_AGE_DAYS if ds["access_level"] == "open" else None
    if freq:
        allowed = max(freq.period_days * 2, 2)
        limit = min(limit, allowed) if limit else allowed
    status = "unknown" if limit is None else ("ok" if days <= limit else "late")
    return {"status": status, "days": days, "limit_days": limit}


def _card(index: CatalogIndex, name: str) -> dict[str, Any]:
    pkg = index.packages[name]
    ds = index.datasets[name]
    scores = index.quality.get(name, {})
    version = index.versions.get(name) or {}
    return {"name": name, "ds": ds, "pkg": pkg, "org": index.org_by_code.get(ds["owner_code"]),
            "groups": [index.groups[g["name"]] for g in pkg["groups"] if g["name"] in index.groups],
            "formats": [r["format"] for r in pkg["resources"]], "score": overall(scores),
            "published_at": version.get("created_at"), "rows": version.get("row_count")}


def _search(index: CatalogIndex, who: Principal, q: str, fq: list[str], sort: str | None, start: int, rows: int,
            facets: list[str]) -> searching.SearchResult:
    return searching.search(index.docs, q=q, fq=fq, sort=sort, start=start, rows=rows, facet_fields=facets,
                            facet_limit=-1, allowed=lambda n: index.listed(who, n, who.is_authenticated),
                            dismax_always=True, inverted=index.inverted)


# -- pages ---------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    result = _search(index, who, "", [], "metadata_modified desc", 0, 6, ["groups", "organization"])
    groups = [(index.groups[n], c) for n, c in result.facets["groups"] if n in index.groups]
    orgs = [(index.organizations[n], c) for n, c in result.facets["organization"] if n in index.organizations]
    return render(request, "home.html", recent=[_card(index, n) for n in result.names], groups=groups, orgs=orgs,
                  total=result.count)


FACETS = (("organization", "filter_org"), ("groups", "filter_group"), ("res_format", "filter_format"),
          ("license_id", "filter_license"), ("extras_access_level", "filter_access"))
SORTS = {"relevance": None, "modified": "metadata_modified desc", "name": "title_string asc"}


@router.get("/dataset", response_class=HTMLResponse)
async def dataset_search(request: Request) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    lang = lang_of(request)
    params = request.query_params
    q = params.get("q", "").strip()
    sort_key = params.get("sort", "relevance")
    sort_key = sort_key if sort_key in SORTS else "relevance"
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    active: list[tuple[str, str, str]] = []
    fq = []
    for field, label in FACETS:
        for value in params.getlist(field):
            if value:
                fq.append(f'{field}:"{value}"')
                active.append((field, value, label))
    sort = SORTS[sort_key] or (None if q else "metadata_modified desc")
    facet_fields = [f for f, _ in FACETS if f != "extras_access_level" or who.is_authenticated]
    result = await run_in_threadpool(_search, index, who, q, fq, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE,
                                     facet_fields)

    def display(field: str, value: str) -> str:
        if field == "organization" and value in index.organizations:
            return index.organizations[value]["title"]
        if field == "groups" and value in index.groups:
            g = index.groups[value]
            return g["title_en"] if lang == "en" else g["title_vi"]
        if field == "license_id" and value in index.licenses:
            lic = index.licenses[value]
            return lic["title"] if lang == "en" else lic["title_vi"]
        if field == "extras_access_level":
            return i18n.translate(lang, "access_" + value)
        return value

    facets = []
    for field, label in FACETS:
        if field not in result.facets:
            continue
        chosen = set(params.getlist(field))
        items = [{"value": v, "label": display(field, v), "count": c, "active": v in chosen,
                  "href": _filter_url(request, field, v, v not in chosen)} for v, c in result.facets[field]]
        if items:
            facets.append({"field": field, "label": label, "items": items})
    pages = max(1, math.ceil(result.count / PAGE_SIZE))
    return render(request, "search.html", q=q, results=[_card(index, n) for n in result.names], count=result.count,
                  facets=facets, active=[(f, v, display(f, v), lbl, _filter_url(request, f, v, False))
                                         for f, v, lbl in active],
                  sort=sort_key, page=page, pages=pages,
                  prev_url=_url(request, page=page - 1) if page > 1 else None,
                  next_url=_url(request, page=page + 1) if page < pages else None)


def _filter_url(request: Request, field: str, value: str, add: bool) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]
    if add:
        params.append((field, value))
    else:
        params = [(k, v) for k, v in params if not (k == field and v == value)]
    query = urlencode(params)
    return "/dataset" + (f"?{query}" if query else "")


def _preview(request: Request, index: CatalogIndex, name: str, who: Principal) -> dict[str, Any]:
    catalog = catalog_of(request)
    version = catalog.store.get_version(name, index.datasets[name]["current_version"])
    columns = version.schema.get("columns", [])
    masked = masked_columns(who, index.datasets[name], columns)
    path = str(catalog.published_dir / version.path / "data.parquet")
    reader = RowReader(request.app.state.engine)

    def build() -> dict[str, Any]:
        result = reader.search(path, columns, masked, RowQuery(limit=PREVIEW_ROWS, include_total=False))
        fields = [f for f in result.fields if f["id"] != "_id"]
        rows = [[jsonable(v) for v in r[1:]] for r in result.records]
        chart = None
        try:
            chart = choose_chart(request.app.state.engine, path, columns, masked, index.datasets[name]["primary_key"])
        except Exception:  # a chart is a bonus; the page must render without it
            chart = None
        return {"fields": fields, "rows": rows, "chart": chart}

    data = _memo(("preview", path, frozenset(masked)), build)
    audit_access(request, name, version.version, {"preview_rows": PREVIEW_ROWS}, len(data["rows"]),
                 action="portal preview")
    return {**data, "version": version, "masked": masked, "columns": columns}


@router.get("/dataset/{name}", response_class=HTMLResponse)
async def dataset_page(request: Request, name: str) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    lang = lang_of(request)
    resolved = index.resolve(name)
    if resolved is None or not index.can_see(who, resolved):
        return not_found(request)
    if resolved != name:
        return Response(status_code=301, headers={"Location": f"/dataset/{resolved}"})
    catalog = catalog_of(request)
    card = _card(index, resolved)
    pkg, ds = card["pkg"], card["ds"]
    preview = await run_in_threadpool(_preview, request, index, resolved, who)
    versions = await run_in_threadpool(catalog.store.versions, resolved)
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    scores = index.quality.get(resolved, {})
    chart_svg = None
    if preview["chart"] is not None:
        spec = preview["chart"]
        chart_svg = render_chart(spec, spec.title_en if lang == "en" else spec.title_vi)
    base = index.base_url
    csv_res = next((r for r in pkg["resources"] if r["format"] == "CSV"), None)
    lic = index.licenses.get(pkg["license_id"])
    freq = vocab.frequency(ds.get("update_frequency"))
    coverage = index.coverage.get(resolved) or {}
    examples = _examples(base, resolved, csv_res, pkg, request)
    return render(
        request, "dataset.html", card=card, pkg=pkg, ds=ds, extras=extras, preview=preview, versions=versions,
        scores=scores, overall_score=overall(scores), chart_svg=chart_svg, base=base, license=lic,
        license_title=(lic["title"] if lang == "en" else lic["title_vi"]) if lic else pkg["license_id"],
        frequency=(freq.label_en if lang == "en" else freq.label_vi) if freq else ds.get("update_frequency"),
        freshness=_freshness(ds, card["published_at"]), coverage=coverage,
        spatial=("Việt Nam" if lang == "vi" else "Viet Nam") if coverage.get("spatial_scope") == "country" else
        (vocab.province().label_en if lang == "en" else vocab.province().label_vi),
        examples=examples, colmeta={c["name"]: c for c in preview["columns"]})


def _route_paths(routes, prefix: str = ""):
    for route in routes:
        path = getattr(route, "path", None)
        if path is not None:
            yield prefix + path
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _route_paths(inner.routes, prefix + (getattr(context, "prefix", "") or ""))


def _graphql_available(request: Request) -> bool:
    return "/graphql" in set(_route_paths(request.app.routes))


def _examples(base: str, name: str, csv_res: dict[str, Any] | None, pkg: dict[str, Any],
              request: Request) -> list[dict[str, str]]:
    rid = csv_res["id"] if csv_res else ""
    parquet_url = f"{base}/dataset/{name}/version/{pkg['version']}/data.parquet"
    examples = [
        {"id": "curl", "label": "curl",
         "code": f"curl '{base}/api/3/action/datastore_search?resource_id={rid}&limit=5'"},
        {"id": "python", "label": "Python (ckanapi)",
         "code": (f"from ckanapi import RemoteCKAN\n\nkho = RemoteCKAN(\"{base}\")\n"
                  f"result = kho.action.datastore_search(resource_id=\"{rid}\", limit=5)\n"
                  "for row in result[\"records\"]:\n    print(row)")},
        {"id": "pandas", "label": "Python (pandas)",
         "code": f"import pandas as pd\n\ndf = pd.read_parquet(\"{parquet_url}\")\nprint(df.head())"},
    ]
    routes = set(_route_paths(request.app.routes))
    if "/api/v1/datasets/{name}/rows" in routes:
        examples.append({"id": "rest", "label": "REST", "code": f"curl '{base}/api/v1/datasets/{name}/rows?_size=5'"})
    if "/graphql" in routes:
        query = "{ __type(name: \"Query\") { fields { name description } } }"
        examples.append({"id": "graphql", "label": "GraphQL",
                         "code": (f"curl -X POST '{base}/graphql' -H 'Content-Type: application/json' \\\n"
                                  f"  -d '{{\"query\": \"{query.replace(chr(34), chr(92) + chr(34))}\"}}'\n"
                                  f"# GraphiQL: {base}/graphql")})
    return examples


@router.get("/organization", response_class=HTMLResponse)
async def organizations(request: Request) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    counts = index.organization_counts(who, who.is_authenticated)
    orgs = sorted(((o, counts.get(o["name"], 0)) for o in index.organizations.values() if counts.get(o["name"])),
                  key=lambda oc: oc[0]["title"])
    return render(request, "organizations.html", orgs=orgs)


@router.get("/organization/{name}", response_class=HTMLResponse)
async def organization_page(request: Request, name: str) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    org = index.organizations.get(name)
    if org is None:
        return not_found(request)
    result = _search(index, who, "", [f'organization:"{name}"'], "title_string asc", 0, 1000, [])
    return render(request, "collection.html", heading=org["title"], description=org["description"],
                  results=[_card(index, n) for n in result.names], count=result.count,
                  search_url=_url(request, "/dataset", organization=name))


@router.get("/group", response_class=HTMLResponse)
async def groups_page(request: Request) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    counts = index.group_counts(who, who.is_authenticated)
    groups = sorted(((g, counts[g["name"]]) for g in index.groups.values() if counts.get(g["name"])),
                    key=lambda gc: gc[0]["title_vi"])
    return render(request, "groups.html", groups=groups)


@router.get("/group/{name}", response_class=HTMLResponse)
async def group_page(request: Request, name: str) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    group = index.groups.get(name)
    if group is None:
        return not_found(request)
    lang = lang_of(request)
    result = _search(index, who, "", [f'groups:"{name}"'], "title_string asc", 0, 1000, [])
    return render(request, "collection.html", heading=group["title_en"] if lang == "en" else group["title_vi"],
                  description="", results=[_card(index, n) for n in result.names], count=result.count,
                  search_url=_url(request, "/dataset", groups=name))


@router.get("/developers", response_class=HTMLResponse)
async def developers(request: Request) -> HTMLResponse:
    index = index_of(request)
    public = index.public_names()
    sample = public[0] if public else None
    sample_rid = None
    if sample:
        sample_rid = next((r["id"] for r in index.packages[sample]["resources"] if r["format"] == "CSV"), None)
    return render(request, "developers.html", base=index.base_url, sample=sample, sample_rid=sample_rid,
                  graphql=_graphql_available(request))


# -- steward dashboard ---------------------------------------------------------------------------

def _visible_datasets(index: CatalogIndex, who: Principal) -> list[str]:
    return sorted(n for n, ds in index.datasets.items() if can_see_dataset(who, ds))


@router.get("/quality", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    store = catalog_of(request).store
    names = _visible_datasets(index, who)
    versions = await run_in_threadpool(store.all_versions, names)
    scores = await run_in_threadpool(store.quality_scores, names)
    by_version: dict[tuple[str, str], dict[str, Any]] = {}
    for row in scores:
        entry = by_version.setdefault((row["dataset"], row["version"]), {"scores": {}, "failed": 0})
        entry["scores"][row["dimension"]] = row["score"]
        entry["failed"] += row["checks_failed"] or 0
    per_dataset: dict[str, list[dict[str, Any]]] = {}
    for v in versions:
        per_dataset.setdefault(v["dataset"], []).append(v)
    rows = []
    for name in names:
        ds = index.datasets[name]
        history = per_dataset.get(name, [])
        latest = history[-1] if history else None
        current = next((v for v in history if v["version"] == ds["current_version"]), None)
        cur_q = by_version.get((name, ds["current_version"]), {"scores": {}, "failed": 0})
        latest_q = by_version.get((name, latest["version"]), {"scores": {}, "failed": 0}) if latest else cur_q
        trend = [overall(by_version.get((name, v["version"]), {"scores": {}})["scores"]) for v in history]
        rejected = [v for v in history if v["status"] == "rejected"]
        rows.append({
            "name": name, "ds": ds, "scores": cur_q["scores"], "overall": overall(cur_q["scores"]),
            "spark": sparkline(trend, name), "latest": latest, "current": current,
            "failing": latest_q["failed"], "rejected": len(rejected),
            "last_rejected": rejected[-1] if rejected else None,
            "freshness": _freshness(ds, current["created_at"] if current else None),
            "published": name in index.packages,
        })
    sources = await run_in_threadpool(store.source_freshness)
    if not who.is_privileged:
        allowed_sources = {s for n in names for s in index.datasets[n].get("source_tables") or []}
        sources = [s for s in sources if s["source"] in allowed_sources]
    return render(request, "dashboard.html", rows=rows, sources=sources, steward=who.is_privileged,
                  gx_exists=(gx_docs_dir() / "index.html").exists(),
                  dbt_exists=(dbt_docs_dir() / "index.html").exists(),
                  now=dt.datetime.now(dt.UTC).replace(tzinfo=None))


def _reason_text(reason: Any) -> str:
    if isinstance(reason, dict):
        parts = [str(reason.get(k)) for k in ("check", "name", "message", "reason", "detail") if reason.get(k)]
        return " — ".join(parts) or str(reason)
    return str(reason)


@router.get("/quality/{name}", response_class=HTMLResponse)
async def dataset_quality(request: Request, name: str) -> HTMLResponse:
    index = index_of(request)
    who = principal(request)
    lang = lang_of(request)
    ds = index.datasets.get(name)
    if ds is None or not can_see_dataset(who, ds):
        return not_found(request)
    store = catalog_of(request).store
    history = await run_in_threadpool(store.all_versions, [name])
    scores = await run_in_threadpool(store.quality_scores, [name])
    by_version: dict[str, dict[str, float | None]] = {}
    for row in scores:
        by_version.setdefault(row["version"], {})[row["dimension"]] = row["score"]
    labels = [i18n.date(v["created_at"], lang) for v in history]
    names = {d: LABELS[d][1 if lang == "en" else 0] for d in DIMENSIONS}
    series = {d: [by_version.get(v["version"], {}).get(d) for v in history] for d in DIMENSIONS}
    chart = quality_lines(series, labels, names, i18n.translate(lang, "scores_over_time")) \
        if any(any(x is not None for x in s) for s in series.values()) else None
    focus = [v for v in reversed(history) if v["version"] == ds["current_version"]]
    latest = history[-1] if history else None
    if latest and (not focus or latest["version"] != focus[0]["version"]):
        focus.insert(0, latest)
    check_sets = []
    for v in focus:
        checks = await run_in_threadpool(store.quality_checks, name, v["version"])
        ordered = sorted(checks, key=lambda c: {"fail": 0, "warn": 1}.get(c["status"], 2))
        check_sets.append({"version": v, "checks": ordered, "scores": by_version.get(v["version"], {})})
    rejected = []
    for v in reversed(history):
        if v["status"] == "rejected":
            checks = await run_in_threadpool(store.quality_checks, name, v["version"])
            rejected.append({"version": v, "reasons": [_reason_text(r) for r in v["reasons"] or []],
                             "failing": [c for c in checks if c["status"] == "fail"]})
    lineage = await run_in_threadpool(lineage_for, name)
    sources = [s for s in await run_in_threadpool(store.source_freshness)
               if s["source"] in set(ds.get("source_tables") or [])]
    sample_columns = {}
    for cs in check_sets + [{"checks": r["failing"]} for r in rejected]:
        for c in cs["checks"]:
            if c.get("sample_rows"):
                first = c["sample_rows"][0]
                sample_columns[c["id"]] = list(first.keys()) if isinstance(first, dict) else None
    return render(request, "quality.html", ds=ds, history=history, by_version=by_version, chart=chart,
                  check_sets=check_sets, rejected=rejected, lineage=lineage, sources=sources,
                  sample_columns=sample_columns, published=name in index.packages, steward=who.is_privileged,
                  layer_names={k: i18n.translate(lang, f"layer_{k}") for k in
                               ("source", "seed", "staging", "intermediate", "marts", "published")})


def _doc_file(root: Path, path: str) -> Path:
    target = (root / (path or "index.html")).resolve()
    if not str(target).startswith(str(root.resolve()) + os.sep) or not target.is_file():
        raise HTTPException(404, "Not found")
    return target


DBT_DOC_FILES = ("index.html", "manifest.json", "catalog.json", "run_results.json")


@router.get("/quality/docs/dbt/{path:path}")
async def dbt_docs(request: Request, path: str) -> Response:
    """dbt's generated documentation site (stewards only: it shows the models' SQL)."""
    if not principal(request).is_privileged:
        return not_found(request)
    if (path or "index.html") not in DBT_DOC_FILES:
        raise HTTPException(404, "Not found")
    return FileResponse(_doc_file(dbt_docs_dir(), path))


@router.get("/quality/docs/gx/{path:path}")
async def gx_docs(request: Request, path: str) -> Response:
    """Great Expectations Data Docs (stewards only: validation results can show sample values)."""
    if not principal(request).is_privileged:
        return not_found(request)
    return FileResponse(_doc_file(gx_docs_dir(), path))


@router.get("/static/kho/{file_name}")
async def static(file_name: str) -> Response:
    if file_name not in ("kho.css", "kho.js"):
        raise HTTPException(404, "Not found")
    media = "text/css" if file_name.endswith(".css") else "text/javascript"
    return FileResponse(STATIC_DIR / file_name, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
