"""REST routes over published datasets: `/api/v1/datasets` and `/api/v1/datasets/{name}/rows`.

Visibility comes from `api.access` (the one place access is decided): a dataset the caller may not
see answers 404 exactly like an unknown one, so its existence is not revealed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from api.access import ANONYMOUS, Principal, audit_access, can_see_dataset, mask_rows, masked_columns
from api.engine import ParquetEngine
from catalog.store import CatalogStore

router = APIRouter(prefix="/api/v1", tags=["datasets"])


def _store(request: Request) -> CatalogStore:
    return request.app.state.store


def _engine(request: Request) -> ParquetEngine:
    return request.app.state.engine


def principal_of(request: Request) -> Principal:
    """The caller, as authenticated by the access middleware (anonymous when no token was sent)."""
    return getattr(request.state, "principal", ANONYMOUS)


def _dataset_or_404(request: Request, name: str) -> dict[str, Any]:
    dataset = _store(request).get_dataset(name)
    if dataset is None or not can_see_dataset(principal_of(request), dataset) or not dataset["current_version"]:
        raise HTTPException(status_code=404, detail=f"dataset {name!r} not found")
    return dataset


def _summary(request: Request, dataset: dict[str, Any]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
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
        "rows_url": f"{base}/api/v1/datasets/{dataset['name']}/rows",
    }


@router.get("/datasets", summary="List published datasets")
def list_datasets(request: Request) -> dict[str, Any]:
    principal = principal_of(request)
    rows = [d for d in _store(request).list_datasets() if can_see_dataset(principal, d) and d["current_version"]]
    return {"datasets": [_summary(request, d) for d in rows], "count": len(rows)}


@router.get("/datasets/{name}", summary="Show one dataset with its current schema")
def show_dataset(request: Request, name: str) -> dict[str, Any]:
    dataset = _dataset_or_404(request, name)
    version = _store(request).get_version(name, dataset["current_version"])
    return {**_summary(request, dataset), "row_count": version.row_count,
            "columns": version.schema["columns"], "primary_key": dataset["primary_key"]}


@router.get("/datasets/{name}/rows", summary="Rows of the current version (limit + offset)")
def dataset_rows(
    request: Request,
    name: str,
    limit: int = Query(100, ge=1, le=1000, description="Rows per page (1–1000)"),
    offset: int = Query(0, ge=0, description="Rows to skip"),
) -> dict[str, Any]:
    dataset = _dataset_or_404(request, name)
    version = _store(request).get_version(name, dataset["current_version"])
    engine = _engine(request)
    path = engine.data_path(version.path)
    order = ", ".join(f'"{c}"' for c in dataset["primary_key"]) or "ALL"
    cur = engine.cursor()
    try:
        rel = cur.execute(
            f"SELECT * FROM read_parquet(?) ORDER BY {order} LIMIT ? OFFSET ?", [str(path), limit, offset]
        )
        columns = [d[0] for d in rel.description]
        rows = [dict(zip(columns, r)) for r in rel.fetchall()]
    finally:
        cur.close()
    masked = masked_columns(principal_of(request), dataset, version.schema["columns"])
    rows = mask_rows(rows, masked)
    audit_access(request, name, version.version, rows_returned=len(rows))
    return {"dataset": name, "version": version.version, "total": version.row_count,
            "limit": limit, "offset": offset, "columns": columns, "rows": rows, "masked_columns": sorted(masked)}
