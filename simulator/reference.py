"""Reference data the simulated systems share: the province, its communes and related code lists.

Communes come from `seeds/admin_units.csv` (official 2025 codes, read as strings to keep leading zeros).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

ADMIN_UNITS_CSV = Path(__file__).resolve().parents[1] / "seeds" / "admin_units.csv"

# Province codes of the statistics office before the 2025 merger (63 provinces). Personal IDs carry the
# province of *birth* with these codes as 3 digits (Thông tư 59/2021/TT-BCA, Điều 7), so citizens born
# before 2025 in a province that has since merged still carry its old code.
BIRTH_PROVINCE_CODES = np.array([
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42,
    44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86,
    87, 89, 91, 92, 93, 94, 95, 96,
])

# First two digits of a tax code (MST) name the tax department that issued it. Điện Biên's is 56
# (the code of the former Lai Châu tax department, kept by Điện Biên when Lai Châu was split in 2004).
# For other provinces no table is shipped; their statistics-office code stands in.
TAX_CODE_PREFIX = {"11": 56}

ETHNIC_GROUPS = ("Kinh", "Thái", "Mông", "Khơ Mú", "Dao", "Hà Nhì", "Lào", "Kháng")

# Ethnic mix by commune type. Điện Biên (2019 census): Mông ~36 %, Thái ~34 %, Kinh ~19 %, Khơ Mú ~3 %,
# Dao, Hà Nhì, Lào, Kháng ~1 % each; wards are mostly Kinh and Thái, rural communes Mông and Thái.
_ETHNIC_MIX = {
    "11": {
        "Phường": [0.55, 0.30, 0.07, 0.02, 0.01, 0.01, 0.02, 0.02],
        "Xã": [0.11, 0.35, 0.41, 0.035, 0.035, 0.02, 0.02, 0.02],
    },
}
_ETHNIC_MIX_DEFAULT = [0.86, 0.04, 0.04, 0.01, 0.03, 0.005, 0.005, 0.01]


@dataclass(frozen=True)
class Province:
    code: str
    name: str               # "Tỉnh Điện Biên"
    short_name: str         # "Điện Biên"
    commune_codes: np.ndarray       # str
    commune_names: np.ndarray       # "Phường Điện Biên Phủ"
    commune_short_names: np.ndarray # "Điện Biên Phủ"
    commune_types: np.ndarray       # Xã | Phường | Đặc khu
    latitude: np.ndarray
    longitude: np.ndarray
    area_km2: np.ndarray
    foreign_commune_codes: np.ndarray  # communes of the other 33 provinces (never valid here)

    @property
    def n_communes(self) -> int:
        return len(self.commune_codes)

    @property
    def is_ward(self) -> np.ndarray:
        return self.commune_types == "Phường"

    @property
    def population_weight(self) -> np.ndarray:
        """Relative population per commune: wards are denser; bigger communes hold a few more people."""
        return np.where(self.is_ward, 3.0, 1.0) * self.area_km2 ** 0.25

    @property
    def capital_index(self) -> int:
        """The commune holding the provincial offices: the first ward by code (codes start at the capital)."""
        wards = np.flatnonzero(self.is_ward)
        return int(wards[0]) if len(wards) else 0

    @property
    def tax_code_prefix(self) -> int:
        return TAX_CODE_PREFIX.get(self.code, int(self.code))

    def ethnic_mix(self, commune: int) -> np.ndarray:
        mix = _ETHNIC_MIX.get(self.code)
        if mix is None:
            return np.array(_ETHNIC_MIX_DEFAULT)
        return np.array(mix["Phường"] if self.is_ward[commune] else mix["Xã"])


@cache
def _admin_units() -> list[dict[str, str]]:
    with open(ADMIN_UNITS_CSV, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def load_province(code: str) -> Province:
    rows = _admin_units()
    mine = sorted((r for r in rows if r["province_code"] == code), key=lambda r: r["commune_code"])
    if not mine:
        known = sorted({r["province_code"] for r in rows})
        raise ValueError(f"unknown province_code {code!r}; known codes: {', '.join(known)}")
    foreign = np.array(sorted(r["commune_code"] for r in rows if r["province_code"] != code))
    return Province(
        code=code,
        name=mine[0]["province_name"],
        short_name=mine[0]["province_short_name"],
        commune_codes=np.array([r["commune_code"] for r in mine]),
        commune_names=np.array([r["commune_name"] for r in mine]),
        commune_short_names=np.array([r["commune_short_name"] for r in mine]),
        commune_types=np.array([r["commune_type"] for r in mine]),
        latitude=np.array([float(r["latitude"]) for r in mine]),
        longitude=np.array([float(r["longitude"]) for r in mine]),
        area_km2=np.array([float(r["area_km2"]) for r in mine]),
        foreign_commune_codes=foreign,
    )
