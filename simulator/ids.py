"""Personal identification numbers and enterprise tax codes, built and checked vectorised.

Personal ID (số định danh cá nhân, 12 digits; Thông tư 59/2021/TT-BCA, Điều 7):
  3 digits  province of birth (statistics-office code before 2025, e.g. Điện Biên 011)
  1 digit   century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s
  2 digits  last two digits of the birth year
  6 digits  random

Tax code (mã số thuế, 10 digits; structure in Thông tư 105/2020/TT-BTC, Điều 5): N1N2 the issuing tax
department, N3–N9 a sequence number, N10 a check digit over N1–N9 with weights 31, 29, 23, 19, 17, 13, 7,
5, 3: N10 = 10 − (Σ Ni·Wi mod 11). A remainder of 0 would need the "digit" 10, so such prefixes are never
issued. (Weights as published by the General Department of Taxation and used by open validators such as
npm `@llein/vn-tax-id-validator`; checked here against a published real code, Viettel's 0100109106.)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MST_WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3], dtype=np.int64)
_POW10_9 = 10 ** np.arange(8, -1, -1, dtype=np.int64)


def century_sex_digit(birth_year: np.ndarray, female: np.ndarray) -> np.ndarray:
    return (np.asarray(birth_year) // 100 - 19) * 2 + np.asarray(female, dtype=np.int64)


def personal_id_numbers(birth_province: np.ndarray, birth_year: np.ndarray, female: np.ndarray,
                        serial: np.ndarray) -> np.ndarray:
    """12-digit personal IDs as int64 (render with `as_digits(…, 12)`)."""
    return (np.asarray(birth_province, dtype=np.int64) * 1_000_000_000
            + century_sex_digit(birth_year, female) * 100_000_000
            + (np.asarray(birth_year, dtype=np.int64) % 100) * 1_000_000
            + np.asarray(serial, dtype=np.int64))


def unique_personal_ids(rng: np.random.Generator, birth_province: np.ndarray, birth_year: np.ndarray,
                        female: np.ndarray, taken: np.ndarray | None = None) -> np.ndarray:
    """Personal IDs with random 6-digit serials, redrawn until unique (and not in `taken`)."""
    ids = personal_id_numbers(birth_province, birth_year, female, rng.integers(0, 1_000_000, len(birth_year)))
    while True:
        pool = ids if taken is None else np.concatenate([taken, ids])
        _, first, counts = np.unique(pool, return_index=True, return_counts=True)
        keep = np.zeros(len(pool), dtype=bool)
        keep[first] = True
        if taken is not None:
            keep = keep[len(taken):]
            keep &= ~np.isin(ids, taken)
        clash = np.flatnonzero(~keep)
        if not len(clash):
            return ids
        ids[clash] = personal_id_numbers(birth_province[clash], birth_year[clash], female[clash],
                                         rng.integers(0, 1_000_000, len(clash)))


def mst_check_digit(prefix9: np.ndarray) -> np.ndarray:
    """Check digit for 9-digit prefixes; 10 marks a prefix that is never issued."""
    digits = (np.asarray(prefix9, dtype=np.int64)[:, None] // _POW10_9) % 10
    return 10 - (digits @ MST_WEIGHTS) % 11


def as_digits(numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded decimal strings (keeps leading zeros such as the 0 of "011…")."""
    return pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
