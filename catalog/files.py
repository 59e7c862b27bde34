"""Versioned, stable download URLs of the catalogue:

    /dataset/{name}/version/{version}/data.parquet     the published Parquet file
    /dataset/{name}/version/{version}/data.csv         the same rows as CSV (UTF-8, header)
    /dataset/{name}/version/{version}/schema.json      the published schema document
    /dataset/{name}/version/{version}/datapackage.json Frictionless descriptor of that version
    /dataset/{name}/datapackage.json                   … of the current version

`latest` may stand for the current version. Visibility comes from `api.access`; personal-data columns
the caller is not granted are emptied (the files are then produced for the request, never cached).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from api.access import audit_access, masked_columns
from catalog.datapackage import build_datapackage
from catalog.resources import csv_path
from catalog.rows import RowReader
from catalog.store import Version
from catalog.web import catalog_of, index_of, principal

router = APIRouter(include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
FILES = ("data.parquet", "data.csv", "schema.json", "datapackage.json")


def _version_or_404(request: Request, name: str, version: str) -> tuple[dict, Version]:
    index = index_of(request)
    resolved = index.resolve(name)
    if resolved is None or not index.can_see(principal(request), resolved):
        raise HTTPException(404, "Dataset not found")
    ds = index.datasets[resolved]
    if version == "latest":
        version = ds["current_version"]
    found = catalog_of(request).store.get_version(resolved, version)
    if found is None or found.status != "published" or not found.path:
        raise HTTPException(404, "Version not found")
    return ds, found


@router.get("/dataset/{name}/datapackage.json")
async def current_datapackage(request: Request, name: str) -> Response:
    return await version_file(request, name, "latest", "datapackage.json")


@router.get("/dataset/{name}/version/{version}/{file_name}")
async def version_file(request: Request, name: str, version: str, file_name: str) -> Response:
    if file_name not in FILES:
        raise HTTPException(404, "File not found")
    ds, ver = _version_or_404(request, name, version)
    catalog = catalog_of(request)
    cache_header = {"Cache-Control": IMMUTABLE if version != "latest" else "no-cache"}
    if file_name == "datapackage.json":
        index = index_of(request)
        descriptor = build_datapackage(index, ds["name"], ver, catalog.store.resources_for(ds["name"], ver.version))
        return JSONResponse(descriptor, headers={"Cache-Control": "no-cache"})
    version_dir = catalog.published_dir / ver.path
    if file_name == "schema.json":
        path = version_dir / "schema.json"
        if not path.exists():
            raise HTTPException(404, "File not found")
        return FileResponse(path, media_type="application/json", headers=cache_header)

    columns = ver.schema.get("columns", [])
    masked = masked_columns(principal(request), ds, columns)
    parquet = version_dir / "data.parquet"
    if not parquet.exists():
        raise HTTPException(404, "File not found")
    stem = f"{ds['name']}-{ver.version}"
    await run_in_threadpool(audit_access, request, ds["name"], ver.version, {"file": file_name}, ver.row_count,
                            action="export")
    reader = RowReader(request.app.state.engine)
    if file_name == "data.parquet":
        disposition = {"Content-Disposition": f'attachment; filename="{stem}.parquet"'}
        if not masked:
            return FileResponse(parquet, media_type="application/vnd.apache.parquet",
                                headers={**cache_header, **disposition})
        fd, tmp = tempfile.mkstemp(suffix=".parquet")
        os.close(fd)
        await run_in_threadpool(reader.masked_parquet, str(parquet), masked, tmp)
        return FileResponse(tmp, media_type="application/vnd.apache.parquet",
                            headers={"Cache-Control": "private, no-store", **disposition},
                            background=BackgroundTask(Path(tmp).unlink, missing_ok=True))
    disposition = {"Content-Disposition": f'attachment; filename="{stem}.csv"'}
    cached = csv_path(catalog.cache_dir, ds["name"], ver.version)
    if not masked and cached.exists():
        return FileResponse(cached, media_type="text/csv; charset=utf-8", headers={**cache_header, **disposition})
    if not masked:
        catalog.kick()  # write the cached copy for the next caller
    headers = {"Cache-Control": "private, no-store" if masked else "no-cache", **disposition}
    if masked:
        headers["X-Kho-Masked-Columns"] = ",".join(sorted(masked))
    return StreamingResponse(reader.stream_csv(str(parquet), masked), media_type="text/csv; charset=utf-8",
                             headers=headers)
