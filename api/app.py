"""The Kho web application: REST API under /api/v1, and a front page pointing to everything."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.access import ANONYMOUS, can_see_dataset
from api.engine import ParquetEngine
from api.routes import datasets
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
    )
    app.include_router(datasets.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        items = "".join(
            f'<li><a href="/api/v1/datasets/{d["name"]}">{d["title_vi"]}</a> '
            f'<small>({d["title_en"]})</small></li>'
            for d in app.state.store.list_datasets()
            if can_see_dataset(ANONYMOUS, d) and d["current_version"]
        )
        return (
            '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Kho dữ liệu tỉnh</title></head>'
            "<body><h1>Kho dữ liệu tỉnh — dữ liệu mở</h1>"
            f"<ul>{items or '<li>Chưa có tập dữ liệu nào được công bố.</li>'}</ul>"
            '<p><a href="/api/v1/datasets">API</a> · <a href="/docs">OpenAPI</a></p></body></html>'
        )

    return app
