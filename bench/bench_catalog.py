"""Catalogue benchmark: 1,000 generated datasets published the way the pipeline publishes them, served by
uvicorn in its own process; measures package_search (p50/p99), the DCAT catalogue page and the portal
search page from a client over HTTP. Writes bench/output/catalog.json and the "## Catalogue" section of
bench/RESULTS.md.

    .venv/bin/python bench/bench_catalog.py [--datasets 1000] [--requests 400]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import replace_section  # noqa: E402

from catalog.mount import catalog_cache_dir  # noqa: E402
from catalog.resources import finish_pending  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from kho.settings import Settings  # noqa: E402
from tests.catalog.fixtures import generate_datasets  # noqa: E402

OUTPUT = ROOT / "bench" / "output"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(session: requests.Session, url: str, params: dict | None = None, n: int = 100) -> dict[str, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        samples.append((time.perf_counter() - t) * 1000)
        response.raise_for_status()
    return {"n": n, "p50_ms": round(statistics.median(samples), 2), "p99_ms": round(percentile(samples, 99), 2),
            "mean_ms": round(statistics.fmean(samples), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="kho-bench-catalog-"))
    server = None
    try:
        settings = Settings(home=home)
        store = CatalogStore(settings.catalog_url)
        store.create_schema()
        t = time.perf_counter()
        generate_datasets(store, settings.published_dir, args.datasets)
        publish_s = time.perf_counter() - t
        t = time.perf_counter()
        finish_pending(store, settings.published_dir, catalog_cache_dir(settings))
        complete_s = time.perf_counter() - t
        store.engine.dispose()

        port = free_port()
        env = {**os.environ, "KHO_HOME": str(home), "KHO_RATE_LIMIT_ANONYMOUS": "off", "KHO_RATE_LIMIT_TOKEN": "off",
               "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                   "--no-access-log"], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/3", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)

        session = requests.Session()
        action = f"{base}/api/3/action/package_search"
        t = time.perf_counter()
        first = session.get(action, timeout=60)
        first.raise_for_status()
        index_build_ms = (time.perf_counter() - t) * 1000
        count = first.json()["result"]["count"]

        n = args.requests
        results: dict[str, object] = {
            "datasets": args.datasets, "public_datasets": count,
            "publish_s": round(publish_s, 1), "complete_resources_s": round(complete_s, 1),
            "first_request_with_index_build_ms": round(index_build_ms, 1),
            "package_search": {
                "default (rows=10)": timed(session, action, None, n),
                "q=dien bien ho so": timed(session, action, {"q": "dien bien ho so"}, n),
                "fq organization + sort id asc, rows=100": timed(
                    session, action, {"fq": "organization:so-y-te", "sort": "id asc", "rows": 100}, n // 4),
                "facets (organization, groups, tags, res_format)": timed(
                    session, action, {"facet.field": json.dumps(["organization", "groups", "tags", "res_format"]),
                                      "rows": 0}, n),
                "harvester page rows=100 metadata_modified fq": timed(
                    session, action, {"rows": 100, "start": 300, "sort": "id asc",
                                      "fq": "metadata_modified:[2020-01-01T00:00:00Z TO *]"}, n // 4),
            },
        }
        pages = -(-count // 100)
        cold = []
        for page in range(1, pages + 1):
            t = time.perf_counter()
            session.get(f"{base}/catalog.ttl", params={"page": page}, timeout=60).raise_for_status()
            cold.append((time.perf_counter() - t) * 1000)
        results["dcat_catalog_page_100_datasets"] = {
            "turtle_cold_p50_ms": round(statistics.median(cold), 1), "turtle_cold_max_ms": round(max(cold), 1),
            "turtle_cached": timed(session, f"{base}/catalog.ttl", {"page": 1}, 50),
            "jsonld_cold_ms": round(timed(session, f"{base}/catalog.jsonld", {"page": 2}, 1)["p50_ms"], 1),
            "rdfxml_cold_ms": round(timed(session, f"{base}/catalog.rdf", {"page": 3}, 1)["p50_ms"], 1),
            "pages": pages,
        }
        results["portal_search_page"] = {
            "/dataset?q=dien bien ho so": timed(session, f"{base}/dataset", {"q": "dien bien ho so"}, n // 4),
            "/dataset (all, facets)": timed(session, f"{base}/dataset", None, n // 4),
            "/ (home)": timed(session, f"{base}/", None, n // 8),
        }
        results["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, " \
                             "SQLite catalogue, server in its own process (1 uvicorn worker)"
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / "catalog.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        section = render(results)
        write_section(section)
        print(section)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(home, ignore_errors=True)


def render(r: dict) -> str:
    ps = r["package_search"]
    lines = [
        "## Catalogue",
        "",
        f"`bench/bench_catalog.py`: {r['datasets']:,} generated datasets ({r['public_datasets']:,} open) published "
        f"through `publish_model` ({r['publish_s']} s, CSV copies and checksums {r['complete_resources_s']} s), "
        f"served by uvicorn in its own process; times measured by an HTTP client on the same machine ({r['machine']}).",
        "",
        "| package_search | p50 ms | p99 ms |",
        "|---|---|---|",
    ]
    for name, m in ps.items():
        lines.append(f"| {name} | {m['p50_ms']} | {m['p99_ms']} |")
    d = r["dcat_catalog_page_100_datasets"]
    worst = max(m["p50_ms"] for m in ps.values())
    lines += [
        "",
        f"Goal package_search p50 ≤ 20 ms: **{'met' if worst <= 20 else 'missed'}** (highest p50 of the queries "
        f"above: {worst} ms). The first request after a catalogue change rebuilds the in-memory index "
        f"(package dicts, search documents, postings): {r['first_request_with_index_build_ms']} ms.",
        "",
        "| DCAT catalogue page (100 datasets) | ms |",
        "|---|---|",
        f"| Turtle, first build of a page (p50 over {d['pages']} pages) | {d['turtle_cold_p50_ms']} |",
        f"| Turtle, slowest first build | {d['turtle_cold_max_ms']} |",
        f"| Turtle, cached (p50 / p99) | {d['turtle_cached']['p50_ms']} / {d['turtle_cached']['p99_ms']} |",
        f"| JSON-LD, first build | {d['jsonld_cold_ms']} |",
        f"| RDF/XML, first build | {d['rdfxml_cold_ms']} |",
        "",
        "| Portal page | p50 ms | p99 ms |",
        "|---|---|---|",
    ]
    for name, m in r["portal_search_page"].items():
        lines.append(f"| `{name}` | {m['p50_ms']} | {m['p99_ms']} |")
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    replace_section("## Catalogue", section)


if __name__ == "__main__":
    main()
