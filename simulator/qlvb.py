"""qlvb — the document management system (Văn phòng UBND tỉnh): co_quan, van_ban.

Every agency keeps a register of outgoing documents (numbered per issuer and year, "123/QĐ-UBND",
"456/STC-KHTC") and of incoming ones: copies of documents other agencies of the province issued (same
number, date and signature) and documents from ministries and the Government. The share digitally
signed rises from ~86 % in 2021 to ~98 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.clock import DAY, HOUR, MINUTE, at, nightly_job, office_seconds
from simulator.columns import pick
from simulator.context import HISTORY_START, Context
from simulator.defects import DefectLedger, assign_rows, defect_count
from simulator.history import Chunk, plan_history
from simulator.sink import TableSink
from simulator.streams import allocate, grouped_choice, rank_within, stream, weighted_choice

YEARLY_GROWTH = 1.08
OUTGOING_SHARE, COPY_SHARE = 0.45, 0.35   # the rest comes from central agencies

DOCUMENT_TYPES = ["QĐ", "CV", "TB", "KH", "BC", "TTr", "GM"]
# Type mix by issuer: provincial People's Committee, departments and others, communes, central agencies.
TYPE_MIX = {
    "ubnd_tinh": [0.38, 0.36, 0.08, 0.08, 0.05, 0.0, 0.05],
    "so_nganh": [0.12, 0.45, 0.08, 0.07, 0.12, 0.10, 0.06],
    "khac": [0.12, 0.45, 0.08, 0.07, 0.12, 0.10, 0.06],
    "ubnd_xa": [0.20, 0.40, 0.10, 0.08, 0.12, 0.05, 0.05],
    "trung_uong": [0.30, 0.55, 0.15, 0.0, 0.0, 0.0, 0.0],
}
# Units that sign off official letters (công văn) in their symbol: "123/UBND-KT".
LETTER_UNITS = {
    "ubnd_tinh": ["KT", "TH", "NC", "KGVX", "VP"],
    "so_nganh": ["VP", "NV", "KHTC", "TCCB"],
    "khac": ["VP", "NV", "KHTC", "TCCB"],
    "ubnd_xa": ["VP", "KT", "VHXH"],
    "trung_uong": ["VP", "PC", "KHTC", "TCCB", "QLCL"],
}
# Central senders: name, symbol abbreviation, documents issued per year (for plausible numbers).
CENTRAL_AGENCIES = [
    ("Thủ tướng Chính phủ", "TTg", 2_000), ("Văn phòng Chính phủ", "VPCP", 9_000),
    ("Bộ Tài chính", "BTC", 14_000), ("Bộ Nội vụ", "BNV", 7_000), ("Bộ Tư pháp", "BTP", 5_000),
    ("Bộ Công an", "BCA", 8_000), ("Bộ Y tế", "BYT", 8_000), ("Bộ Giáo dục và Đào tạo", "BGDĐT", 6_000),
    ("Bộ Nông nghiệp và Môi trường", "BNNMT", 9_000), ("Bộ Xây dựng", "BXD", 7_000),
    ("Bộ Khoa học và Công nghệ", "BKHCN", 5_000), ("Bộ Công Thương", "BCT", 7_000),
    ("Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL", 5_000),
]
URGENCY = ["thuong", "khan", "thuong_khan", "hoa_toc"]
URGENCY_WEIGHTS = [0.85, 0.10, 0.04, 0.01]

SUMMARY_OPENINGS = {
    "QĐ": ["Về việc phê duyệt", "Về việc ban hành", "Về việc giao", "Về việc thành lập", "Về việc công nhận",
           "Về việc điều chỉnh"],
    "CV": ["V/v triển khai", "V/v hướng dẫn", "V/v đôn đốc", "V/v báo cáo", "V/v tham gia ý kiến", "V/v đề nghị"],
    "TB": ["Thông báo kết luận về", "Thông báo về", "Thông báo kết quả"],
    "KH": ["Kế hoạch triển khai", "Kế hoạch thực hiện", "Kế hoạch kiểm tra"],
    "BC": ["Báo cáo kết quả", "Báo cáo tình hình", "Báo cáo sơ kết"],
    "TTr": ["Đề nghị phê duyệt", "Đề nghị ban hành", "Đề nghị bổ sung kinh phí"],
    "GM": ["Mời dự họp về", "Mời dự hội nghị về", "Mời dự buổi làm việc về"],
}
SUMMARY_TOPICS = [
    "chuyển đổi số năm {nam}", "công tác cải cách hành chính năm {nam}", "Đề án 06 của Chính phủ",
    "phòng, chống thiên tai và tìm kiếm cứu nạn", "xây dựng nông thôn mới", "giảm nghèo bền vững",
    "dự toán ngân sách nhà nước năm {nam_sau}", "công tác tuyển sinh năm học {nam}-{nam_sau}",
    "phòng, chống dịch bệnh", "bảo vệ và phát triển rừng", "quản lý, sử dụng đất đai",
    "giải phóng mặt bằng các dự án trọng điểm", "kiểm tra công tác văn thư, lưu trữ",
    "thực hiện Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số",
    "thi đua, khen thưởng năm {nam}", "an toàn giao thông", "phòng cháy, chữa cháy",
    "chi trả chính sách bảo trợ xã hội",
    "giải ngân vốn đầu tư công năm {nam}", "kiện toàn tổ chức bộ máy", "tuyển dụng công chức, viên chức",
    "bảo đảm an ninh trật tự khu vực biên giới", "cấp căn cước và định danh điện tử",
    "thu ngân sách nhà nước năm {nam}", "kiểm tra an toàn thực phẩm", "quản lý tài nguyên khoáng sản",
    "sắp xếp đơn vị hành chính cấp xã", "vận hành chính quyền địa phương hai cấp",
    "tiếp công dân, giải quyết khiếu nại, tố cáo", "quản lý chất lượng công trình xây dựng",
    "phát triển du lịch cộng đồng", "hỗ trợ xóa nhà tạm, nhà dột nát",
]
# Topics only one province writes about.
PROVINCE_TOPICS = {"11": ["tổ chức Lễ hội Hoa Ban", "kỷ niệm Chiến thắng lịch sử Điện Biên Phủ"]}


@dataclass
class _Running:
    next_id: int = 1
    year: int = 0
    numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def co_quan_table(ctx: Context) -> pa.Table:
    agencies = ctx.agencies
    # The agency directory is synchronised from the provincial LGSP every night.
    synced = nightly_job(ctx.as_of) + np.arange(len(agencies)).astype("timedelta64[s]")
    return pa.table({
        "ma_co_quan": pa.array(agencies.codes),
        "ten_co_quan": pa.array(agencies.names),
        "loai_co_quan": pa.array(agencies.kinds),
        "ma_xa": pa.array(ctx.province.commune_codes[agencies.commune]),
        "updated_at": pa.array(synced, type=pa.timestamp("s")),
    })


ISSUER_KINDS = list(TYPE_MIX)  # issuer kinds, indexed the same way in TYPE_MIX and LETTER_UNITS
LETTER_UNIT_LIST = [u for k in ISSUER_KINDS for u in LETTER_UNITS[k]]
SUMMARY_OPENING_LIST = [o for t in DOCUMENT_TYPES for o in SUMMARY_OPENINGS[t]]


@dataclass
class _Issuers:
    """Everyone who issues documents: the province's agencies, then the central agencies."""
    names: pa.Array
    abbreviations: pa.Array
    kind: np.ndarray            # index into ISSUER_KINDS

    @classmethod
    def of(cls, agencies) -> _Issuers:
        return cls(
            names=pa.array(list(agencies.names) + [name for name, _, _ in CENTRAL_AGENCIES]),
            abbreviations=pa.array(list(agencies.abbreviations) + [abbr for _, abbr, _ in CENTRAL_AGENCIES]),
            kind=np.array([ISSUER_KINDS.index(k) for k in agencies.kinds]
                          + [ISSUER_KINDS.index("trung_uong")] * len(CENTRAL_AGENCIES)),
        )


def _symbols(number: np.ndarray, doc_type: np.ndarray, abbreviation: pa.Array, unit: np.ndarray) -> pa.Array:
    """"123/QĐ-UBND" for most documents; official letters carry the signing unit: "123/UBND-KT"."""
    letter = pa.array(doc_type == DOCUMENT_TYPES.index("CV"))
    left = pc.if_else(letter, abbreviation, pick(DOCUMENT_TYPES, doc_type))
    right = pc.if_else(letter, pick(LETTER_UNIT_LIST, unit), abbreviation)
    return pc.binary_join_element_wise(
        pc.binary_join_element_wise(pc.cast(pa.array(number), pa.string()), left, "/"), right, "-")


def _issue_moments(rng, chunk: Chunk, size: int) -> tuple[np.ndarray, np.ndarray]:
    day = chunk.days[weighted_choice(rng, chunk.day_weights, size)]
    return day, at(day, office_seconds(rng, size))


def _quarter(ctx: Context, chunk: Chunk, running: _Running, wanted_future: int,
             ledger: DefectLedger) -> pa.Table:
    """One quarter of document registers. Every column is first drawn as numbers and codes; incoming
    copies repeat their source's codes; rows are put in registration order; strings are built last."""
    rng = stream(ctx.seed, "qlvb", "van_ban", chunk.index)
    agencies = ctx.agencies
    issuers = _Issuers.of(agencies)
    year = chunk.start.year
    if running.year != year:  # numbering restarts every year
        running.year, running.numbers = year, np.zeros(len(agencies), dtype=np.int64)
    n = chunk.rows
    n_out, n_copy = int(round(OUTGOING_SHARE * n)), int(round(COPY_SHARE * n))
    n_central = n - n_out - n_copy
    signed_share = float(np.clip(0.86 + 0.03 * chunk.midpoint_years, 0.86, 0.98))

    # Outgoing documents of the province's agencies, numbered per issuer and year.
    issuer = weighted_choice(rng, agencies.document_weight, n_out)
    out_day, out_time = _issue_moments(rng, chunk, n_out)
    out_type = grouped_choice(rng, issuers.kind[issuer], [np.array(TYPE_MIX[k]) for k in ISSUER_KINDS]) % len(
        DOCUMENT_TYPES)
    out_number = rank_within(issuer, out_time.astype(np.int64)) + 1 + running.numbers[issuer]
    running.numbers += np.bincount(issuer, minlength=len(agencies))

    # Documents from central agencies, with numbers as far into their year as the date is.
    sender = rng.integers(0, len(CENTRAL_AGENCIES), n_central)
    central_day, central_time = _issue_moments(rng, chunk, n_central)
    central_type = weighted_choice(rng, TYPE_MIX["trung_uong"], n_central)
    yearly = np.array([v for _, _, v in CENTRAL_AGENCIES])[sender]
    day_of_year = (central_day - central_day.astype("datetime64[Y]")).astype(np.int64) + 1
    central_number = np.maximum(1, (day_of_year / 366 * yearly * rng.uniform(0.9, 1.1, n_central)).astype(np.int64))

    # Who issued what: outgoing | copies of outgoing received by other agencies | central documents.
    source = rng.integers(0, n_out, n_copy) if n_out else np.zeros(0, dtype=np.int64)
    original = np.concatenate([np.arange(n_out), source])        # outgoing row each provincial document is
    issued_by = np.concatenate([issuer[original], len(agencies) + sender])
    doc_type = np.concatenate([out_type[original], central_type])
    number = np.concatenate([out_number[original], central_number])
    issue_day = np.concatenate([out_day[original], central_day])
    issue_time = np.concatenate([out_time[original], central_time])
    unit = grouped_choice(rng, issuers.kind[issued_by], [np.ones(len(LETTER_UNITS[k])) for k in ISSUER_KINDS])
    opening = grouped_choice(rng, doc_type, [np.ones(len(SUMMARY_OPENINGS[t])) for t in DOCUMENT_TYPES])
    templates = SUMMARY_TOPICS + PROVINCE_TOPICS.get(ctx.province.code, [])
    topic = rng.integers(0, len(templates), n)
    signed = rng.random(n) < signed_share
    urgency = weighted_choice(rng, URGENCY_WEIGHTS, n)
    for values in (unit, opening, topic, signed, urgency):  # a copy is the same document
        values[n_out:n_out + n_copy] = values[source]
    signed[n_out + n_copy:] |= rng.random(n_central) < 0.6   # ministries sign almost everything
    recipient = weighted_choice(rng, agencies.document_weight, n_copy)
    recipient = np.where(recipient == issuer[source], (recipient + 1) % len(agencies), recipient)
    central_recipient = weighted_choice(rng, agencies.document_weight * (agencies.kinds != "ubnd_xa") + 0.05,
                                        n_central)
    register = np.concatenate([issuer, recipient, central_recipient])
    incoming = np.arange(n) >= n_out

    # Registration: outgoing the same day; incoming within three days, never after as_of.
    room = (ctx.last_second - issue_time).astype(np.int64)
    delay = np.where(incoming, (rng.random(n) * np.minimum(3 * DAY, room)).astype(np.int64),
                     rng.integers(MINUTE, 2 * HOUR, n))
    registered = issue_time + np.minimum(delay, room).astype("timedelta64[s]")
    handled = rng.random(n) * np.minimum(2 * DAY, (ctx.last_second - registered).astype(np.int64))
    updated = registered + handled.astype(np.int64).astype("timedelta64[s]")
    # Documents of the last ten days are still being handled; last night's batch stamped some of them.
    recent = np.flatnonzero(registered >= ctx.days_before(10))
    if len(recent):
        stamped = rng.choice(recent, size=max(1, len(recent) // 20), replace=False)
        updated[stamped] = nightly_job(ctx.as_of) + rng.integers(0, 30 * MINUTE, len(stamped)).astype("timedelta64[s]")

    order = np.argsort(registered, kind="stable")  # ids in order of registration
    (issued_by, doc_type, number, issue_day, unit, opening, topic, signed, urgency, register, incoming,
     updated) = (a[order] for a in (issued_by, doc_type, number, issue_day, unit, opening, topic, signed,
                                    urgency, register, incoming, updated))
    ids = running.next_id + np.arange(n, dtype=np.int64)
    running.next_id += n

    future = assign_rows(stream(ctx.seed, "qlvb", "defects", chunk.index), n,
                         {"future_date": wanted_future})["future_date"]
    if len(future):
        # A mistyped issue date 1..365 days after as_of.
        issue_day[future] = (np.datetime64(ctx.as_of)
                             + stream(ctx.seed, "qlvb", "future", chunk.index).integers(1, 366, len(future)))
        ledger.record("future_date", "qlvb", "van_ban", "ngay_ban_hanh", ids[future].tolist())

    topics = pa.array([t.format(nam=year, nam_sau=year + 1) for t in templates])
    return pa.table({
        "id": pa.array(ids),
        "so_ky_hieu": _symbols(number, doc_type, issuers.abbreviations.take(pa.array(issued_by)), unit),
        "loai_van_ban": pick(DOCUMENT_TYPES, doc_type),
        "trich_yeu": pc.binary_join_element_wise(pick(SUMMARY_OPENING_LIST, opening), pick(topics, topic), " "),
        "ma_co_quan": pick(agencies.codes, register),
        "co_quan_ban_hanh": issuers.names.take(pa.array(issued_by)),
        "chieu": pick(["di", "den"], incoming),
        "ngay_ban_hanh": pa.array(issue_day, type=pa.date32()),
        "ky_so": pa.array(signed),
        "do_khan": pick(URGENCY, urgency),
        "updated_at": pa.array(updated, type=pa.timestamp("s")),
    })


def generate(ctx: Context, sink: TableSink, ledger: DefectLedger) -> None:
    sink.write("co_quan", co_quan_table(ctx))
    plan = plan_history(ctx.scale.documents, HISTORY_START, ctx.as_of, YEARLY_GROWTH)
    future = allocate(defect_count(ctx.defect_rate, sum(c.rows for c in plan)), np.array([c.rows for c in plan]))
    running = _Running()
    for chunk in plan:
        sink.write("van_ban", _quarter(ctx, chunk, running, int(future[chunk.index]), ledger))
