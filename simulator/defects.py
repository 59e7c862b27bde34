"""Known data defects: how many to inject, which rows carry them, and the ledger the manifest is built from.

Each defective row carries exactly one defect type, so the manifest's counts and keys match what a check
over the written data finds, and clean rows never trip a rule by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFECT_TYPES = (
    "duplicate_dossier_code",        # ho_so: another id already uses the ma_ho_so
    "finished_before_received",      # ho_so: ngay_ket_thuc < ngay_tiep_nhan
    "missing_due_date",              # ho_so: ngay_hen_tra null
    "unknown_commune_code",          # ho_so, doanh_nghiep: ma_xa not a commune of the province
    "malformed_personal_id",         # cong_dan: not 12 digits, or century/sex or year digits disagree
    "invalid_tax_code_check_digit",  # doanh_nghiep: MST check digit wrong
    "future_date",                   # ho_so.ngay_tiep_nhan, van_ban.ngay_ban_hanh after as_of
    "non_nfc_text",                  # ho_so.ten_nguoi_nop, doanh_nghiep.ten_doanh_nghiep stored NFD
    "stale_feed",                    # one system's updated_at stops ~120 days before as_of
)

#: The system whose feed stops updating when defects are on (its SLA is 90 days; it stops at 120).
STALE_FEED_SYSTEM = "yte"
STALE_FEED_AGE_DAYS = 120


def defect_count(rate: float, rows: int) -> int:
    """Rows to spoil for one (defect type, table): at least one whenever defects are on."""
    if rate <= 0 or rows == 0:
        return 0
    return max(1, int(round(rate * rows)))


@dataclass
class _Entry:
    type: str
    system: str
    table: str
    column: str
    keys: list = field(default_factory=list)


class DefectLedger:
    """Collects the keys of injected rows (possibly over many chunks) per (type, system, table)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], _Entry] = {}
        self.stale_feeds: list[dict] = []

    def record(self, type_: str, system: str, table: str, column: str, keys) -> None:
        if type_ not in DEFECT_TYPES:
            raise ValueError(f"unknown defect type {type_!r}")
        entry = self._entries.setdefault((type_, system, table), _Entry(type_, system, table, column))
        entry.keys.extend(k.item() if isinstance(k, np.generic) else k for k in keys)

    def record_stale_feed(self, system: str, last_updated_at: str) -> None:
        self.stale_feeds.append({"system": system, "last_updated_at": last_updated_at})

    def manifest_entries(self) -> list[dict]:
        entries = []
        for key in sorted(self._entries, key=lambda k: (k[1], k[2], DEFECT_TYPES.index(k[0]))):
            entry = self._entries[key]
            if entry.keys:
                entries.append({"type": entry.type, "system": entry.system, "table": entry.table,
                                "column": entry.column, "count": len(entry.keys), "keys": sorted(entry.keys)})
        return entries


def assign_rows(rng: np.random.Generator, n_rows: int, wanted: dict[str, int],
                eligible: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Disjoint row positions for each defect type (in the given order), each within its eligible mask."""
    eligible = eligible or {}
    free = np.ones(n_rows, dtype=bool)
    chosen: dict[str, np.ndarray] = {}
    for type_, count in wanted.items():
        mask = free & eligible.get(type_, True)
        candidates = np.flatnonzero(mask)
        count = min(count, len(candidates))
        picked = np.sort(rng.choice(candidates, size=count, replace=False)) if count else np.empty(0, np.int64)
        free[picked] = False
        chosen[type_] = picked
    return chosen


def decomposable(values: pa.Array) -> np.ndarray:
    """Rows whose text changes under NFD, i.e. carries a combining diacritic ("Đ" alone does not)."""
    changed = pc.not_equal(values, pc.utf8_normalize(values, form="NFD"))
    return changed.fill_null(False).to_numpy(zero_copy_only=False)


def to_nfd(values: pa.Array, positions: np.ndarray) -> pa.Array:
    """`values` with the rows at `positions` spelt decomposed (NFD), as some keyboards and legacy systems do."""
    mask = np.zeros(len(values), dtype=bool)
    mask[positions] = True
    spoilt = pc.utf8_normalize(values.take(pa.array(positions, type=pa.int64())), form="NFD")
    return pc.replace_with_mask(values, pa.array(mask), spoilt)


def replace_rows(values: pa.Array, positions: np.ndarray, replacements) -> pa.Array:
    """`values` with the rows at `positions` replaced (positions ascending, one replacement each)."""
    if not len(positions):
        return values
    mask = np.zeros(len(values), dtype=bool)
    mask[positions] = True
    if isinstance(replacements, pa.ChunkedArray):
        replacements = replacements.combine_chunks()
    if isinstance(replacements, pa.Array):
        replacements = replacements.cast(values.type)
    else:
        replacements = pa.array(replacements, type=values.type)
    return pc.replace_with_mask(values, pa.array(mask), replacements)
