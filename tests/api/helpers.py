"""Small helpers shared by the Data API tests."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tests.api.conftest import DATASETS


def graphql(client: TestClient, query: str, variables: dict | None = None, headers: dict | None = None) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})


def all_pages(client: TestClient, url: str, headers: dict | None = None) -> tuple[list[dict], set[str]]:
    """Follow `next` from ``url`` to the end; the rows and the versions the pages reported."""
    rows, versions = [], set()
    while True:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["rows"]
        versions.add(body["version"])
        if not body["next"]:
            return rows, versions
        url = body["next_url"]


def parse_export(kind: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV / NDJSON / Parquet export as dicts (CSV: empty field → None, all text)."""
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
    if kind == "ndjson":
        return [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
    return pq.read_table(io.BytesIO(content)).to_pylist()


def personal_values(reference: dict[str, list[dict]]) -> set[str]:
    """Every personal-data value of the fixtures, as text (what must never reach the ungranted)."""
    values = set()
    for name, spec in DATASETS.items():
        for row in reference[name]:
            for column in spec["pii"]:
                values.add(str(row[column]))
    return values
