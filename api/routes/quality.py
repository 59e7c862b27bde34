"""Quality scorecards over REST: `/api/v1/datasets/{name}/quality` (the current version's) and
`/api/v1/datasets/{name}/versions/{version}/quality` (any recorded version's, rejected ones included).

The scorecard is the gate's `quality.json`: per dimension (đúng, đủ, sạch, sống) a 0–100 score and the
checks behind it, each with its source, dimension, severity, status, failing-row count, rows tested and up
to 20 sample failing rows (personal data already masked by the gate). A dataset the caller may not see
answers 404 exactly like an unknown one (api.access).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.access import can_see_dataset
from api.routes.datasets import principal_of
from catalog.store import CatalogStore, Version

router = APIRouter(prefix="/api/v1", tags=["quality"])


def _store(request: Request) -> CatalogStore:
    return request.app.state.store


def _visible(request: Request, name: str) -> dict[str, Any]:
    dataset = _store(request).get_dataset(name)
    if dataset is None or not can_see_dataset(principal_of(request), dataset):
        raise HTTPException(status_code=404, detail=f"dataset {name!r} not found")
    return dataset


def _document(dataset: dict[str, Any], version: Version) -> dict[str, Any]:
    card = dict(version.quality or {})
    checks = []
    for dim, body in (card.get("dimensions") or {}).items():
        for check in body.get("checks") or []:
            checks.append({**check, "dimension": check.get("dimension", dim)})
    return {
        "dataset": dataset["name"],
        "version": version.version,
        "status": version.status,
        "is_current": version.version == dataset["current_version"],
        "created_at": version.created_at.isoformat() + "Z",
        "row_count": version.row_count,
        "scores": card.get("scores", {}),
        "formula": card.get("formula"),
        "summary": card.get("summary", {}),
        "reasons": version.reasons or card.get("reasons") or [],
        "dimensions": {dim: {k: v for k, v in body.items() if k != "checks"}
                       for dim, body in (card.get("dimensions") or {}).items()},
        "checks": checks,
    }


@router.get("/datasets/{name}/quality", summary="Quality scorecard of the current version")
def current_quality(request: Request, name: str) -> dict[str, Any]:
    dataset = _visible(request, name)
    if not dataset["current_version"]:
        raise HTTPException(status_code=404, detail=f"dataset {name!r} has no published version yet")
    version = _store(request).get_version(name, dataset["current_version"])
    if version is None or not version.quality:
        raise HTTPException(status_code=404, detail=f"no scorecard for {name!r} {dataset['current_version']}")
    return _document(dataset, version)


@router.get("/datasets/{name}/versions/{version}/quality", summary="Quality scorecard of one version")
def version_quality(request: Request, name: str, version: str) -> dict[str, Any]:
    dataset = _visible(request, name)
    found = _store(request).get_version(name, version)
    if found is None or not found.quality:
        raise HTTPException(status_code=404, detail=f"version {version!r} of {name!r} not found")
    return _document(dataset, found)
