"""Health, readiness, Prometheus metrics and JSON access logs of the Kho app.

`install_observability(app, settings)` (called by `api.app.create_app`) adds:

* `GET /healthz` — liveness: the process answers (no dependency is touched);
* `GET /readyz` — readiness: the catalogue database answers `SELECT 1`, the published folder is readable,
  Redis answers PING when `KHO_REDIS_URL` is set; 200 when all pass, else 503 with which one failed;
* `GET /metrics` — Prometheus text format, for a steward or admin token (`KHO_METRICS=public`: anyone;
  `KHO_METRICS=0`: off), because its labels name every dataset, shared and private ones too:
  `kho_http_requests_total{method,route,status}`, `kho_http_request_duration_seconds{method,route}`
  (histogram), `kho_rows_served_total{dataset}` (rows handed out by every data door, also to anonymous
  callers), and, read from the catalogue at scrape time, `kho_dataset_versions{status}`,
  `kho_pipeline_runs_recorded` (distinct runs that recorded a version), `kho_quality_checks{status}` (checks
  of the current versions), `kho_dataset_current_version_timestamp_seconds{dataset}`;
* one JSON line per request on the `kho.access` logger: time, request id, method, path (never the query
  string: filters can hold personal data), route template, status, duration, bytes, client IP, and the
  agency code, role and token id when authenticated (the public token id, never the secret).

The `route` label is the route *template* (`/api/v1/datasets/{name}/rows`), never the raw path, so the
number of series stays bounded; unmatched paths are counted as `<unmatched>`.

Several workers (`kho serve --workers N`) share metrics through `PROMETHEUS_MULTIPROC_DIR` (set by
`kho serve`): every worker writes its samples there and `/metrics` on any worker sums all of them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kho.settings import Settings

access_log = logging.getLogger("kho.access")
log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "<unmatched>"
#: Paths not timed into the request metrics (probes and scrapes would drown the real traffic).
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Metrics:
    """The app's request metrics, in their own registry (several apps may live in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("kho_http_requests", "HTTP requests answered, by route template and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("kho_http_request_duration_seconds", "Time to answer an HTTP request",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.rows = Counter("kho_rows_served", "Data rows handed out by the data doors (REST, GraphQL, CKAN, "
                            "exports)", ["dataset"], registry=self.registry)


class CatalogueCollector:
    """Gauges read from the catalogue database when Prometheus scrapes (the same answer on every worker)."""

    def __init__(self, app: FastAPI):
        self.app = app

    def describe(self):  # no describe-time query
        return []

    def collect(self):
        store = getattr(self.app.state, "store", None)
        if store is None:
            return
        from catalog.store import dataset_versions, datasets, quality_checks

        try:
            with store.engine.connect() as con:
                by_status = con.execute(sa.select(dataset_versions.c.status, sa.func.count())
                                        .group_by(dataset_versions.c.status)).all()
                runs = con.execute(sa.select(sa.func.count(sa.distinct(dataset_versions.c.run_id)))).scalar()
                current = sa.and_(quality_checks.c.dataset == datasets.c.name,
                                  quality_checks.c.version == datasets.c.current_version)
                checks = con.execute(sa.select(quality_checks.c.status, sa.func.count())
                                     .select_from(quality_checks.join(datasets, current))
                                     .group_by(quality_checks.c.status)).all()
                published = con.execute(
                    sa.select(datasets.c.name, dataset_versions.c.created_at).select_from(
                        datasets.join(dataset_versions, sa.and_(dataset_versions.c.dataset == datasets.c.name,
                                                                dataset_versions.c.version == datasets.c.current_version)))
                ).all()
        except sa.exc.SQLAlchemyError:
            log.warning("catalogue metrics unavailable: the catalogue database did not answer", exc_info=True)
            return
        versions = GaugeMetricFamily("kho_dataset_versions", "Dataset versions recorded, by status", labels=["status"])
        for status, count in by_status:
            versions.add_metric([status], count)
        yield versions
        yield GaugeMetricFamily("kho_pipeline_runs_recorded", "Pipeline runs that recorded a dataset version",
                                value=runs or 0)
        gauge = GaugeMetricFamily("kho_quality_checks", "Quality checks of the current versions, by status",
                                  labels=["status"])
        for status, count in checks:
            gauge.add_metric([status], count)
        yield gauge
        stamp = GaugeMetricFamily("kho_dataset_current_version_timestamp_seconds",
                                  "When the current version of each dataset was published (Unix time, UTC)",
                                  labels=["dataset"])
        for name, created in published:
            stamp.add_metric([name], created.replace(tzinfo=dt.UTC).timestamp())
        yield stamp


def _metrics_of(scope_or_app: Any) -> Metrics | None:
    app = scope_or_app.get("app") if isinstance(scope_or_app, dict) else scope_or_app
    return getattr(getattr(app, "state", None), "metrics", None)


def record_rows_served(request: Request, dataset: str | None, rows: int | None) -> None:
    """Count rows handed out by a data door (called by `api.access.audit_access`, which every door calls)."""
    if not rows or not dataset:
        return
    metrics = _metrics_of(request.scope)
    if metrics is not None:
        metrics.rows.labels(dataset=dataset).inc(rows)


class ObservabilityMiddleware:
    """Times every HTTP request, counts it by route template and status, writes the JSON access line."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _request_id(scope)
        status, size = 500, 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = _route_template(scope)
            path = scope.get("path", "")
            if self.metrics is not None and path not in QUIET_PATHS:
                self.metrics.requests.labels(method=scope["method"], route=route, status=str(status)).inc()
                self.metrics.latency.labels(method=scope["method"], route=route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %s", scope["method"], path, status,
                                extra={"kho": _access_fields(scope, request_id, route, status, elapsed, size)})


def _route_template(scope: Scope) -> str:
    """The template of the route that answered; for requests answered before routing (401, 429 from the
    access middleware) the documented route (OpenAPI) they were meant for; `<unmatched>` otherwise."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    app = scope.get("app")
    templates = getattr(getattr(app, "state", None), "route_templates", None)
    if templates is None and app is not None:
        try:
            templates = [(compile_path(path)[0], path) for path in app.openapi().get("paths", {})]
        except Exception:  # noqa: BLE001 - no schema, no fallback
            templates = []
        app.state.route_templates = templates
    path = scope.get("path", "")
    for regex, template in templates or ():
        if regex.match(path):
            return template
    return UNMATCHED


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if 0 < len(text) <= 128 and text.isprintable():
                return text
    return uuid.uuid4().hex


def _access_fields(scope: Scope, request_id: str, route: str, status: int, elapsed: float, size: int) -> dict:
    client = scope.get("client")
    principal = (scope.get("state") or {}).get("principal")
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": scope["method"],
        "path": scope.get("path", ""),
        "route": route,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "bytes": size,
        "client_ip": client[0] if client else None,
    }
    if principal is not None and getattr(principal, "is_authenticated", False):
        fields.update(agency=principal.agency_code, role=principal.role, token_id=principal.token_id)
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, plus the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update(getattr(record, "kho", None) or {})
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for `kho serve`: Kho and uvicorn logs as JSON lines (or plain text)."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "loggers": {
            "kho": {"handlers": ["default"], "level": level, "propagate": False},
            "api": {"handlers": ["default"], "level": level, "propagate": False},
            "catalog": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # kho.access replaces uvicorn's access log (it knows the route, the caller and the duration)
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _readiness(app: FastAPI, settings: Settings) -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    store = getattr(app.state, "store", None)
    try:
        if store is None:
            raise RuntimeError("the app has not started")
        with store.engine.connect() as con:
            con.execute(sa.text("SELECT 1"))
        checks["catalogue"] = {"ok": True, "dialect": store.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["catalogue"] = {"ok": False, "error": type(exc).__name__}
    published = Path(settings.published_dir)
    readable = published.is_dir() and os.access(published, os.R_OK | os.X_OK)
    checks["published"] = {"ok": readable} if readable else {"ok": False, "error": "missing or not readable"}
    redis_url = os.environ.get("KHO_REDIS_URL")
    if redis_url:
        try:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
            try:
                client.ping()
            finally:
                client.close()
            checks["redis"] = {"ok": True}
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
    return all(c["ok"] for c in checks.values()), checks


#: roles whose token may read /metrics (it names every dataset, shared and private ones too)
METRICS_ROLES = frozenset({"steward", "admin"})


def metrics_mode() -> str:
    """KHO_METRICS: `token` (default: a steward or admin token is required), `public` (anyone: only when
    the reverse proxy keeps /metrics off the internet), or `off`."""
    value = os.environ.get("KHO_METRICS", "token").strip().lower()
    if value in {"0", "false", "no", "off"}:
        return "off"
    return "public" if value == "public" else "token"


def install_observability(app: FastAPI, settings: Settings) -> None:
    mode = metrics_mode()
    metrics = Metrics() if mode != "off" else None
    app.state.metrics = metrics
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        ok, checks = _readiness(request.app, settings)
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503,
                            headers={"Cache-Control": "no-store"})

    if metrics is not None:
        catalogue = CatalogueCollector(app)

        @router.get("/metrics")
        def prometheus(request: Request) -> Response:
            if mode == "token":
                principal = getattr(request.state, "principal", None)
                if getattr(principal, "role", None) not in METRICS_ROLES:
                    # dataset names (also of shared and private datasets) are labels: not for everyone
                    return JSONResponse({"detail": "metrics need a steward or admin token "
                                                   "(Authorization: Bearer kho_…), or KHO_METRICS=public"},
                                        status_code=403, headers={"Cache-Control": "no-store"})
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                from prometheus_client import multiprocess

                workers = CollectorRegistry()
                multiprocess.MultiProcessCollector(workers)  # the request metrics of every worker, summed
                source = _Both(workers, catalogue)
            else:
                source = _Both(metrics.registry, catalogue)
            return Response(generate_latest(source), media_type=CONTENT_TYPE_LATEST,
                            headers={"Cache-Control": "no-store"})

    app.include_router(router)


class _Both:
    """Collects the metrics of a registry and then of the catalogue collector (without registering it)."""

    def __init__(self, registry: CollectorRegistry, extra: CatalogueCollector):
        self.registry, self.extra = registry, extra

    def collect(self):
        yield from self.registry.collect()
        yield from self.extra.collect()
