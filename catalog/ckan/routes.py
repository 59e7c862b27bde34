"""HTTP transport of the Action API, as `ckan/views/api.py` does it (reference/ckan.md §1): both route
prefixes, GET for side-effect-free actions only, JSON bodies (and CKAN's legacy single-key form), the
`{"help", "success", "result"|"error"}` envelope, CKAN's status codes and JSONP on GET."""

from __future__ import annotations

import html
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.access import ANONYMOUS, principal_of
from catalog.ckan.actions import ACTIONS, ActionContext
from catalog.ckan.errors import ActionError, BadRequest
from catalog.rows import RowReader

log = logging.getLogger(__name__)
JSON_TYPE = "application/json;charset=utf-8"

router = APIRouter(include_in_schema=False)


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(", ", ": "))


def _finish(status: int, body: Any, request: Request) -> Response:
    text = _dumps(body)
    media_type = JSON_TYPE
    callback = request.query_params.get("callback")
    if status == 200 and callback and request.method == "GET":
        text = f"{html.escape(callback)}({text});"
        media_type = "application/javascript;charset=utf-8"
    return Response(content=text.encode("utf-8"), status_code=status, media_type=media_type)


def _bad_request(message: str, request: Request) -> Response:
    return _finish(400, f"Bad request - {message}", request)


def _mixed(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            out[key] = out[key] + [value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


async def _request_data(request: Request, side_effect_free: bool) -> dict[str, Any]:
    if request.method == "GET":
        if not side_effect_free:
            raise BadRequest("JSON Error: Invalid request. Please use POST method for your request")
        return _mixed(list(request.query_params.multi_items()))
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        raise BadRequest("JSON Error: file uploads are not supported by this catalogue")
    if content_type == "application/x-www-form-urlencoded" and body:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        values = [value for _, value in form]
        if len(values) == 1 and values[0] in ("1", ""):
            try:
                data = json.loads(form[0][0])
            except ValueError as exc:
                raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc!r} "
                                 f"JSON data extracted from the request: {form[0][0]!r}") from exc
        else:
            data = _mixed(form)
    elif body.strip():
        try:
            data = json.loads(body)
        except ValueError as exc:
            extracted = body[:200].decode("utf-8", "replace")
            raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc!r} "
                             f"JSON data extracted from the request: {extracted!r}") from exc
    else:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest(f"JSON Error: Request data JSON decoded to {data!r} but it needs to be a dictionary.")
    return data


async def _action(request: Request, logic_function: str, ver: int) -> Response:
    catalog = request.app.state.catalog
    if logic_function not in ACTIONS:
        return _bad_request(f"Action name not known: {logic_function}", request)
    fn, side_effect_free = ACTIONS[logic_function]
    base = catalog.base_url(str(request.base_url))
    envelope: dict[str, Any] = {"help": f"{base}/api/{ver}/action/help_show?name={logic_function}"}
    try:
        data = await _request_data(request, side_effect_free)
    except BadRequest as exc:
        return _bad_request(exc.message, request)
    principal = principal_of(request)
    if "callback" in data:
        data.pop("callback")
        principal = ANONYMOUS  # CKAN runs JSONP requests anonymously
    ctx = ActionContext(request=request, principal=principal, catalog=catalog, base_url=base, api_version=ver,
                        rows=RowReader(request.app.state.engine))
    try:
        result = await run_in_threadpool(fn, ctx, data)
    except ActionError as exc:
        envelope.update(success=False, error=exc.error_body())
        return _finish(exc.status, envelope, request)
    except HTTPException as exc:  # e.g. 503 when the audit log cannot be written
        envelope.update(success=False, error={"__type": "Service Unavailable", "message": str(exc.detail)})
        return _finish(exc.status_code, envelope, request)
    except Exception:
        log.exception("action %s failed", logic_function)
        envelope.update(success=False, error={"__type": "Internal Server Error", "message": "Internal Server Error"})
        return _finish(500, envelope, request)
    envelope.update(success=True, result=result)
    return _finish(200, envelope, request)


@router.api_route("/api/3/action/{logic_function}", methods=["GET", "POST"])
async def action_v3(request: Request, logic_function: str) -> Response:
    return await _action(request, logic_function, 3)


@router.api_route("/api/action/{logic_function}", methods=["GET", "POST"])
async def action_unversioned(request: Request, logic_function: str) -> Response:
    return await _action(request, logic_function, 3)


@router.get("/api/3")
async def api_version(request: Request) -> Response:
    return _finish(200, {"version": 3}, request)
