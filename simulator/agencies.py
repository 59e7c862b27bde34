"""The province's agencies after the 2025 reform (no district level): People's Committee, its departments,
the public-service centre and one People's Committee per commune.

Codes follow the electronic agency identifiers of QĐ 20/2020/QĐ-TTg (`000.00.NN.Hxx`: unit NN under the
provincial People's Committee `000.00.00.Hxx`). The department numbering matches the owner codes in
`orchestration/registry.yaml` (01 Văn phòng UBND tỉnh, 05 Sở Tài chính, 09 Công an tỉnh, 10 Sở Y tế,
11 Sở Giáo dục và Đào tạo), so every registry owner is a row of qlvb.co_quan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from orchestration.lib.registry import load_registry
from simulator.reference import Province

# (number, key used by the procedure catalogue, name, loai_co_quan, abbreviation in document symbols,
#  relative document volume, officials handling dossiers)
_DEPARTMENTS = [
    (0, "UBND", "Ủy ban nhân dân tỉnh {province}", "ubnd_tinh", "UBND", 7.0, 6),
    (1, "VP", "Văn phòng UBND tỉnh", "so_nganh", "VP", 5.0, 10),
    (2, "SNV", "Sở Nội vụ", "so_nganh", "SNV", 3.0, 14),
    (3, "STP", "Sở Tư pháp", "so_nganh", "STP", 2.0, 12),
    (4, "SXD", "Sở Xây dựng", "so_nganh", "SXD", 2.5, 16),
    (5, "STC", "Sở Tài chính", "so_nganh", "STC", 3.5, 18),
    (6, "SNNMT", "Sở Nông nghiệp và Môi trường", "so_nganh", "SNNMT", 3.0, 30),
    (7, "SCT", "Sở Công Thương", "so_nganh", "SCT", 1.8, 10),
    (8, "SKHCN", "Sở Khoa học và Công nghệ", "so_nganh", "SKHCN", 1.5, 8),
    (9, "CAT", "Công an tỉnh", "khac", "CAT", 2.0, 40),
    (10, "SYT", "Sở Y tế", "so_nganh", "SYT", 3.0, 16),
    (11, "SGDDT", "Sở Giáo dục và Đào tạo", "so_nganh", "SGDĐT", 3.0, 14),
    (12, "SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "so_nganh", "SVHTTDL", 1.8, 8),
    (13, "TTR", "Thanh tra tỉnh", "so_nganh", "TTr", 1.0, 4),
    (14, "SDTTG", "Sở Dân tộc và Tôn giáo", "so_nganh", "SDTTG", 1.0, 4),
    # Border provinces such as Điện Biên (Laos, China) kept their foreign-affairs department in 2025.
    (15, "SNGV", "Sở Ngoại vụ", "so_nganh", "SNgV", 0.8, 4),
    (16, "TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "khac", "TTPVHCC", 0.8, 24),
]
COMMUNE_DOCUMENT_WEIGHT = 0.6
COMMUNE_STAFF = 8


@cache
def registry_agency_suffix() -> str:
    """The province part of the agency codes (e.g. "H17"), taken from the registry's owner codes."""
    suffixes = {system.owner_code.rsplit(".", 1)[-1] for system in load_registry().values()}
    if len(suffixes) != 1:
        raise ValueError(f"registry owner codes name several provinces: {sorted(suffixes)}")
    return suffixes.pop()


@dataclass(frozen=True)
class Agencies:
    codes: np.ndarray           # str, ma_co_quan
    names: np.ndarray           # str, ten_co_quan
    kinds: np.ndarray           # str, loai_co_quan
    abbreviations: np.ndarray   # str, agency part of document symbols ("QĐ-UBND", "123/STC-NS")
    commune: np.ndarray         # int, index of the commune the agency sits in
    document_weight: np.ndarray # float, relative number of documents it issues
    staff: np.ndarray           # int, officials who handle dossiers (ho_so_xu_ly.nguoi_xu_ly)
    index: dict[str, int]       # department key → row
    commune_agency: np.ndarray  # int, row of each commune's People's Committee

    def __len__(self) -> int:
        return len(self.codes)


def commune_agency_code(position: int, suffix: str) -> str:
    """Communes are numbered 1.. under group 30; the hundreds spill into the group (168 communes at most)."""
    return f"000.{position % 100:02d}.{30 + position // 100:02d}.{suffix}"


def build_agencies(province: Province) -> Agencies:
    suffix = registry_agency_suffix()
    codes, names, kinds, abbreviations, commune, weight, staff = [], [], [], [], [], [], []
    index: dict[str, int] = {}
    for number, key, name, kind, abbreviation, doc_weight, officials in _DEPARTMENTS:
        index[key] = len(codes)
        codes.append(f"000.00.{number:02d}.{suffix}")
        names.append(name.format(province=province.short_name))
        kinds.append(kind)
        abbreviations.append(abbreviation)
        commune.append(province.capital_index)
        weight.append(doc_weight)
        staff.append(officials)
    commune_agency = []
    for position in range(province.n_communes):
        commune_agency.append(len(codes))
        codes.append(commune_agency_code(position + 1, suffix))
        names.append(f"Ủy ban nhân dân {province.commune_types[position].lower()} "
                     f"{province.commune_short_names[position]}")
        kinds.append("ubnd_xa")
        abbreviations.append("UBND")
        commune.append(position)
        weight.append(COMMUNE_DOCUMENT_WEIGHT)
        staff.append(COMMUNE_STAFF)
    return Agencies(
        codes=np.array(codes), names=np.array(names), kinds=np.array(kinds),
        abbreviations=np.array(abbreviations), commune=np.array(commune),
        document_weight=np.array(weight), staff=np.array(staff), index=index,
        commune_agency=np.array(commune_agency),
    )
