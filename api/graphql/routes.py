"""HTTP for GraphQL at `/graphql`: POST (JSON or `application/graphql`), GET with `?query=`, and
GraphiQL for a browser that opens `/graphql` without a query.

GraphiQL and React are served from `api/static/graphiql/` (vendored from the npm registry, licences
alongside): nothing loads from a CDN. Send a token from GraphiQL's *Headers* tab:
`{"Authorization": "Bearer kho_…"}`.

Status codes: 200 when the operation ran (field errors, if any, are in `errors` next to `data`); 400 for
a document that does not parse, does not validate or exceeds a limit, and for bad variables; 503 when
the audit log could not be written (no data is then sent). Errors raised before a request gets here
(401 bad token, 429 rate limit) already come in GraphQL's `{"errors": […]}` shape (`api.access`).
"""

from __future__ import annotations

import html
import json
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.access.middleware import REDACTED_PARAMS
from api.graphql.service import GraphQLService, Outcome, _errors
from api.routes.common import json_bytes

router = APIRouter(tags=["graphql"])

MAX_BODY_BYTES = 1_000_000
NO_STORE = {"Cache-Control": "no-store"}

EXAMPLE_QUERY = """\
# Kho GraphQL — dữ liệu mở và dùng chung của tỉnh / the province's open and shared data.
# Datasets you can see: {datasets}
# Shared and private data need a token: Headers tab → {{"Authorization": "Bearer kho_…"}}
{{
  datasets {{ name title_vi version row_count field aggregate_field }}
}}
"""

DESCRIPTION = """\
One GraphQL type per published dataset you can see, generated from its published schema: a rows field with
`filter` (the REST operators: `eq`, `not`, `gt`, `gte`, `lt`, `lte`, `in`, `notin`, `contains`, `startswith`,
`endswith`, `date`, `isnull`, `notnull`), `sort`, `search`, `first` (≤ 1000), `after` and `version`, returning a Relay
connection (`edges`, `nodes`, `pageInfo`, `totalCount` capped at 10,000 when filtered), and an aggregate field with
`groupBy` returning `count`, `sum`, `avg`, `min`, `max` per group. Resolved by the same query engine as REST, with the
same masking of personal data and the same audit log. Limits: depth 16, 2,000 fields, 10 dataset fields and 10,000
rows per request, 10 s. Open `/graphql` in a browser for GraphiQL.
"""


def service_of(request: Request) -> GraphQLService:
    service = getattr(request.app.state, "graphql", None)
    if service is None:
        service = request.app.state.graphql = GraphQLService()
    return service


def _answer(outcome: Outcome) -> Response:
    return Response(json_bytes(outcome.body), status_code=outcome.status, media_type="application/json",
                    headers=NO_STORE)


def _bad(message: str) -> Response:
    return _answer(Outcome(400, _errors("BAD_REQUEST", message)))


async def _run(request: Request, query: Any, variables: Any, operation_name: Any) -> Response:
    service = service_of(request)
    outcome = await anyio.to_thread.run_sync(service.run, request, query, variables, operation_name)
    return _answer(outcome)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


@router.get("/graphql", summary="GraphQL query (GET) or GraphiQL in a browser", description=DESCRIPTION,
            openapi_extra={"parameters": [
                {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "The GraphQL document", "example": "{ datasets { name version } }"},
                {"name": "variables", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Variables as a JSON object"},
                {"name": "operationName", "in": "query", "required": False, "schema": {"type": "string"}},
            ]})
async def graphql_get(request: Request) -> Response:
    if _wants_html(request):
        return await _graphiql(request)
    params = request.query_params
    for name in params:
        if name not in ("query", "variables", "operationName") and name.lower() not in REDACTED_PARAMS:
            return _bad(f"unknown parameter {name[:80]!r}; use query, variables and operationName")
    if len(params.getlist("query")) > 1:
        return _bad("send one `query`")
    variables: Any = None
    if params.get("variables"):
        try:
            variables = json.loads(params["variables"])
        except ValueError:
            return _bad("`variables` is not valid JSON")
    return await _run(request, params.get("query"), variables, params.get("operationName") or None)


@router.post("/graphql", summary="GraphQL query (POST)", description=DESCRIPTION,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "required": ["query"], "properties": {
                     "query": {"type": "string"}, "variables": {"type": "object"},
                     "operationName": {"type": "string"}}},
                     "example": {"query": "query($s: [String!]) { dossiers(filter: {status: {in: $s}}, "
                                          "sort: [received_at_desc], first: 20) { totalCount nodes { dossier_code "
                                          "status received_at } pageInfo { hasNextPage endCursor } } }",
                                 "variables": {"s": ["tu_choi"]}}},
                 "application/graphql": {"schema": {"type": "string"}}}}})
async def graphql_post(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _answer(Outcome(413, _errors("BAD_REQUEST", f"the request body is larger than {MAX_BODY_BYTES} bytes")))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/graphql":
        try:
            return await _run(request, body.decode("utf-8"), None, None)
        except UnicodeDecodeError:
            return _bad("the body is not UTF-8")
    try:
        payload = json.loads(body)
    except ValueError:
        return _bad("the body must be JSON: {\"query\": \"…\", \"variables\": {…}, \"operationName\": \"…\"}")
    if not isinstance(payload, dict):
        return _bad("the body must be a JSON object with `query`")
    return await _run(request, payload.get("query"), payload.get("variables"), payload.get("operationName"))


async def _graphiql(request: Request) -> HTMLResponse:
    service = service_of(request)
    built, _ = await anyio.to_thread.run_sync(service.schema_for, request)
    names = ", ".join(sorted(built.bindings)) or "—"
    config = json.dumps({"url": request.scope.get("root_path", "") + "/graphql", "query": EXAMPLE_QUERY.format(datasets=names)},
                        ensure_ascii=False).replace("</", "<\\/")
    page = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kho — GraphQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/graphiql/graphiql.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">{html.escape("Đang tải GraphiQL… / Loading GraphiQL…")}</div>
<script id="graphiql-config" type="application/json">{config}</script>
<script src="/static/graphiql/react.production.min.js"></script>
<script src="/static/graphiql/react-dom.production.min.js"></script>
<script src="/static/graphiql/graphiql.min.js"></script>
<script src="/static/graphiql/init.js"></script>
</body>
</html>
"""
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
