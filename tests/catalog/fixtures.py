"""A small published catalogue built the way the pipeline builds it — DuckDB tables published with
`orchestration.lib.publish.publish_model` — without running the pipeline. Used by the catalogue tests
and by `bench/bench_catalog.py`."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog.store import CatalogStore, DatasetMeta
from orchestration.lib.publish import PublishedModel, publish_model
from orchestration.lib.quality.checks import CheckResult

VPUB = ("000.00.01.H17", "Văn phòng UBND tỉnh")
CONG_AN = ("000.00.09.H17", "Công an tỉnh")
TAI_CHINH = ("000.00.05.H17", "Sở Tài chính")
GIAO_DUC = ("000.00.11.H17", "Sở Giáo dục và Đào tạo")

T0 = dt.datetime(2025, 7, 1, 8, 0, 0)


def col(title_vi: str, title_en: str, description_vi: str = "", unit: str | None = None,
        pii: str = "none") -> dict[str, Any]:
    return {"title_vi": title_vi, "title_en": title_en, "description_vi": description_vi,
            "description": title_en, "unit": unit, "pii": pii}


@dataclass
class Spec:
    meta: DatasetMeta
    create_sql: str
    columns: dict[str, dict[str, Any]]


def specs() -> list[Spec]:
    return [
        Spec(DatasetMeta(
            name="dossier_kpis_monthly", title_vi="Chỉ số giải quyết thủ tục hành chính theo tháng",
            title_en="Monthly administrative-procedure KPIs",
            description_vi="Số hồ sơ thủ tục hành chính tiếp nhận, đã giải quyết, đúng hạn và trực tuyến theo cơ "
                           "quan, lĩnh vực và tháng, kèm các tỷ lệ.",
            description_en="Administrative-procedure dossiers received, finished, on time and online per agency, "
                           "field and month, with the rates.",
            access_level="open", owner_code=VPUB[0], owner_name=VPUB[1], theme="cai-cach-hanh-chinh",
            keywords=["thủ tục hành chính", "một cửa", "dịch vụ công trực tuyến", "TTHC"], update_frequency="daily",
            primary_key=["agency_id", "month_start_on"], source_tables=["motcua.ho_so", "motcua.thu_tuc"]),
            """CREATE TABLE t AS SELECT 'A' || (i % 3) AS agency_id,
                 ['Sở Tư pháp', 'Sở Y tế', 'Sở Xây dựng'][(i % 3) + 1] AS agency_name,
                 (DATE '2024-01-01' + to_months(i // 3))::DATE AS month_start_on,
                 (100 + i * 7 % 50)::INTEGER AS received, (90 + i * 5 % 40)::INTEGER AS finished,
                 round(0.7 + (i % 10) / 40.0, 3) AS on_time_rate
               FROM range(36) r(i)""",
            {"agency_id": col("Mã cơ quan", "Agency code"), "agency_name": col("Tên cơ quan", "Agency name"),
             "month_start_on": col("Tháng", "Month"), "received": col("Số hồ sơ tiếp nhận", "Dossiers received",
                                                                      unit="hồ sơ"),
             "finished": col("Số hồ sơ đã giải quyết", "Dossiers finished", unit="hồ sơ"),
             "on_time_rate": col("Tỷ lệ đúng hạn", "On-time rate", unit="%")}),
        Spec(DatasetMeta(
            name="public_services", title_vi="Danh mục dịch vụ công", title_en="Public-service catalogue",
            description_vi="Danh mục thủ tục hành chính của tỉnh: mức độ dịch vụ công trực tuyến, phí, lệ phí và số "
                           "hồ sơ tiếp nhận theo năm.",
            description_en="The province's administrative procedures with online level, fee and dossiers per year.",
            access_level="open", owner_code=VPUB[0], owner_name=VPUB[1], theme="cai-cach-hanh-chinh",
            keywords=["thủ tục hành chính", "dịch vụ công", "TTHC"], update_frequency="daily",
            primary_key=["procedure_id"], source_tables=["motcua.thu_tuc"]),
            """CREATE TABLE t AS SELECT 'TT' || lpad(i::VARCHAR, 3, '0') AS procedure_id,
                 ['Cấp giấy phép xây dựng', 'Đăng ký khai sinh', 'Cấp phiếu lý lịch tư pháp',
                  'Đăng ký kết hôn'][(i % 4) + 1]
                   || ' ' || i AS procedure_name,
                 CASE WHEN i % 2 = 0 THEN 'toàn trình' ELSE 'một phần' END AS online_level,
                 (i * 10000)::DECIMAL(12, 0) AS fee_vnd, (i * 13 % 200)::INTEGER AS dossiers_2025
               FROM range(25) r(i)""",
            {"procedure_id": col("Mã thủ tục", "Procedure code"),
             "procedure_name": col("Tên thủ tục", "Procedure name"),
             "online_level": col("Mức độ trực tuyến", "Online level"), "fee_vnd": col("Lệ phí", "Fee", unit="đồng"),
             "dossiers_2025": col("Số hồ sơ năm 2025", "Dossiers in 2025")}),
        Spec(DatasetMeta(
            name="dossiers", title_vi="Hồ sơ thủ tục hành chính", title_en="Administrative-procedure dossiers",
            description_vi="Từng hồ sơ thủ tục hành chính với thủ tục, cơ quan giải quyết, các mốc thời gian và trạng "
                           "thái. Họ tên và số giấy tờ của người nộp là dữ liệu cá nhân.",
            description_en="Every dossier with procedure, agency, dates and status. Applicant name and ID are "
                           "personal data.",
            access_level="shared", owner_code=VPUB[0], owner_name=VPUB[1], theme="cai-cach-hanh-chinh",
            keywords=["hồ sơ", "thủ tục hành chính", "dữ liệu dùng chung"], update_frequency="daily",
            primary_key=["dossier_id"], source_tables=["motcua.ho_so"]),
            """CREATE TABLE t AS SELECT i AS dossier_id, 'HS-' || i AS dossier_code,
                 ['Nguyễn Văn An', 'Trần Thị Bình', 'Lò Văn Cường', 'Đặng Thị Dung'][(i % 4) + 1] AS applicant_name,
                 lpad((11000000000 + i)::VARCHAR, 12, '0') AS applicant_id_number,
                 TIMESTAMP '2025-01-01 08:00:00' + to_days(i) AS received_at,
                 CASE WHEN i % 5 = 0 THEN 'đang xử lý' ELSE 'đã trả kết quả' END AS status
               FROM range(60) r(i)""",
            {"dossier_id": col("Mã bản ghi", "Dossier id"), "dossier_code": col("Mã hồ sơ", "Dossier code"),
             "applicant_name": col("Họ tên người nộp", "Applicant name", pii="basic"),
             "applicant_id_number": col("Số giấy tờ người nộp", "Applicant ID number", pii="sensitive"),
             "received_at": col("Thời điểm tiếp nhận", "Received at"), "status": col("Trạng thái", "Status")}),
        Spec(DatasetMeta(
            name="citizens", title_vi="Cơ sở dữ liệu công dân", title_en="Citizens",
            description_vi="Dữ liệu công dân; dữ liệu dùng riêng, chỉ chia sẻ cho cơ quan được cấp quyền.",
            description_en="Citizens; private data shared only with granted agencies.",
            access_level="private", owner_code=CONG_AN[0], owner_name=CONG_AN[1], theme="dan-cu",
            keywords=["dân cư", "công dân", "Đề án 06"], update_frequency="daily", primary_key=["citizen_id"],
            source_tables=["dancu.cong_dan"]),
            """CREATE TABLE t AS SELECT lpad((11090000000 + i)::VARCHAR, 12, '0') AS citizen_id,
                 'Công dân ' || i AS full_name, (DATE '1960-01-01' + to_days(i * 300))::DATE AS birth_date,
                 CASE WHEN i % 2 = 0 THEN 'Nam' ELSE 'Nữ' END AS sex
               FROM range(30) r(i)""",
            {"citizen_id": col("Số định danh cá nhân", "Personal ID", pii="basic"),
             "full_name": col("Họ và tên", "Full name", pii="basic"), "birth_date": col("Ngày sinh", "Birth date",
                                                                                        pii="basic"),
             "sex": col("Giới tính", "Sex")}),
        Spec(DatasetMeta(
            name="admin_units", title_vi="Danh mục đơn vị hành chính (sau sắp xếp 2025)",
            title_en="Administrative units (2025)",
            description_vi="Đơn vị hành chính cấp tỉnh và cấp xã sau sắp xếp từ ngày 01/7/2025, gồm tỉnh Điện Biên.",
            description_en="Provinces and communes after the 1 July 2025 reform.",
            access_level="open", owner_code=VPUB[0], owner_name=VPUB[1], theme="danh-muc-dung-chung",
            keywords=["đơn vị hành chính", "xã", "phường"], update_frequency="quarterly",
            primary_key=["commune_code"]),
            """CREATE TABLE t AS SELECT * FROM (VALUES
                 ('11', 'Điện Biên', '03124', 'Phường Điện Biên Phủ', 'Phường'),
                 ('11', 'Điện Biên', '03151', 'Phường Mường Lay', 'Phường'),
                 ('11', 'Điện Biên', '03160', 'Xã Mường Nhé', 'Xã'),
                 ('01', 'Hà Nội', '00004', 'Phường Ba Đình', 'Phường'),
                 ('66', 'Đắk Lắk', '24121', 'Phường Buôn Ma Thuột', 'Phường'))
               v(province_code, province_name, commune_code, commune_name, commune_type)""",
            {"province_code": col("Mã tỉnh", "Province code"), "province_name": col("Tên tỉnh", "Province name"),
             "commune_code": col("Mã xã", "Commune code"), "commune_name": col("Tên xã", "Commune name"),
             "commune_type": col("Loại đơn vị", "Unit type")}),
        Spec(DatasetMeta(
            name="enterprises", title_vi="Danh sách doanh nghiệp đăng ký", title_en="Registered enterprises",
            description_vi="Doanh nghiệp đăng ký trên địa bàn tỉnh: mã số thuế, tên, loại hình, ngày thành lập.",
            description_en="Enterprises registered in the province: tax code, name, legal form, founding date.",
            access_level="open", owner_code=TAI_CHINH[0], owner_name=TAI_CHINH[1], theme="kinh-te",
            keywords=["doanh nghiệp", "đăng ký kinh doanh", "mã số thuế"], update_frequency="daily",
            primary_key=["tax_code"], source_tables=["dkkd.doanh_nghiep"]),
            """CREATE TABLE t AS SELECT lpad((5600000000 + i)::VARCHAR, 10, '0') AS tax_code,
                 'Công ty TNHH Mường Thanh ' || i AS enterprise_name,
                 ['Công ty TNHH', 'Công ty cổ phần', 'Doanh nghiệp tư nhân'][(i % 3) + 1] AS legal_form,
                 (DATE '2015-01-01' + to_days(i * 40))::DATE AS founded_on
               FROM range(40) r(i)""",
            {"tax_code": col("Mã số thuế", "Tax code"), "enterprise_name": col("Tên doanh nghiệp", "Enterprise name"),
             "legal_form": col("Loại hình", "Legal form"), "founded_on": col("Ngày thành lập", "Founded on")}),
        Spec(DatasetMeta(
            name="schools", title_vi="Danh mục trường học", title_en="Schools",
            description_vi="Trường học trên địa bàn tỉnh: cấp học, số học sinh.",
            description_en="Schools in the province: level and pupils.",
            access_level="open", owner_code=GIAO_DUC[0], owner_name=GIAO_DUC[1], theme="giao-duc",
            keywords=["giáo dục", "trường học"], update_frequency="monthly", primary_key=["school_id"],
            source_tables=["giaoduc.truong_hoc"]),
            """CREATE TABLE t AS SELECT 'S' || i AS school_id, 'Trường ' || i AS school_name,
                 ['mam_non', 'tieu_hoc', 'thcs', 'thpt'][(i % 4) + 1] AS school_level, (100 + i * 9)::INTEGER AS pupils
               FROM range(20) r(i)""",
            {"school_id": col("Mã trường", "School code"), "school_name": col("Tên trường", "School name"),
             "school_level": col("Cấp học", "School level"), "pupils": col("Số học sinh", "Pupils")}),
    ]


class NoUpstream:
    """The gate's view of the dbt run when tests publish tables directly: every model built, and no
    upstream (dbt, ingestion) check results."""

    def build_problems(self, name: str) -> list[str]:
        return []

    def upstream_checks(self, name: str) -> list[CheckResult]:
        return []


def checks(name: str, rows: int, *, warn_rows: int = 0, failing: list[CheckResult] | None = None):
    """A validate(name, frame, personal) for publish_model: the checks a GX suite would report."""

    def validate(dataset: str, frame: Any, personal: set[str]) -> list[CheckResult]:
        target = f"published.{name}"
        return [
            CheckResult(check_id=f"gx.{name}.1", name="expect_primary_key_unique", source="gx", dimension="sach",
                        severity="error", status="pass", target=target, failing_count=0, rows_tested=rows),
            CheckResult(check_id=f"gx.{name}.2", name="expect_mandatory_not_null", source="gx", dimension="du",
                        severity="error", status="pass", target=target, failing_count=0, rows_tested=rows),
            CheckResult(check_id=f"gx.{name}.3", name="expect_codes_in_shared_tables", source="gx",
                        dimension="dung", severity="warn", status="warn" if warn_rows else "pass", target=target,
                        failing_count=warn_rows, rows_tested=rows,
                        message=f"{warn_rows} rows with an unknown code" if warn_rows else "",
                        sample_rows=[{"code": "X99"}] if warn_rows else []),
            CheckResult(check_id=f"python.src.{name}.freshness", name="freshness", source="python", dimension="song",
                        severity="warn", status="pass", target=f"raw.src.{name}", failing_count=0,
                        rows_tested=rows, message="newest change 2025-07-01 08:00, 0 h behind (SLA 48 h)"),
            *(failing or []),
        ]
    return validate


def publish_spec(con: duckdb.DuckDBPyConnection, store: CatalogStore, published: Path, spec: Spec,
                 now: dt.datetime, extra_sql: str | None = None, warn_rows: int = 0,
                 failing: list[CheckResult] | None = None):
    con.execute("DROP TABLE IF EXISTS t")
    con.execute(spec.create_sql)
    if extra_sql:
        con.execute(extra_sql)
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    return publish_model(con, store, published,
                         PublishedModel(meta=spec.meta, relation='"main"."t"', columns=spec.columns),
                         NoUpstream(), checks(spec.meta.name, rows, warn_rows=warn_rows, failing=failing),
                         run_id="run-1", now=now)


def build_catalogue(store: CatalogStore, published: Path) -> dict[str, Any]:
    """Publish the fixture datasets through the quality gate; then a second version of
    dossier_kpis_monthly, and a third that the gate rejects (failing checks with sample rows)."""
    store.create_schema()
    con = duckdb.connect(":memory:")
    versions: dict[str, str] = {}
    try:
        for i, spec in enumerate(specs()):
            versions[spec.meta.name] = publish_spec(con, store, published, spec, T0 + dt.timedelta(minutes=i),
                                                    warn_rows=1).version
        kpis = specs()[0]
        first = versions["dossier_kpis_monthly"]
        second = publish_spec(con, store, published, kpis, T0 + dt.timedelta(days=1),
                              extra_sql="UPDATE t SET received = received + 1").version
        failing = [
            CheckResult(check_id="dbt.test.finished_not_before_received", name="finished_not_before_received",
                        source="dbt", dimension="dung", severity="error", status="fail",
                        target="staging.stg_motcua__dossiers", failing_count=3, rows_tested=60,
                        message="finished_at < received_at",
                        sample_rows=[{"dossier_code": "HS-7", "received_at": "2025-07-02",
                                      "finished_at": "2025-06-30"}]),
            CheckResult(check_id="dbt.test.unique_dossier_code", name="unique_dossier_code", source="dbt",
                        dimension="sach", severity="error", status="fail", target="staging.stg_motcua__dossiers",
                        failing_count=2, rows_tested=60, message="duplicate dossier codes",
                        sample_rows=[{"dossier_code": "HS-9", "copies": 2}]),
        ]
        rejected = publish_spec(con, store, published, kpis, T0 + dt.timedelta(days=2),
                                extra_sql="UPDATE t SET received = received + 2", failing=failing)
        assert rejected.status == "rejected", rejected
        versions["dossier_kpis_monthly"] = second
        return {"versions": versions, "first_kpis_version": first, "rejected": rejected.version}
    finally:
        con.close()


def generate_datasets(store: CatalogStore, published: Path, count: int, seed: int = 7) -> None:
    """`count` synthetic open/shared datasets (for the benchmark), published like the real ones."""
    rng = random.Random(seed)
    topics = ["cai-cach-hanh-chinh", "y-te", "giao-duc", "kinh-te", "dan-cu", "chinh-quyen-so", "giao-thong"]
    owners = [VPUB, CONG_AN, TAI_CHINH, GIAO_DUC, ("000.00.10.H17", "Sở Y tế"), ("000.00.12.H17", "Sở Xây dựng")]
    subjects = ["Hồ sơ thủ tục hành chính", "Trạm y tế", "Trường học", "Doanh nghiệp", "Dân số", "Văn bản điện tử",
                "Giao thông", "Đất đai", "Môi trường", "Du lịch"]
    places = ["Điện Biên Phủ", "Mường Lay", "Mường Nhé", "Tuần Giáo", "Tủa Chùa", "Điện Biên Đông", "Nậm Pồ"]
    con = duckdb.connect(":memory:")
    try:
        for i in range(count):
            subject = rng.choice(subjects)
            place = rng.choice(places)
            owner = rng.choice(owners)
            meta = DatasetMeta(
                name=f"bench_{i:04d}", title_vi=f"{subject} {place} {i}", title_en=f"Dataset {i} ({place})",
                description_vi=f"Số liệu {subject.lower()} của {place}, tỉnh Điện Biên, bảng số {i}.",
                description_en=f"{subject} figures for {place}, table {i}.",
                access_level="open" if i % 10 else "shared", owner_code=owner[0], owner_name=owner[1],
                theme=rng.choice(topics), keywords=[subject.lower(), place], update_frequency="monthly",
                primary_key=["k"], source_tables=[f"src.table_{i % 17}"])
            con.execute("DROP TABLE IF EXISTS t")
            con.execute(f"CREATE TABLE t AS SELECT i AS k, (i * {i + 1}) % 97 AS v FROM range(20) r(i)")
            publish_model(con, store, published, PublishedModel(meta=meta, relation='"main"."t"', columns={
                "k": col("Khóa", "Key"), "v": col("Giá trị", "Value")}), NoUpstream(), checks(meta.name, 20),
                now=T0 + dt.timedelta(seconds=i))
    finally:
        con.close()
