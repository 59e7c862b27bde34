"""Exports `rows.csv`, `rows.ndjson`, `rows.parquet`: every matching row, streamed, masked like pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.helpers import parse_export

FORMATS = ("csv", "ndjson", "parquet")
MEDIA = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


@pytest.mark.parametrize("kind", FORMATS)
def test_every_row_in_file_order(client, reference, kind: str) -> None:
    response = client.get(f"/api/v1/datasets/services/rows.{kind}")
    assert response.status_code == 200 and response.headers["content-type"] == MEDIA[kind]
    assert "content-length" not in response.headers  # streamed
    rows = parse_export(kind, response.content)
    assert [int(r["id"]) for r in rows] == [r["id"] for r in reference["services"]]
    assert response.headers["content-disposition"].startswith("inline; filename=\"services-")


@pytest.mark.parametrize("kind", FORMATS)
def test_filters_sort_and_columns_apply(client, reference, kind: str) -> None:
    response = client.get(f"/api/v1/datasets/services/rows.{kind}",
                          params={"received__gte": "2026-02-01", "online": "1", "_sort_desc": "id", "_col": "id,received"})
    rows = parse_export(kind, response.content)
    expected = sorted((r for r in reference["services"] if r["received"] >= dt.datetime(2026, 2, 1) and r["online"]),
                      key=lambda r: -r["id"])
    assert [int(r["id"]) for r in rows] == [r["id"] for r in expected] and expected
    assert list(rows[0]) == ["id", "received"]


def test_csv_text_is_exact_and_bom_on_request(client, reference) -> None:
    content = client.get("/api/v1/datasets/services/rows.csv?_col=id,name,commune&_bom=1&_dl=1")
    assert content.content.startswith(b"\xef\xbb\xbf\"id\",\"name\",\"commune\"\r\n")
    assert content.headers["content-disposition"].startswith("attachment; filename=")
    rows = parse_export("csv", content.content)
    assert [r["name"] for r in rows] == [r["name"] for r in reference["services"]]  # quotes, apostrophes, Đ
    assert [r["commune"] for r in rows] == [r["commune"] for r in reference["services"]]  # NULL → empty


def test_group_by_exports_every_group(client, reference) -> None:
    rows = parse_export("ndjson", client.get("/api/v1/datasets/services/rows.ndjson?_group_by=qty&_agg=count").content)
    assert {r["qty"]: r["count"] for r in rows} == {q: sum(r["qty"] == q for r in reference["services"]) for q in range(5)}


@pytest.mark.parametrize("kind", FORMATS)
def test_masked_columns_stay_and_are_empty(client, shared_world, kind: str) -> None:
    masked = parse_export(kind, client.get(f"/api/v1/datasets/people/rows.{kind}",
                                           headers=shared_world.headers("agency")).content)
    assert len(masked) == 30 and all(r["full_name"] is None and r["id_number"] is None for r in masked)
    assert all(r["commune"] for r in masked)
    unmasked = parse_export(kind, client.get(f"/api/v1/datasets/people/rows.{kind}",
                                             headers=shared_world.headers("granted_pii")).content)
    assert [r["id_number"] for r in unmasked][:2] == ["000000000001", "000000000002"]


def test_parquet_keeps_the_column_types(client) -> None:
    import io

    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(client.get("/api/v1/datasets/services/rows.parquet").content))
    types = {field.name: str(field.type) for field in table.schema}
    assert types["fee"] == "decimal128(12, 2)" and types["received"].startswith("timestamp")
    assert types["tags"] == "list<element: int64>" or types["tags"].startswith("list<")
