"""motcua — the provincial one-stop TTHC system (Văn phòng UBND tỉnh): linh_vuc, thu_tuc, ho_so,
ho_so_xu_ly.

Dossiers from 2021-01-01 to as_of, growing ~18 % a year, received on working days in office hours.
Each handling agency has its own online-submission rate (25–85 %, rising every year) and on-time rate
(95–98.5 %, rising slowly); both are met as quotas per agency and quarter, so they hold for every
agency-year, not just on average. Applicants are citizens of dancu (matching personal IDs), firms of
dkkd (matching tax codes) or, for 4 % of citizen dossiers, people from other provinces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.clock import DAY, HOUR, MINUTE, add_working_days, at, nightly_job, office_seconds
from simulator.columns import pick, timestamps
from simulator.context import HISTORY_START, Context
from simulator.dancu import random_people
from simulator.defects import DefectLedger, assign_rows, decomposable, defect_count, replace_rows, to_nfd
from simulator.history import Chunk, plan_history
from simulator.ids import as_digits
from simulator.names import full_names
from simulator.sink import TableSink
from simulator.streams import allocate, quota_select, rank_within, stream, weighted_choice

YEARLY_GROWTH = 1.18
OUTSIDER_SHARE = 0.04          # citizen applicants not registered in the province
FIRM_SHARE_WHEN_ANY = 0.25     # procedures open to both: share filed by firms
POSTAL_SHARE = 0.05            # of non-online dossiers, sent by post (BCCI)
REJECTED, WITHDRAWN = 0.015, 0.005

CHANNELS = ["truc_tiep", "truc_tuyen", "buu_chinh"]
STATUSES = ["dang_xu_ly", "da_tra_ket_qua", "tu_choi", "rut_ho_so"]
OPEN, RETURNED, REJECTED_STATUS, WITHDRAWN_STATUS = range(4)

STEP_NAMES = {
    2: ["Tiếp nhận hồ sơ", "Giải quyết và trả kết quả"],
    3: ["Tiếp nhận hồ sơ", "Thẩm định, xử lý hồ sơ", "Trả kết quả"],
    4: ["Tiếp nhận hồ sơ", "Thẩm định, xử lý hồ sơ", "Phê duyệt, ký kết quả", "Trả kết quả"],
    5: ["Tiếp nhận hồ sơ", "Phân công xử lý", "Thẩm định, xử lý hồ sơ", "Phê duyệt, ký kết quả", "Trả kết quả"],
}
REJECTED_STEP = "Từ chối giải quyết, trả lại hồ sơ"
WITHDRAWN_STEP = "Tiếp nhận yêu cầu rút hồ sơ"
STEP_COUNT_WEIGHTS = [0.15, 0.35, 0.35, 0.15]  # 2, 3, 4, 5 steps

# In the order rows are assigned: the most constrained first.
HO_SO_DEFECTS = {
    "finished_before_received": "ngay_ket_thuc",
    "non_nfc_text": "ten_nguoi_nop",
    "duplicate_dossier_code": "ma_ho_so",
    "missing_due_date": "ngay_hen_tra",
    "unknown_commune_code": "ma_xa",
    "future_date": "ngay_tiep_nhan",
}


@dataclass
class AgencyProfiles:
    """Per handling agency: how its online and on-time rates start in 2021 and improve."""
    online_start: np.ndarray
    online_gain: np.ndarray
    on_time_start: np.ndarray
    on_time_gain: np.ndarray
    carry: np.ndarray  # initial fractional remainders of the online and late quotas, per agency

    @classmethod
    def draw(cls, ctx: Context) -> AgencyProfiles:
        rng = stream(ctx.seed, "motcua", "agency_profiles")
        size = len(ctx.agencies)
        return cls(online_start=rng.uniform(0.28, 0.50, size), online_gain=rng.uniform(0.05, 0.10, size),
                   on_time_start=rng.uniform(0.957, 0.975, size), on_time_gain=rng.uniform(0.001, 0.004, size),
                   carry=rng.random((2, size)))

    # Targets sit a little inside the stated ranges (online 25–85 %, on time 95–99 %) so that whole
    # dossiers per agency-year never push a rate outside them.
    def online_share(self, years: float) -> np.ndarray:
        return np.clip(self.online_start + self.online_gain * years, 0.27, 0.83)

    def late_share(self, years: float) -> np.ndarray:
        return 1.0 - np.clip(self.on_time_start + self.on_time_gain * years, 0.955, 0.985)


@dataclass
class Officials:
    """Officials who handle dossier steps, per agency (offsets into one name array)."""
    names: pa.Array
    start: np.ndarray
    count: np.ndarray

    @classmethod
    def draw(cls, ctx: Context) -> Officials:
        rng = stream(ctx.seed, "motcua", "officials")
        count = ctx.agencies.staff
        total = int(count.sum())
        style = weighted_choice(rng, [0.6, 0.3, 0.1], total)  # Kinh, Thái, Mông naming
        female = rng.random(total) < 0.5
        names = full_names(rng, style, female, rng.integers(1965, 2000, total))
        return cls(names=names, start=np.r_[0, np.cumsum(count)[:-1]], count=count)

    def pick(self, rng: np.random.Generator, agency: np.ndarray) -> pa.Array:
        rows = self.start[agency] + (rng.random(len(agency)) * self.count[agency]).astype(np.int64)
        return self.names.take(pa.array(rows))


@dataclass
class _Running:
    """What carries over from one quarter to the next."""
    next_id: int = 1
    next_step_id: int = 1
    online_carry: np.ndarray = field(default_factory=lambda: np.zeros(0))
    late_carry: np.ndarray = field(default_factory=lambda: np.zeros(0))


def catalogue_tables(ctx: Context) -> tuple[pa.Table, pa.Table]:
    cat, agencies = ctx.catalogue, ctx.agencies
    # The catalogue is re-synchronised from the national TTHC database every night; the sync stamps rows.
    synced = nightly_job(ctx.as_of)
    linh_vuc = pa.table({
        "ma_linh_vuc": pa.array(cat.field_codes),
        "ten_linh_vuc": pa.array(cat.field_names),
        "updated_at": timestamps(synced + np.arange(len(cat.field_codes)).astype("timedelta64[s]")),
    })
    managing = np.array([agencies.index[d] for d in cat.department])
    thu_tuc = pa.table({
        "ma_thu_tuc": pa.array(cat.codes),
        "ten_thu_tuc": pa.array(cat.names),
        "ma_linh_vuc": pa.array(cat.field_codes[cat.field]),
        "ma_co_quan": pick(agencies.codes, managing),
        "muc_do": pa.array(cat.online_level),
        "le_phi": pa.array(cat.fee),
        "thoi_han_ngay": pa.array(cat.days.astype(np.int32)),
        "updated_at": timestamps(synced + (60 + np.arange(len(cat.codes))).astype("timedelta64[s]")),
    })
    return linh_vuc, thu_tuc


def _applicants(rng, ctx: Context, procedure: np.ndarray, day: np.ndarray):
    """Who filed each dossier: (commune, ID number, name, applicant type)."""
    n = len(procedure)
    kind = ctx.catalogue.applicant[procedure]
    firm = (kind == "dn") | ((kind == "any") & (rng.random(n) < FIRM_SHARE_WHEN_ANY))
    outsider = np.flatnonzero(~firm & (rng.random(n) < OUTSIDER_SHARE))
    citizens, firms = ctx.citizens, ctx.enterprises
    person = citizens.adults_at(rng, day)
    company = firms.existing_at(rng, day)
    commune = np.where(firm, firms.commune[company], citizens.commune[person])
    firm_mask = pa.array(firm)
    id_number = pc.if_else(firm_mask, firms.mst_text.take(pa.array(company)),
                           citizens.id_text.take(pa.array(person)))
    name = pc.if_else(firm_mask, firms.names.take(pa.array(company)), citizens.names.take(pa.array(person)))
    if len(outsider):
        commune[outsider] = weighted_choice(rng, ctx.province.population_weight, len(outsider))
        outside_id, outside_name = random_people(rng, ctx, len(outsider), day[outsider], citizens.migrant_ids)
        id_number = replace_rows(id_number, outsider, outside_id)
        name = replace_rows(name, outsider, outside_name)
    return commune, id_number, name, firm


def _steps(rng, ctx: Context, officials: Officials, running: _Running, dossier_id: np.ndarray,
           received: np.ndarray, end: np.ndarray, still_open: np.ndarray, status: np.ndarray,
           agency: np.ndarray, at_centre: np.ndarray, dossier_updated: np.ndarray) -> pa.Table:
    n = len(dossier_id)
    count = 2 + weighted_choice(rng, STEP_COUNT_WEIGHTS, n)
    count[(status == REJECTED_STATUS) | (status == WITHDRAWN_STATUS)] = 2
    total = int(count.sum())
    owner = np.repeat(np.arange(n), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    position = np.arange(total) - first[owner]
    last = position == count[owner] - 1
    # Each step takes a random share of the dossier's time; the last step ends when the dossier does.
    # Receiving a dossier and handing back the result are short compared with the work in between.
    desk = ((position == 0) | last) & (count[owner] >= 3)
    share = np.cumsum(np.where(desk, rng.uniform(0.01, 0.06, total), rng.uniform(0.3, 1.0, total)))
    before = np.r_[0.0, share][first][owner]
    span_total = share[first + count - 1][owner] - before
    fraction = np.where(last, 1.0, (share - before) / span_total)
    duration = (end - received).astype(np.int64)[owner]
    step_end = received[owner] + (fraction * duration).astype("timedelta64[s]")
    step_start = np.where(position == 0, received[owner], np.r_[step_end[:1], step_end[:-1]])
    open_step = last & still_open[owner]

    names = sorted({name for names in STEP_NAMES.values() for name in names} | {REJECTED_STEP, WITHDRAWN_STEP})
    name_index = {name: i for i, name in enumerate(names)}
    table = np.zeros((6, 5), dtype=np.int64)
    for steps, step_names in STEP_NAMES.items():
        table[steps, :steps] = [name_index[s] for s in step_names]
    name_row = table[count[owner], position]
    name_row[last & (status[owner] == REJECTED_STATUS)] = name_index[REJECTED_STEP]
    name_row[last & (status[owner] == WITHDRAWN_STATUS)] = name_index[WITHDRAWN_STEP]

    # Provincial procedures are received and returned at the public-service centre.
    centre = ctx.agencies.index["TTPVHCC"]
    at_desk = at_centre[owner] & (count[owner] >= 3) & ((position == 0) | last)
    step_agency = np.where(at_desk, centre, agency[owner])

    lag = rng.integers(0, 10 * MINUTE, total).astype("timedelta64[s]")
    updated = np.where(open_step, dossier_updated[owner], np.minimum(step_end + lag, ctx.last_second))
    step_ids = running.next_step_id + np.arange(total, dtype=np.int64)
    running.next_step_id += total
    return pa.table({
        "id": pa.array(step_ids),
        "ho_so_id": pa.array(dossier_id[owner]),
        "buoc": pa.array((position + 1).astype(np.int32)),
        "ten_buoc": pa.array(names).take(pa.array(name_row)),
        "ma_co_quan": pa.array(ctx.agencies.codes).take(pa.array(step_agency)),
        "nguoi_xu_ly": officials.pick(rng, step_agency),
        "bat_dau": timestamps(step_start),
        "ket_thuc": timestamps(step_end, null=open_step),
        "updated_at": timestamps(updated),
    })


def _quarter(ctx: Context, chunk: Chunk, running: _Running, profiles: AgencyProfiles, officials: Officials,
             wanted_defects: dict[str, int], ledger: DefectLedger) -> tuple[pa.Table, pa.Table]:
    rng = stream(ctx.seed, "motcua", "ho_so", chunk.index)
    cat, agencies = ctx.catalogue, ctx.agencies
    n = chunk.rows
    day = chunk.days[weighted_choice(rng, chunk.day_weights, n)]
    seconds = office_seconds(rng, n)
    order = np.lexsort((seconds, day))  # ids follow the order of receipt
    day, seconds = day[order], seconds[order]
    received = at(day, seconds)

    procedure = weighted_choice(rng, cat.volume, n)
    commune, id_number, applicant_name, firm_applicant = _applicants(rng, ctx, procedure, day)
    level = cat.level[procedure]
    department = np.array([agencies.index[d] for d in cat.department])[procedure]
    agency = np.where(level == "xa", agencies.commune_agency[commune], department)

    years = chunk.midpoint_years
    full_online = cat.online_level[procedure] == "toan_trinh"
    online = quota_select(agency, profiles.online_share(years), rng.random(n) - 0.3 * full_online,
                          running.online_carry)
    channel = np.where(online, CHANNELS.index("truc_tuyen"),
                       np.where(rng.random(n) < POSTAL_SHARE, CHANNELS.index("buu_chinh"), CHANNELS.index("truc_tiep")))
    late = quota_select(agency, profiles.late_share(years), rng.random(n), running.late_carry)

    # Due date: statutory working days later at the same time; same-day procedures at 17:00.
    statutory = cat.days[procedure]
    due = np.where(statutory == 0, at(day, np.full(n, 17 * HOUR)), at(add_working_days(day, statutory), seconds))
    on_time_offset = np.minimum(((statutory + 1) * rng.random(n) ** 1.6).astype(np.int64), statutory)
    late_offset = statutory + rng.geometric(0.3, n)
    offset = np.where(late, late_offset, on_time_offset)
    finish = np.where(offset == 0,
                      received + rng.integers(15 * MINUTE, 4 * HOUR, n).astype("timedelta64[s]"),
                      at(add_working_days(day, offset), office_seconds(rng, n)))
    outcome = rng.random(n)
    still_open = finish >= ctx.as_of_midnight
    status = np.where(still_open, OPEN,
                      np.where(outcome < REJECTED, REJECTED_STATUS,
                               np.where(outcome < REJECTED + WITHDRAWN, WITHDRAWN_STATUS, RETURNED)))
    digitised = online | (rng.random(n) < np.clip(0.15 + 0.20 * years, 0.15, 0.95))
    paid_online = (cat.fee[procedure] > 0) & online & (rng.random(n) < np.clip(0.20 + 0.15 * years, 0.0, 0.9))

    # Open dossiers are touched by the nightly due-date job; closed ones shortly after they close.
    nightly = nightly_job(ctx.as_of)
    updated = np.where(still_open,
                       nightly + rng.integers(0, 30 * MINUTE, n).astype("timedelta64[s]"),
                       np.minimum(finish + rng.integers(MINUTE, 2 * HOUR, n).astype("timedelta64[s]"),
                                  ctx.last_second))
    dossier_id = running.next_id + np.arange(n, dtype=np.int64)
    running.next_id += n

    # Dossier code: agency code, date received, running number of the agency that day.
    day_number = day.astype(np.int64)
    sequence = rank_within(agency * 1_000_000 + day_number, seconds) + 1
    agency_codes = pa.array(agencies.codes)
    code = pc.binary_join_element_wise(
        agency_codes.take(pa.array(agency)),
        pc.strftime(pa.array(day.astype("datetime64[s]"), type=pa.timestamp("s")), format="%y%m%d"),
        as_digits(sequence, 4), "-")

    steps = _steps(rng, ctx, officials, running, dossier_id, received,
                   np.where(still_open, nightly, finish), still_open, status, agency,
                   level == "tinh", updated)

    # --- defects ---------------------------------------------------------------------------------
    defect_rng = stream(ctx.seed, "motcua", "defects", chunk.index)
    spoil_total = sum(wanted_defects.values())
    rows = assign_rows(defect_rng, n, wanted_defects, eligible={
        "finished_before_received": ~still_open,
        "non_nfc_text": decomposable(applicant_name) if wanted_defects["non_nfc_text"] else False,
        # A duplicate copies the code of an earlier clean dossier; enough clean rows precede these.
        "duplicate_dossier_code": np.arange(n) >= spoil_total,
    })
    commune_code = pick(ctx.province.commune_codes, commune)
    due_missing = np.zeros(n, dtype=bool)
    if spoil_total:
        spoilt = np.zeros(n, dtype=bool)
        for positions in rows.values():
            spoilt[positions] = True
        duplicates = rows["duplicate_dossier_code"]
        if len(duplicates):
            clean = np.flatnonzero(~spoilt)
            earlier = np.searchsorted(clean, duplicates)
            originals = clean[(defect_rng.random(len(duplicates)) * earlier).astype(np.int64)]
            code = replace_rows(code, duplicates, code.take(pa.array(originals)))
        backwards = rows["finished_before_received"]
        earlier_by = defect_rng.integers(HOUR, 5 * DAY, len(backwards)).astype("timedelta64[s]")
        finish[backwards] = received[backwards] - earlier_by
        due_missing[rows["missing_due_date"]] = True
        unknown = rows["unknown_commune_code"]
        if len(unknown):
            commune_code = replace_rows(commune_code, unknown,
                                        defect_rng.choice(ctx.province.foreign_commune_codes, len(unknown)).tolist())
        future = rows["future_date"]
        # A mistyped date lands the whole record 1..365 days after as_of.
        shift = ((np.datetime64(ctx.as_of) - day[future]).astype(np.int64)
                 + defect_rng.integers(1, 366, len(future))) * DAY
        for values in (received, due, finish):
            values[future] += shift.astype("timedelta64[s]")
        if len(rows["non_nfc_text"]):
            applicant_name = to_nfd(applicant_name, rows["non_nfc_text"])
        for type_, column in HO_SO_DEFECTS.items():
            ledger.record(type_, "motcua", "ho_so", column, dossier_id[rows[type_]].tolist())

    ho_so = pa.table({
        "id": pa.array(dossier_id),
        "ma_ho_so": code,
        "ma_thu_tuc": pa.array(cat.codes).take(pa.array(procedure)),
        "ma_co_quan": agency_codes.take(pa.array(agency)),
        "ma_xa": commune_code,
        "ten_nguoi_nop": applicant_name,
        "so_giay_to": id_number,
        "loai_doi_tuong": pick(["cong_dan", "doanh_nghiep"], firm_applicant),
        "kenh": pick(CHANNELS, channel),
        "ngay_tiep_nhan": timestamps(received),
        "ngay_hen_tra": timestamps(due, null=due_missing),
        "ngay_ket_thuc": timestamps(finish, null=still_open),
        "trang_thai": pick(STATUSES, status),
        "da_so_hoa": pa.array(digitised),
        "thanh_toan_truc_tuyen": pa.array(paid_online),
        "updated_at": timestamps(updated),
    })
    return ho_so, steps


def generate(ctx: Context, sink: TableSink, ledger: DefectLedger) -> None:
    linh_vuc, thu_tuc = catalogue_tables(ctx)
    sink.write("linh_vuc", linh_vuc)
    sink.write("thu_tuc", thu_tuc)
    plan = plan_history(ctx.scale.dossiers, HISTORY_START, ctx.as_of, YEARLY_GROWTH)
    per_type = defect_count(ctx.defect_rate, sum(c.rows for c in plan))
    chunk_rows = np.array([c.rows for c in plan])
    allocation = {type_: allocate(per_type, chunk_rows) for type_ in HO_SO_DEFECTS}
    profiles, officials = AgencyProfiles.draw(ctx), Officials.draw(ctx)
    running = _Running(online_carry=profiles.carry[0].copy(), late_carry=profiles.carry[1].copy())
    for chunk in plan:
        wanted = {type_: int(allocation[type_][chunk.index]) for type_ in HO_SO_DEFECTS}
        ho_so, steps = _quarter(ctx, chunk, running, profiles, officials, wanted, ledger)
        sink.write("ho_so", ho_so)
        sink.write("ho_so_xu_ly", steps)
