"""dancu — the provincial replica of the national population database (Công an tỉnh): cong_dan.

The same citizens are applicants in motcua and legal representatives in dkkd, so their personal IDs
match across systems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulator.clock import at, nightly_job, office_seconds
from simulator.columns import pick
from simulator.defects import DefectLedger, assign_rows, defect_count, replace_rows
from simulator.ids import as_digits, unique_personal_ids
from simulator.names import ETHNIC_STYLE, full_names
from simulator.reference import BIRTH_PROVINCE_CODES, ETHNIC_GROUPS
from simulator.sink import TableSink
from simulator.streams import grouped_choice, stream, weighted_choice

ADULT_DAYS = int(18 * 365.25)
# Project 06 (2022) cleaned the population data; rows were last touched after this date.
CLEANUP_START = np.datetime64("2021-07-01T00:00:00")
# Where people born outside the province mostly come from (1960s–80s settlement of the north-west
# from the Red River delta and Thanh Hóa), with neighbours; any other province is possible.
_ORIGIN_WEIGHT = {34: 6, 36: 6, 35: 3, 33: 3, 30: 3, 37: 3, 38: 5, 1: 4, 40: 3, 25: 2, 14: 4, 12: 3, 10: 2}


@dataclass(frozen=True)
class Citizens:
    ids: np.ndarray            # int64 personal IDs (clean)
    id_text: pa.Array          # the same, 12 digits
    names: pa.Array
    birth_date: np.ndarray     # datetime64[D]
    female: np.ndarray
    ethnicity: np.ndarray      # index into ETHNIC_GROUPS
    commune: np.ndarray        # index into the province's communes
    updated_at: np.ndarray     # datetime64[s]
    by_birth: np.ndarray       # rows ordered by birth date
    migrant_ids: np.ndarray    # sorted IDs of citizens born in another province

    def adults_at(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """A random citizen who is at least 18 years old on each `day`."""
        cutoff = day.astype("datetime64[D]") - np.timedelta64(ADULT_DAYS, "D")
        available = np.searchsorted(self.birth_date[self.by_birth], cutoff, side="right")
        available = np.maximum(available, 1)
        return self.by_birth[(rng.random(len(day)) * available).astype(np.int64)]


def birth_province_weights(home: int) -> np.ndarray:
    weights = np.array([_ORIGIN_WEIGHT.get(int(code), 1) for code in BIRTH_PROVINCE_CODES], dtype=np.float64)
    weights[BIRTH_PROVINCE_CODES == home] = 0.0
    return weights


def random_people(rng: np.random.Generator, ctx, size: int, day: np.ndarray, avoid: np.ndarray):
    """People from other provinces (not in dancu): valid IDs born elsewhere, adults on `day`, Kinh names."""
    home = int(ctx.province.code)
    elsewhere = np.where(BIRTH_PROVINCE_CODES == home, 0, 1)
    birth_province = BIRTH_PROVINCE_CODES[weighted_choice(rng, elsewhere, size)]
    age_days = (rng.uniform(18.1, 70.0, size) * 365.25).astype("timedelta64[D]")
    birth_year = (day.astype("datetime64[D]") - age_days).astype("datetime64[Y]").astype(np.int64) + 1970
    female = rng.random(size) < 0.5
    ids = unique_personal_ids(rng, birth_province, birth_year, female, taken=avoid)
    names = full_names(rng, np.zeros(size, dtype=np.int64), female, birth_year)
    return as_digits(ids, 12), names


def build_citizens(ctx) -> Citizens:
    rng = stream(ctx.seed, "dancu", "citizens")
    province = ctx.province
    n = ctx.scale.citizens
    commune = weighted_choice(rng, province.population_weight, n)
    mixes = [province.ethnic_mix(c) for c in range(province.n_communes)]
    ethnicity = grouped_choice(rng, commune, mixes) - commune * len(ETHNIC_GROUPS)
    female = rng.random(n) < 0.5
    # A young population: flat to 30, then thinning out.
    ages = np.arange(96)
    age_weight = np.where(ages <= 30, 1.0, np.exp(-(ages - 30) / 22.0))
    age_days = ((weighted_choice(rng, age_weight, n) + rng.random(n)) * 365.25).astype(np.int64) + 1
    as_of = np.datetime64(ctx.as_of, "D")
    birth_date = as_of - age_days.astype("timedelta64[D]")
    birth_year = birth_date.astype("datetime64[Y]").astype(np.int64) + 1970

    home = int(province.code)
    kinh = ethnicity == ETHNIC_GROUPS.index("Kinh")
    migrant = kinh & (rng.random(n) < 0.35)
    birth_province = np.full(n, home, dtype=np.int64)
    origin = weighted_choice(rng, birth_province_weights(home), int(migrant.sum()))
    birth_province[migrant] = BIRTH_PROVINCE_CODES[origin]
    ids = unique_personal_ids(rng, birth_province, birth_year, female)

    styles = np.array([ETHNIC_STYLE[g] for g in ETHNIC_GROUPS])[ethnicity]
    names = full_names(rng, styles, female, birth_year)

    # Records are edited by officers during office hours, some day between the later of birth and the
    # Project 06 clean-up and the day before yesterday.
    first_day = np.maximum(birth_date, CLEANUP_START.astype("datetime64[D]"))
    span_days = (as_of - np.timedelta64(1, "D") - first_day).astype(np.int64)
    edit_day = first_day + (rng.random(n) * np.maximum(span_days, 1)).astype("timedelta64[D]")
    updated_at = at(edit_day, office_seconds(rng, n))
    # Last night's sync from the national database touched a few records (moves, births, corrections).
    touched = rng.choice(n, size=max(1, n // 500), replace=False)
    updated_at[touched] = nightly_job(ctx.as_of) + rng.integers(0, 1800, len(touched)).astype("timedelta64[s]")

    order = np.argsort(ids, kind="stable")  # the register is kept in ID order
    ids, commune, ethnicity, female = ids[order], commune[order], ethnicity[order], female[order]
    birth_date, updated_at, birth_province = birth_date[order], updated_at[order], birth_province[order]
    names = names.take(pa.array(order))
    return Citizens(
        ids=ids, id_text=as_digits(ids, 12), names=names, birth_date=birth_date, female=female,
        ethnicity=ethnicity, commune=commune, updated_at=updated_at,
        by_birth=np.argsort(birth_date, kind="stable"),
        migrant_ids=np.sort(ids[birth_province != home]),
    )


def malformed_ids(rng: np.random.Generator, citizens: Citizens, rows: np.ndarray) -> list[str]:
    """Four ways IDs get spoilt, in turn: leading zero lost (11 digits), sex digit flipped, birth year off
    by one, an old 9-digit ID card number. All stay unique; a clash falls back to the lost leading zero."""
    ids = citizens.ids[rows]
    variant = np.arange(len(rows)) % 4
    century_sex = (ids // 100_000_000) % 10
    year_digits = (ids // 1_000_000) % 100
    flipped_sex = ids + np.where(century_sex % 2 == 0, 1, -1) * 100_000_000
    year_off = ids - year_digits * 1_000_000 + ((year_digits + 1) % 100) * 1_000_000
    sorted_ids = citizens.ids  # kept in ID order

    def taken(values: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(sorted_ids, values), len(sorted_ids) - 1)
        return sorted_ids[at] == values

    sex_taken, year_taken = taken(flipped_sex), taken(year_off)
    old_card = rng.choice(900_000_000, size=len(rows), replace=False) + 100_000_000
    spoilt: list[str] = []
    used: set[str] = set()
    for original, kind, sex_value, year_value, card, sex_clash, year_clash in zip(
            ids, variant, flipped_sex, year_off, old_card, sex_taken, year_taken):
        if kind == 1 and not sex_clash:
            value = f"{sex_value:012d}"
        elif kind == 2 and not year_clash:
            value = f"{year_value:012d}"
        elif kind == 3:
            value = str(card)
        else:
            value = str(original)  # "011…" read as a number somewhere on the way: 11 digits
        if value in used:
            value = str(original)
        used.add(value)
        spoilt.append(value)
    return spoilt


def generate(ctx, sink: TableSink, ledger: DefectLedger) -> None:
    citizens = ctx.citizens
    rng = stream(ctx.seed, "dancu", "defects")
    n = len(citizens.ids)
    id_text = citizens.id_text
    rows = assign_rows(rng, n, {"malformed_personal_id": defect_count(ctx.defect_rate, n)})["malformed_personal_id"]
    if len(rows):
        spoilt = malformed_ids(rng, citizens, rows)
        id_text = replace_rows(id_text, rows, spoilt)
        ledger.record("malformed_personal_id", "dancu", "cong_dan", "so_dinh_danh", spoilt)
    sink.write("cong_dan", pa.table({
        "so_dinh_danh": id_text,
        "ho_ten": citizens.names,
        "ngay_sinh": pa.array(citizens.birth_date, type=pa.date32()),
        "gioi_tinh": pick(["nam", "nu"], citizens.female),
        "dan_toc": pick(ETHNIC_GROUPS, citizens.ethnicity),
        "ma_xa": pick(ctx.province.commune_codes, citizens.commune),
        "updated_at": pa.array(citizens.updated_at, type=pa.timestamp("s")),
    }))
