"""Applying `masked_columns`: what a door does with the personal-data columns a caller may not read.

Masked values are returned as null and the response says which columns were masked. A masked column
must not be usable as a filter, sort key, facet, search field or group-by either — otherwise a caller
could read it back one question at a time (`cccd__exact=0123…` → 1 row). Doors call
`check_not_masked(masked, used_columns)`; it raises `MaskedColumnError`, which the app answers with 403
(handler installed by `install_access`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = None  # the value a masked cell reads as


class MaskedColumnError(PermissionError):
    def __init__(self, columns: Iterable[str]):
        self.columns = sorted(set(columns))
        names = ", ".join(self.columns)
        super().__init__(
            f"column(s) {names} hold personal data and your grant does not include personal data; "
            "they cannot be filtered, sorted, faceted, searched or grouped on"
        )


def mask_rows(rows: Iterable[Mapping[str, Any]], masked: set[str]) -> list[dict[str, Any]]:
    """Rows (dicts) with the masked columns' values replaced by null."""
    if not masked:
        return [dict(r) for r in rows]
    return [{k: (MASK if k in masked else v) for k, v in r.items()} for r in rows]


def mask_tuples(columns: list[str], rows: Iterable[tuple], masked: set[str]) -> list[tuple]:
    """Same for positional rows (DuckDB fetches, CSV writers)."""
    positions = [i for i, name in enumerate(columns) if name in masked]
    if not positions:
        return list(rows)
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            values[i] = MASK
        out.append(tuple(values))
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def masked_select_list(columns: Iterable[Mapping[str, Any]], masked: set[str]) -> str:
    """A DuckDB select list over a published schema's columns (`{"name", "type"}` as in schema.json)
    reading masked columns as NULLs of the column's type — for exports and queries done in SQL."""
    return ", ".join(
        f"CAST(NULL AS {c['type']}) AS {_quote(c['name'])}" if c["name"] in masked else _quote(c["name"])
        for c in columns
    )


def check_not_masked(masked: set[str], used_columns: Iterable[str]) -> None:
    hit = masked.intersection(used_columns)
    if hit:
        raise MaskedColumnError(hit)
