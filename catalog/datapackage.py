"""Frictionless `datapackage.json` (Data Package v1, tabular profile) for one dataset version.

Each version of a dataset gets its own descriptor at a stable URL; its resources point at that version's
immutable CSV and Parquet files, with their byte sizes and SHA-256 hashes, and carry the Table Schema
built from the published column metadata (Vietnamese titles and descriptions, units, primary key).
"""

from __future__ import annotations

from typing import Any

from catalog import vocab
from catalog.quality import DIMENSIONS
from catalog.service import CatalogIndex, version_url
from catalog.store import Version

LICENSE_SPDX = {"cc-by": ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
                "cc-by-sa": ("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
                "cc-zero": ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
                "odc-by": ("ODC-By-1.0", "https://opendatacommons.org/licenses/by/1-0/"),
                "odc-odbl": ("ODbL-1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
                "odc-pddl": ("PDDL-1.0", "https://opendatacommons.org/licenses/pddl/1-0/")}


def table_schema_type(duck_type: str) -> str:
    t = (duck_type or "").upper()
    if t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return "integer"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL") or t.startswith("NUMERIC"):
        return "number"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t == "TIME":
        return "time"
    if t in ("VARCHAR", "TEXT", "STRING", "UUID") or t.startswith("VARCHAR"):
        return "string"
    return "any"


def table_schema(columns: list[dict[str, Any]], primary_key: list[str]) -> dict[str, Any]:
    fields = []
    for col in columns:
        entry: dict[str, Any] = {
            "name": col["name"], "type": table_schema_type(col.get("type", "")),
            "title": col.get("title_vi") or col["name"],
            "description": col.get("description_vi") or col.get("description_en") or "",
            "kho:title_en": col.get("title_en") or col["name"],
            "kho:description_en": col.get("description_en") or "",
            "kho:personal_data": col.get("pii") or "none",
        }
        if col.get("unit"):
            entry["kho:unit"] = col["unit"]
        if entry["type"] == "boolean":
            entry["trueValues"] = ["true"]
            entry["falseValues"] = ["false"]
        fields.append(entry)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = list(primary_key)
    return schema


def build_datapackage(index: CatalogIndex, name: str, version: Version,
                      resources: list[dict[str, Any]]) -> dict[str, Any]:
    ds = index.datasets[name]
    base = index.base_url
    pkg = index.packages.get(name)
    columns = version.schema.get("columns", [])
    schema = table_schema(columns, list(ds.get("primary_key") or []))
    lic_id = ds.get("license_id") or vocab.default_license(ds["access_level"])
    lic = vocab.LICENSES_BY_ID.get(lic_id)
    spdx = LICENSE_SPDX.get(lic_id)
    license_entry = {"name": spdx[0] if spdx else lic_id, "title": lic.title_vi if lic else lic_id}
    if spdx or (lic and lic.url):
        license_entry["path"] = spdx[1] if spdx else lic.url
    out_resources = []
    for res in resources:
        fmt = vocab.FORMATS_BY_CODE.get(res["format"])
        entry: dict[str, Any] = {
            "name": f"{name.replace('_', '-')}-{res['format'].lower()}",
            "path": version_url(base, name, version.version, res["file_name"]),
            "profile": "tabular-data-resource",
            "title": f"{ds['title_vi']} ({res['format']})",
            "format": res["format"].lower(),
            "mediatype": fmt.media_type if fmt else res["media_type"],
            "schema": schema,
        }
        if res["format"] == "CSV":
            entry["encoding"] = "utf-8"
            entry["dialect"] = {"delimiter": ",", "header": True, "doubleQuote": True, "lineTerminator": "\n"}
        if res.get("byte_size") is not None:
            entry["bytes"] = res["byte_size"]
        if res.get("sha256"):
            entry["hash"] = f"sha256:{res['sha256']}"
        out_resources.append(entry)
    quality = index.quality.get(name, {}) if version.version == ds["current_version"] else {}
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name.replace("_", "-"),
        "id": f"{base}/dataset/{name}/version/{version.version}",
        "title": ds["title_vi"],
        "description": ds["description_vi"],
        "version": version.version,
        "created": version.created_at.replace(microsecond=0).isoformat() + "Z",
        "homepage": f"{base}/dataset/{name}",
        "keywords": list(ds.get("keywords") or []),
        "licenses": [license_entry],
        "contributors": [{"title": ds["owner_name"], "role": "publisher",
                          "organization": ds["owner_name"], "path": f"{base}/organization/"
                          f"{(pkg['organization'] or {}).get('name', '') if pkg else ''}"}],
        "sources": [{"title": source} for source in ds.get("source_tables") or []],
        "resources": out_resources,
        "kho:title_en": ds["title_en"],
        "kho:description_en": ds["description_en"],
        "kho:access_level": ds["access_level"],
        "kho:row_count": version.row_count,
        "kho:content_hash": version.content_hash,
        "kho:update_frequency": ds.get("update_frequency"),
    }
    if quality:
        descriptor["kho:quality"] = {dim: quality.get(dim) for dim in DIMENSIONS}
    return descriptor
