"""Vietnamese personal names by naming tradition, drawn vectorised.

Kinh names follow national surname frequencies (Nguyễn ~38 %, Trần, Lê, Phạm, Hoàng, ...); older Kinh
women mostly carry the middle name "Thị". Thái (also used for Khơ Mú, Lào, Kháng), H'Mông, Dao and
Hà Nhì names use the surnames common in Điện Biên (Lò, Quàng, Lường, Cà, Tòng; Giàng, Thào, Sùng, Vàng,
Mùa; Bàn, Triệu; Pờ, Chu) with "Văn"/"A" for men and "Thị" for women. Every string is stored NFC.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.streams import grouped_choice


def _nfc(pairs: list[tuple[str, float]]) -> tuple[list[str], np.ndarray]:
    names = [unicodedata.normalize("NFC", name) for name, _ in pairs]
    return names, np.array([weight for _, weight in pairs], dtype=np.float64)


def _even(names: str) -> list[tuple[str, float]]:
    return [(name, 1.0) for name in names.split()]


STYLES = ("kinh", "thai", "mong", "dao", "hanhi")
ETHNIC_STYLE = {"Kinh": 0, "Thái": 1, "Mông": 2, "Khơ Mú": 1, "Dao": 3, "Hà Nhì": 4, "Lào": 1, "Kháng": 1}

_SURNAMES = {
    "kinh": [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4), ("Đỗ", 2.5),
             ("Bùi", 2.5), ("Đặng", 2.1), ("Ngô", 1.3), ("Dương", 1.2), ("Phan", 1.5), ("Đinh", 1.0),
             ("Trịnh", 0.8), ("Đào", 0.8), ("Lương", 0.6), ("Mai", 0.5), ("Cao", 0.5), ("Hà", 0.6),
             ("Tạ", 0.3), ("Lý", 0.4), ("Chu", 0.3), ("Vương", 0.2), ("Tô", 0.2), ("Lại", 0.2), ("Quách", 0.1)],
    "thai": [("Lò", 22), ("Quàng", 12), ("Lường", 12), ("Cà", 10), ("Tòng", 8), ("Lù", 6), ("Điêu", 4),
             ("Cầm", 4), ("Vì", 5), ("Lê", 3), ("Hoàng", 3), ("Bạc", 2), ("Khoàng", 2), ("Mè", 2), ("Lèo", 2)],
    "mong": [("Giàng", 22), ("Thào", 16), ("Sùng", 14), ("Vàng", 12), ("Mùa", 8), ("Lý", 7), ("Hờ", 5),
             ("Lầu", 5), ("Vừ", 4), ("Tráng", 3), ("Chang", 2), ("Hạng", 2)],
    "dao": [("Bàn", 30), ("Triệu", 25), ("Lý", 20), ("Đặng", 15), ("Phàn", 10)],
    "hanhi": [("Pờ", 30), ("Chu", 25), ("Lý", 20), ("Sừ", 15), ("Lò", 10)],
}
_MIDDLE = {
    ("kinh", False): [("Văn", 30), ("Đức", 10), ("Minh", 10), ("Quang", 7), ("Hữu", 6), ("Công", 5),
                      ("Xuân", 5), ("Thanh", 5), ("Ngọc", 4), ("Tiến", 4), ("Mạnh", 4), ("Đình", 4),
                      ("Trọng", 3), ("Hoàng", 3), ("Anh", 2), ("Gia", 2), ("Duy", 2)],
    ("kinh", True): [("Thị", 40), ("Thu", 8), ("Ngọc", 8), ("Thanh", 7), ("Minh", 5), ("Hồng", 5),
                     ("Phương", 5), ("Kim", 4), ("Bích", 3), ("Thùy", 4), ("Khánh", 3), ("Hải", 3), ("Mai", 3)],
    ("thai", False): [("Văn", 90), ("Xuân", 4), ("Thanh", 3), ("Đức", 3)],
    ("thai", True): [("Thị", 95), ("Thu", 3), ("Ngọc", 2)],
    ("mong", False): [("A", 85), ("Văn", 10), ("Seo", 5)],
    ("mong", True): [("Thị", 90), ("Thị Mỷ", 5), ("Thị Dợ", 5)],
    ("dao", False): [("Văn", 70), ("Vần", 20), ("Tòn", 10)],
    ("dao", True): [("Thị", 85), ("Mùi", 15)],
    ("hanhi", False): [("A", 60), ("Văn", 40)],
    ("hanhi", True): [("Thị", 70), ("Mỳ", 30)],
}
# Kinh women born before 1985 carry "Thị" far more often than younger ones.
_KINH_FEMALE_OLDER = [("Thị", 85), ("Thu", 3), ("Ngọc", 3), ("Thanh", 3), ("Hồng", 3), ("Kim", 3)]
_GIVEN = {
    ("kinh", False): _even("An Anh Bình Cường Dũng Đức Dương Đạt Giang Hải Hiếu Hoàng Hùng Huy Khánh Khoa "
                           "Kiên Lâm Long Minh Nam Nghĩa Phong Phúc Quân Quang Sơn Tài Thắng Thành Tiến "
                           "Toàn Trung Tuấn Tùng Việt Vinh Vũ Hưng Hậu Công Chiến Định Tâm"),
    ("kinh", True): _even("An Anh Chi Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huyền Hương Lan Linh "
                          "Loan Mai My Nga Ngọc Nhung Oanh Phương Quỳnh Thảo Thu Thủy Trang Tuyết Vân Yến "
                          "Xuân Hiên Lệ Nhàn Thơm Hường"),
    ("thai", False): _even("Pọm Hươn Ngoan Bun Chiến Dũng Hùng Minh Hải Thắng Tiến Khăm Sơn Inh Ơn Phóng "
                           "Xôm Hặc Ngọc Thanh Biên Tươi Lả Chung Duyên Luân Sướng"),
    ("thai", True): _even("Xuân Hoa Hương Ỉn Ánh Ngọc Lả Ón Dung Lan Quyên Thoa Thu Pâng Ỏm Bua Mai Xiêng "
                          "Kim Hồng Lành Ngân Tiên Thanh Hiên"),
    ("mong", False): _even("Páo Dính Chứ Sử Dế Tủa Lử Sình Súa Chang Pó Nhè Của Tống Lầu Sủ Chò Giống "
                           "Mang Vàng Khua Chu Phử Cở Sềnh Thề Dua Lồng Nủ"),
    ("mong", True): _even("Mỷ Dợ Mai Pà Sua Chá Sểnh Ly Dua Say Xông Mỉ Sú Chư Dinh Dê Pằng Chua Lia Ninh"),
    ("dao", False): _even("Phẩu Chòi Quẩy Kiểm Phin Sinh Tiến Lở Chạn Vượng"),
    ("dao", True): _even("Mẩy Slam Liều Nái Phây Chản Thu Hoa"),
    ("hanhi", False): _even("Xá Giờ Phà Gió Chừ Lỳ Sa Hừ Pú"),
    ("hanhi", True): _even("Mé Xé Pi Ló Sừ Mò Chừ Phè"),
}


class _Pool:
    """One name part: all strings of every group in one Arrow array, and each group's weights."""

    def __init__(self, groups: list[list[tuple[str, float]]]):
        strings: list[str] = []
        self.weights: list[np.ndarray] = []
        for group in groups:
            names, weights = _nfc(group)
            strings.extend(names)
            self.weights.append(weights)
        self.strings = pa.array(strings, type=pa.string())

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> pa.Array:
        return self.strings.take(pa.array(grouped_choice(rng, group, self.weights)))


_SURNAME_POOL = _Pool([_SURNAMES[style] for style in STYLES])
# Middle-name groups: style*2 + female, plus one extra group for older Kinh women.
_MIDDLE_POOL = _Pool([_MIDDLE[(style, female)] for style in STYLES for female in (False, True)]
                     + [_KINH_FEMALE_OLDER])
_GIVEN_POOL = _Pool([_GIVEN[(style, female)] for style in STYLES for female in (False, True)])
_OLDER_KINH_FEMALE_GROUP = 2 * len(STYLES)


def full_names(rng: np.random.Generator, style: np.ndarray, female: np.ndarray,
               birth_year: np.ndarray | None = None) -> pa.Array:
    """"Surname Middle Given" for each row; `style` indexes STYLES."""
    style = np.asarray(style, dtype=np.int64)
    sex_group = style * 2 + np.asarray(female, dtype=np.int64)
    middle_group = sex_group.copy()
    if birth_year is not None:
        older_kinh_women = (style == 0) & female & (birth_year < 1985)
        middle_group[older_kinh_women] = _OLDER_KINH_FEMALE_GROUP
    surname = _SURNAME_POOL.draw(rng, style)
    middle = _MIDDLE_POOL.draw(rng, middle_group)
    given = _GIVEN_POOL.draw(rng, sex_group)
    return pc.binary_join_element_wise(surname, middle, given, " ")


