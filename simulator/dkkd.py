"""dkkd — the business registration system (Sở Tài chính since the 2025 merger of planning and finance):
doanh_nghiep.

Tax codes are issued in founding order with valid check digits; legal representatives are citizens of
dancu (their personal IDs match) or, for a tenth of the firms, people from other provinces.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.clock import at, nightly_job, office_seconds, working_days
from simulator.columns import pick
from simulator.dancu import random_people
from simulator.defects import DefectLedger, assign_rows, decomposable, defect_count, replace_rows, to_nfd
from simulator.ids import as_digits, mst_check_digit
from simulator.sink import TableSink
from simulator.streams import rank_within, stream, weighted_choice

FOUNDING_START = dt.date(1995, 1, 1)

# VSIC 2018 level-4 code, relative share among the province's firms, word used in firm names.
INDUSTRIES = [
    ("4101", 8.0, "Xây dựng"), ("4102", 4.0, "Xây dựng"), ("4212", 6.0, "Xây dựng Giao thông"),
    ("4221", 2.0, "Xây lắp Điện"), ("4222", 1.5, "Xây dựng Cấp thoát nước"), ("4291", 1.5, "Xây dựng Thủy lợi"),
    ("4312", 1.0, "Xây dựng và San lấp"), ("4321", 1.5, "Điện Nước"), ("4330", 1.0, "Xây dựng và Nội thất"),
    ("3511", 2.0, "Thủy điện"), ("0810", 2.0, "Khai thác Khoáng sản"), ("2395", 1.0, "Bê tông"),
    ("4520", 1.5, "Dịch vụ Ô tô"), ("4620", 2.0, "Nông sản"), ("4632", 2.0, "Thực phẩm"),
    ("4659", 2.0, "Thiết bị"), ("4661", 1.5, "Xăng dầu"), ("4663", 4.0, "Vật liệu Xây dựng"),
    ("4690", 4.0, "Thương mại Tổng hợp"), ("4711", 2.0, "Thương mại và Dịch vụ"), ("4730", 1.5, "Xăng dầu"),
    ("4772", 1.5, "Dược phẩm"), ("4932", 2.0, "Vận tải"), ("4933", 3.0, "Vận tải"),
    ("5510", 2.0, "Khách sạn"), ("5610", 2.0, "Dịch vụ Ăn uống"), ("7110", 4.0, "Tư vấn Xây dựng"),
    ("7912", 1.0, "Du lịch"), ("0118", 0.5, "Nông nghiệp"), ("0126", 0.7, "Cà phê"), ("0127", 0.5, "Chè"),
    ("0145", 0.7, "Chăn nuôi"), ("0210", 1.0, "Lâm nghiệp"), ("1622", 0.7, "Chế biến Gỗ"),
    ("6201", 0.5, "Công nghệ Thông tin"), ("8559", 0.5, "Giáo dục"), ("8620", 0.4, "Y tế"),
]
# loai_hinh, share, name prefixes (with weights), median charter capital (VND)
LEGAL_FORMS = [
    ("tnhh_1tv", 0.42, [("Công ty TNHH", 0.7), ("Công ty TNHH MTV", 0.3)], 2_000_000_000),
    ("tnhh_2tv", 0.18, [("Công ty TNHH", 1.0)], 3_000_000_000),
    ("co_phan", 0.15, [("Công ty Cổ phần", 1.0)], 8_000_000_000),
    ("tu_nhan", 0.24, [("Doanh nghiệp tư nhân", 1.0)], 1_000_000_000),
    ("hop_danh", 0.01, [("Công ty Hợp danh", 1.0)], 1_500_000_000),
]
BRAND_NAMES = (
    "Hoàng Anh,Minh Phát,Tây Bắc,Hưng Thịnh,Thành Đạt,Phúc Lộc,An Phát,Trường Sơn,Him Lam,Hoa Ban,"
    "Mường Thanh,Việt Tiến,Hồng Phúc,Thành Công,Đại Phong,Bảo Long,Tuấn Anh,Hải Đăng,Quang Minh,Nam Cường,"
    "Phú Hưng,Tiến Đạt,Hùng Vương,Sông Đà,Pha Đin,Nậm Rốm,Sơn Trang,Đông Dương,Bắc Hà,Phương Nam,Kim Long,"
    "Anh Dũng,Thái Sơn,Lộc Phát,Hà Linh,Gia Huy,Xuân Trường,Ngọc Sơn,Đức Minh,Thịnh Vượng,Tân Tiến,Vạn Phúc,"
    "Hợp Thành,Trung Kiên,Bình Minh,Hoàng Long,Nam Sơn,Đại Nam,Phú Thành,Quyết Thắng"
).split(",")


@dataclass(frozen=True)
class Enterprises:
    mst: np.ndarray            # int64, 10 digits with a valid check digit; rows in founding order
    mst_text: pa.Array
    names: pa.Array
    legal_form: np.ndarray     # index into LEGAL_FORMS
    industry: np.ndarray       # index into INDUSTRIES
    capital: np.ndarray        # VND
    founded: np.ndarray        # datetime64[D], ascending
    status: np.ndarray         # str
    commune: np.ndarray
    representative: pa.Array
    representative_id: pa.Array
    updated_at: np.ndarray

    def existing_at(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """A random firm already founded on each `day` (the oldest firm predates all dossiers)."""
        available = np.maximum(np.searchsorted(self.founded, day.astype("datetime64[D]"), side="right"), 1)
        return (rng.random(len(day)) * available).astype(np.int64)


def issue_tax_codes(rng: np.random.Generator, prefix: int, n: int) -> np.ndarray:
    """Sequential 7-digit numbers with gaps of at least 3 under the department prefix, each given its check
    digit; a number whose check digit would be 10 is skipped for the next free one."""
    mean_gap = max(4.0, min(40.0, 9_000_000 / max(n, 1)))
    gaps = 3 + rng.integers(0, int(2 * (mean_gap - 3)) + 1, n)
    base = prefix * 10_000_000 + 100_000 + np.cumsum(gaps)
    check = mst_check_digit(base)
    for _ in range(2):
        retry = check == 10
        base[retry] += 1
        check[retry] = mst_check_digit(base[retry])
    assert not (check == 10).any(), "every tax code prefix must have a check digit"
    return base * 10 + check


def _firm_names(rng: np.random.Generator, ctx, legal_form: np.ndarray, industry: np.ndarray,
                commune: np.ndarray) -> pa.Array:
    n = len(legal_form)
    prefixes = [p for _, _, options, _ in LEGAL_FORMS for p, _ in options]
    prefix_weights = [[w for _, w in options] for _, _, options, _ in LEGAL_FORMS]
    offsets = np.cumsum([0] + [len(w) for w in prefix_weights])[:-1]
    local = np.zeros(n, dtype=np.int64)
    one_member = legal_form == 0
    local[one_member] = weighted_choice(rng, prefix_weights[0], int(one_member.sum()))
    prefix = pa.array(prefixes).take(pa.array(offsets[legal_form] + local))
    trade = pa.array([word for _, _, word in INDUSTRIES]).take(pa.array(industry))
    brand = pa.array(BRAND_NAMES).take(pa.array(rng.integers(0, len(BRAND_NAMES), n)))
    place_names = np.concatenate([[ctx.province.short_name], ctx.province.commune_short_names])
    place = np.where(rng.random(n) < 0.5, 0, 1 + commune)
    with_place = rng.random(n) < 0.5
    place_text = pa.array(np.where(with_place, np.char.add(" ", place_names[place].astype(str)), ""))
    names = pc.binary_join_element_wise(prefix, trade, brand, " ")
    names = pc.binary_join_element_wise(names, place_text, "")
    # Registered names are unique: later namesakes get a number, as registrars ask for.
    encoded = pc.dictionary_encode(names).indices.to_numpy()
    rank = rank_within(encoded, np.arange(n))
    suffix = np.where(rank > 0, np.char.add(" ", (rank + 1).astype(str)), "")
    return pc.binary_join_element_wise(names, pa.array(suffix), "")


def build_enterprises(ctx) -> Enterprises:
    rng = stream(ctx.seed, "dkkd", "enterprises")
    n = ctx.scale.enterprises
    province = ctx.province
    days = working_days(FOUNDING_START, ctx.as_of)
    # Registrations grow ~9 % a year.
    growth = 1.09 ** ((days - np.datetime64(FOUNDING_START)).astype(np.int64) / 365.25)
    founded = np.sort(days[weighted_choice(rng, growth, n)])
    founded[0] = min(founded[0], np.datetime64("2000-01-03"))  # an old firm exists for every later dossier
    legal_form = weighted_choice(rng, [share for _, share, _, _ in LEGAL_FORMS], n)
    industry = weighted_choice(rng, [share for _, share, _ in INDUSTRIES], n)
    median = np.array([m for _, _, _, m in LEGAL_FORMS], dtype=np.float64)[legal_form]
    capital = (np.round(median * rng.lognormal(0.0, 1.0, n) / 10_000_000) * 10_000_000).astype(np.int64)
    capital = np.maximum(capital, 100_000_000)
    # Firms cluster in wards.
    commune = weighted_choice(rng, province.population_weight ** 1.5, n)
    age_years = (np.datetime64(ctx.as_of) - founded).astype(np.int64) / 365.25
    r = rng.random(n)
    dissolved = r < np.minimum(0.35, 0.02 * age_years)
    suspended = ~dissolved & (r > 0.94)
    status = np.where(dissolved, "giai_the", np.where(suspended, "tam_ngung", "dang_hoat_dong"))

    citizens = ctx.citizens
    representative_row = citizens.adults_at(rng, founded)
    representative = citizens.names.take(pa.array(representative_row))
    representative_id = citizens.id_text.take(pa.array(representative_row))
    outsiders = np.flatnonzero(rng.random(n) < 0.10)
    if len(outsiders):
        outside_id, outside_name = random_people(rng, ctx, len(outsiders), founded[outsiders], citizens.migrant_ids)
        representative = replace_rows(representative, outsiders, outside_name)
        representative_id = replace_rows(representative_id, outsiders, outside_id)

    # Last change: anywhere between founding and yesterday, more often recent; a few were touched by
    # last night's sync from the national business registration portal.
    first_day = np.maximum(founded, np.datetime64("2015-01-01"))
    span_days = (np.datetime64(ctx.as_of) - np.timedelta64(1, "D") - first_day).astype(np.int64)
    edit_day = first_day + (np.sqrt(rng.random(n)) * span_days).astype("timedelta64[D]")
    updated_at = at(edit_day, office_seconds(rng, n))
    touched = rng.choice(n, size=max(1, n // 200), replace=False)
    updated_at[touched] = nightly_job(ctx.as_of) + rng.integers(0, 1800, len(touched)).astype("timedelta64[s]")

    mst = issue_tax_codes(rng, province.tax_code_prefix, n)
    return Enterprises(
        mst=mst, mst_text=as_digits(mst, 10), names=_firm_names(rng, ctx, legal_form, industry, commune),
        legal_form=legal_form, industry=industry, capital=capital, founded=founded, status=status,
        commune=commune, representative=representative, representative_id=representative_id,
        updated_at=updated_at,
    )


def generate(ctx, sink: TableSink, ledger: DefectLedger) -> None:
    firms = ctx.enterprises
    n = len(firms.mst)
    rng = stream(ctx.seed, "dkkd", "defects")
    count = defect_count(ctx.defect_rate, n)
    rows = assign_rows(rng, n, {
        "invalid_tax_code_check_digit": count,
        "unknown_commune_code": count,
        "non_nfc_text": count,
    }, eligible={"non_nfc_text": decomposable(firms.names)})
    mst_text = firms.mst_text
    bad_mst = rows["invalid_tax_code_check_digit"]
    if len(bad_mst):
        wrong = (firms.mst[bad_mst] % 10 + rng.integers(1, 10, len(bad_mst))) % 10
        spoilt = as_digits(firms.mst[bad_mst] // 10 * 10 + wrong, 10)
        mst_text = replace_rows(mst_text, bad_mst, spoilt.to_pylist())
    commune_codes = pick(ctx.province.commune_codes, firms.commune)
    unknown = rows["unknown_commune_code"]
    if len(unknown):
        commune_codes = replace_rows(commune_codes, unknown,
                                     rng.choice(ctx.province.foreign_commune_codes, len(unknown)).tolist())
    names = firms.names
    if len(rows["non_nfc_text"]):
        names = to_nfd(names, rows["non_nfc_text"])
    key = mst_text.to_numpy(zero_copy_only=False)
    for type_, column in (("invalid_tax_code_check_digit", "ma_so_thue"), ("unknown_commune_code", "ma_xa"),
                          ("non_nfc_text", "ten_doanh_nghiep")):
        ledger.record(type_, "dkkd", "doanh_nghiep", column, key[rows[type_]].tolist())

    sink.write("doanh_nghiep", pa.table({
        "ma_so_thue": mst_text,
        "ten_doanh_nghiep": names,
        "loai_hinh": pick([f for f, _, _, _ in LEGAL_FORMS], firms.legal_form),
        "nganh_nghe_chinh": pick([code for code, _, _ in INDUSTRIES], firms.industry),
        "von_dieu_le": pa.array(firms.capital),
        "ngay_thanh_lap": pa.array(firms.founded, type=pa.date32()),
        "trang_thai": pa.array(firms.status),
        "ma_xa": commune_codes,
        "nguoi_dai_dien": firms.representative,
        "so_giay_to_nguoi_dai_dien": firms.representative_id,
        "updated_at": pa.array(firms.updated_at, type=pa.timestamp("s")),
    }))
