"""Lineage of a published dataset, read from dbt's manifest: every ancestor of the dataset's model, from
the sector systems' source tables through staging, intermediate and mart models."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kho.settings import PROJECT_ROOT

LAYERS = ("source", "seed", "staging", "intermediate", "marts", "published")


def manifest_path() -> Path:
    target = Path(os.environ.get("KHO_DBT_TARGET_DIR", PROJECT_ROOT / "target"))
    return target / "manifest.json"


@dataclass
class LineageNode:
    unique_id: str
    label: str
    layer: str
    description: str = ""


@dataclass
class Lineage:
    layers: dict[str, list[LineageNode]] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (parent label, child label)


_cache: dict[str, Any] = {"mtime": None, "manifest": None}
_lock = threading.Lock()


def _manifest() -> dict[str, Any] | None:
    path = manifest_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    with _lock:
        if _cache["mtime"] != mtime:
            try:
                _cache["manifest"] = json.loads(path.read_text(encoding="utf-8"))
                _cache["mtime"] = mtime
            except (OSError, ValueError):
                return None
        return _cache["manifest"]


def _layer(node: dict[str, Any], is_target: bool) -> str:
    if is_target:
        return "published"
    if node.get("resource_type") == "source":
        return "source"
    if node.get("resource_type") == "seed":
        return "seed"
    name = node.get("name", "")
    path = node.get("path", "") or node.get("original_file_path", "")
    if name.startswith("stg_") or "staging" in path:
        return "staging"
    if name.startswith("int_") or "intermediate" in path:
        return "intermediate"
    if "published" in path:
        return "published"
    return "marts"


def _label(node: dict[str, Any]) -> str:
    if node.get("resource_type") == "source":
        return f"{node.get('source_name')}.{node.get('name')}"
    return node.get("name", "")


def lineage_for(dataset: str) -> Lineage | None:
    manifest = _manifest()
    if manifest is None:
        return None
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    target = next((uid for uid, n in nodes.items() if n.get("resource_type") in ("model", "seed")
                   and (n.get("alias") or n.get("name")) == dataset), None)
    if target is None:
        return None
    parents_of = manifest.get("parent_map") or {uid: (n.get("depends_on") or {}).get("nodes", [])
                                                 for uid, n in nodes.items()}
    seen: set[str] = set()
    stack = [target]
    edges: list[tuple[str, str]] = []
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        for parent in parents_of.get(uid, []):
            if parent in nodes and nodes[parent].get("resource_type") in ("model", "seed", "source", "snapshot"):
                edges.append((parent, uid))
                stack.append(parent)
    lineage = Lineage(layers={layer: [] for layer in LAYERS})
    for uid in seen:
        node = nodes[uid]
        layer = _layer(node, uid == target)
        lineage.layers[layer].append(LineageNode(uid, _label(node), layer, node.get("description") or ""))
    for layer in lineage.layers.values():
        layer.sort(key=lambda n: n.label)
    lineage.layers = {k: v for k, v in lineage.layers.items() if v}
    lineage.edges = sorted({(_label(nodes[p]), _label(nodes[c])) for p, c in edges})
    return lineage
