"""yte and giaoduc — registers kept as files: health facilities (CSV export of Sở Y tế) and schools
(Excel export of Sở Giáo dục và Đào tạo), spread over the communes with coordinates near each
commune's centre. Their size follows the province, not the scale preset.

yte is the feed that goes stale when defects are on: its rows stop changing ~120 days before as_of,
beyond the register's 90-day freshness SLA.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulator.clock import at, office_seconds
from simulator.context import Context
from simulator.defects import STALE_FEED_AGE_DAYS, STALE_FEED_SYSTEM, DefectLedger
from simulator.sink import TableSink
from simulator.streams import stream

CLINIC_BRANDS = ["Hồng Đức", "An Bình", "Thiện Nhân", "Tâm Đức", "Việt Hàn", "Medic", "Hòa Bình", "Phúc An",
                 "Sài Gòn", "Hà Nội", "Tây Bắc", "Bình An"]
PRIVATE_KINDERGARTEN_BRANDS = ["Hoa Mai", "Sao Mai", "Ánh Dương", "Hoa Sen", "Bình Minh", "Tuổi Thơ",
                               "Họa Mi", "Mặt Trời Nhỏ", "Ban Mai", "Hoa Ban"]


def _near(rng: np.random.Generator, ctx: Context, commune: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates scattered around each commune's centre, within roughly its radius."""
    province = ctx.province
    radius_km = np.sqrt(province.area_km2[commune]) / 3.0
    latitude = province.latitude[commune] + rng.normal(0.0, 1.0, len(commune)) * radius_km / 111.0 / 2
    cos_lat = np.cos(np.radians(province.latitude[commune]))
    longitude = province.longitude[commune] + rng.normal(0.0, 1.0, len(commune)) * radius_km / (111.0 * cos_lat) / 2
    return np.round(latitude, 6), np.round(longitude, 6)


def _updated_at(rng: np.random.Generator, ctx: Context, size: int, stale: bool) -> np.ndarray:
    """Register edits in office hours over the year before the newest edit: the day before as_of for a
    live feed, ~120 days before as_of for a stale one."""
    newest = np.datetime64(ctx.as_of) - np.timedelta64(STALE_FEED_AGE_DAYS if stale else 1, "D")
    day = newest - rng.integers(0, 365, size).astype("timedelta64[D]")
    day[rng.integers(0, size)] = newest
    return at(day, office_seconds(rng, size))


def _commune_label(ctx: Context, commune: int) -> str:
    return f"{ctx.province.commune_types[commune].lower()} {ctx.province.commune_short_names[commune]}"


def health_facilities(ctx: Context, stale: bool) -> pa.Table:
    rng = stream(ctx.seed, "yte", "co_so_y_te")
    province = ctx.province
    capital, short = province.capital_index, province.short_name
    rows: list[tuple[str, str, int, int]] = []  # name, kind, commune, beds
    for name, beds in ((f"Bệnh viện Đa khoa tỉnh {short}", 600), (f"Bệnh viện Sản - Nhi tỉnh {short}", 300),
                       (f"Bệnh viện Y dược cổ truyền tỉnh {short}", 150), (f"Bệnh viện Phổi tỉnh {short}", 100),
                       (f"Bệnh viện Tâm thần tỉnh {short}", 80)):
        rows.append((name, "benh_vien", capital, int(beds * rng.uniform(0.85, 1.15))))
    rows.append((f"Trung tâm Kiểm soát bệnh tật tỉnh {short}", "trung_tam_y_te", capital, 0))
    # Regional health centres (the former district centres) in the most populous communes.
    regional = np.argsort(-province.population_weight, kind="stable")[: max(1, province.n_communes // 5)]
    for commune in sorted(int(c) for c in regional):
        rows.append((f"Trung tâm Y tế khu vực {province.commune_short_names[commune]}", "trung_tam_y_te",
                     commune, int(rng.integers(80, 250))))
    for commune in range(province.n_communes):
        rows.append((f"Trạm Y tế {_commune_label(ctx, commune)}", "tram_y_te", commune, int(rng.integers(3, 11))))
    for commune in range(province.n_communes):
        clinics = int(rng.integers(2, 6)) if province.is_ward[commune] else int(rng.random() < 0.15)
        for _ in range(clinics):
            brand = CLINIC_BRANDS[int(rng.integers(len(CLINIC_BRANDS)))]
            rows.append((f"Phòng khám đa khoa {brand} {province.commune_short_names[commune]}", "phong_kham",
                         commune, int(rng.integers(0, 16))))
    names = _unique([r[0] for r in rows])
    commune = np.array([r[2] for r in rows])
    latitude, longitude = _near(rng, ctx, commune)
    updated = _updated_at(stream(ctx.seed, "yte", "updated_at", int(stale)), ctx, len(rows), stale)
    return pa.table({
        "ma_co_so": pa.array([f"{province.code}{i + 1:03d}" for i in range(len(rows))]),
        "ten_co_so": pa.array(names),
        "loai_co_so": pa.array([r[1] for r in rows]),
        "ma_xa": pa.array(province.commune_codes[commune]),
        "so_giuong": pa.array([r[3] for r in rows], type=pa.int32()),
        "vi_do": pa.array(latitude),
        "kinh_do": pa.array(longitude),
        "updated_at": pa.array(updated, type=pa.timestamp("s")),
    })


def _unique(names: list[str]) -> list[str]:
    """Namesakes in one register get "số 2", "số 3", ... as registers do."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} số {seen[name]}")
    return result


# cap_hoc, code digit, name, pupils range, pupils per teacher
_LEVELS = {
    "mam_non": (1, "Trường Mầm non", (80, 350), 14),
    "tieu_hoc": (2, "Trường Tiểu học", (150, 900), 20),
    "thcs": (3, "Trường THCS", (150, 800), 18),
    "thpt": (4, "Trường THPT", (400, 1400), 17),
}


def schools(ctx: Context, stale: bool) -> pa.Table:
    rng = stream(ctx.seed, "giaoduc", "truong_hoc")
    province = ctx.province
    rows: list[tuple[str, str, str, int]] = []  # name, level, public/private, commune
    rows.append((f"Trường Phổ thông Dân tộc nội trú tỉnh {province.short_name}", "thpt", "cong_lap",
                 province.capital_index))
    for commune in range(province.n_communes):
        ward = bool(province.is_ward[commune])
        place = province.commune_short_names[commune]
        counts = {"mam_non": 1 + int(rng.integers(0, 3 if ward else 2)),
                  "tieu_hoc": 1 + int(rng.integers(0, 3 if ward else 2)),
                  "thcs": 1 + int(ward and rng.random() < 0.5),
                  "thpt": int(ward or rng.random() < 0.3)}
        for level, count in counts.items():
            _, title, _, _ = _LEVELS[level]
            # Rural primary and lower-secondary schools are often semi-boarding schools for ethnic minorities.
            if not ward and level in ("tieu_hoc", "thcs") and rng.random() < 0.45:
                title = "Trường PTDTBT " + title.removeprefix("Trường ")
            for number in range(count):
                name = f"{title} {place}" if count == 1 else f"{title} số {number + 1} {place}"
                rows.append((name, level, "cong_lap", commune))
        if ward:
            for _ in range(int(rng.integers(1, 4))):
                brand = PRIVATE_KINDERGARTEN_BRANDS[int(rng.integers(len(PRIVATE_KINDERGARTEN_BRANDS)))]
                rows.append((f"Trường Mầm non tư thục {brand}", "mam_non", "tu_thuc", commune))
    names = _unique([r[0] for r in rows])
    levels = [r[1] for r in rows]
    low = np.array([_LEVELS[lv][2][0] for lv in levels])
    high = np.array([_LEVELS[lv][2][1] for lv in levels])
    pupils = rng.integers(low, high)
    private = np.array([r[2] == "tu_thuc" for r in rows])
    pupils = np.where(private, pupils // 3, pupils)
    ratio = np.array([_LEVELS[lv][3] for lv in levels]) * rng.uniform(0.8, 1.2, len(rows))
    teachers = np.maximum(3, np.round(pupils / ratio)).astype(np.int32)
    commune = np.array([r[3] for r in rows])
    latitude, longitude = _near(rng, ctx, commune)
    sequence: dict[str, int] = {}
    codes = []
    for level in levels:
        sequence[level] = sequence.get(level, 0) + 1
        codes.append(f"{province.code}{_LEVELS[level][0]}{sequence[level]:05d}")
    order = np.argsort(codes, kind="stable")
    table = pa.table({
        "ma_truong": pa.array(codes),
        "ten_truong": pa.array(names),
        "cap_hoc": pa.array(levels),
        "loai_hinh": pa.array([r[2] for r in rows]),
        "ma_xa": pa.array(province.commune_codes[commune]),
        "so_hoc_sinh": pa.array(pupils.astype(np.int32)),
        "so_giao_vien": pa.array(teachers),
        "vi_do": pa.array(latitude),
        "kinh_do": pa.array(longitude),
        "updated_at": pa.array(_updated_at(stream(ctx.seed, "giaoduc", "updated_at", int(stale)), ctx, len(rows),
                                           stale), type=pa.timestamp("s")),
    })
    return table.take(pa.array(order))


def _is_stale(ctx: Context, system: str) -> bool:
    return ctx.defect_rate > 0 and STALE_FEED_SYSTEM == system


def _write(sink: TableSink, ledger: DefectLedger, table_name: str, table: pa.Table, stale: bool) -> None:
    sink.write(table_name, table)
    if stale:
        system = sink.system.name
        key = sink.system.table(table_name).primary_key[0]
        ledger.record("stale_feed", system, table_name, "updated_at", table[key].to_pylist())
        newest = max(table["updated_at"].to_pylist())
        ledger.record_stale_feed(system, newest.strftime("%Y-%m-%d %H:%M:%S"))


def generate_yte(ctx: Context, sink: TableSink, ledger: DefectLedger) -> None:
    stale = _is_stale(ctx, "yte")
    _write(sink, ledger, "co_so_y_te", health_facilities(ctx, stale), stale)


def generate_giaoduc(ctx: Context, sink: TableSink, ledger: DefectLedger) -> None:
    stale = _is_stale(ctx, "giaoduc")
    _write(sink, ledger, "truong_hoc", schools(ctx, stale), stale)
