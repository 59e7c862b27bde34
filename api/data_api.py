"""`install_data_api(app)`: the one call that adds the Data API to the web app.

* REST under `/api/v1` (`api.routes.datasets`, `api.routes.rows`) and GraphQL at `/graphql`
  (`api.graphql`), with GraphiQL's vendored assets under `/static/graphiql/`;
* CORS for both doors (`Access-Control-Allow-Origin: *`: open data is for every web page; tokens travel
  in the `Authorization` header, never in cookies, so no credentials mode is needed);
* gzip for JSON, CSV and NDJSON when the client accepts it (Parquet is compressed already);
* the handler rendering `ApiError` as `{"error", "detail", "param"}`;
* `/docs`: Swagger UI over `/openapi.json`, from vendored files under `/static/swagger-ui/` (FastAPI's
  default page loads it from a CDN; `create_app` turns that off with `docs_url=None`).

Call it after `install_access(app, …)`, so CORS and gzip wrap the access layer too: a 401 or 429 must
reach a browser's script as readably as data.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.graphql.routes import router as graphql_router
from api.graphql.service import GraphQLService
from api.routes import datasets, rows
from api.routes.common import ApiError

STATIC_DIR = Path(__file__).resolve().parent / "static"
DATA_PREFIXES = ("/api/v1/", "/api/v1", "/graphql")
CORS_HEADERS = ["Authorization", "Content-Type", "If-None-Match", "X-CKAN-API-Key"]
EXPOSED_HEADERS = ["ETag", "Content-Disposition", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "Link"]


class PathScoped:
    """Apply ``middleware`` only to requests whose path starts with one of ``prefixes``."""

    def __init__(self, app: ASGIApp, middleware: type, prefixes: tuple[str, ...], **options: object) -> None:
        self.app = app
        self.wrapped = middleware(app, **options)
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(self.prefixes):
            await self.wrapped(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_data_api(app: FastAPI) -> None:
    app.state.graphql = GraphQLService()  # limits from KHO_GRAPHQL_* when the app is created
    app.include_router(datasets.router)
    app.include_router(rows.router)
    app.include_router(graphql_router)
    app.mount("/static/graphiql", StaticFiles(directory=STATIC_DIR / "graphiql"), name="graphiql-static")
    app.mount("/static/swagger-ui", StaticFiles(directory=STATIC_DIR / "swagger-ui"), name="swagger-ui-static")

    @app.get("/docs", include_in_schema=False)
    async def _swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} — OpenAPI",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js", swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
            # no online validator badge: it would send the spec to validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None, "deepLinking": True, "defaultModelsExpandDepth": 0},
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    # Level 1: exports of hundreds of megabytes compress at ~3x the speed of level 5 for a few % more bytes.
    app.add_middleware(PathScoped, middleware=GZipMiddleware, prefixes=DATA_PREFIXES, minimum_size=1024,
                       compresslevel=1,
                       exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.apache.parquet"))
    app.add_middleware(PathScoped, middleware=CORSMiddleware, prefixes=DATA_PREFIXES, allow_origins=["*"],
                       allow_methods=["GET", "POST", "OPTIONS"], allow_headers=CORS_HEADERS,
                       expose_headers=EXPOSED_HEADERS, max_age=86_400)
