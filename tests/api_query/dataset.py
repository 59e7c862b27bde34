"""The test dataset: everything that makes querying hard. Vietnamese text (NFC and one decomposed
row, Đ/đ), empty strings and NULLs, CSV-hostile text, ties, NaN / ±inf / -0.0, timestamps with
microseconds, decimals, booleans, a nested column and two personal-data columns."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from decimal import Decimal

import pyarrow as pa

from api.query import AccessPolicy, ColumnSpec, TokenCodec

ROWS = 600
NAMES = [
    "Điện Biên Phủ", "Mường Lay", "Tủa Chùa", "Mường Nhé", "Nậm Pồ", "Tuần Giáo", "Điện Biên Đông",
    "Mường Chà", "Mường Ảng", "phường Him Lam", "xã Thanh Nưa", "ĐỒNG NAI", "đồng tháp", "Sở Y tế",
    "Văn phòng UBND tỉnh", "Công an tỉnh", "Nguyễn Văn A, Jr.", 'Quote "in" text', "line\nbreak",
    "x' OR 1=1; --", "", "   ", "dien bien", "Ủy ban nhân dân", "Ưu tiên", "Ơn giời", "ăn uống",
]
COMMUNES = ["Him Lam", "Thanh Nưa", "Mường Phăng", "Nà Tấu", "Sam Mứn", "Pom Lót", None, "Điện Biên"]
SCORES = [0.0, -0.0, 1.5, 2.25, -7.0, 1e300, float("nan"), float("inf"), float("-inf"), None, 3.0, 1.5]

COLUMNS = [
    ColumnSpec("id", "BIGINT"),
    ColumnSpec("name", "VARCHAR", title_vi="Tên", title_en="Name"),
    ColumnSpec("commune", "VARCHAR"),
    ColumnSpec("amount", "DECIMAL(12,2)"),
    ColumnSpec("score", "DOUBLE"),
    ColumnSpec("qty", "INTEGER"),
    ColumnSpec("level", "TINYINT"),
    ColumnSpec("received", "TIMESTAMP"),
    ColumnSpec("birth", "DATE"),
    ColumnSpec("online", "BOOLEAN"),
    ColumnSpec("id_number", "VARCHAR", pii="sensitive"),
    ColumnSpec("phone", "VARCHAR", pii="basic"),
    ColumnSpec("tags", "BIGINT[]"),
]
ARROW_SCHEMA = pa.schema([
    ("id", pa.int64()), ("name", pa.string()), ("commune", pa.string()), ("amount", pa.decimal128(12, 2)),
    ("score", pa.float64()), ("qty", pa.int32()), ("level", pa.int8()), ("received", pa.timestamp("us")),
    ("birth", pa.date32()), ("online", pa.bool_()), ("id_number", pa.string()), ("phone", pa.string()),
    ("tags", pa.list_(pa.int64())),
])


def make_rows(count: int = ROWS, seed: int = 20250701) -> list[dict]:
    rng = random.Random(seed)
    ids = list(range(1, count + 1))
    rng.shuffle(ids)  # file order differs from id order
    rows = []
    for position, row_id in enumerate(ids):
        name = rng.choice(NAMES + [None, None])
        if position == 7:
            name = unicodedata.normalize("NFD", "Điện Biên Phủ")  # one non-NFC defect row
        start = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(0, 90 * 86400),
                                                       microseconds=rng.randrange(0, 1_000_000))
        rows.append({
            "id": row_id,
            "name": name,
            "commune": rng.choice(COMMUNES),
            "amount": rng.choice([None, Decimal(rng.randrange(-100000, 100000)) / 100, Decimal("12.50")]),
            "score": rng.choice(SCORES),
            "qty": rng.choice([None, *range(0, 12)]),
            "level": rng.choice([None, -128, 0, 1, 2, 127]),
            "received": rng.choice([None, start, start.replace(hour=0, minute=0, second=0, microsecond=0)]),
            "birth": rng.choice([None, dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 25000))]),
            "online": rng.choice([None, True, False]),
            "id_number": f"{rng.randrange(0, 10**12):012d}",
            "phone": f"09{rng.randrange(0, 10**8):08d}",
            "tags": rng.choice([None, [], [1, 2], [rng.randrange(0, 9)]]),
        })
    return rows


PUBLIC = AccessPolicy.public()
FULL = AccessPolicy.full()
TOKENS = TokenCodec(b"test-secret-0123456789abcdef")
