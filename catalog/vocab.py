"""Controlled vocabularies of the catalogue: licences, topics (CKAN groups), update frequencies,
access rights and file formats, each with its Vietnamese and English label and its EU authority URI
(the codelists DCAT-AP points to; reference/ckan.md §6)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from catalog.text import fold, slugify

EU = "http://publications.europa.eu/resource/authority"
EU_LANGUAGE_VI = f"{EU}/language/VIE"
EU_LANGUAGE_EN = f"{EU}/language/ENG"
EU_COUNTRY_VN = f"{EU}/country/VNM"
EU_THEME_SCHEME = f"{EU}/data-theme"

# -- the province this deployment serves (spatial coverage of its datasets) -------------------------


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # without the unit type, e.g. "Điện Biên"

    @property
    def label_vi(self) -> str:
        return f"Tỉnh {self.name}"

    @property
    def label_en(self) -> str:
        return f"{fold(self.name).title()} Province"


def province() -> Province:
    """Default: Điện Biên (GSO code 11), the simulator's default province."""
    return Province(code=os.environ.get("KHO_PROVINCE_CODE", "11"),
                    name=os.environ.get("KHO_PROVINCE_NAME", "Điện Biên"))


# -- licences: CKAN's default register (ckan/model/license.py), plus Vietnamese titles ------------

@dataclass(frozen=True)
class License:
    id: str
    title: str
    title_vi: str
    url: str = ""
    od_conformance: str = "not reviewed"
    osd_conformance: str = "not reviewed"
    domain_content: bool = False
    domain_data: bool = False
    domain_software: bool = False
    is_generic: bool = False
    eu_uri: str | None = None  # EU licence authority table entry, for dct:license in DCAT

    @property
    def is_open(self) -> bool:
        return self.od_conformance == "approved" or self.osd_conformance == "approved"

    def ckan_dict(self) -> dict[str, str]:
        """license_list item: CKAN's DefaultLicense.copy() turns every value into a string."""
        return {
            "domain_content": str(self.domain_content), "id": self.id, "domain_data": str(self.domain_data),
            "domain_software": str(self.domain_software), "family": "", "is_generic": str(self.is_generic),
            "maintainer": "", "od_conformance": self.od_conformance, "osd_conformance": self.osd_conformance,
            "status": "active", "url": self.url, "title": self.title,
        }


_OD = "http://www.opendefinition.org/licenses/"
LICENSES: tuple[License, ...] = (
    License("notspecified", "License not specified", "Chưa xác định giấy phép", is_generic=True),
    License("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)",
            "Open Data Commons PDDL (phạm vi công cộng)", _OD + "odc-pddl", "approved", domain_data=True,
            eu_uri=f"{EU}/licence/ODC_PDDL"),
    License("odc-odbl", "Open Data Commons Open Database License (ODbL)",
            "Open Data Commons ODbL", _OD + "odc-odbl", "approved", domain_data=True,
            eu_uri=f"{EU}/licence/ODC_BL"),
    License("odc-by", "Open Data Commons Attribution License", "Open Data Commons ghi công",
            _OD + "odc-by", "approved", domain_data=True, eu_uri=f"{EU}/licence/ODC_BY"),
    License("cc-zero", "Creative Commons CCZero", "Creative Commons CC0 (từ bỏ bản quyền)", _OD + "cc-zero",
            "approved", domain_content=True, domain_data=True, eu_uri=f"{EU}/licence/CC0"),
    License("cc-by", "Creative Commons Attribution", "Creative Commons Ghi công (CC BY 4.0)", _OD + "cc-by",
            "approved", domain_content=True, eu_uri=f"{EU}/licence/CC_BY_4_0"),
    License("cc-by-sa", "Creative Commons Attribution Share-Alike", "Creative Commons Ghi công – Chia sẻ tương tự",
            _OD + "cc-by-sa", "approved", domain_content=True, eu_uri=f"{EU}/licence/CC_BYSA_4_0"),
    License("gfdl", "GNU Free Documentation License", "Giấy phép tài liệu tự do GNU", _OD + "gfdl",
            "approved", domain_content=True, eu_uri=f"{EU}/licence/GFDL_1_3"),
    License("other-open", "Other (Open)", "Khác (mở)", "", "approved", domain_content=True, is_generic=True),
    License("other-pd", "Other (Public Domain)", "Khác (phạm vi công cộng)", "", "approved",
            domain_content=True, is_generic=True),
    License("other-at", "Other (Attribution)", "Khác (ghi công)", "", "approved", domain_content=True,
            is_generic=True),
    License("uk-ogl", "UK Open Government Licence (OGL)", "Giấy phép chính phủ mở của Vương quốc Anh (OGL)",
            "http://reference.data.gov.uk/id/open-government-licence", "approved", domain_content=True,
            eu_uri=f"{EU}/licence/OGL_3_0"),
    License("cc-nc", "Creative Commons Non-Commercial (Any)", "Creative Commons Phi thương mại",
            "http://creativecommons.org/licenses/by-nc/2.0/", eu_uri=f"{EU}/licence/CC_BYNC_4_0"),
    License("other-nc", "Other (Non-Commercial)", "Khác (phi thương mại)", is_generic=True),
    License("other-closed", "Other (Not Open)", "Khác (không mở) — chỉ chia sẻ theo quy định",
            is_generic=True),
)
LICENSES_BY_ID = {lic.id: lic for lic in LICENSES}
#: Open data may be copied, shared, combined and used commercially (Decree 47/2020) → CC BY 4.0.
DEFAULT_OPEN_LICENSE = "cc-by"
#: Shared and private data are not open: their use is governed by grants.
DEFAULT_CLOSED_LICENSE = "other-closed"


def default_license(access_level: str) -> str:
    return DEFAULT_OPEN_LICENSE if access_level == "open" else DEFAULT_CLOSED_LICENSE


# -- topics (CKAN groups, DCAT themes) ---------------------------------------------------------

@dataclass(frozen=True)
class Topic:
    name: str
    title_vi: str
    title_en: str
    eu_theme: str  # EU data-theme code

    @property
    def eu_theme_uri(self) -> str:
        return f"{EU_THEME_SCHEME}/{self.eu_theme}"


TOPICS: tuple[Topic, ...] = (
    Topic("cai-cach-hanh-chinh", "Cải cách hành chính", "Administrative reform", "GOVE"),
    Topic("chinh-quyen-so", "Chính quyền số", "Digital government", "GOVE"),
    Topic("danh-muc-dung-chung", "Danh mục dùng chung", "Shared reference data", "REGI"),
    Topic("dan-cu", "Dân cư", "Population", "SOCI"),
    Topic("kinh-te", "Kinh tế, doanh nghiệp", "Economy and business", "ECON"),
    Topic("tai-chinh", "Tài chính", "Finance", "ECON"),
    Topic("y-te", "Y tế", "Health", "HEAL"),
    Topic("giao-duc", "Giáo dục", "Education", "EDUC"),
    Topic("moi-truong", "Tài nguyên, môi trường", "Environment", "ENVI"),
    Topic("nong-nghiep", "Nông nghiệp", "Agriculture", "AGRI"),
    Topic("giao-thong", "Giao thông, vận tải", "Transport", "TRAN"),
    Topic("nang-luong", "Năng lượng", "Energy", "ENER"),
    Topic("tu-phap", "Tư pháp, an ninh", "Justice and public safety", "JUST"),
    Topic("khoa-hoc-cong-nghe", "Khoa học, công nghệ", "Science and technology", "TECH"),
    Topic("van-hoa-xa-hoi", "Văn hóa, xã hội", "Culture and society", "EDUC"),
)
TOPICS_BY_NAME = {t.name: t for t in TOPICS}


def topic_for(theme: str | None) -> Topic | None:
    """The topic of a dataset's `theme` (a slug such as "y-te", or a Vietnamese/English title)."""
    if not theme or not theme.strip():
        return None
    slug = slugify(theme)
    if slug in TOPICS_BY_NAME:
        return TOPICS_BY_NAME[slug]
    for topic in TOPICS:
        if slug in (slugify(topic.title_vi), slugify(topic.title_en)) or theme.strip().upper() == topic.eu_theme:
            return topic
    return Topic(slug, theme.strip(), theme.strip(), "GOVE")


# -- update frequency --------------------------------------------------------------------------

@dataclass(frozen=True)
class Frequency:
    code: str
    label_vi: str
    label_en: str
    eu_code: str
    period_days: float  # the promise a dataset makes; freshness is judged against it

    @property
    def eu_uri(self) -> str:
        return f"{EU}/frequency/{self.eu_code}"


FREQUENCIES: dict[str, Frequency] = {f.code: f for f in (
    Frequency("hourly", "Hằng giờ", "Hourly", "HOURLY", 1 / 24),
    Frequency("daily", "Hằng ngày", "Daily", "DAILY", 1),
    Frequency("weekly", "Hằng tuần", "Weekly", "WEEKLY", 7),
    Frequency("monthly", "Hằng tháng", "Monthly", "MONTHLY", 31),
    Frequency("quarterly", "Hằng quý", "Quarterly", "QUARTERLY", 92),
    Frequency("yearly", "Hằng năm", "Annual", "ANNUAL", 366),
    Frequency("annual", "Hằng năm", "Annual", "ANNUAL", 366),
    Frequency("irregular", "Không định kỳ", "Irregular", "IRREG", 92),
)}
#: Decree 47/2020: published open data is updated at least every 3 months.
OPEN_DATA_MAX_AGE_DAYS = 92


def frequency(code: str | None) -> Frequency | None:
    return FREQUENCIES.get((code or "").strip().lower())


# -- access levels (Law on Data 60/2024) -----------------------------------------------------------

ACCESS_LABELS = {
    "open": ("Dữ liệu mở", "Open data", f"{EU}/access-right/PUBLIC"),
    "shared": ("Dữ liệu dùng chung", "Shared data", f"{EU}/access-right/RESTRICTED"),
    "private": ("Dữ liệu dùng riêng", "Private data", f"{EU}/access-right/NON_PUBLIC"),
}

# -- formats of distributions ------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    code: str  # CKAN `format`
    file_name: str
    media_type: str
    eu_file_type: str

    @property
    def eu_uri(self) -> str:
        return f"{EU}/file-type/{self.eu_file_type}"

    @property
    def iana_uri(self) -> str:
        return f"https://www.iana.org/assignments/media-types/{self.media_type}"


FORMATS: tuple[Format, ...] = (
    Format("CSV", "data.csv", "text/csv", "CSV"),
    Format("Parquet", "data.parquet", "application/vnd.apache.parquet", "PARQUET"),
)
FORMATS_BY_CODE = {f.code: f for f in FORMATS}
