"""Scale presets: how many rows of each kind the simulator writes.

Volumes follow DESIGN §4: a province receives ~50k–200k TTHC dossiers a year and sends ~2 million electronic
documents a year; Điện Biên has ~650k inhabitants. `small` is for CI (seconds), `province` is a realistic
province over 2021..as_of, `large` is ten times `province` for load tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    dossiers: int          # motcua.ho_so rows (ho_so_xu_ly gets 2–5 steps per dossier)
    documents: int         # qlvb.van_ban rows
    citizens: int          # dancu.cong_dan rows
    enterprises: int       # dkkd.doanh_nghiep rows
    default_defect_rate: float  # share of rows per (defect type, table) when defect_rate=None


SCALES: dict[str, Scale] = {
    "small": Scale("small", dossiers=20_000, documents=60_000, citizens=10_000, enterprises=1_500,
                   default_defect_rate=0.01),
    # At a million dossiers 1 % would put ~10k keys per defect type in the manifest; 0.2 % still gives
    # thousands of bad rows per type, which is what the quality gates need to prove themselves.
    "province": Scale("province", dossiers=1_000_000, documents=5_000_000, citizens=700_000, enterprises=20_000,
                      default_defect_rate=0.002),
    "large": Scale("large", dossiers=10_000_000, documents=50_000_000, citizens=7_000_000, enterprises=200_000,
                   default_defect_rate=0.0005),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
