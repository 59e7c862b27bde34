"""The Frictionless `datapackage.json` written into each published version folder.

It describes the files beside it (relative paths), so a downloaded version folder is self-describing.
The Table Schema, licence table and vocabulary are the catalogue's own (`catalog.datapackage.table_schema`,
`LICENSE_SPDX`, `catalog.vocab`), so the file and the catalogue's served descriptor
(`/dataset/<name>/version/<v>/datapackage.json`, which adds absolute URLs and the CSV resource) agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from catalog import vocab
from catalog.datapackage import LICENSE_SPDX, table_schema
from catalog.store import DatasetMeta
from orchestration.lib.registry import load_registry


def _licence(access_level: str) -> dict[str, Any]:
    lic_id = vocab.default_license(access_level)
    lic = vocab.LICENSES_BY_ID.get(lic_id)
    spdx = LICENSE_SPDX.get(lic_id)
    entry: dict[str, Any] = {"name": spdx[0] if spdx else lic_id,
                             "title": lic.title_vi if lic else lic_id}
    if lic is not None:
        entry["kho:title_en"] = lic.title
    if spdx or (lic and lic.url):
        entry["path"] = spdx[1] if spdx else lic.url
    return entry


def _sources(source_tables: list[str]) -> list[dict[str, Any]]:
    registry = load_registry()
    out = []
    for ref in source_tables:
        system_name, _, table = ref.partition(".")
        system = registry.get(system_name)
        if system is None:
            out.append({"title": ref})
            continue
        out.append({"title": f"{system.title} — {table}", "kho:title_en": f"{system.title_en} — {table}",
                    "kho:system": system_name, "kho:table": table, "kho:owner": system.owner_name})
    return out


def build(meta: DatasetMeta, *, version: str, created: dt.datetime, columns: list[dict[str, Any]],
          files: dict[str, dict[str, Any]], row_count: int, content_hash: str,
          scores: dict[str, float | None]) -> dict[str, Any]:
    schema = table_schema(columns, meta.primary_key)
    resources = []
    for file_name, info in files.items():
        resources.append({
            "name": f"{meta.name.replace('_', '-')}-{file_name.rsplit('.', 1)[-1]}",
            "path": file_name,
            "profile": "tabular-data-resource",
            "title": f"{meta.title_vi} ({file_name.rsplit('.', 1)[-1].capitalize()})",
            "format": file_name.rsplit(".", 1)[-1],
            "mediatype": info["media_type"],
            "bytes": info["bytes"],
            "hash": f"sha256:{info['sha256']}",
            "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": meta.name.replace("_", "-"),
        "title": meta.title_vi,
        "description": meta.description_vi,
        "version": version,
        "created": created.replace(microsecond=0, tzinfo=None).isoformat() + "Z",
        "keywords": list(meta.keywords),
        "licenses": [_licence(meta.access_level)],
        "contributors": [{"title": meta.owner_name, "role": "publisher", "organization": meta.owner_name,
                          "kho:code": meta.owner_code}],
        "sources": _sources(meta.source_tables),
        "resources": resources,
        "kho:title_en": meta.title_en,
        "kho:description_en": meta.description_en,
        "kho:access_level": meta.access_level,
        "kho:update_frequency": meta.update_frequency,
        "kho:row_count": row_count,
        "kho:content_hash": content_hash,
        "kho:quality": scores,
    }
