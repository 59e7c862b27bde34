"""Small request helpers shared by the catalogue's routers."""

from __future__ import annotations

from fastapi import Request

from api.access import Principal, principal_of
from catalog.service import Catalog, CatalogIndex


def catalog_of(request: Request) -> Catalog:
    return request.app.state.catalog


def base_url(request: Request) -> str:
    return catalog_of(request).base_url(str(request.base_url))


def index_of(request: Request) -> CatalogIndex:
    return catalog_of(request).index(base_url(request))


def principal(request: Request) -> Principal:
    return principal_of(request)
