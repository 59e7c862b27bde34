"""OpenAPI descriptions of the Data API's query-string grammar, shared by the routes.

The routes read their query string themselves (order and repetition matter, and any column name can
be a parameter), so the parameters are described here as OpenAPI parameter objects rather than as
FastAPI function arguments. The grammar itself is defined in `api/query/params.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

EXAMPLE_DATASET = "dossiers"

#: Path parameters (documentation only: any text is accepted and an unknown name is a 404).
DatasetName = Annotated[str, Path(description="Dataset name, as listed by `/api/v1/datasets`", examples=["dossiers"])]
VersionName = Annotated[str, Path(description="A published version, as listed by `…/versions`",
                                  examples=["20261101T020000Z-1a2b3c4d"])]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "detail", "param"],
    "properties": {
        "error": {"type": "string", "description": "Stable code: bad_parameter, personal_data, not_found, gone, "
                                                   "unavailable, timeout"},
        "detail": {"type": "string", "description": "What is wrong, for people"},
        "param": {"type": ["string", "null"], "description": "The query parameter at fault"},
        "columns": {"type": "array", "items": {"type": "string"},
                    "description": "personal_data only: the masked column the request used"},
    },
}


def _error(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": ERROR_SCHEMA, "example": example}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _error("No such dataset, or one you may not see (the two answers are identical)",
                {"error": "not_found", "detail": "dataset 'dossierz' not found", "param": None}),
}
ROWS_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("A parameter is wrong; `param` names it",
                {"error": "bad_parameter", "detail": "'soon' is not a timestamp without time zone "
                 "(YYYY-MM-DD[THH:MM[:SS[.fff]]])", "param": "received_at__gte"}),
    403: _error("The request filters, sorts, facets, groups or aggregates on a personal-data column that is "
                "masked for you",
                {"error": "personal_data", "detail": "column 'applicant_name' holds personal data and is masked for "
                 "you; filtering on it needs a personal-data grant", "param": "applicant_name",
                 "columns": ["applicant_name"]}),
    **ERROR_RESPONSES,
    410: _error("The requested version's files are no longer kept",
                {"error": "gone", "detail": "the files of version '20250101T000000Z-ab12cd34' of 'dossiers' are no "
                 "longer kept", "param": None}),
}


def _param(name: str, description: str, example: Any = None, *, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                                 "schema": schema or {"type": "string"}}
    if example is not None:
        parameter["example"] = example
    return parameter


FILTER_PARAM = _param(
    "filters",
    "Column filters, ANDed: `col=value` (exact) or `col__op=value` with op one of `exact`, `not`, `gt`, `gte`, "
    "`lt`, `lte`, `contains`, `startswith`, `endswith` (text), `in`, `notin` (comma list or JSON array), "
    "`isnull=1`, `notnull=1`, `date=YYYY-MM-DD` (date and timestamp columns). Values are typed by the column: "
    "a value that is not of the column's type is a 400 naming the parameter. Text matching is exact (use "
    "`_search` to ignore case and diacritics).",
    {"status": "da_tra_ket_qua", "received_at__gte": "2026-01-01"},
    schema={"type": "object", "additionalProperties": {"type": "string"}},
) | {"style": "form", "explode": True}
VERSION_PARAM = _param(
    "_version", "Read this published version instead of the current one (see `/versions`). A `_next` token "
                "already carries its version, so pages stay on one version even if a newer one is published.",
    "20261101T020000Z-1a2b3c4d")
SORT_PARAMS = [
    _param("_sort", "Sort ascending by these columns (comma list or repeated); NULLs last", "received_at"),
    _param("_sort_desc", "Sort descending by these columns; mixes with `_sort` in the order given", "received_at"),
]
COLUMN_PARAMS = [
    _param("_col", "Return only these columns, in this order (comma list or repeated)", "dossier_code,status"),
    _param("_nocol", "Return every column except these", "procedure_name"),
]
SEARCH_PARAM = _param("_search", "Words that must all occur in some text column, ignoring case and diacritics "
                                 "(`dien bien` finds `Điện Biên`); personal-data columns masked for you are "
                                 "not searched", "giay phep")
GROUP_PARAMS = [
    _param("_group_by", "Group by these columns and return one row per group (comma list or repeated); "
                        "sort groups with `_sort`/`_sort_desc` by a group column or an aggregate name",
           "status"),
    _param("_agg", "Aggregates per group: `count`, `sum:col`, `avg:col`, `min:col`, `max:col` (comma list or "
                   "repeated; default `count`); the output key is the same text, e.g. `sum:fee_vnd`",
           "count,sum:fee_vnd"),
]
PAGE_PARAMS = [
    _param("_size", "Rows per page: 0–1000 or `max` (default 100); with `_group_by`, the number of groups",
           "50"),
    _param("_next", "The opaque token from the previous page's `next`: keyset paging, every row exactly once"),
    _param("_facet", "Count the most frequent values of these columns among the matching rows", "channel"),
    _param("_facet_size", "Values per facet, 0–100 (default 30)", "10"),
    _param("_extra", "`count`: include the number of matching rows (exact without filters; with filters "
                     "counted up to 10,000, then `count_truncated` is true)", "count"),
    _param("_shape", "`objects` (default): rows as objects; `arrays`: rows as lists in `columns` order",
           schema={"type": "string", "enum": ["objects", "arrays"]}),
]
DOWNLOAD_PARAM = _param("_dl", "`1`: answer with `Content-Disposition: attachment` (a file name with the "
                               "dataset and version)", schema={"type": "string", "enum": ["0", "1"]})
BOM_PARAM = _param("_bom", "`1`: start the CSV with a UTF-8 byte-order mark, for spreadsheet programs that "
                           "otherwise guess the encoding wrong", schema={"type": "string", "enum": ["0", "1"]})

ROWS_PARAMS = [FILTER_PARAM, *SORT_PARAMS, *PAGE_PARAMS, *COLUMN_PARAMS, SEARCH_PARAM, *GROUP_PARAMS, VERSION_PARAM]
EXPORT_PARAMS = [FILTER_PARAM, *SORT_PARAMS, *COLUMN_PARAMS, SEARCH_PARAM, *GROUP_PARAMS, VERSION_PARAM,
                 DOWNLOAD_PARAM]

ROWS_EXAMPLE = {
    "dataset": EXAMPLE_DATASET,
    "version": "20261101T020000Z-1a2b3c4d",
    "columns": ["dossier_code", "status", "received_at", "applicant_name"],
    "rows": [{"dossier_code": "000.00.10.H17-261015-0042", "status": "da_tra_ket_qua",
              "received_at": "2026-10-15T08:12:00", "applicant_name": None}],
    "next": "WzEsImRvc3NpZXJzIiwi…",
    "next_url": "https://data.example.gov.vn/api/v1/datasets/dossiers/rows?_col=…&_next=WzEsImRvc3NpZXJzIiwi…",
    "masked_columns": ["applicant_name"],
    "count": None, "count_truncated": False, "count_timed_out": False, "facets": [],
}
GROUP_EXAMPLE = {
    "dataset": EXAMPLE_DATASET,
    "version": "20261101T020000Z-1a2b3c4d",
    "columns": ["status", "count", "sum:fee_vnd"],
    "rows": [{"status": "da_tra_ket_qua", "count": 612034, "sum:fee_vnd": 18204000000}],
    "truncated": False,
}
