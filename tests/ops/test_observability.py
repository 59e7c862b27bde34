"""/healthz, /readyz, /metrics and the JSON access log of the Kho app."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.observability import JsonFormatter
from tests.ops.conftest import World, client_for


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_health_and_readiness(world: World) -> None:
    with client_for(world.home) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready"
        assert body["checks"]["catalogue"] == {"ok": True, "dialect": "sqlite"}
        assert body["checks"]["published"] == {"ok": True}
        assert "redis" not in body["checks"]  # not configured: not checked


def test_readiness_fails_without_published_dir(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHO_PUBLISHED_DIR", str(world.home / "nowhere"))
    with client_for(world.home) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["published"]["ok"] is False
        assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_readiness_checks_redis(world: World, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("KHO_REDIS_URL", redis_url)
    with client_for(world.home) as client:
        assert client.get("/readyz").json()["checks"]["redis"] == {"ok": True}
        # Redis goes away (pointed at a closed port): not ready, with which check failed
        monkeypatch.setenv("KHO_REDIS_URL", "redis://127.0.0.1:1/0")
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"]["ok"] is False
        assert ready.json()["checks"]["catalogue"]["ok"] is True


def test_metrics(world: World) -> None:
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    with client_for(world.home) as client:
        assert client.get("/api/v1/datasets/open_ds/rows").status_code == 200  # anonymous: 4 rows
        assert client.get("/api/v1/datasets/private_ds/rows", headers=admin).status_code == 200  # 2 rows
        assert client.get("/api/v1/datasets/private_ds/rows").status_code == 404
        assert client.get("/no/such/page/abc").status_code == 404
        client.get("/healthz")
        # the labels name private datasets: anonymous callers and agencies are refused
        assert client.get("/metrics").status_code == 403
        owner = {"Authorization": f"Bearer {world.tokens['owner']}"}
        assert client.get("/metrics", headers=owner).status_code == 403
        response = client.get("/metrics", headers=admin)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        found = samples(response.text)
    rows_route = "/api/v1/datasets/{name}/rows"
    assert found[("kho_http_requests_total", (("method", "GET"), ("route", rows_route), ("status", "200")))] == 2
    assert found[("kho_http_requests_total", (("method", "GET"), ("route", rows_route), ("status", "404")))] == 1
    assert found[("kho_http_request_duration_seconds_count", (("method", "GET"), ("route", rows_route)))] == 3
    assert found[("kho_http_request_duration_seconds_bucket", (("le", "+Inf"), ("method", "GET"),
                                                                ("route", rows_route)))] == 3
    # raw paths never become labels; probes are not counted
    assert not any("abc" in str(labels) for _, labels in found)
    assert not any(("route", "/healthz") in labels for _, labels in found)
    assert found[("kho_rows_served_total", (("dataset", "open_ds"),))] == 4
    assert found[("kho_rows_served_total", (("dataset", "private_ds"),))] == 2
    # catalogue gauges, read at scrape time
    assert found[("kho_dataset_versions", (("status", "published"),))] == 4
    assert found[("kho_pipeline_runs_recorded", ())] == 2
    assert found[("kho_quality_checks", (("status", "pass"),))] == 3 * 4
    assert ("kho_dataset_current_version_timestamp_seconds", (("dataset", "open_ds"),)) in found


def test_metrics_can_be_public_or_switched_off(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHO_METRICS", "public")
    with client_for(world.home) as client:
        assert client.get("/metrics").status_code == 200
    monkeypatch.setenv("KHO_METRICS", "0")
    with client_for(world.home) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/healthz").status_code == 200


def test_json_access_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    owner = {"Authorization": f"Bearer {world.tokens['owner']}", "X-Request-ID": "req-42"}
    with caplog.at_level(logging.INFO, logger="kho.access"), client_for(world.home) as client:
        response = client.get("/api/v1/datasets/shared_ds/rows?cccd=011000000001", headers=owner)
        assert response.headers["x-request-id"] == "req-42"
        other = client.get("/api/v1/datasets")
        assert len(other.headers["x-request-id"]) == 32
    records = [r for r in caplog.records if r.name == "kho.access"]
    line = JsonFormatter().format(next(r for r in records if r.kho["request_id"] == "req-42"))
    entry = json.loads(line)
    assert entry["logger"] == "kho.access" and entry["level"] == "info" and entry["time"].endswith("Z")
    assert entry["method"] == "GET" and entry["route"] == "/api/v1/datasets/{name}/rows"
    assert entry["path"] == "/api/v1/datasets/shared_ds/rows"
    assert entry["status"] == response.status_code and entry["bytes"] == len(response.content)
    assert entry["duration_ms"] >= 0 and entry["client_ip"]
    assert entry["agency"] == "000.00.03.H11" and entry["role"] == "agency" and len(entry["token_id"]) == 16
    # neither the query string (filters can hold personal data) nor the token secret is logged
    assert "011000000001" not in line and world.tokens["owner"] not in line
    assert world.tokens["owner"].rsplit("_", 1)[1] not in line
