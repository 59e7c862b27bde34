"""DCAT-AP 3 endpoints, where ckanext-dcat puts them: `/catalog.{ttl,jsonld,rdf,xml,n3}` (paged, 100
datasets a page, `?page=`, `?modified_since=`, `?q=`, `?fq=`) and `/dataset/{name}.{fmt}`."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from catalog import search as searching
from catalog.dcat import graph as dcat_graph
from catalog.dcat.graph import FORMATS, DcatBuilder, serialize
from catalog.web import catalog_of, index_of, principal

router = APIRouter(include_in_schema=False)


def _format_or_404(ext: str) -> tuple[str, str]:
    if ext not in FORMATS:
        raise HTTPException(404, f"unknown format .{ext}; use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[ext]


@router.get("/catalog.{ext}")
async def catalog(request: Request, ext: str) -> Response:
    _, content_type = _format_or_404(ext)
    params = request.query_params
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        page = 0
    if page < 1:
        raise HTTPException(400, "Page param must be a positive integer")
    index = index_of(request)
    fq = [params.get("fq", "")]
    if params.get("modified_since"):
        if searching.parse_date_bound(params["modified_since"]) is None:
            raise HTTPException(400, "modified_since must be an ISO 8601 date or date-time")
        fq.append(f"metadata_modified:[{params['modified_since']} TO NOW]")
    q = params.get("q", "")
    per_page = dcat_graph.PER_PAGE
    key = (index.generation, index.base_url, ext, page, per_page, q, tuple(fq))

    def build() -> bytes:
        try:
            result = searching.search(index.docs, q=q, fq=fq, sort="metadata_modified desc, name asc",
                                      start=(page - 1) * per_page, rows=per_page,
                                      allowed=lambda n: index.datasets[n]["access_level"] == "open",
                                      inverted=index.inverted)
        except (searching.SearchError, searching.SearchQueryError) as exc:
            raise HTTPException(400, str(exc)) from exc
        extra = {k: v for k, v in (("q", q), ("fq", params.get("fq")),
                                   ("modified_since", params.get("modified_since"))) if v}

        def page_url(n: int) -> str:
            return f"{index.base_url}/catalog.{ext}?" + urlencode({**extra, "page": n})

        builder = DcatBuilder(index)
        graph = builder.catalog_graph([index.packages[n] for n in result.names], page, result.count, page_url,
                                      per_page)
        return serialize(graph, ext)

    body = await run_in_threadpool(catalog_of(request).cache.get_or_build, key, build)
    return Response(body, media_type=content_type)


@router.get("/dataset/{name}.{ext}")
async def dataset(request: Request, name: str, ext: str) -> Response:
    _, content_type = _format_or_404(ext)
    index = index_of(request)
    resolved = index.resolve(name)
    if resolved is None or not index.can_see(principal(request), resolved):
        raise HTTPException(404, "Dataset not found")
    key = (index.generation, index.base_url, ext, "dataset", resolved)
    body = await run_in_threadpool(
        catalog_of(request).cache.get_or_build, key,
        lambda: serialize(DcatBuilder(index).dataset_graph(index.packages[resolved]), ext))
    return Response(body, media_type=content_type)
