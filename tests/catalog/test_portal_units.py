"""Portal helpers without a browser: formatting, freshness, API examples, lineage, charts."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

from fastapi import FastAPI

from catalog.portal import i18n
from catalog.portal.charts import ChartSpec, render_chart, sparkline
from catalog.portal.lineage import lineage_for
from catalog.portal.routes import _examples, _freshness, _graphql_available


def test_vietnamese_and_english_formatting():
    assert i18n.number(1234567.891, "vi", 2) == "1.234.567,89"
    assert i18n.number(1234567.891, "en", 2) == "1,234,567.89"
    assert i18n.date(dt.date(2025, 7, 1), "vi") == "01/07/2025"
    assert i18n.date(dt.date(2025, 7, 1), "en") == "2025-07-01"
    assert i18n.size(1_500_000, "vi") == "1,5 MB"
    assert i18n.translate("en", "results_count", count=3) == "3 datasets"
    assert i18n.translate("vi", "results_count", count=3) == "3 tập dữ liệu"
    assert set(k for k, (vi, en) in i18n.MESSAGES.items() if not vi or not en) == set()


def test_freshness_against_the_promised_frequency():
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    daily = {"update_frequency": "daily", "access_level": "open"}
    assert _freshness(daily, now - dt.timedelta(hours=30))["status"] == "ok"
    assert _freshness(daily, now - dt.timedelta(days=3))["status"] == "late"
    quarterly_open = {"update_frequency": "quarterly", "access_level": "open"}
    assert _freshness(quarterly_open, now - dt.timedelta(days=100))["status"] == "late"  # Decree 47: ≤ 3 months
    assert _freshness({"update_frequency": None, "access_level": "shared"}, now)["status"] == "unknown"


def test_api_examples_include_graphql_when_the_app_serves_it():
    app = FastAPI()
    request = SimpleNamespace(app=app)
    pkg = {"version": "v1"}
    res = {"id": "r1"}
    assert [e["id"] for e in _examples("http://x", "d", res, pkg, request)] == ["curl", "python", "pandas"]
    app.add_api_route("/api/v1/datasets/{name}/rows", lambda name: {})
    assert [e["id"] for e in _examples("http://x", "d", res, pkg, request)] == ["curl", "python", "pandas", "rest"]
    app.add_api_route("/graphql", lambda: {}, methods=["POST"])
    assert _graphql_available(request)
    graphql = _examples("http://x", "d", res, pkg, request)[-1]
    assert graphql["id"] == "graphql" and "http://x/graphql" in graphql["code"]
    assert json.loads(graphql["code"].split("-d '")[1].split("'\n")[0])["query"].startswith("{ __type")


def test_lineage_from_the_dbt_manifest(tmp_path, monkeypatch):
    manifest = {
        "nodes": {"model.kho.stg_a": {"resource_type": "model", "name": "stg_a", "path": "staging/a.sql"},
                  "model.kho.fct_a": {"resource_type": "model", "name": "fct_a", "path": "marts/fct_a.sql"},
                  "model.kho.ds": {"resource_type": "model", "name": "ds", "path": "published/ds.sql"},
                  "seed.kho.admin_units": {"resource_type": "seed", "name": "admin_units", "path": "admin_units.csv"}},
        "sources": {"source.kho.sys.t": {"resource_type": "source", "name": "t", "source_name": "sys"}},
        "parent_map": {"model.kho.stg_a": ["source.kho.sys.t"], "model.kho.fct_a": ["model.kho.stg_a"],
                       "model.kho.ds": ["model.kho.fct_a", "seed.kho.admin_units"]},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("KHO_DBT_TARGET_DIR", str(tmp_path))
    lineage = lineage_for("ds")
    assert {k: [n.label for n in v] for k, v in lineage.layers.items()} == {
        "source": ["sys.t"], "seed": ["admin_units"], "staging": ["stg_a"], "marts": ["fct_a"], "published": ["ds"]}
    assert ("sys.t", "stg_a") in lineage.edges and ("admin_units", "ds") in lineage.edges
    assert lineage_for("unknown") is None


def test_charts_are_accessible_svg():
    svg = str(render_chart(ChartSpec("bar", "Số trường theo cấp", "Schools by level", "Cấp", "Số trường",
                                     [("tieu_hoc", 12.0), ("thcs", 8.0)]), "Số trường theo cấp"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "tieu_hoc: 12" in svg
    assert str(sparkline([None], "x")) == ""
    assert "polyline" in str(sparkline([90, 95, 99], "trend"))
