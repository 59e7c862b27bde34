"""Dataset metadata under `/api/v1`: the list, one dataset, its versions and its schema.

Visibility comes from `api.access` (the one place access is decided): a dataset the caller may not
see answers 404 exactly like an unknown one, so its existence is not revealed. Rows, group-by and
exports are in `api.routes.rows`; quality scorecards in `api.routes.quality`.
"""

from __future__ import annotations

from typing import Any, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.access import can_see_dataset, principal_of
from api.query import Family
from api.query.query import AGGREGATE_FUNCTIONS
from api.query.schema import NUMERIC_FAMILIES, ORDERABLE_FAMILIES
from api.routes.common import (
    Resolved, cache_headers, etag_of, json_bytes, matches, metadata_response, no_parameters, not_modified,
    resolve, resolve_path_version, store_of, visible_dataset,
)
from api.routes.openapi import ERROR_RESPONSES, VERSION_PARAM, DatasetName, VersionName
from catalog.store import Version

router = APIRouter(prefix="/api/v1", tags=["datasets"])

#: Filter operators by column family (see api/query/filters.py, the one list of what each type allows).
_COMPARISONS = ["exact", "not", "gt", "gte", "lt", "lte", "in", "notin", "isnull", "notnull"]
_OPERATORS: dict[Family, list[str]] = {
    **{family: _COMPARISONS for family in Family},
    Family.TEXT: _COMPARISONS + ["contains", "startswith", "endswith"],
    Family.DATE: _COMPARISONS + ["date"],
    Family.TIMESTAMP: _COMPARISONS + ["date"],
    Family.OTHER: ["isnull", "notnull"],
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _links(request: Request, name: str) -> dict[str, str]:
    root = f"{_base(request)}/api/v1/datasets/{name}"
    return {
        "self": root, "versions": f"{root}/versions", "schema": f"{root}/schema", "rows": f"{root}/rows",
        "csv": f"{root}/rows.csv", "ndjson": f"{root}/rows.ndjson", "parquet": f"{root}/rows.parquet",
        "graphql": f"{_base(request)}/graphql",
    }


def _summary(request: Request, dataset: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": dataset["name"],
        "title_vi": dataset["title_vi"],
        "title_en": dataset["title_en"],
        "description_vi": dataset["description_vi"],
        "description_en": dataset["description_en"],
        "access_level": dataset["access_level"],
        "owner": {"code": dataset["owner_code"], "name": dataset["owner_name"]},
        "current_version": dataset["current_version"],
        "updated_at": dataset["updated_at"].isoformat() + "Z",
        "rows_url": f"{_base(request)}/api/v1/datasets/{dataset['name']}/rows",
    }


def _version_summary(request: Request, name: str, version: Version, current: str | None) -> dict[str, Any]:
    root = f"{_base(request)}/api/v1/datasets/{name}"
    return {
        "version": version.version,
        "is_current": version.version == current,
        "created_at": version.created_at.isoformat() + "Z",
        "row_count": version.row_count,
        "byte_size": version.byte_size,
        "content_hash": version.content_hash,
        "url": f"{root}/versions/{version.version}",
        "rows_url": f"{root}/rows?_version={version.version}",
    }


def _column_document(column: Mapping[str, Any], family: Family, masked: bool) -> dict[str, Any]:
    aggregates = ["count"] if masked else [
        name for name in AGGREGATE_FUNCTIONS
        if name == "count" or (name in ("sum", "avg") and family in NUMERIC_FAMILIES)
        or (name in ("min", "max") and family in ORDERABLE_FAMILIES)
    ]
    usable = not masked and family in ORDERABLE_FAMILIES
    return {
        "name": column["name"],
        "type": column["type"],
        "family": family.value,
        "title_vi": column.get("title_vi"),
        "title_en": column.get("title_en"),
        "description_vi": column.get("description_vi"),
        "description_en": column.get("description_en"),
        "unit": column.get("unit"),
        "pii": column.get("pii", "none"),
        "masked": masked,
        "filters": [] if masked else _OPERATORS[family],
        "sortable": usable,
        "facetable": usable,
        "searchable": not masked and family is Family.TEXT,
        "aggregates": [f"{name}:{column['name']}" if name != "count" else "count" for name in aggregates],
    }


def _schema_document(resolved: Resolved) -> dict[str, Any]:
    families = {column.name: column.family for column in resolved.spec.columns}
    return {
        "dataset": resolved.name,
        "version": resolved.version.version,
        "is_current": resolved.is_current,
        "row_count": resolved.version.row_count,
        "primary_key": list(resolved.spec.primary_key),
        "masked_columns": sorted(resolved.masked),
        "columns": [_column_document(column, families[column["name"]], column["name"] in resolved.masked)
                    for column in resolved.version.schema["columns"]],
    }


def _immutable_json(request: Request, resolved: Resolved, kind: str, document: Any) -> Response:
    etag = etag_of(kind, resolved.name, resolved.version.version, resolved.version.content_hash,
                   sorted(resolved.masked))
    headers = cache_headers(resolved.principal, resolved.pinned, etag)
    if matches(request, etag):
        return not_modified(headers)
    return Response(json_bytes(document), media_type="application/json", headers=headers)


@router.get(
    "/datasets", summary="List the datasets you can see",
    description="Every published dataset visible to the caller: open data for everyone; shared data for any "
                "authenticated agency; private data for its owner and agencies granted it. `count` is the "
                "number listed (it never hints at datasets you cannot see).",
)
def list_datasets(request: Request) -> Response:
    no_parameters(request)
    principal = principal_of(request)
    rows = [d for d in store_of(request).list_datasets() if can_see_dataset(principal, d) and d["current_version"]]
    return metadata_response(request, {"datasets": [_summary(request, d) for d in rows], "count": len(rows)})


@router.get(
    "/datasets/{name}", summary="One dataset with its current schema and links",
    description="Title, description, access level, owner, current version, row count, the current columns "
                "(with personal-data class) and links to versions, schema, rows, exports and GraphQL.",
    responses=ERROR_RESPONSES,
)
def show_dataset(request: Request, name: DatasetName) -> Response:
    no_parameters(request)
    resolved = resolve(request, name)
    document = {
        **_summary(request, resolved.dataset),
        "row_count": resolved.version.row_count,
        "columns": resolved.version.schema["columns"],
        "primary_key": resolved.dataset["primary_key"],
        "masked_columns": sorted(resolved.masked),
        "links": _links(request, name),
    }
    return metadata_response(request, document)


@router.get(
    "/datasets/{name}/versions", summary="Published versions, newest first",
    description="Every published version of the dataset. Versions are immutable: read an older one with "
                "`rows?_version=<version>` (or GraphQL's `version` argument).",
    responses=ERROR_RESPONSES,
)
def list_versions(request: Request, name: DatasetName) -> Response:
    no_parameters(request)
    dataset = visible_dataset(request, name)
    versions = [v for v in store_of(request).versions(name) if v.status == "published" and v.path]
    document = {
        "dataset": name,
        "current_version": dataset["current_version"],
        "versions": [_version_summary(request, name, v, dataset["current_version"]) for v in versions],
        "count": len(versions),
    }
    return metadata_response(request, document)


@router.get(
    "/datasets/{name}/versions/{version}", summary="One published version and its schema",
    description="Row count, size, content hash and columns of one immutable version. The answer never "
                "changes, so it is cacheable for a long time.",
    responses=ERROR_RESPONSES,
)
def show_version(request: Request, name: DatasetName, version: VersionName) -> Response:
    no_parameters(request)
    resolved = resolve_path_version(request, name, version)
    document = {**_version_summary(request, name, resolved.version, resolved.dataset["current_version"]),
                "dataset": name, "schema": _schema_document(resolved)}
    return _immutable_json(request, resolved, "version", document)


@router.get(
    "/datasets/{name}/schema", summary="Columns, types and what each column allows",
    description="Per column: DuckDB type, type family, Vietnamese and English titles, unit, personal-data "
                "class, whether it is masked for you, and the filter operators, sorting, faceting, search and "
                "aggregates it supports. Current version unless `_version` is given.",
    openapi_extra={"parameters": [VERSION_PARAM]},
    responses=ERROR_RESPONSES,
)
def show_schema(request: Request, name: DatasetName) -> Response:
    resolved = resolve(request, name, no_parameters(request, ("_version",)))
    return _immutable_json(request, resolved, "schema", _schema_document(resolved))
