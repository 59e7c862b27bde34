"""Personal IDs and tax codes in clean data pass their structural rules, recomputed here in SQL."""

from __future__ import annotations

import numpy as np

from simulator.ids import as_digits, mst_check_digit, unique_personal_ids

# Check digit of a 10-digit tax code (weights 31 29 23 19 17 13 7 5 3; 10 − Σ mod 11; never 10).
MST_VALID = """(
    regexp_full_match({c}, '[0-9]{{10}}')
    AND 10 - ((31 * substr({c}, 1, 1)::INT + 29 * substr({c}, 2, 1)::INT + 23 * substr({c}, 3, 1)::INT
             + 19 * substr({c}, 4, 1)::INT + 17 * substr({c}, 5, 1)::INT + 13 * substr({c}, 6, 1)::INT
             + 7 * substr({c}, 7, 1)::INT + 5 * substr({c}, 8, 1)::INT + 3 * substr({c}, 9, 1)::INT) % 11)
        = substr({c}, 10, 1)::INT)"""
# Personal ID: 12 digits; 4th digit = century and sex; 5th–6th = birth year.
PERSONAL_ID_MATCHES = """(
    regexp_full_match({id}, '[0-9]{{12}}')
    AND substr({id}, 4, 1)::INT = (year({born}) // 100 - 19) * 2 + CASE {sex} WHEN 'nu' THEN 1 ELSE 0 END
    AND substr({id}, 5, 2) = lpad((year({born}) % 100)::VARCHAR, 2, '0'))"""
BIRTH_PROVINCES = {1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
                   37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74,
                   75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96}


def test_check_digit_of_a_published_tax_code():
    assert mst_check_digit(np.array([10010910]))[0] == 6          # Viettel, 0100109106
    assert mst_check_digit(np.array([0]))[0] == 10                # remainder 0: never issued


def test_personal_ids_are_unique_and_padded():
    rng = np.random.default_rng(1)
    size = 50_000
    ids = unique_personal_ids(rng, np.full(size, 11), np.full(size, 1990), np.zeros(size, dtype=bool))
    assert len(np.unique(ids)) == size
    text = as_digits(ids, 12).to_pylist()
    assert all(t.startswith("0110") and t[4:6] == "90" and len(t) == 12 for t in text)


def test_citizen_ids_match_birth_date_and_sex(clean):
    con = clean.connect()
    rule = PERSONAL_ID_MATCHES.format(id="so_dinh_danh", born="ngay_sinh", sex="gioi_tinh")
    total, valid, provinces = con.execute(
        f"SELECT count(*), count(*) FILTER ({rule}), list(DISTINCT substr(so_dinh_danh, 1, 3)::INT) "
        "FROM dancu.cong_dan").fetchone()
    assert valid == total == 10_000
    assert set(provinces) <= BIRTH_PROVINCES
    # Most were born in Điện Biên (011); settlers came from elsewhere.
    home = con.execute("SELECT avg((so_dinh_danh LIKE '011%')::INT) FROM dancu.cong_dan").fetchone()[0]
    assert 0.8 < home < 0.99


def test_tax_codes_have_valid_check_digits(clean):
    con = clean.connect()
    total, valid, prefix = con.execute(
        f"SELECT count(*), count(*) FILTER ({MST_VALID.format(c='ma_so_thue')}), "
        "list(DISTINCT substr(ma_so_thue, 1, 2)) FROM dkkd.doanh_nghiep").fetchone()
    assert valid == total == 1_500
    assert prefix == ["56"]  # Điện Biên's tax department


def test_applicant_and_representative_ids_are_well_formed(clean):
    con = clean.connect()
    bad_citizen_ids = con.execute(
        "SELECT count(*) FROM motcua.ho_so WHERE loai_doi_tuong = 'cong_dan' AND NOT ("
        "regexp_full_match(so_giay_to, '[0-9]{12}') AND substr(so_giay_to, 4, 1) IN ('0', '1', '2', '3'))"
    ).fetchone()[0]
    bad_firm_ids = con.execute(
        f"SELECT count(*) FROM motcua.ho_so WHERE loai_doi_tuong = 'doanh_nghiep' AND NOT "
        f"{MST_VALID.format(c='so_giay_to')}").fetchone()[0]
    bad_representatives = con.execute(
        "SELECT count(*) FROM dkkd.doanh_nghiep WHERE NOT regexp_full_match(so_giay_to_nguoi_dai_dien, "
        "'[0-9]{12}')").fetchone()[0]
    assert (bad_citizen_ids, bad_firm_ids, bad_representatives) == (0, 0, 0)
