"""The Kho web application: REST API under /api/v1, and a front page pointing to everything."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.access.middleware import install_access
from api.data_api import install_data_api
from api.engine import ParquetEngine
from api.observability import install_observability
from api.routes import quality
from catalog.mount import mount_catalog
from catalog.store import CatalogStore
from kho.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = CatalogStore(settings.catalog_url)
        store.create_schema()
        app.state.store = store
        app.state.engine = ParquetEngine(settings.published_dir)
        yield
        app.state.engine.close()
        store.engine.dispose()

    app = FastAPI(
        title="Kho — API dữ liệu mở và dùng chung",
        description="REST API over the province's published datasets (open data without a key).",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served by install_data_api from vendored Swagger UI files (no CDN)
        redoc_url=None,
    )
    install_access(app, settings)  # tokens, rate limits, audit: docs/access.md
    install_observability(app, settings)  # /healthz, /readyz, /metrics, JSON access log: docs/operations.md
    install_data_api(app)  # REST rows and exports, GraphQL, CORS, gzip: docs/api.md
    app.include_router(quality.router)  # quality scorecards: docs/quality.md
    mount_catalog(app, settings)  # CKAN Action API, DCAT-AP, downloads and the portal (/): docs/catalogue.md

    return app
