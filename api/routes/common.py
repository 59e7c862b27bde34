"""What every Data API route shares: finding a dataset and version the caller may see, turning the query
engine's errors into HTTP answers, JSON bodies, and HTTP caching from immutable versions.

Errors have one shape on every `/api/v1` route::

    {"error": "bad_parameter", "detail": "unknown column 'x'", "param": "x__gt"}

``error`` is a stable code (`bad_parameter`, `personal_data`, `not_found`, `gone`, `unavailable`,
`timeout`), ``detail`` a sentence for people, ``param`` the query parameter at fault (or null). A
dataset the caller may not see answers exactly like one that does not exist (404, same body with the
name swapped), so a private dataset's existence is never revealed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from api.access import Principal, can_see_dataset, masked_columns, principal_of
from api.access.middleware import REDACTED_PARAMS
from api.engine import ParquetEngine
from api.query import AccessPolicy, DatasetSpec, MaskedColumnRefused, QueryError, QueryTimeout, requested_version
from api.query.errors import safe_text
from catalog.store import CatalogStore, Version

#: Bumped when the JSON shape of responses changes, so cached copies are not reused across it.
RESPONSE_REVISION = "1"
#: Time limit of one page or group-by statement (``KHO_API_TIME_LIMIT_MS``).
TIME_LIMIT_MS = int(os.environ.get("KHO_API_TIME_LIMIT_MS", "3000"))
#: How long a response of the *current* version may be reused without asking again: the current
#: pointer can move at any time, so it is short; a response pinned to a version never changes.
CURRENT_MAX_AGE = 60
PINNED_MAX_AGE = 86_400
VARY = "Authorization, X-CKAN-API-Key"


class ApiError(Exception):
    """An answer other than 200; ``install_data_api`` registers the handler that renders it."""

    def __init__(self, status: int, code: str, detail: str, param: str | None = None,
                 extra: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.param = status, code, detail, param
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, "param": self.param, **self.extra}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def bad_parameter(param: str | None, detail: str) -> ApiError:
    return ApiError(400, "bad_parameter", detail, None if param is None else safe_text(param, 120))


def from_query_error(error: QueryError) -> ApiError:
    """The HTTP answer to a query-engine error: 400, or 403 for a masked personal-data column."""
    if isinstance(error, MaskedColumnRefused):
        return ApiError(403, "personal_data", error.message, error.param, {"columns": [error.column]})
    code = "timeout" if isinstance(error, QueryTimeout) else "bad_parameter"
    return ApiError(error.status, code, error.message, error.param)


def not_found(name: str) -> ApiError:
    return ApiError(404, "not_found", f"dataset {safe_text(name, 100)!r} not found")


def store_of(request: Request) -> CatalogStore:
    return request.app.state.store


def engine_of(request: Request) -> ParquetEngine:
    return request.app.state.engine


#: What a dataset or version name can look like; anything else is not looked up at all (a NUL byte,
#: say, is refused by PostgreSQL as a query parameter).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,99}", re.ASCII)


def visible_dataset(request: Request, name: str) -> dict[str, Any]:
    """The dataset row if it exists, has a current version and the caller may see it; else 404."""
    dataset = store_of(request).get_dataset(name) if _NAME.fullmatch(name) else None
    if dataset is None or not dataset.get("current_version") or not can_see_dataset(principal_of(request), dataset):
        raise not_found(name)
    return dataset


def published_version(request: Request, dataset: Mapping[str, Any], version_id: str) -> Version | None:
    """A published version of the dataset; None for unknown and rejected ones (cached: immutable)."""
    return engine_of(request).version(store_of(request), dataset["name"], version_id)


@dataclass(frozen=True)
class Resolved:
    """The dataset version a request reads, and what the caller may see of it."""

    dataset: dict[str, Any]
    version: Version
    spec: DatasetSpec
    principal: Principal
    masked: frozenset[str]
    #: The version was chosen by the request (``_version``, a page token or the URL path): its
    #: content never changes.
    pinned: bool

    @property
    def name(self) -> str:
        return self.dataset["name"]

    @property
    def is_current(self) -> bool:
        return self.version.version == self.dataset["current_version"]

    @property
    def policy(self) -> AccessPolicy:
        return AccessPolicy.from_masked_columns(self.masked)


def resolve(request: Request, name: str, params: Sequence[tuple[str, str]] = ()) -> Resolved:
    """Dataset, version (``_version``, else the version inside a ``_next`` token, else the current
    one), spec and masking for a request with query parameters.

    404 for a dataset the caller may not see; 400 naming ``_version`` (or ``_next``) for a version that
    is not published; 410 when a published version's file is no longer kept.
    """
    dataset = visible_dataset(request, name)
    try:
        version_id = requested_version(params, name)
    except QueryError as error:
        raise from_query_error(error) from None
    if version_id is None:
        version = published_version(request, dataset, dataset["current_version"])
        if version is None:  # the current pointer names a version that cannot be served
            raise ApiError(503, "unavailable", f"the current version of {name!r} is not available; try again shortly")
        return _resolved(request, dataset, version, pinned=False)
    version = published_version(request, dataset, version_id)
    if version is None:
        param = "_version" if any(key == "_version" and value.strip() for key, value in params) else "_next"
        raise bad_parameter(param, f"dataset {name!r} has no published version {safe_text(version_id, 100)!r}; "
                                   f"see /api/v1/datasets/{name}/versions")
    return _resolved(request, dataset, version, pinned=True)


def resolve_path_version(request: Request, name: str, version_id: str) -> Resolved:
    """Like :func:`resolve` for a version named in the URL path: 404 when it is not published."""
    dataset = visible_dataset(request, name)
    version = published_version(request, dataset, version_id) if _NAME.fullmatch(version_id) else None
    if version is None:
        raise ApiError(404, "not_found", f"dataset {name!r} has no published version {safe_text(version_id, 100)!r}")
    return _resolved(request, dataset, version, pinned=True)


def _resolved(request: Request, dataset: dict[str, Any], version: Version, pinned: bool) -> Resolved:
    spec = engine_of(request).spec_for(dataset, version)
    if not os.path.exists(spec.parquet_path):
        if not pinned:
            raise ApiError(503, "unavailable", f"the current version of {dataset['name']!r} is not available; "
                                               "try again shortly")
        raise ApiError(410, "gone", f"the files of version {version.version!r} of {dataset['name']!r} are no longer kept")
    principal = principal_of(request)
    masked = frozenset(masked_columns(principal, dataset, version.schema["columns"]))
    return Resolved(dataset, version, spec, principal, masked, pinned)


# -- JSON --------------------------------------------------------------------------------------------

def json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


class JSONBody(Response):
    """A JSON response written compactly, keeping Vietnamese text readable (no ``\\u`` escapes)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


# -- HTTP caching ----------------------------------------------------------------------------------

def etag_of(*parts: Any) -> str:
    digest = hashlib.sha256(json.dumps([RESPONSE_REVISION, *parts], default=str, ensure_ascii=False,
                                       separators=(",", ":")).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def data_etag(resolved: Resolved, kind: str, params: Iterable[tuple[str, str]]) -> str:
    """An ETag for data of an immutable version: the same request by a caller with the same masking
    always gets the same bytes, so the version's content hash, the parameters and the masked
    columns identify the response."""
    return etag_of(kind, resolved.name, resolved.version.version, resolved.version.content_hash,
                   list(params), sorted(resolved.masked))


def cache_headers(principal: Principal, pinned: bool, etag: str | None = None) -> dict[str, str]:
    """``Cache-Control``: a pinned version's data never changes (long-lived, ``immutable``); the
    current version's may be replaced by a newer one at any time (a minute, then revalidate with the
    ETag). Answers to authenticated callers are ``private``: shared caches must not hand them on."""
    scope = "private" if principal.is_authenticated else "public"
    control = (f"{scope}, max-age={PINNED_MAX_AGE}, immutable" if pinned
               else f"{scope}, max-age={CURRENT_MAX_AGE}, must-revalidate")
    headers = {"Cache-Control": control, "Vary": VARY}
    if etag:
        headers["ETag"] = etag
    return headers


def metadata_headers(principal: Principal, body: bytes) -> dict[str, str]:
    """Metadata may change with any publication: an ETag of the body and revalidation every time."""
    scope = "private" if principal.is_authenticated else "public"
    return {"Cache-Control": f"{scope}, no-cache", "Vary": VARY,
            "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"'}


def matches(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or ``*``)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {item.strip().removeprefix("W/") for item in header.split(",")}
    return "*" in candidates or etag in candidates


def not_modified(headers: Mapping[str, str]) -> Response:
    return Response(status_code=304, headers=dict(headers))


def no_parameters(request: Request, allowed: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The query parameters of a route that takes only ``allowed`` ones; 400 naming any other.
    Credentials someone put in the URL are ignored, never used (docs/access.md)."""
    params = list(request.query_params.multi_items())
    for key, _ in params:
        if key not in allowed and key.lower() not in REDACTED_PARAMS:
            takes = f"takes only {', '.join(allowed)}" if allowed else "takes no parameters"
            raise bad_parameter(key, f"unknown parameter {safe_text(key)!r}; this resource {takes}")
    return [(key, value) for key, value in params if key in allowed]


def metadata_response(request: Request, document: Any) -> Response:
    """A JSON metadata document with an ETag of its bytes (304 when the client has it already)."""
    body = json_bytes(document)
    headers = metadata_headers(principal_of(request), body)
    if matches(request, headers["ETag"]):
        return not_modified(headers)
    return Response(body, media_type="application/json", headers=headers)
