"""Clean data looks like a province's systems: rates in their stated ranges and improving, consistent
dates and statuses, applicants who exist in the other systems, fresh feeds."""

from __future__ import annotations

import datetime as dt

from tests.simulator.conftest import ADMIN_UNITS, AS_OF

FULL_YEARS = (2021, 2022, 2023, 2024)


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_on_time_rate_per_agency_year_is_95_to_99_percent(clean):
    con = clean.connect()
    groups = _rows(con, """
        SELECT ma_co_quan, year(ngay_tiep_nhan) AS y, count(*) AS n,
               avg((ngay_ket_thuc::DATE <= ngay_hen_tra::DATE)::INT) AS on_time
        FROM motcua.ho_so WHERE ngay_ket_thuc IS NOT NULL GROUP BY ALL HAVING count(*) >= 100""")
    assert len(groups) >= 30
    # Whole dossiers: a group's rate can sit one dossier outside the range.
    outside = [g for g in groups if not 0.95 - 1 / g[2] <= g[3] <= 0.99 + 1 / g[2]]
    assert not outside, outside


def test_online_rate_per_agency_year_is_25_to_85_percent_and_varies_by_agency(clean):
    con = clean.connect()
    groups = _rows(con, """
        SELECT ma_co_quan, year(ngay_tiep_nhan) AS y, count(*) AS n, avg((kenh = 'truc_tuyen')::INT) AS online
        FROM motcua.ho_so GROUP BY ALL HAVING count(*) >= 50""")
    outside = [g for g in groups if not 0.25 - 1 / g[2] <= g[3] <= 0.85 + 1 / g[2]]
    assert not outside, outside
    first_year = [g[3] for g in groups if g[1] == 2021]
    assert max(first_year) - min(first_year) > 0.1


def test_service_improves_over_the_years(clean):
    con = clean.connect()
    yearly = _rows(con, f"""
        SELECT year(ngay_tiep_nhan), count(*), avg((kenh = 'truc_tuyen')::INT), avg(da_so_hoa::INT),
               avg(thanh_toan_truc_tuyen::INT)
        FROM motcua.ho_so WHERE year(ngay_tiep_nhan) IN {FULL_YEARS} GROUP BY 1 ORDER BY 1""")
    for column in (1, 2, 3, 4):  # volume, online, digitised, paid online: all rising every year
        values = [row[column] for row in yearly]
        assert values == sorted(values) and len(set(values)) == len(values), (column, values)
    per_agency = _rows(con, """
        WITH g AS (SELECT ma_co_quan, year(ngay_tiep_nhan) AS y, count(*) AS n,
                          avg((kenh = 'truc_tuyen')::INT) AS online FROM motcua.ho_so GROUP BY ALL)
        SELECT a.ma_co_quan, a.online, b.online, a.n, b.n FROM g a JOIN g b
          ON a.ma_co_quan = b.ma_co_quan AND b.y = a.y + 1 WHERE a.n >= 100 AND b.n >= 100""")
    assert per_agency
    assert all(later >= earlier - 1 / n1 - 1 / n2 for _, earlier, later, n1, n2 in per_agency)


def test_channels_statuses_and_dates_agree(clean):
    con = clean.connect()
    checks = {
        "channels": "SELECT count(*) FROM motcua.ho_so WHERE kenh NOT IN ('truc_tiep', 'truc_tuyen', 'buu_chinh')",
        "open without finish": "SELECT count(*) FROM motcua.ho_so WHERE (trang_thai = 'dang_xu_ly') <> (ngay_ket_thuc IS NULL)",
        "statuses": "SELECT count(*) FROM motcua.ho_so WHERE trang_thai NOT IN "
                    "('dang_xu_ly', 'da_tra_ket_qua', 'tu_choi', 'rut_ho_so')",
        "due before receipt": "SELECT count(*) FROM motcua.ho_so WHERE ngay_hen_tra < ngay_tiep_nhan",
        "finish before receipt": "SELECT count(*) FROM motcua.ho_so WHERE ngay_ket_thuc < ngay_tiep_nhan",
        "updated before finish": "SELECT count(*) FROM motcua.ho_so WHERE updated_at < coalesce(ngay_ket_thuc, ngay_tiep_nhan)",
        "weekend receipt": "SELECT count(*) FROM motcua.ho_so WHERE dayofweek(ngay_tiep_nhan) IN (0, 6)",
        "paid online offline": "SELECT count(*) FROM motcua.ho_so WHERE thanh_toan_truc_tuyen = 1 AND kenh <> 'truc_tuyen'",
        "paid without fee": "SELECT count(*) FROM motcua.ho_so h JOIN motcua.thu_tuc t USING (ma_thu_tuc) "
                            "WHERE h.thanh_toan_truc_tuyen = 1 AND t.le_phi = 0",
        "due not statutory": "SELECT count(*) FROM motcua.ho_so h JOIN motcua.thu_tuc t USING (ma_thu_tuc) WHERE "
                             "t.thoi_han_ngay > 0 AND ngay_hen_tra::DATE < ngay_tiep_nhan::DATE + t.thoi_han_ngay::INTEGER",
    }
    found = {name: con.execute(sql).fetchone()[0] for name, sql in checks.items()}
    assert found == dict.fromkeys(checks, 0)
    statuses = dict(_rows(con, "SELECT trang_thai, count(*) FROM motcua.ho_so GROUP BY 1"))
    assert statuses["da_tra_ket_qua"] > 0.9 * 20_000 and statuses["tu_choi"] > 0 and statuses["dang_xu_ly"] > 0
    levels = dict(_rows(con, "SELECT muc_do, count(*) FROM motcua.thu_tuc GROUP BY 1"))
    assert set(levels) == {"toan_trinh", "mot_phan"}


def test_processing_steps(clean):
    con = clean.connect()
    per_dossier = _rows(con, """
        SELECT min(s), max(s), count(*) FROM (SELECT ho_so_id, count(*) AS s FROM motcua.ho_so_xu_ly GROUP BY 1)""")
    assert per_dossier == [(2, 5, 20_000)]
    checks = {
        "numbering": "SELECT count(*) FROM (SELECT ho_so_id, max(buoc) m, count(*) c, min(buoc) f "
                     "FROM motcua.ho_so_xu_ly GROUP BY 1) WHERE m <> c OR f <> 1",
        "outside the dossier": "SELECT count(*) FROM motcua.ho_so_xu_ly s JOIN motcua.ho_so h ON h.id = s.ho_so_id "
                               "WHERE s.bat_dau < h.ngay_tiep_nhan OR s.ket_thuc > h.ngay_ket_thuc "
                               "OR s.ket_thuc < s.bat_dau",
        "open step of a closed dossier": "SELECT count(*) FROM motcua.ho_so_xu_ly s JOIN motcua.ho_so h "
                                         "ON h.id = s.ho_so_id WHERE s.ket_thuc IS NULL AND h.ngay_ket_thuc IS NOT NULL",
        "last step ends with the dossier": "SELECT count(*) FROM motcua.ho_so_xu_ly s JOIN motcua.ho_so h ON "
                                           "h.id = s.ho_so_id WHERE h.ngay_ket_thuc IS NOT NULL AND s.buoc = "
                                           "(SELECT max(buoc) FROM motcua.ho_so_xu_ly x WHERE x.ho_so_id = s.ho_so_id) "
                                           "AND s.ket_thuc <> h.ngay_ket_thuc",
    }
    found = {name: con.execute(sql).fetchone()[0] for name, sql in checks.items()}
    assert found == dict.fromkeys(checks, 0)


def test_applicants_exist_in_the_population_and_business_registers(clean):
    con = clean.connect()
    citizens, matched, same_name = con.execute("""
        SELECT count(*), count(c.so_dinh_danh), count(*) FILTER (c.ho_ten = h.ten_nguoi_nop)
        FROM motcua.ho_so h LEFT JOIN dancu.cong_dan c ON c.so_dinh_danh = h.so_giay_to
        WHERE h.loai_doi_tuong = 'cong_dan'""").fetchone()
    assert matched == same_name and 0.93 < matched / citizens < 0.99
    firms, firm_matched = con.execute("""
        SELECT count(*), count(*) FILTER (d.ten_doanh_nghiep = h.ten_nguoi_nop AND d.ngay_thanh_lap <= h.ngay_tiep_nhan)
        FROM motcua.ho_so h LEFT JOIN dkkd.doanh_nghiep d ON d.ma_so_thue = h.so_giay_to
        WHERE h.loai_doi_tuong = 'doanh_nghiep'""").fetchone()
    assert firms > 500 and firm_matched == firms
    reps, rep_matched = con.execute("""
        SELECT count(*), count(*) FILTER (c.ho_ten = d.nguoi_dai_dien)
        FROM dkkd.doanh_nghiep d LEFT JOIN dancu.cong_dan c ON c.so_dinh_danh = d.so_giay_to_nguoi_dai_dien""").fetchone()
    assert 0.85 < rep_matched / reps < 0.95
    adults = con.execute("""
        SELECT count(*) FROM motcua.ho_so h JOIN dancu.cong_dan c ON c.so_dinh_danh = h.so_giay_to
        WHERE c.ngay_sinh > h.ngay_tiep_nhan::DATE - INTERVAL 18 YEAR""").fetchone()[0]
    assert adults == 0


def test_people_look_like_dien_bien(clean):
    con = clean.connect()
    ethnicity = dict(_rows(con, "SELECT dan_toc, count(*) FROM dancu.cong_dan GROUP BY 1"))
    top = sorted(ethnicity, key=ethnicity.get, reverse=True)[:3]
    assert set(top) == {"Mông", "Thái", "Kinh"}
    surnames = dict(_rows(con, "SELECT split_part(ho_ten, ' ', 1), count(*) FROM dancu.cong_dan GROUP BY 1"))
    for surname in ("Nguyễn", "Lò", "Quàng", "Lường", "Cà", "Giàng", "Thào", "Sùng", "Vàng"):
        assert surnames.get(surname, 0) > 20, surname
    sexes = dict(_rows(con, "SELECT gioi_tinh, count(*) FROM dancu.cong_dan GROUP BY 1"))
    assert set(sexes) == {"nam", "nu"} and abs(sexes["nam"] - sexes["nu"]) < 600


def test_documents(clean):
    con = clean.connect()
    yearly = _rows(con, f"""SELECT year(ngay_ban_hanh), avg(ky_so::INT) FROM qlvb.van_ban
                           WHERE year(ngay_ban_hanh) IN {FULL_YEARS} GROUP BY 1 ORDER BY 1""")
    signed = [share for _, share in yearly]
    assert signed == sorted(signed) and 0.85 <= signed[0] and signed[-1] <= 0.99
    overall, outgoing, symbols = con.execute("""
        SELECT avg(ky_so::INT), avg((chieu = 'di')::INT),
               count(*) FILTER (NOT regexp_full_match(so_ky_hieu, '[0-9]+/[^/-]+-[^/-]+'))
        FROM qlvb.van_ban""").fetchone()
    assert overall > 0.85 and 0.3 < outgoing < 0.6 and symbols == 0
    kinds = {k for (k,) in _rows(con, "SELECT DISTINCT loai_van_ban FROM qlvb.van_ban")}
    assert kinds == {"QĐ", "CV", "TB", "KH", "BC", "TTr", "GM"}
    # Outgoing numbers run per issuing agency and year without gaps.
    gaps = con.execute("""
        SELECT count(*) FROM (SELECT ma_co_quan, year(ngay_ban_hanh) y,
                                     max(split_part(so_ky_hieu, '/', 1)::INT) m, count(*) c
                              FROM qlvb.van_ban WHERE chieu = 'di' GROUP BY ALL) WHERE m <> c""").fetchone()[0]
    assert gaps == 0
    # An incoming copy of a provincial document carries the issuer's number, date and signature.
    copies = con.execute("""
        SELECT count(*), count(o.id) FROM qlvb.van_ban i
        LEFT JOIN qlvb.van_ban o ON o.chieu = 'di' AND o.so_ky_hieu = i.so_ky_hieu
             AND o.ngay_ban_hanh = i.ngay_ban_hanh AND o.ky_so = i.ky_so AND o.co_quan_ban_hanh = i.co_quan_ban_hanh
        WHERE i.chieu = 'den' AND i.co_quan_ban_hanh IN (SELECT ten_co_quan FROM qlvb.co_quan)""").fetchone()
    assert copies[0] > 10_000 and copies[1] >= copies[0]


def test_facilities_and_schools_sit_in_their_communes(clean):
    con = clean.connect()
    con.execute(f"""CREATE OR REPLACE TEMP TABLE units AS SELECT commune_code, latitude::DOUBLE lat, longitude::DOUBLE lon
                   FROM read_csv('{ADMIN_UNITS}', all_varchar = true) WHERE province_code = '11'""")
    for relation in ("co_so_y_te", "truong_hoc_sheet"):
        far = con.execute(f"""SELECT count(*) FROM {relation} r JOIN units u ON u.commune_code = r.ma_xa
                             WHERE abs(r.vi_do::DOUBLE - u.lat) > 0.3 OR abs(r.kinh_do::DOUBLE - u.lon) > 0.3""").fetchone()[0]
        assert far == 0, relation
    stations = con.execute("SELECT count(DISTINCT ma_xa) FROM co_so_y_te WHERE loai_co_so = 'tram_y_te'").fetchone()[0]
    schooled = con.execute("SELECT count(DISTINCT ma_xa) FROM truong_hoc_sheet WHERE cap_hoc = 'tieu_hoc'").fetchone()[0]
    assert stations == schooled == 45
    kinds = {k for (k,) in _rows(con, "SELECT DISTINCT loai_co_so FROM co_so_y_te")}
    assert kinds == {"benh_vien", "trung_tam_y_te", "tram_y_te", "phong_kham"}
    levels = {k for (k,) in _rows(con, "SELECT DISTINCT cap_hoc FROM truong_hoc_sheet")}
    assert levels == {"mam_non", "tieu_hoc", "thcs", "thpt"}
    assert con.execute("SELECT count(*) - count(DISTINCT ten_truong) FROM truong_hoc_sheet").fetchone()[0] == 0


def test_everything_happened_before_as_of_and_daily_feeds_are_fresh(clean):
    con = clean.connect()
    as_of = dt.datetime.combine(AS_OF, dt.time())
    columns = {
        "motcua.ho_so": ["ngay_tiep_nhan", "ngay_ket_thuc", "updated_at"],
        "motcua.ho_so_xu_ly": ["bat_dau", "ket_thuc", "updated_at"],
        "motcua.linh_vuc": ["updated_at"], "motcua.thu_tuc": ["updated_at"],
        "qlvb.co_quan": ["updated_at"], "qlvb.van_ban": ["ngay_ban_hanh", "updated_at"],
        "dkkd.doanh_nghiep": ["ngay_thanh_lap", "updated_at"], "dancu.cong_dan": ["ngay_sinh", "updated_at"],
        "co_so_y_te": ["updated_at::TIMESTAMP"], "truong_hoc_sheet": ["updated_at"],
    }
    for table, names in columns.items():
        for name in names:
            latest = con.execute(f"SELECT max({name})::TIMESTAMP FROM {table}").fetchone()[0]
            assert latest < as_of, (table, name, latest)
    # Daily systems: every table touched within the last day; weekly file drops within their 90-day SLA.
    for table in [t for t in columns if "." in t]:
        latest = con.execute(f"SELECT max(updated_at) FROM {table}").fetchone()[0]
        assert latest >= as_of - dt.timedelta(hours=24), table
    for table in ("co_so_y_te", "truong_hoc_sheet"):
        latest = con.execute(f"SELECT max(updated_at::TIMESTAMP) FROM {table}").fetchone()[0]
        assert latest >= as_of - dt.timedelta(days=30), table


def test_all_text_is_nfc(clean, registry):
    con = clean.connect()
    for system in ("motcua", "qlvb", "dkkd", "dancu"):
        for table in registry[system].tables:
            for column in (c.name for c in table.columns if c.type == "text"):
                bad = con.execute(f'SELECT count(*) FROM {system}."{table.name}" '
                                  f'WHERE nfc_normalize("{column}") <> "{column}"').fetchone()[0]
                assert bad == 0, (system, table.name, column)
