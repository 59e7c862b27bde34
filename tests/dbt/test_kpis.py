"""The published KPI numbers equal an independent recomputation with pandas from the raw rows."""

from __future__ import annotations

import pandas as pd
import pytest


def _raw(con, table: str) -> pd.DataFrame:
    return con.sql(f"select * from raw.{table}").df()


@pytest.fixture(scope="module")
def expected_kpis(dbt_run) -> pd.DataFrame:
    """dossier_kpis_monthly recomputed from raw.motcua__ho_so by the rules in docs/models.md."""
    with dbt_run.connect() as con:
        ho_so, thu_tuc = _raw(con, "motcua__ho_so"), _raw(con, "motcua__thu_tuc")
    as_of = min(ho_so["_kho_loaded_at"].max(), ho_so["updated_at"].max()).normalize()
    # Duplicate codes: keep the version updated last (then the highest id).
    d = (ho_so.sort_values(["updated_at", "id"], ascending=False)
              .drop_duplicates("ma_ho_so", keep="first")
              .merge(thu_tuc[["ma_thu_tuc", "ma_linh_vuc", "muc_do"]], on="ma_thu_tuc", how="left"))
    received_day = d["ngay_tiep_nhan"].dt.normalize()
    finished_day = d["ngay_ket_thuc"].dt.normalize()
    due_day = d["ngay_hen_tra"].dt.normalize()
    online = d["kenh"] == "truc_tuyen"
    d = d.assign(
        rec_ok=received_day <= as_of,
        fin=(d["trang_thai"] == "da_tra_ket_qua") & d["ngay_ket_thuc"].notna() & (finished_day <= as_of),
        judged=(d["ngay_ket_thuc"] >= d["ngay_tiep_nhan"]) & (received_day <= as_of) & (finished_day <= as_of)
               & d["ngay_hen_tra"].notna(),
        online=online,
        full_online=online & (d["muc_do"] == "toan_trinh"),
        rec_month=d["ngay_tiep_nhan"].dt.to_period("M").dt.start_time,
        fin_month=d["ngay_ket_thuc"].dt.to_period("M").dt.start_time,
    )
    d["on_time"] = d["fin"] & d["judged"] & (finished_day <= due_day)
    d["late"] = d["fin"] & d["judged"] & (finished_day > due_day)
    keys = ["ma_co_quan", "ma_linh_vuc"]
    received = (d[d["rec_ok"]].groupby(keys + ["rec_month"])
                .agg(received_count=("id", "size"), online_count=("online", "sum"),
                     full_online_count=("full_online", "sum"), digitised_count=("da_so_hoa", "sum"),
                     paid_online_count=("thanh_toan_truc_tuyen", "sum"))
                .rename_axis(keys + ["month"]))
    fin = d[d["fin"]]
    finished = (fin.assign(judged=fin["judged"]).groupby(keys + ["fin_month"])
                .agg(finished_count=("id", "size"), finished_with_valid_dates_count=("judged", "sum"),
                     on_time_count=("on_time", "sum"), late_count=("late", "sum"))
                .rename_axis(keys + ["month"]))
    out = received.join(finished, how="outer").fillna(0).astype("int64").reset_index()
    return out.rename(columns={"ma_co_quan": "agency_id", "ma_linh_vuc": "field_id", "month": "month_start_on"})


@pytest.fixture(scope="module")
def published_kpis(dbt_run) -> pd.DataFrame:
    with dbt_run.connect() as con:
        return con.sql("select * from published.dossier_kpis_monthly").df()


COUNTS = ["received_count", "finished_count", "finished_with_valid_dates_count", "on_time_count", "late_count",
          "online_count", "full_online_count", "digitised_count", "paid_online_count"]
KEYS = ["agency_id", "field_id", "month_start_on"]


def test_kpi_grain_matches(expected_kpis, published_kpis):
    assert len(published_kpis) == len(expected_kpis) > 100


def test_kpi_counts_match_for_every_agency_field_month(expected_kpis, published_kpis):
    published = published_kpis.assign(month_start_on=pd.to_datetime(published_kpis["month_start_on"]))
    merged = expected_kpis.merge(published, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEYS].head()
    for column in COUNTS:
        diff = merged[merged[f"{column}_expected"] != merged[column]]
        assert diff.empty, (column, diff[KEYS + [f"{column}_expected", column]].head())


def test_kpi_rates_use_their_documented_denominators(published_kpis):
    p = published_kpis
    pairs = [("on_time_rate", "on_time_count", "finished_with_valid_dates_count"),
             ("late_rate", "late_count", "finished_with_valid_dates_count"),
             ("online_rate", "online_count", "received_count"),
             ("full_online_rate", "full_online_count", "received_count"),
             ("digitised_rate", "digitised_count", "received_count"),
             ("paid_online_rate", "paid_online_count", "received_count")]
    for rate, numerator, denominator in pairs:
        zero = p[denominator] == 0
        assert p.loc[zero, rate].isna().all(), rate
        expected = p.loc[~zero, numerator] / p.loc[~zero, denominator]
        # Rounded to 4 decimals in SQL (half away from zero): within half a unit of the last place.
        assert (expected - p.loc[~zero, rate]).abs().max() <= 0.5e-4 + 1e-12, rate


def test_a_few_agency_months_by_hand(dbt_run, published_kpis):
    """Spot check straight in SQL on the raw table for the three busiest agency-months."""
    busiest = (published_kpis.groupby(["agency_id", "month_start_on"])["received_count"].sum()
               .sort_values(ascending=False).head(3))
    with dbt_run.connect() as con:
        for (agency, month), received in busiest.items():
            raw = con.execute("""
                with latest as (
                    select *, row_number() over (partition by ma_ho_so order by updated_at desc, id desc) as rn
                    from raw.motcua__ho_so
                )
                select count(*) from latest
                where rn = 1 and ma_co_quan = ? and date_trunc('month', ngay_tiep_nhan) = ?
            """, [agency, month]).fetchone()[0]
            assert raw == received, (agency, month)
