"""The access layer every door passes through: authentication, rate limits and the audit helper.

`install_access(app, settings)` (called once in `api.app.create_app`) adds an ASGI middleware that, for
every HTTP request:

1. reads the token from `Authorization: Bearer kho_…` (also the CKAN forms `Authorization: kho_…` and
   `X-CKAN-API-Key: kho_…`, so `ckanapi` works unchanged; never from the query string, which ends up in
   logs). A malformed, unknown, expired or revoked token answers 401 with a clear message — a caller
   who sends a token wants to be that agency, so we never silently downgrade them to anonymous;
2. sets `request.state.principal` (a `Principal` with the agency's active grants) — anonymous when no
   token was sent;
3. applies the rate limits: per client IP for anonymous requests, per token for authenticated ones
   (agencies behind one LGSP gateway share an IP, so tokens are not also limited per IP), and per IP for
   rejected tokens. Over the limit: 429 with `Retry-After` and a JSON message.

Errors are shaped for the door: CKAN's envelope under `/api/3/` and `/api/action/`, GraphQL's
`{"errors": […]}` under `/graphql`, and `{"detail", "error"}` elsewhere.

Doors call `audit_access(request, dataset, version, params, rows_returned)` for every data access; it
writes an audit entry for authenticated callers and does nothing for anonymous ones. If the entry cannot
be written the access is refused (503): no unaudited non-anonymous data access.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import asynccontextmanager
from types import MappingProxyType
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access.audit import AuditEntry, AuditLog
from api.access.config import AccessConfig, Rate
from api.access.grants import grants_for
from api.access.masking import MaskedColumnError
from api.access.policy import ANONYMOUS, Principal
from api.access.ratelimit import Decision, InProcessLimiter, build_limiter
from api.access.tokens import TokenError, TokenInfo, authenticate, parse_token
from api.observability import record_rows_served

log = logging.getLogger(__name__)

SCOPE_KEY = "kho.access"


class Rejection(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class AuditUnavailable(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=503, detail="the audit log could not be written, so the data is not "
                                                 "served; try again shortly")


class AccessService:
    """Authentication, grants, rate limits and audit over the catalogue database."""

    def __init__(self, config: AccessConfig, engine: sa.Engine | None = None):
        self.config = config
        self.limiter = build_limiter(config)
        self.engine: sa.Engine | None = None
        self.audit: AuditLog | None = None
        if engine is not None:
            self.bind(engine)

    def bind(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.audit = AuditLog(engine, self.config.audit_key)

    def close(self) -> None:
        self.limiter.close()

    @property
    def needs_thread(self) -> bool:
        """Whether anonymous admission does I/O (Redis) and so must leave the event loop."""
        return not isinstance(self.limiter, InProcessLimiter)

    # -- authentication --------------------------------------------------------------------
    def principal_for(self, raw_token: str) -> tuple[Principal, TokenInfo]:
        parse_token(raw_token)  # malformed tokens are refused without touching the database
        if self.engine is None:
            raise Rejection(503, "unavailable", "the access service is starting; try again shortly")
        try:
            with self.engine.begin() as con:
                info = authenticate(con, raw_token, pepper=self.config.token_pepper)
                grants = grants_for(con, info.agency_code)
        except SQLAlchemyError:
            log.exception("authentication failed on a database error")
            raise Rejection(503, "unavailable", "authentication is unavailable; try again shortly") from None
        principal = Principal(role=info.role, agency_code=info.agency_code, grants=MappingProxyType(grants),
                              token_id=info.id)
        return principal, info

    # -- admission -------------------------------------------------------------------------
    def admit(self, raw_token: str | None, client_ip: str, exempt: bool) -> tuple[Principal, Decision | None]:
        """Who the caller is and whether they may proceed; raises Rejection (401/429/503) otherwise."""
        if raw_token is None:
            decision = None
            if not exempt and self.config.anonymous_rate:
                decision = self._limit(f"ip:{client_ip}", self.config.anonymous_rate,
                                       f"requests without a token from your address ({client_ip})",
                                       "send an API token to get a higher limit")
            return ANONYMOUS, decision
        try:
            principal, info = self.principal_for(raw_token)
        except TokenError as exc:
            log.info("rejected token from %s: %s", client_ip, exc)
            if self.config.auth_failure_rate:
                self._limit(f"authfail:{client_ip}", self.config.auth_failure_rate,
                            f"rejected tokens from your address ({client_ip})", "check the token you send")
            raise Rejection(401, "invalid_token", str(exc), {
                "WWW-Authenticate": f'Bearer realm="kho", error="invalid_token", error_description="{exc}"'
            }) from None
        decision = None
        rate = info.rate or self.config.token_rate
        if rate and not exempt:
            decision = self._limit(f"token:{info.id}", rate, f"token {info.id}", "ask the platform for a higher "
                                   "limit if your integration needs it")
        return principal, decision

    def _limit(self, key: str, rate: Rate, who: str, hint: str) -> Decision:
        decision = self.limiter.hit(key, rate)
        if not decision.allowed:
            retry = decision.retry_after_header
            raise Rejection(
                429, "rate_limited",
                f"Too many requests: the limit for {who} is {rate}. Retry after {retry} s; {hint}.",
                {"Retry-After": retry, "X-RateLimit-Limit": str(rate.limit), "X-RateLimit-Remaining": "0"},
                {"retry_after": int(retry), "limit": str(rate)},
            )
        return decision


def extract_token(headers: Headers) -> str | None:
    """The token the request carries, None without one; Rejection(401) for an unusable header."""
    values = headers.getlist("authorization")
    if len(values) > 1:
        raise _unauthorized("send one Authorization header, not several")
    if values:
        value = values[0].strip()
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "bearer":
            if not rest.strip():
                raise _unauthorized("empty bearer token: send 'Authorization: Bearer <token>'")
            return rest.strip()
        if value.startswith("kho_") and " " not in value:  # CKAN clients send the bare key
            return value
        raise _unauthorized(f"unsupported Authorization scheme {scheme!r}: send 'Authorization: Bearer <token>'")
    ckan = headers.get("x-ckan-api-key")
    if ckan is not None:
        if not ckan.strip():
            raise _unauthorized("empty X-CKAN-API-Key header")
        return ckan.strip()
    return None


def _unauthorized(message: str) -> Rejection:
    return Rejection(401, "invalid_request", message,
                     {"WWW-Authenticate": f'Bearer realm="kho", error="invalid_request", error_description="{message}"'})


def error_body(path: str, status: int, code: str, message: str, extra: Mapping[str, Any] | None = None) -> dict:
    """An error in the shape the door's clients expect."""
    if path.startswith(("/api/3/", "/api/action/")):
        kind = {401: "Authorization Error", 403: "Authorization Error", 429: "Rate Limit Error"}.get(status, "Error")
        return {"help": "", "success": False, "error": {"__type": kind, "message": message, **(extra or {})}}
    if path.startswith("/graphql"):
        return {"errors": [{"message": message, "extensions": {"code": code.upper(), **(extra or {})}}]}
    return {"detail": message, "error": code, **(extra or {})}


class AccessMiddleware:
    def __init__(self, app: ASGIApp, service: AccessService):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service = self.service
        path = scope.get("path", "")
        client = scope.get("client")
        client_ip = client[0] if client else "unknown"
        exempt = path.startswith(service.config.exempt_prefixes)
        try:
            raw = extract_token(Headers(scope=scope))
            if raw is not None or service.needs_thread:
                principal, decision = await anyio.to_thread.run_sync(service.admit, raw, client_ip, exempt)
            else:
                principal, decision = service.admit(raw, client_ip, exempt)
        except (Rejection, TokenError) as exc:
            rejection = exc if isinstance(exc, Rejection) else Rejection(401, "invalid_token", str(exc))
            response = JSONResponse(error_body(path, rejection.status, rejection.code, rejection.message,
                                               rejection.extra),
                                    status_code=rejection.status, headers=rejection.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        scope[SCOPE_KEY] = service
        if decision is None:
            await self.app(scope, receive, send)
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-ratelimit-limit", str(decision.limit).encode()))
                headers.append((b"x-ratelimit-remaining", str(decision.remaining).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_limits)


def install_access(app: FastAPI, settings: Any = None, config: AccessConfig | None = None) -> AccessService:
    """Put access control in front of every route of `app` (call once, inside `create_app`).

    The service binds to the catalogue database (`app.state.store.engine`) when the app starts and
    creates the access tables if missing."""
    service = AccessService(config or AccessConfig.from_env())
    app.state.access = service
    app.add_middleware(AccessMiddleware, service=service)

    @app.exception_handler(MaskedColumnError)
    async def _masked(request: Request, exc: MaskedColumnError) -> JSONResponse:
        return JSONResponse(error_body(request.url.path, 403, "personal_data", str(exc), {"columns": exc.columns}),
                            status_code=403)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI):
        async with inner(a) as state:
            store = getattr(a.state, "store", None)
            if store is not None:
                from api.access.models import create_access_schema

                await anyio.to_thread.run_sync(create_access_schema, store.engine)
                service.bind(store.engine)
            try:
                yield state
            finally:
                service.close()

    app.router.lifespan_context = lifespan
    return service


def principal_of(request: Request) -> Principal:
    """The caller as authenticated by the access middleware (anonymous when no token was sent)."""
    return getattr(request.state, "principal", ANONYMOUS)


def _service_of(request: Request) -> AccessService:
    service = request.scope.get(SCOPE_KEY) or getattr(request.app.state, "access", None)
    if service is None or service.audit is None:
        raise AuditUnavailable()
    return service


#: Query parameters never copied into the audit log (credentials someone put in a URL).
REDACTED_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "key", "password", "secret"})


def _query_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key.lower() in REDACTED_PARAMS:
            value = "[redacted]"
        if key in params:
            params[key] = (params[key] if isinstance(params[key], list) else [params[key]]) + [value]
        else:
            params[key] = value
    return params


def audit_access(
    request: Request,
    dataset: str | None,
    version: str | None,
    params: Mapping[str, Any] | None = None,
    rows_returned: int | None = None,
    *,
    action: str | None = None,
    status: int = 200,
) -> AuditEntry | None:
    """Record a data access by an authenticated caller (who, dataset, version, filters, rows, time).

    Anonymous callers are not recorded (returns None). `params` defaults to the request's query string;
    `action` to "<METHOD> <path>". Raises `AuditUnavailable` (503) if the entry cannot be written — call
    it before sending the data. For a streamed export, call it when the stream starts with
    `rows_returned=None` (or the planned count) and `action="export"`."""
    principal = principal_of(request)
    if not principal.is_authenticated:
        record_rows_served(request, dataset, rows_returned)  # Prometheus kho_rows_served_total
        return None
    service = _service_of(request)
    client = request.client
    try:
        entry = service.audit.append(
            action or f"{request.method} {request.url.path}",
            token_id=principal.token_id, agency_code=principal.agency_code, role=principal.role,
            dataset=dataset, version=version, params=_query_params(request) if params is None else dict(params),
            rows_returned=rows_returned, status=status, client_ip=client.host if client else None,
        )
    except SQLAlchemyError:
        log.exception("audit entry for %s on %s could not be written", principal.agency_code, dataset)
        raise AuditUnavailable() from None
    record_rows_served(request, dataset, rows_returned)
    return entry


async def audit_access_async(request: Request, dataset: str | None, version: str | None,
                             params: Mapping[str, Any] | None = None, rows_returned: int | None = None,
                             *, action: str | None = None, status: int = 200) -> AuditEntry | None:
    """`audit_access` for async handlers (GraphQL resolvers): the database write runs in a thread."""
    if not principal_of(request).is_authenticated:
        return None
    return await anyio.to_thread.run_sync(
        lambda: audit_access(request, dataset, version, params, rows_returned, action=action, status=status))


