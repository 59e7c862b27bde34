"""Portal language: Vietnamese first, English on a switch (`?lang=en`, remembered in a cookie), and
number/date formatting for each."""

from __future__ import annotations

import datetime as dt
from typing import Any

LANGS = ("vi", "en")
COOKIE = "kho_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "site_title": ("Kho dữ liệu {province}", "{province} data warehouse"),
    "site_tagline": ("Dữ liệu mở của tỉnh: tìm, xem, tải về và dùng qua API — miễn phí, không cần đăng ký.",
                     "The province's open data: search, preview, download and use through APIs — free, no sign-up."),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
    "nav_datasets": ("Tập dữ liệu", "Datasets"),
    "nav_orgs": ("Cơ quan", "Organizations"),
    "nav_groups": ("Chủ đề", "Topics"),
    "nav_quality": ("Chất lượng dữ liệu", "Data quality"),
    "nav_developers": ("Cho nhà phát triển", "For developers"),
    "switch_to": ("English", "Tiếng Việt"),
    "switch_label": ("Switch to English", "Chuyển sang tiếng Việt"),
    "search_label": ("Tìm tập dữ liệu", "Search datasets"),
    "search_placeholder": ("Ví dụ: hồ sơ thủ tục hành chính, doanh nghiệp, trường học",
                           "e.g. dossiers, enterprises, schools"),
    "search_button": ("Tìm", "Search"),
    "search_hint": ("Có thể gõ không dấu: “dien bien ho so” tìm được “Điện Biên hồ sơ”.",
                    "Diacritics are optional: “dien bien ho so” finds “Điện Biên hồ sơ”."),
    "results_count": ("{count} tập dữ liệu", "{count} datasets"),
    "results_for": ("cho “{q}”", "for “{q}”"),
    "no_results": ("Không tìm thấy tập dữ liệu nào. Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.",
                   "No dataset found. Try other words or remove a filter."),
    "filters": ("Bộ lọc", "Filters"),
    "filter_org": ("Cơ quan chủ quản", "Organization"),
    "filter_group": ("Chủ đề", "Topic"),
    "filter_format": ("Định dạng", "Format"),
    "filter_license": ("Giấy phép", "Licence"),
    "filter_access": ("Mức độ truy cập", "Access level"),
    "remove_filter": ("Bỏ lọc", "Remove filter"),
    "clear_filters": ("Xóa mọi bộ lọc", "Clear all filters"),
    "sort_label": ("Sắp xếp", "Sort by"),
    "sort_relevance": ("Phù hợp nhất", "Relevance"),
    "sort_modified": ("Mới cập nhật", "Recently updated"),
    "sort_name": ("Tên (A–Z)", "Name (A–Z)"),
    "apply": ("Áp dụng", "Apply"),
    "page_prev": ("Trang trước", "Previous page"),
    "page_next": ("Trang sau", "Next page"),
    "page_of": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "updated": ("Cập nhật", "Updated"),
    "home_topics": ("Chủ đề", "Topics"),
    "home_orgs": ("Cơ quan cung cấp dữ liệu", "Data publishers"),
    "home_recent": ("Mới cập nhật", "Recently updated"),
    "home_stats": ("{datasets} tập dữ liệu mở từ {orgs} cơ quan", "{datasets} open datasets from {orgs} agencies"),
    "datasets_n": ("{n} tập dữ liệu", "{n} datasets"),
    "about": ("Giới thiệu", "About"),
    "access_open": ("Dữ liệu mở", "Open data"),
    "access_shared": ("Dữ liệu dùng chung", "Shared data"),
    "access_private": ("Dữ liệu dùng riêng", "Private data"),
    "meta_heading": ("Thông tin tập dữ liệu", "About this dataset"),
    "meta_org": ("Cơ quan chủ quản", "Publisher"),
    "meta_topic": ("Chủ đề", "Topic"),
    "meta_tags": ("Từ khóa", "Keywords"),
    "meta_license": ("Giấy phép", "Licence"),
    "meta_frequency": ("Tần suất cập nhật", "Update frequency"),
    "meta_version": ("Phiên bản hiện hành", "Current version"),
    "version": ("Phiên bản", "Version"),
    "meta_published": ("Công bố phiên bản lúc", "Version published"),
    "meta_rows": ("Số dòng", "Rows"),
    "meta_columns": ("Số cột", "Columns"),
    "meta_temporal": ("Khoảng thời gian", "Time period"),
    "meta_spatial": ("Phạm vi", "Area"),
    "meta_sources": ("Bảng nguồn", "Source tables"),
    "meta_created": ("Ngày đưa lên", "First published"),
    "meta_contact": ("Liên hệ", "Contact"),
    "freshness": ("Độ mới", "Freshness"),
    "fresh_ok": ("Đúng hạn cập nhật", "Up to date"),
    "fresh_late": ("Quá hạn cập nhật", "Overdue"),
    "fresh_unknown": ("Chưa rõ", "Unknown"),
    "age_days": ("{days} ngày trước", "{days} days ago"),
    "age_today": ("hôm nay", "today"),
    "quality_heading": ("Chất lượng", "Quality"),
    "quality_overall": ("Điểm chung", "Overall"),
    "quality_none": ("Chưa có kết quả kiểm tra chất lượng cho phiên bản này.",
                     "No quality results for this version yet."),
    "quality_detail": ("Xem chi tiết kiểm tra chất lượng", "See the quality checks"),
    "downloads": ("Tải về", "Download"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_parquet": ("Tải Parquet", "Download Parquet"),
    "download_pending": ("đang chuẩn bị", "being prepared"),
    "metadata_files": ("Siêu dữ liệu", "Metadata"),
    "preview": ("Xem trước dữ liệu", "Data preview"),
    "preview_caption": ("{shown} dòng đầu tiên trên tổng số {total} dòng", "First {shown} of {total} rows"),
    "masked_note": ("Cột đánh dấu * là dữ liệu cá nhân, được ẩn vì bạn chưa được cấp quyền.",
                    "Columns marked * hold personal data and are hidden: you have no grant for them."),
    "chart": ("Biểu đồ", "Chart"),
    "chart_data": ("Dữ liệu của biểu đồ", "Chart data"),
    "schema": ("Cấu trúc dữ liệu", "Columns"),
    "col_name": ("Tên cột", "Column"),
    "col_title": ("Tiêu đề", "Title"),
    "col_type": ("Kiểu", "Type"),
    "col_unit": ("Đơn vị", "Unit"),
    "col_desc": ("Mô tả", "Description"),
    "col_pii": ("Dữ liệu cá nhân", "Personal data"),
    "pii_none": ("không", "no"),
    "pii_basic": ("cơ bản", "basic"),
    "pii_sensitive": ("nhạy cảm", "sensitive"),
    "versions": ("Lịch sử phiên bản", "Version history"),
    "version_status": ("Trạng thái", "Status"),
    "status_published": ("Đã công bố", "Published"),
    "status_rejected": ("Bị từ chối", "Rejected"),
    "status_current": ("hiện hành", "current"),
    "reasons": ("Lý do", "Reasons"),
    "api_heading": ("Dùng qua API", "Use it through the API"),
    "api_intro": ("Các ví dụ dưới đây chạy được ngay, không cần khóa API.",
                  "These examples work as they are, no API key needed."),
    "copy": ("Sao chép", "Copy"),
    "copied": ("Đã sao chép", "Copied"),
    "not_found": ("Không tìm thấy trang", "Page not found"),
    "not_found_text": ("Trang hoặc tập dữ liệu này không tồn tại, hoặc bạn không có quyền xem.",
                       "This page or dataset does not exist, or you may not see it."),
    "back_home": ("Về trang chủ", "Back to the home page"),
    "dash_title": ("Bảng theo dõi chất lượng dữ liệu", "Data quality dashboard"),
    "dash_intro": ("Điểm chất lượng theo bốn tiêu chí đúng, đủ, sạch, sống của từng tập dữ liệu, các kiểm tra "
                   "không đạt, phiên bản bị từ chối và độ mới của dữ liệu nguồn.",
                   "Each dataset's scores on the four dimensions — correct, complete, clean, live — failing "
                   "checks, rejected versions and the freshness of the source data."),
    "dash_dataset": ("Tập dữ liệu", "Dataset"),
    "dash_trend": ("Diễn biến", "Trend"),
    "dash_last_run": ("Lần kiểm tra gần nhất", "Last check"),
    "dash_failing": ("Kiểm tra không đạt", "Failing checks"),
    "dash_rejected": ("Phiên bản bị từ chối", "Rejected versions"),
    "dash_sources": ("Độ mới của bảng nguồn", "Source freshness"),
    "dash_source": ("Bảng nguồn", "Source table"),
    "dash_loaded": ("Nạp gần nhất", "Last loaded"),
    "dash_max_updated": ("Thay đổi mới nhất ở nguồn", "Newest change at source"),
    "dash_no_sources": ("Chưa có số liệu độ mới của bảng nguồn.", "No source freshness recorded yet."),
    "dash_links": ("Tài liệu kỹ thuật", "Technical documentation"),
    "dash_gx": ("Báo cáo Great Expectations (Data Docs)", "Great Expectations Data Docs"),
    "dash_dbt": ("Tài liệu mô hình dbt", "dbt docs"),
    "dash_docs_missing": ("chưa được tạo", "not generated yet"),
    "dash_steward_only": ("Bạn đang xem các tập dữ liệu mở. Cán bộ quản lý dữ liệu đăng nhập bằng khóa API để "
                          "xem mọi tập dữ liệu.",
                          "You are seeing open datasets. Data stewards sign in with an API token to see all."),
    "scores_over_time": ("Điểm chất lượng qua các phiên bản", "Quality scores across versions"),
    "checks_heading": ("Các kiểm tra của phiên bản {version}", "Checks of version {version}"),
    "check": ("Kiểm tra", "Check"),
    "dimension": ("Tiêu chí", "Dimension"),
    "result": ("Kết quả", "Result"),
    "failing_rows": ("Số dòng lỗi", "Failing rows"),
    "samples": ("Dòng lỗi mẫu", "Sample failing rows"),
    "check_pass": ("Đạt", "Pass"),
    "check_warn": ("Cảnh báo", "Warning"),
    "check_fail": ("Không đạt", "Fail"),
    "checks_passed": ("{n} kiểm tra đạt", "{n} checks passed"),
    "no_checks": ("Không có kiểm tra nào được ghi nhận.", "No checks recorded."),
    "lineage": ("Nguồn gốc dữ liệu (lineage)", "Lineage"),
    "lineage_intro": ("Từ bảng của hệ thống chuyên ngành đến tập dữ liệu được công bố.",
                      "From the sector system's tables to the published dataset."),
    "lineage_none": ("Không tìm thấy mô hình dbt của tập dữ liệu này.", "No dbt model found for this dataset."),
    "layer_source": ("Bảng nguồn", "Source tables"),
    "layer_seed": ("Dữ liệu gốc đi kèm", "Shipped seeds"),
    "layer_staging": ("Chuẩn hóa (staging)", "Staging"),
    "layer_intermediate": ("Trung gian", "Intermediate"),
    "layer_marts": ("Kho chung (marts)", "Marts"),
    "layer_published": ("Tập dữ liệu công bố", "Published dataset"),
    "dev_title": ("Dành cho nhà phát triển", "For developers"),
    "dev_intro": ("Mọi dữ liệu mở đều dùng được qua API mà không cần khóa. Các công cụ viết cho CKAN "
                  "(ckanapi, trình thu thập CKAN, DCAT) dùng được ngay với Kho.",
                  "All open data is available through APIs without a key. Tools written for CKAN "
                  "(ckanapi, CKAN harvesters, DCAT) work with Kho unchanged."),
    "all_datasets": ("Xem tất cả tập dữ liệu", "See all datasets"),
    "dimension_dung": ("Đúng", "Correct"),
    "dimension_du": ("Đủ", "Complete"),
    "dimension_sach": ("Sạch", "Clean"),
    "dimension_song": ("Sống", "Live"),
}


def translate(lang: str, key: str, **values: Any) -> str:
    pair = MESSAGES.get(key)
    text = key if pair is None else pair[1 if lang == "en" else 0]
    return text.format(**values) if values else text


def number(value: Any, lang: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def date(value: dt.date | dt.datetime | None, lang: str, with_time: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime) and with_time:
        return value.strftime("%d/%m/%Y %H:%M UTC" if lang == "vi" else "%Y-%m-%d %H:%M UTC")
    return value.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")


def size(value: int | None, lang: str) -> str:
    if value is None:
        return "—"
    units = ["B", "kB", "MB", "GB", "TB"]
    amount = float(value)
    for unit in units:
        if amount < 1000 or unit == units[-1]:
            return f"{number(amount, lang, 0 if unit == 'B' else 1)} {unit}"
        amount /= 1000
    return str(value)
