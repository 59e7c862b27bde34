"""`kho serve --workers 2` for real: two uvicorn worker processes behind one port share the token rate
limit through Redis and sum their request metrics in /metrics (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from tests.catalog.conftest import free_port
from tests.ops.conftest import World
from tests.ops.test_observability import samples


def test_two_workers_share_rate_limits_and_metrics(world: World, redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KHO_REDIS_URL": redis_url, "KHO_RATE_LIMIT_PREFIX": f"kho:test:{uuid.uuid4().hex}:",
           "KHO_RATE_LIMIT_ANONYMOUS": "off", "KHO_RATE_LIMIT_TOKEN": "6/minute", "KHO_LOG_LEVEL": "WARNING",
           "KHO_METRICS": "public"}  # the admin token's bucket is spent below
    kho = Path(sys.executable).with_name("kho")
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([str(kho), "serve", "--workers", "2", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        ready = httpx.get(f"{base}/readyz").json()
        assert ready["checks"]["redis"] == {"ok": True}

        headers = {"Authorization": f"Bearer {world.tokens['admin']}", "Connection": "close"}
        statuses = [httpx.get(f"{base}/api/v1/datasets", headers=headers).status_code for _ in range(10)]
        # one bucket for the token across both workers: exactly 6 answered, the rest refused
        assert statuses.count(200) == 6 and statuses.count(429) == 4, statuses

        anonymous = [httpx.get(f"{base}/api/v1/datasets/open_ds/rows", headers={"Connection": "close"})
                     for _ in range(6)]
        assert all(r.status_code == 200 for r in anonymous)

        found = samples(httpx.get(f"{base}/metrics").text)  # whichever worker answers, it sums both
        route = (("method", "GET"), ("route", "/api/v1/datasets"))
        assert found[("kho_http_requests_total", (*route, ("status", "200")))] == 6
        assert found[("kho_http_requests_total", (*route, ("status", "429")))] == 4
        rows = (("method", "GET"), ("route", "/api/v1/datasets/{name}/rows"), ("status", "200"))
        assert found[("kho_http_requests_total", rows)] == 6
        assert found[("kho_rows_served_total", (("dataset", "open_ds"),))] == 6 * 4
        assert found[("kho_dataset_versions", (("status", "published"),))] == 4
        assert list((world.home / "run" / "prometheus").glob("counter_*.db"))  # multiprocess mode is on
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_workers_start_on_an_empty_postgresql_catalogue(tmp_path: Path, pg_database: str) -> None:
    """Production first start: `kho serve` migrates the empty database once, then three workers come up."""
    port = free_port()
    home = tmp_path / "home"
    env = {**os.environ, "KHO_HOME": str(home), "KHO_CATALOG_URL": pg_database,
           "KHO_PUBLISHED_DIR": str(home / "published"), "KHO_METRICS": "public"}
    for name in ("KHO_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "KHO_ENV"):
        env.pop(name, None)
    (home / "published").mkdir(parents=True)
    kho = Path(sys.executable).with_name("kho")
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(kho), "serve", "--workers", "3", "--port", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
            time.sleep(1.0)  # let every worker finish its start-up
            answers = [httpx.get(f"http://127.0.0.1:{port}/api/v1/datasets", headers={"Connection": "close"})
                       for _ in range(9)]
            assert all(a.status_code == 200 and a.json()["count"] == 0 for a in answers)
            text = log_path.read_text()
            assert "Traceback" not in text and text.count("Application startup complete") == 3, text
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
