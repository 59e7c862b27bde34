"""Personal data never leaves the gate: sample failing rows have their personal-data columns masked.

Which columns are personal data comes from the same declarations the catalogue uses: the registry's
`pii` class of each source column and the `meta.pii` of every dbt column (sources, staging, marts and
published models). A sample is masked for *every* access level — a scorecard is metadata that open-data
users see too — and a test whose own column is personal data (e.g. `unique` on a personal ID, whose
failing rows are `unique_field, n_records`) has its output columns masked as well.

A masked value keeps only its shape: every digit becomes ``9`` and every letter ``x`` (other characters
such as spaces and dashes stay), so a steward still sees *that* an ID has 11 digits instead of 12 or a name
is empty, but never the value itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from orchestration.lib.registry import load_registry

#: Columns that generic dbt tests put in their failing rows in place of the tested column.
TEST_OUTPUT_COLUMNS = ("unique_field", "value_field", "from_field", "field", "column_value")


def mask_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "x"
    text = unicodedata.normalize("NFD", str(value))
    out = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("x")
        else:
            out.append(ch)
    return "".join(out)


def mask_rows(rows: Iterable[Mapping[str, Any]], personal: set[str]) -> list[dict[str, Any]]:
    lowered = {p.lower() for p in personal}
    return [{k: (mask_value(v) if k.lower() in lowered else v) for k, v in row.items()} for row in rows]


def _meta_pii(column: Mapping[str, Any]) -> str:
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    return str(meta.get("pii") or "none")


def personal_columns_by_relation(manifest: Mapping[str, Any]) -> dict[str, set[str]]:
    """dbt unique_id → names of its personal-data columns (models, seeds, sources; registry for sources)."""
    registry = load_registry()
    out: dict[str, set[str]] = {}
    for uid, node in list(manifest.get("nodes", {}).items()) + list(manifest.get("sources", {}).items()):
        if node.get("resource_type") not in ("model", "seed", "snapshot", "source"):
            continue
        names = {name for name, col in (node.get("columns") or {}).items() if _meta_pii(col) != "none"}
        if node.get("resource_type") == "source":
            system = registry.get(node.get("source_name", ""))
            table = next((t for t in system.tables if t.name == node.get("name")), None) if system else None
            if table is not None:
                names |= {c.name for c in table.columns if c.pii != "none"}
        out[uid] = names
    return out


def all_personal_columns(manifest: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for cols in personal_columns_by_relation(manifest).values():
        names |= cols
    for system in load_registry().values():
        for table in system.tables:
            names |= {c.name for c in table.columns if c.pii != "none"}
    return names
