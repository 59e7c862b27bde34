"""The catalogue's read model: one in-memory index of the published datasets, built from a consistent
snapshot of the metadata store and rebuilt whenever the store's change counter moves.

Every door of the catalogue — the CKAN Action API, DCAT, datapackage.json and the portal — reads the
same CKAN-form package dicts from here, and asks `api.access` which of them the caller may see.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.access import Principal, can_see_dataset
from catalog import vocab
from catalog.quality import DIMENSIONS, overall
from catalog.search import InvertedIndex, SearchDoc
from catalog.store import CatalogStore
from catalog.text import fold, tokens

log = logging.getLogger(__name__)

CKAN_DATE = "%Y-%m-%dT%H:%M:%S.%f"


def ckan_date(value: dt.datetime | None) -> str | None:
    """CKAN's date format: naive UTC ISO 8601 with microseconds, no "Z"."""
    return value.strftime(CKAN_DATE) if value else None


def version_url(base: str, dataset: str, version: str, file_name: str) -> str:
    return f"{base}/dataset/{dataset}/version/{version}/{file_name}"


@dataclass
class CatalogIndex:
    generation: int
    base_url: str
    datasets: dict[str, dict[str, Any]]  # every dataset (effective metadata), published or not
    packages: dict[str, dict[str, Any]]  # CKAN package dicts of datasets with a current version
    docs: dict[str, SearchDoc]
    organizations: dict[str, dict[str, Any]]  # by name
    org_by_id: dict[str, dict[str, Any]]
    org_by_code: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]  # by name
    group_by_id: dict[str, dict[str, Any]]
    licenses: dict[str, dict[str, Any]]
    resources: dict[str, tuple[str, dict[str, Any]]]  # resource id → (dataset, resource dict)
    versions: dict[str, dict[str, Any]]  # current version rows
    coverage: dict[str, dict[str, Any]]
    quality: dict[str, dict[str, float | None]]
    tags: dict[str, dict[str, Any]]  # by name
    id_to_name: dict[str, str] = field(default_factory=dict)
    inverted: InvertedIndex | None = None  # postings for free-text search

    # -- visibility ----------------------------------------------------------------------------
    def can_see(self, principal: Principal, name: str) -> bool:
        ds = self.datasets.get(name)
        return ds is not None and name in self.packages and can_see_dataset(principal, ds)

    def listed(self, principal: Principal, name: str, include_private: bool) -> bool:
        """In listings and search: open datasets for everyone; shared/private ones only when asked for
        (CKAN's include_private) and visible to the caller."""
        ds = self.datasets.get(name)
        if ds is None or name not in self.packages:
            return False
        if ds["access_level"] == "open":
            return True
        return include_private and can_see_dataset(principal, ds)

    def resolve(self, name_or_id: str) -> str | None:
        if name_or_id in self.datasets:
            return name_or_id
        return self.id_to_name.get(name_or_id)

    def public_names(self) -> list[str]:
        return sorted(n for n in self.packages if self.datasets[n]["access_level"] == "open")

    def organization_counts(self, principal: Principal, include_private: bool = True) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, pkg in self.packages.items():
            if self.listed(principal, name, include_private) and pkg["organization"]:
                counts[pkg["organization"]["name"]] = counts.get(pkg["organization"]["name"], 0) + 1
        return counts

    def group_counts(self, principal: Principal, include_private: bool = True) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, pkg in self.packages.items():
            if self.listed(principal, name, include_private):
                for g in pkg["groups"]:
                    counts[g["name"]] = counts.get(g["name"], 0) + 1
        return counts


def _extras(ds: dict[str, Any], version: dict[str, Any] | None, coverage: dict[str, Any] | None,
            scores: dict[str, float | None]) -> list[dict[str, str]]:
    prov = vocab.province()
    freq = vocab.frequency(ds.get("update_frequency"))
    extras: dict[str, Any] = {
        "access_level": ds["access_level"],
        "title_en": ds["title_en"],
        "notes_en": ds["description_en"],
        "theme": ds.get("theme"),
        "frequency": freq.eu_uri if freq else ds.get("update_frequency"),
        "update_frequency": ds.get("update_frequency"),
        "language": "vi",
        "primary_key": json.dumps(ds.get("primary_key") or [], ensure_ascii=False),
        "source_tables": json.dumps(ds.get("source_tables") or [], ensure_ascii=False),
        "publisher_code": ds["owner_code"],
        "contact_name": ds.get("contact_name") or ds["owner_name"],
        "contact_email": ds.get("contact_email"),
        "documentation": ds.get("documentation_url"),
        "access_rights": vocab.ACCESS_LABELS[ds["access_level"]][2],
    }
    if version:
        extras["row_count"] = str(version["row_count"])
        extras["issued"] = ckan_date(ds["created_at"])
        extras["modified"] = ckan_date(version["created_at"])
    if coverage:
        if coverage.get("spatial_scope") == "country":
            extras["spatial"] = "Việt Nam"
            extras["spatial_uri"] = vocab.EU_COUNTRY_VN
        else:
            extras["spatial"] = prov.label_vi
        if coverage.get("temporal_start"):
            extras["temporal_start"] = coverage["temporal_start"].isoformat()
        if coverage.get("temporal_end"):
            extras["temporal_end"] = coverage["temporal_end"].isoformat()
        if not coverage.get("temporal_start") and version:
            # no date in the data: it is a snapshot, and its time coverage is the day it was taken
            extras["temporal_start"] = extras["temporal_end"] = version["created_at"].date().isoformat()
    else:
        extras["spatial"] = prov.label_vi
    for dim in DIMENSIONS:
        if scores.get(dim) is not None:
            extras[f"quality_{dim}"] = f"{scores[dim]:g}"
    if overall(scores) is not None:
        extras["quality_score"] = f"{overall(scores):g}"
    return [{"key": k, "value": str(v)} for k, v in sorted(extras.items()) if v not in (None, "")]


def build_index(snap: dict[str, Any], base: str) -> CatalogIndex:
    orgs_by_id = {o["id"]: o for o in snap["organizations"]}
    org_by_code = {o["code"]: o for o in snap["organizations"]}
    groups_by_id = {g["id"]: g for g in snap["groups"]}
    tags_by_id = {t["id"]: t for t in snap["tags"]}
    licenses = {lic["id"]: lic for lic in snap["licenses"]}
    ds_groups: dict[str, list[dict[str, Any]]] = {}
    for dataset, gid in snap["dataset_groups"]:
        ds_groups.setdefault(dataset, []).append(groups_by_id[gid])
    ds_tags: dict[str, list[dict[str, Any]]] = {}
    for dataset, tid in snap["dataset_tags"]:
        ds_tags.setdefault(dataset, []).append(tags_by_id[tid])
    ds_resources: dict[str, list[dict[str, Any]]] = {}
    for res in snap["resources"]:
        ds_resources.setdefault(res["dataset"], []).append(res)
    quality: dict[str, dict[str, float | None]] = {}
    for row in snap["quality"]:
        quality.setdefault(row["dataset"], {})[row["dimension"]] = row["score"]

    datasets = {d["name"]: d for d in snap["datasets"]}
    packages: dict[str, dict[str, Any]] = {}
    docs: dict[str, SearchDoc] = {}
    resources_index: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, ds in datasets.items():
        version = snap["versions"].get(name)
        if not ds["current_version"] or version is None:
            continue
        org = org_by_code.get(ds["owner_code"])
        org_dict = None
        if org:
            org_dict = {"id": org["id"], "name": org["name"], "title": org["title"], "type": "organization",
                        "description": org["description"], "image_url": "", "created": ckan_date(org["created_at"]),
                        "is_organization": True, "approval_status": "approved", "state": "active"}
        lic_id = ds.get("license_id") or vocab.default_license(ds["access_level"])
        lic = licenses.get(lic_id)
        group_dicts = [{"id": g["id"], "name": g["name"], "title": g["title_vi"], "display_name": g["title_vi"],
                        "description": g["description"], "image_display_url": ""}
                       for g in sorted(ds_groups.get(name, []), key=lambda g: g["name"])]
        tag_dicts = [{"id": t["id"], "name": t["name"], "display_name": t["name"], "state": "active",
                      "vocabulary_id": None} for t in sorted(ds_tags.get(name, []), key=lambda t: t["name"])]
        res_dicts = []
        for res in ds_resources.get(name, []):
            fmt = vocab.FORMATS_BY_CODE.get(res["format"])
            rd = {
                "id": res["id"], "package_id": ds["id"],
                "url": version_url(base, name, res["version"], res["file_name"]),
                "name": f"{ds['title_vi']} ({res['format']})",
                "description": (f"Toàn bộ dữ liệu phiên bản {res['version']} ở định dạng {res['format']}. "
                                f"All rows of version {res['version']} as {res['format']}."),
                "format": res["format"], "mimetype": res["media_type"], "mimetype_inner": None,
                "size": res["byte_size"], "hash": res["sha256"] or "",
                "hash_algorithm": "sha256" if res["sha256"] else None,
                "position": res["position"], "resource_type": "file", "url_type": None,
                "created": ckan_date(res["created_at"]), "last_modified": ckan_date(res["last_modified"]),
                "metadata_modified": ckan_date(res["last_modified"] or res["created_at"]),
                "cache_url": None, "cache_last_updated": None, "state": "active", "datastore_active": True,
                "version": res["version"], "file_type_uri": fmt.eu_uri if fmt else None,
            }
            res_dicts.append(rd)
            resources_index[res["id"]] = (name, rd)
        scores = quality.get(name, {})
        pkg = {
            "id": ds["id"], "name": name, "title": ds["title_vi"], "notes": ds["description_vi"],
            "url": ds.get("documentation_url"), "version": ds["current_version"],
            "author": ds["owner_name"], "author_email": None,
            "maintainer": ds.get("contact_name") or ds["owner_name"], "maintainer_email": ds.get("contact_email"),
            "license_id": lic_id, "license_title": lic["title"] if lic else lic_id,
            "isopen": bool(lic and (lic["od_conformance"] == "approved" or lic["osd_conformance"] == "approved")),
            "type": "dataset", "state": "active", "private": ds["access_level"] != "open",
            "owner_org": org["id"] if org else None, "organization": org_dict,
            "groups": group_dicts, "tags": tag_dicts, "num_tags": len(tag_dicts),
            "extras": _extras(ds, version, snap["coverage"].get(name), scores),
            "resources": res_dicts, "num_resources": len(res_dicts),
            "metadata_created": ckan_date(ds["created_at"]), "metadata_modified": ckan_date(ds["updated_at"]),
            "creator_user_id": None, "relationships_as_object": [], "relationships_as_subject": [],
        }
        if lic and lic["url"]:
            pkg["license_url"] = lic["url"]
        packages[name] = pkg

        sdoc = snap["search"].get(name) or {}
        extras_map = {e["key"]: e["value"] for e in pkg["extras"]}
        strings = {
            "id": [ds["id"]], "name": [name], "organization": [org["name"]] if org else [],
            "owner_org": [org["id"]] if org else [], "groups": [g["name"] for g in group_dicts],
            "tags": [t["name"] for t in tag_dicts], "res_format": [r["format"] for r in res_dicts],
            "license_id": [lic_id], "capacity": ["public" if ds["access_level"] == "open" else "private"],
            "state": ["active"], "dataset_type": ["dataset"], "type": ["dataset"],
            "res_url": [r["url"] for r in res_dicts], "version": [ds["current_version"]],
            "entity_type": ["package"], "res_type": ["file" for _ in res_dicts],
            **{f"extras_{k}": [v] for k, v in extras_map.items()},
        }
        texts = {
            "name": tokens(name.replace("_", " ")),
            "title": tokens(sdoc.get("title_folded", "")),
            "notes": tokens(sdoc.get("notes_folded", "")),
            "tags": tokens(sdoc.get("tags_folded", "")),
            "groups": tokens(sdoc.get("groups_folded", "")),
            "text": tokens(sdoc.get("text_folded", "")),
            "res_name": tokens(" ".join(r["name"] for r in res_dicts)),
            "res_description": tokens(" ".join(r["description"] for r in res_dicts)),
            "author": tokens(ds["owner_name"]),
            "maintainer": tokens(pkg["maintainer"]),
        }
        docs[name] = SearchDoc(
            name=name, strings=strings, texts=texts,
            dates={"metadata_created": ds["created_at"], "metadata_modified": ds["updated_at"]},
            numbers={"num_resources": float(len(res_dicts)), "num_tags": float(len(tag_dicts)),
                     "views_total": 0.0, "views_recent": 0.0},
            sort_keys={"title_string": fold(ds["title_vi"]), "name": name, "id": ds["id"]},
        )

    return CatalogIndex(
        generation=snap["generation"], base_url=base, datasets=datasets, packages=packages, docs=docs,
        organizations={o["name"]: o for o in snap["organizations"]}, org_by_id=orgs_by_id, org_by_code=org_by_code,
        groups={g["name"]: g for g in snap["groups"]}, group_by_id=groups_by_id, licenses=licenses,
        resources=resources_index, versions=snap["versions"], coverage=snap["coverage"], quality=quality,
        tags={t["name"]: t for t in snap["tags"]},
        id_to_name={d["id"]: n for n, d in datasets.items() if d.get("id")},
        inverted=InvertedIndex(docs),
    )


class LruCache:
    """A small thread-safe LRU map for rendered documents (DCAT pages) keyed by the index generation."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class Catalog:
    """Holds the current index per base URL, a cache of rendered documents, and the background worker
    that completes resources (CSV files, sizes, checksums, coverage) for newly published versions."""

    def __init__(self, store: CatalogStore, published_dir: Path, cache_dir: Path, site_url: str | None = None):
        self.store = store
        self.published_dir = Path(published_dir)
        self.cache_dir = Path(cache_dir)
        self.site_url = site_url.rstrip("/") if site_url else None
        self._lock = threading.Lock()
        self._indexes: dict[str, CatalogIndex] = {}
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self.cache = LruCache(64)

    def base_url(self, request_base: str) -> str:
        return self.site_url or request_base.rstrip("/")

    def index(self, base_url: str) -> CatalogIndex:
        generation = self.store.generation()
        current = self._indexes.get(base_url)
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            current = self._indexes.get(base_url)
            if current is not None and current.generation == generation:
                return current
            snap = self.store.snapshot()
            index = build_index(snap, base_url)
            self._indexes = {k: v for k, v in self._indexes.items() if v.generation == index.generation}
            self._indexes[base_url] = index
        self.kick()
        return index

    # -- background completion ---------------------------------------------------------------
    def kick(self) -> None:
        """Start the completion worker unless it is running (cheap; called after each rebuild)."""
        if self._stop.is_set():
            return
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._worker = threading.Thread(target=self._complete, name="kho-catalog-complete", daemon=True)
            self._worker.start()

    def _complete(self) -> None:
        from catalog.resources import finish_pending

        try:
            finish_pending(self.store, self.published_dir, self.cache_dir, stop=self._stop)
        except Exception:  # the next rebuild retries; serving never depends on this worker
            log.exception("completing catalogue resources failed")

    def wait_idle(self, timeout: float = 60.0) -> None:
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def close(self) -> None:
        self._stop.set()
        self.wait_idle(30)


def visible_packages(index: CatalogIndex, principal: Principal, names: Iterable[str]) -> list[dict[str, Any]]:
    return [index.packages[n] for n in names if index.can_see(principal, n)]
