"""Rows of a dataset under `/api/v1/datasets/{name}/rows[.json|.csv|.ndjson|.parquet]`.

One query grammar (Datasette's, `api/query/params.py`) for pages, group-by aggregates and exports, all
compiled by the one query engine (`api.query`) that GraphQL uses too:

* `rows` / `rows.json` — a page of rows (keyset paging with `_next`), optional facets and a capped
  count; with `_group_by` / `_agg`, grouped aggregates instead.
* `rows.csv`, `rows.ndjson`, `rows.parquet` — every matching row (or every group), streamed in
  constant memory as the engine produces Arrow batches.

Order of checks, so nothing leaks: the export format (independent of any dataset), then whether the
caller may see the dataset (404 exactly like a missing one), then the version, then every parameter
(400 naming it, 403 for a masked personal-data column). The audit entry for an authenticated caller is
written before any data is sent (an export's when its stream starts); if it cannot be written the data
is not served (503).
"""

from __future__ import annotations

import logging
from typing import Any, Iterator, Sequence

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from api.access import audit_access
from api.access.middleware import REDACTED_PARAMS
from api.query import EXPORT_FORMATS, QueryError, RowsQuery, parse_rows_request, run_group_by
from api.query.exports import iter_export
from api.routes.common import (
    TIME_LIMIT_MS, ApiError, Resolved, bad_parameter, cache_headers, data_etag, engine_of, from_query_error,
    json_bytes, matches, not_modified, resolve,
)
from api.routes.openapi import (
    BOM_PARAM, EXPORT_PARAMS, GROUP_EXAMPLE, ROWS_ERROR_RESPONSES, ROWS_EXAMPLE, ROWS_PARAMS, DatasetName,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["rows"])

SHAPES = ("objects", "arrays")
NDJSON_BATCH_ROWS = 4096
#: Parameters that only make sense for a page; an export streams every matching row.
PAGE_ONLY = ("_size", "_next", "_facet", "_facet_size", "_extra", "_shape")
_FLAGS = {"": False, "0": False, "false": False, "off": False, "1": True, "true": True, "on": True}

ROWS_DESCRIPTION = """\
A page of the dataset's rows, filtered, sorted and paged with Datasette's grammar:

* filters `col=value`, `col__op=value` (`exact`, `not`, `gt`, `gte`, `lt`, `lte`, `contains`, `startswith`,
  `endswith`, `in`, `notin`, `isnull`, `notnull`, `date`), ANDed;
* `_sort` / `_sort_desc`, `_size` (≤ 1000), and `_next`: the opaque token of the previous page's `next`
  (keyset paging: every row exactly once, on one immutable version even while a newer one is published);
* `_col` / `_nocol`, `_facet`, `_search` (ignores case and diacritics), `_extra=count` (capped at 10,000
  when filtered), `_version`, `_shape=arrays`;
* with `_group_by` and/or `_agg`, one row per group with its aggregates instead (`count`, `sum:col`,
  `avg:col`, `min:col`, `max:col`).

Personal-data columns are `null` for callers without a personal-data grant and listed in
`masked_columns`; they cannot be filtered, sorted, faceted, searched or grouped on (403). `rows.json` is the
same resource. Examples:

* `/api/v1/datasets/dossiers/rows?status=da_tra_ket_qua&received_at__gte=2026-01-01&_sort_desc=received_at&_size=50`
* `/api/v1/datasets/dossiers/rows?channel__in=truc_tuyen,buu_chinh&_facet=status&_extra=count`
* `/api/v1/datasets/dossiers/rows?_group_by=agency_id,status&_agg=count,avg:step_count&_sort_desc=count`
"""

EXPORT_DESCRIPTION = """\
Every row matching the filters (or every group of a `_group_by`), streamed in constant memory: the same
grammar as `rows` without the paging parameters (`_size`, `_next`, `_facet`, `_extra`, `_shape` are refused).
Without `_sort` rows come in the file's order. Masked personal-data columns are present and empty.

* **CSV**: UTF-8, header row, RFC 4180 (CRLF, quotes doubled); NULL is an empty field, the empty string is `""`;
  `_bom=1` adds a byte-order mark for spreadsheet programs.
* **NDJSON**: one JSON object per line, the same values as the JSON rows.
* **Parquet**: zstd, the query's column types (masked columns keep their type and are all null).

Example: `/api/v1/datasets/dossiers/rows.csv?received_at__date=2026-10-15&_col=dossier_code,status&_dl=1`
"""


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _flag(params: Sequence[tuple[str, str]], name: str) -> bool:
    values = [value for key, value in params if key == name]
    if len(values) > 1:
        raise bad_parameter(name, "is given more than once")
    if not values:
        return False
    flag = _FLAGS.get(values[0].strip().lower())
    if flag is None:
        raise bad_parameter(name, "expects 1 or 0")
    return flag


def _shape(params: Sequence[tuple[str, str]]) -> str:
    values = [value.strip() for key, value in params if key == "_shape"]
    if len(values) > 1:
        raise bad_parameter("_shape", "is given more than once")
    shape = (values[0] if values else "") or "objects"
    if shape not in SHAPES:
        raise bad_parameter("_shape", f"must be one of {', '.join(SHAPES)}")
    return shape


def _parse(resolved: Resolved, params: Sequence[tuple[str, str]], passthrough: set[str]) -> RowsQuery:
    # Credentials someone put in the URL are ignored, never used (docs/access.md), unless a column has the name.
    ignored = {name for name, _ in params if name.lower() in REDACTED_PARAMS and name not in resolved.spec.by_name}
    try:
        return parse_rows_request(resolved.spec, params, resolved.policy, passthrough=passthrough | ignored)
    except QueryError as error:
        raise from_query_error(error) from None


def _unavailable(resolved: Resolved, error: Exception) -> ApiError:
    log.error("reading %s version %s failed: %s", resolved.name, resolved.version.version, error)
    return ApiError(503, "unavailable", f"the data of {resolved.name!r} could not be read; try again shortly")


def _rows_response(request: Request, name: DatasetName) -> Response:
    params = _params(request)
    shape = _shape(params)
    resolved = resolve(request, name, params)
    query = _parse(resolved, params, {"_shape"})
    etag = data_etag(resolved, "rows", params)
    headers = cache_headers(resolved.principal, resolved.pinned, etag)
    if matches(request, etag):
        audit_access(request, name, resolved.version.version, rows_returned=0, status=304)
        return not_modified(headers)
    engine = engine_of(request)
    try:
        if query.is_grouped:
            result: Any = run_group_by(engine.query_conn, query, time_limit_ms=TIME_LIMIT_MS)
        else:
            result = engine.run_page(query, time_limit_ms=TIME_LIMIT_MS)
    except QueryError as error:
        raise from_query_error(error) from None
    except duckdb.Error as error:
        raise _unavailable(resolved, error) from None
    body = {"dataset": name, **result.to_json()}
    if not query.is_grouped:
        body["next_url"] = (str(request.url.include_query_params(_next=result.next_token))
                            if result.next_token else None)
    if shape == "arrays":
        body["rows"] = [[row[column] for column in body["columns"]] for row in body["rows"]]
    audit_access(request, name, resolved.version.version, rows_returned=len(result.rows))
    return Response(json_bytes(body), media_type="application/json", headers=headers)


@router.get("/datasets/{name}/rows", summary="Rows: filter, sort, page, facet, count, group", description=ROWS_DESCRIPTION,
            openapi_extra={"parameters": ROWS_PARAMS},
            responses={200: {"description": "A page of rows, or groups with `_group_by`/`_agg`",
                             "content": {"application/json": {"examples": {
                                 "page": {"summary": "A page of rows", "value": ROWS_EXAMPLE},
                                 "groups": {"summary": "Grouped aggregates", "value": GROUP_EXAMPLE}}}}},
                       **ROWS_ERROR_RESPONSES})
def rows(request: Request, name: DatasetName) -> Response:
    return _rows_response(request, name)


@router.get("/datasets/{name}/rows.json", summary="Rows as JSON (the same as `rows`)", description=ROWS_DESCRIPTION,
            openapi_extra={"parameters": ROWS_PARAMS}, responses=ROWS_ERROR_RESPONSES)
def rows_json(request: Request, name: DatasetName) -> Response:
    return _rows_response(request, name)


def _export(request: Request, name: str, format_name: DatasetName) -> Response:
    export = EXPORT_FORMATS[format_name]
    params = _params(request)
    for key, value in params:
        if key in PAGE_ONLY and value.strip():
            raise bad_parameter(key, f"does not apply to .{format_name} exports, which stream every matching row; "
                                     "use the JSON rows endpoint to page")
    download = _flag(params, "_dl")
    options: dict[str, Any] = {}
    passthrough = {"_dl"}
    if format_name == "ndjson":
        # NDJSON turns every value into a Python object: smaller batches keep that transient memory small
        options["batch_rows"] = NDJSON_BATCH_ROWS
    if format_name == "csv":
        options["bom"] = _flag(params, "_bom")
        passthrough.add("_bom")
    resolved = resolve(request, name, params)
    query = _parse(resolved, params, passthrough)
    etag = data_etag(resolved, format_name, params)
    file_name = f"{name}-{resolved.version.version}.{export.extension}"
    headers = {**cache_headers(resolved.principal, resolved.pinned, etag),
               "Content-Disposition": f'{"attachment" if download else "inline"}; filename="{file_name}"'}
    if matches(request, etag):
        audit_access(request, name, resolved.version.version, rows_returned=0, action="export", status=304)
        return not_modified(headers)
    try:
        chunks: Iterator[bytes] = iter_export(engine_of(request).query_conn, query, format_name, **options)
    except QueryError as error:
        raise from_query_error(error) from None
    except duckdb.Error as error:
        raise _unavailable(resolved, error) from None
    try:
        audit_access(request, name, resolved.version.version, rows_returned=None, action="export")
    except BaseException:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        raise
    return StreamingResponse(chunks, media_type=export.media_type, headers=headers)


_EXPORT_RESPONSES = ROWS_ERROR_RESPONSES


@router.get("/datasets/{name}/rows.csv", summary="Export every matching row as CSV", description=EXPORT_DESCRIPTION,
            openapi_extra={"parameters": [*EXPORT_PARAMS, BOM_PARAM]},
            responses={200: {"description": "CSV, streamed", "content": {"text/csv": {}}}, **_EXPORT_RESPONSES})
def rows_csv(request: Request, name: DatasetName) -> Response:
    return _export(request, name, "csv")


@router.get("/datasets/{name}/rows.ndjson", summary="Export every matching row as NDJSON",
            description=EXPORT_DESCRIPTION, openapi_extra={"parameters": EXPORT_PARAMS},
            responses={200: {"description": "Newline-delimited JSON, streamed",
                             "content": {"application/x-ndjson": {}}}, **_EXPORT_RESPONSES})
def rows_ndjson(request: Request, name: DatasetName) -> Response:
    return _export(request, name, "ndjson")


@router.get("/datasets/{name}/rows.parquet", summary="Export every matching row as Parquet",
            description=EXPORT_DESCRIPTION, openapi_extra={"parameters": EXPORT_PARAMS},
            responses={200: {"description": "Parquet (zstd), streamed",
                             "content": {"application/vnd.apache.parquet": {}}}, **_EXPORT_RESPONSES})
def rows_parquet(request: Request, name: DatasetName) -> Response:
    return _export(request, name, "parquet")


@router.get("/datasets/{name}/rows.{format_name}", include_in_schema=False)
def rows_unknown_format(request: Request, name: str, format_name: DatasetName) -> Response:
    raise bad_parameter("format", f"unknown format {format_name[:40]!r}; use rows.json, rows.csv, rows.ndjson "
                                  "or rows.parquet")
