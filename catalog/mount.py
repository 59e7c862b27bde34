"""`mount_catalog(app, settings)`: the one call that adds the open-data catalogue to the web app —
the CKAN Action API, DCAT-AP, datapackage.json and download URLs, and the portal pages (including the
home page `/`). It also opens the catalogue's read model when the app starts and closes it on stop."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from catalog import files
from catalog.ckan import routes as ckan_routes
from catalog.dcat import routes as dcat_routes
from catalog.portal import routes as portal_routes
from catalog.service import Catalog
from kho.settings import Settings


def catalog_cache_dir(settings: Settings) -> Path:
    """Where CSV copies of published versions are written (KHO_CATALOG_CACHE_DIR, default $KHO_HOME/cache/catalog)."""
    return Path(os.environ.get("KHO_CATALOG_CACHE_DIR", settings.home / "cache" / "catalog")).resolve()


def mount_catalog(app: FastAPI, settings: Settings) -> None:
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI):
        async with inner(app_) as state:
            catalog = Catalog(app_.state.store, settings.published_dir, catalog_cache_dir(settings),
                              site_url=os.environ.get("KHO_SITE_URL"))
            app_.state.catalog = catalog
            catalog.kick()
            try:
                yield state
            finally:
                catalog.close()

    app.router.lifespan_context = lifespan
    # Order matters: /dataset/{name}.{fmt} and the file URLs come before the portal's /dataset/{name}.
    app.include_router(ckan_routes.router)
    app.include_router(dcat_routes.router)
    app.include_router(files.router)
    app.include_router(portal_routes.router)
