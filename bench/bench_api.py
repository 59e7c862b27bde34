"""Data API benchmark: Kho's REST and GraphQL against Datasette serving the same `dossiers` rows from SQLite.

Needs a KHO_HOME where the pipeline has published `dossiers` (province scale: `kho simulate --scale province`,
then `kho run`) and Datasette installed in a throwaway venv (never the project's)::

    python3 -m venv /tmp/datasette-venv && /tmp/datasette-venv/bin/pip install datasette
    .venv/bin/python bench/bench_api.py --home /tmp/kho-bench/var --datasette /tmp/datasette-venv/bin/datasette

Each server runs alone on 127.0.0.1 (one at a time, so they never share the CPU): Kho under uvicorn (one
worker), Datasette twice — on the table as `sqlite-utils insert` would leave it (primary key only) and with
indexes on the filtered and sorted columns. The same filtered / sorted / paged queries run at 1 and 16
concurrent clients for a bounded number of requests each. Kho's requests carry the owning agency's token
(dossiers is shared data), so each one is authenticated and written to the audit log; Datasette has neither.
Then GraphQL against REST for the same query, and exports of every row (rows/s, server memory growth).
Writes bench/output/api.json and the "## Data API" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import replace_section  # noqa: E402

from api.access.agencies import AccessError, add_agency  # noqa: E402
from api.access.models import create_access_schema  # noqa: E402
from api.access.tokens import issue_token  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from kho.settings import Settings  # noqa: E402

OUTPUT = ROOT / "bench" / "output"
DATASET = "dossiers"
INDEXED = ("status", "channel", "agency_id", "received_at")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_idle(pid: int, timeout: float = 600) -> float:
    """Wait until the server process has used < 5 % CPU over 2 s (e.g. the catalogue's background
    CSV copies are done); returns the seconds waited."""
    start = time.time()
    while time.time() - start < timeout:
        before = cpu_ticks(pid)
        time.sleep(2)
        if (cpu_ticks(pid) - before) / os.sysconf("SC_CLK_TCK") < 0.1:
            break
    return time.time() - start


# -- the same rows in SQLite ----------------------------------------------------------------------------
def build_sqlite(parquet: Path, target: Path, indexed: bool) -> float:
    from simulator.writers import SQLITE_EXTENSION

    started = time.time()
    target.unlink(missing_ok=True)
    con = duckdb.connect()
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(parquet)]).fetchall()

    def sqlite_type(duck: str) -> str:
        duck = duck.upper()
        if duck in ("BIGINT", "INTEGER", "BOOLEAN", "SMALLINT", "TINYINT"):
            return "INTEGER"
        if duck.startswith("DECIMAL") or duck in ("DOUBLE", "FLOAT"):
            return "REAL"
        return "TEXT"

    ddl = ", ".join(f'"{name}" {sqlite_type(kind)}' + (" PRIMARY KEY" if name == "dossier_id" else "")
                    for name, kind, *_ in described)
    with sqlite3.connect(target) as db:
        db.execute(f"CREATE TABLE {DATASET} ({ddl})")
    con.execute(f"LOAD '{SQLITE_EXTENSION}'")
    con.execute(f"ATTACH '{target}' AS s (TYPE sqlite)")
    select = ", ".join(  # timestamps as Datasette users store them: ISO text, second precision
        f"strftime(\"{name}\", '%Y-%m-%d %H:%M:%S')" if kind.upper().startswith("TIMESTAMP") else f'"{name}"'
        for name, kind, *_ in described)
    con.execute(f"INSERT INTO s.{DATASET} SELECT {select} FROM read_parquet('{parquet}') ORDER BY dossier_id")
    con.close()
    with sqlite3.connect(target) as db:
        if indexed:
            for column in INDEXED:
                db.execute(f'CREATE INDEX idx_{column} ON {DATASET}("{column}")')
        db.execute("ANALYZE")
    return time.time() - started


# -- servers ------------------------------------------------------------------------------------------
class Server:
    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, ready_path: str,
                 headers: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name, self.port, self.headers = name, port, headers or {}
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(Path(env.get("BENCH_LOG_DIR", "/tmp")) / f"bench-api-{name}.log", "w")
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(self.base + ready_path, headers=self.headers, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.log.name}")
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not start; see {self.log.name}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_kho(home: Path, work: Path, token: str) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(KHO_HOME=str(home), KHO_RATE_LIMIT_ANONYMOUS="off", KHO_RATE_LIMIT_TOKEN="off",
               KHO_CATALOG_CACHE_DIR=str(work / "catalog-cache"), KHO_QUERY_TOKEN_SECRET="bench-secret-0123456789",
               BENCH_LOG_DIR=str(work))
    command = [str(ROOT / ".venv" / "bin" / "uvicorn"), "--factory", "api.app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    return Server("kho", command, env, port, f"/api/v1/datasets/{DATASET}", {"Authorization": f"Bearer {token}"},
                  cwd=ROOT)


def start_datasette(executable: str, db: Path, work: Path, name: str) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_LOG_DIR": str(work)}
    command = [executable, "serve", "-i", str(db), "-h", "127.0.0.1", "-p", str(port),
               "--setting", "sql_time_limit_ms", "3000", "--setting", "max_csv_mb", "0",
               "--setting", "max_returned_rows", "1000"]
    return Server(name, command, env, port, f"/{db.stem}/{DATASET}.json?_size=1")


# -- load ---------------------------------------------------------------------------------------------
async def _client(base: str, headers: dict[str, str], url: str, requests: int, deadline: float,
                  samples: list[float], failures: list[str], method: str, body: Any) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(requests):
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            response = await (client.post(url, json=body) if method == "POST" else client.get(url))
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or (method == "POST" and "errors" in response.json()):
                failures.append(f"{response.status_code} {response.text[:200]}")


def load(server: Server, url: str, concurrency: int, requests: int, method: str = "GET", body: Any = None,
         max_seconds: float = 60) -> dict[str, Any]:
    """``concurrency`` clients, each sending up to ``requests`` requests one after another (or until
    ``max_seconds`` passed): latency percentiles and requests per second."""
    samples: list[float] = []
    failures: list[str] = []

    async def run() -> float:
        deadline = time.perf_counter() + max_seconds
        started = time.perf_counter()
        await asyncio.gather(*(_client(server.base, server.headers, url, requests, deadline, samples, failures,
                                       method, body) for _ in range(concurrency)))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    ok = len(samples) - len(failures)
    return {"n": len(samples), "failed": len(failures), "failure": failures[0] if failures else None,
            "p50_ms": round(statistics.median(samples), 2), "p99_ms": round(percentile(samples, 99), 2),
            "rps": round(ok / elapsed, 1)}


def get(server: Server, url: str, **kwargs: Any) -> httpx.Response:
    response = httpx.get(server.base + url, headers=server.headers, timeout=120, **kwargs)
    response.raise_for_status()
    return response


# -- queries ------------------------------------------------------------------------------------------
def queries(agency: str) -> list[dict[str, str]]:
    """The same requests in both grammars (Datasette asked not to count, as Kho does not by default)."""
    no_count = "&_shape=objects&_nocount=1&_nosuggest=1"
    return [
        {"name": "first page (file / key order), 100 rows", "kho": "_size=100", "ds": "_size=100" + no_count},
        {"name": "status = tu_choi, newest first, 50 rows",
         "kho": "status=tu_choi&_sort_desc=received_at&_size=50",
         "ds": "status=tu_choi&_sort_desc=received_at&_size=50" + no_count},
        {"name": "online since 2026-01-01, oldest first, 100 rows",
         "kho": "channel=truc_tuyen&received_at__gte=2026-01-01&_sort=received_at&_size=100",
         "ds": "channel=truc_tuyen&received_at__gte=2026-01-01&_sort=received_at&_size=100" + no_count},
        {"name": "one agency by dossier id, 100 rows", "kho": f"agency_id={agency}&_sort=dossier_id&_size=100",
         "ds": f"agency_id={agency}&_sort=dossier_id&_size=100" + no_count},
        {"name": "page 10 of the online query (keyset `_next`)", "kho": "channel=truc_tuyen&received_at__gte=2026-01-01"
         "&_sort=received_at&_size=100", "ds": "channel=truc_tuyen&received_at__gte=2026-01-01&_sort=received_at"
         "&_size=100" + no_count, "page": "10"},
        {"name": "status = tu_choi with the matching-row count, 10 rows", "kho": "status=tu_choi&_extra=count&_size=10",
         "ds": "status=tu_choi&_size=10&_shape=objects&_nosuggest=1"},
    ]


def resolve_url(server: Server, path: str, query: dict[str, str], kind: str) -> str:
    """The URL to time: for "page N", follow `next` N-1 times first."""
    url = f"{path}?{query[kind]}"
    for _ in range(int(query.get("page", "1")) - 1):
        body = get(server, url).json()
        token = body["next"]
        url = f"{path}?{query[kind]}&_next={token}"
    return url


def ids(rows: list[Any]) -> list[Any]:
    return [row["dossier_id"] for row in rows]


# -- main ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="KHO_HOME with a published dossiers")
    parser.add_argument("--datasette", required=True, help="the datasette executable of a throwaway venv")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kho-bench-api"))
    parser.add_argument("--requests", type=int, default=60, help="requests per measurement at 1 client")
    parser.add_argument("--per-client", type=int, default=15, help="requests per client at 16 clients")
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    os.environ.pop("KHO_CATALOG_URL", None)
    settings = Settings(home=args.home.resolve())
    store = CatalogStore(settings.catalog_url)
    dataset = store.get_dataset(DATASET)
    version = store.current_version(DATASET)
    parquet = settings.published_dir / version.path / "data.parquet"
    agency = duckdb.execute("SELECT agency_id FROM read_parquet(?) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                            [str(parquet)]).fetchone()[0]
    columns = [c["name"] for c in version.schema["columns"]]

    create_access_schema(store.engine)
    try:
        add_agency(store.engine, dataset["owner_code"], dataset["owner_name"])
    except AccessError:  # already registered by an earlier run
        pass
    token = issue_token(store.engine, dataset["owner_code"], "agency", label="bench_api",
                        expires_in=dt.timedelta(days=1)).token

    plain_db, indexed_db = args.work / "plain" / "dossiers.db", args.work / "indexed" / "dossiers.db"
    plain_db.parent.mkdir(exist_ok=True)
    indexed_db.parent.mkdir(exist_ok=True)
    build = {"plain_s": round(build_sqlite(parquet, plain_db, indexed=False), 1),
             "indexed_s": round(build_sqlite(parquet, indexed_db, indexed=True), 1)}

    load_before = os.getloadavg()[0]
    result: dict[str, Any] = {
        "dataset": DATASET, "version": version.version, "rows": version.row_count, "columns": len(columns),
        "parquet_bytes": parquet.stat().st_size, "row_groups": duckdb.execute(
            "SELECT count(DISTINCT row_group_id) FROM parquet_metadata(?)", [str(parquet)]).fetchone()[0],
        "sqlite_bytes": plain_db.stat().st_size, "sqlite_build_s": build, "agency": agency,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
                    "duckdb": duckdb.__version__, "sqlite": sqlite3.sqlite_version,
                    "datasette": subprocess.run([args.datasette, "--version"], capture_output=True,
                                                text=True).stdout.strip(),
                    "load_before": round(load_before, 1)},
        "queries": [], "graphql": [], "exports": [],
    }
    qs = queries(agency)
    path_kho, path_ds = f"/api/v1/datasets/{DATASET}/rows", f"/dossiers/{DATASET}.json"

    # Kho: REST, GraphQL and exports -----------------------------------------------------------------
    kho = start_kho(args.home.resolve(), args.work, token)
    try:
        result["kho_idle_wait_s"] = round(wait_idle(kho.pid), 1)
        get(kho, f"{path_kho}?_size=1")  # the first page starts loading the version's rows into memory
        result["kho_row_cache_load_s"] = round(wait_idle(kho.pid), 1)
        result["kho_rss_after_warmup_mb"] = round(rss_kb(kho.pid) / 1024)
        kho_urls = [resolve_url(kho, path_kho, q, "kho") for q in qs]
        first_pages = [ids(get(kho, url).json()["rows"]) for url in kho_urls]
        for q, url in zip(qs, kho_urls):
            for _ in range(5):
                get(kho, url)
            q["kho_1"] = load(kho, url, 1, args.requests)
            q["kho_16"] = load(kho, url, 16, args.per_client)
        result["audit"] = audit_cost(kho, args.requests, args.per_client)
        result["graphql"] = graphql_vs_rest(kho, columns, agency, args.requests)
        result["exports"] = exports(kho, version.row_count)
    finally:
        kho.stop()

    # Datasette, without and with indexes -------------------------------------------------------------
    for label, db in (("plain", plain_db), ("indexed", indexed_db)):
        server = start_datasette(args.datasette, db, args.work, f"datasette-{label}")
        try:
            urls = [resolve_url(server, path_ds, q, "ds") for q in qs]
            for q, url, kho_page in zip(qs, urls, first_pages):
                # the same rows (ties in a sort key may be broken differently, so compared as sets)
                q[f"same_rows_{label}"] = sorted(ids(get(server, url).json()["rows"])) == sorted(kho_page)
                for _ in range(3):
                    get(server, url)
                q[f"ds_{label}_1"] = load(server, url, 1, args.requests)
                q[f"ds_{label}_16"] = load(server, url, 16, args.per_client)
            if label == "plain":
                result["datasette_csv"] = datasette_csv(server, version.row_count)
        finally:
            server.stop()
    result["queries"] = qs
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "api.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    section = render(result)
    print(section)
    if args.write_results:
        write_section(section)


def graphql_vs_rest(kho: Server, columns: list[str], agency: str, requests: int) -> list[dict[str, Any]]:
    fields = " ".join(columns)
    cases = [
        ("one agency by dossier id, 100 rows, all 31 columns",
         f"agency_id={agency}&_sort=dossier_id&_size=100",
         f'{{ {DATASET}(filter: {{agency_id: {{eq: "{agency}"}}}}, sort: [dossier_id_asc], first: 100) '
         f"{{ nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"),
        ("status = tu_choi, newest first, 50 rows, all 31 columns",
         "status=tu_choi&_sort_desc=received_at&_size=50",
         f'{{ {DATASET}(filter: {{status: {{eq: "tu_choi"}}}}, sort: [received_at_desc], first: 50) '
         f"{{ nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"),
        ("first page, 100 rows, 3 columns", "_size=100&_col=dossier_id,status,received_at",
         f"{{ {DATASET}(first: 100) {{ nodes {{ dossier_id status received_at }} pageInfo {{ endCursor }} }} }}"),
    ]
    out = []
    for name, rest, query in cases:
        url = f"/api/v1/datasets/{DATASET}/rows?{rest}"
        rest_rows = get(kho, url).json()["rows"]
        response = httpx.post(kho.base + "/graphql", json={"query": query}, headers=kho.headers, timeout=60).json()
        assert "errors" not in response, response
        assert response["data"][DATASET]["nodes"] == rest_rows, f"GraphQL and REST differ for {name}"
        for _ in range(5):
            get(kho, url)
        rest_m = load(kho, url, 1, requests)
        graphql_m = load(kho, "/graphql", 1, requests, "POST", {"query": query})
        out.append({"name": name, "rest": rest_m, "graphql": graphql_m,
                    "ratio_p50": round(graphql_m["p50_ms"] / rest_m["p50_ms"], 2)})
    return out


def audit_cost(kho: Server, requests: int, per_client: int) -> dict[str, Any]:
    """The same small page of an open dataset, anonymous (nothing recorded) and with a token (an audit
    entry per request): what authentication and the audit log cost."""
    url = "/api/v1/datasets/public_services/rows?_size=10"
    anonymous = Server.__new__(Server)
    anonymous.name, anonymous.base, anonymous.headers = "kho-anonymous", kho.base, {}
    out = {}
    for label, server in (("anonymous", anonymous), ("token", kho)):
        for _ in range(5):
            get(server, url)
        out[label] = {"1": load(server, url, 1, requests), "16": load(server, url, 16, per_client)}
    return out


def _stream(server: Server, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Download ``url`` while sampling the server's resident memory every 20 ms."""
    baseline = rss_kb(server.pid)
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(server.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    size, first_byte = 0, None
    started = time.perf_counter()
    try:
        with httpx.stream("GET", server.base + url, headers={**server.headers, **headers}, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_raw():
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
    return {"seconds": round(elapsed, 2), "bytes": size, "first_byte_ms": round((first_byte or 0) * 1000, 1),
            "rss_before_mb": round(baseline / 1024, 1), "rss_growth_mb": round((peak[0] - baseline) / 1024, 1)}


def exports(kho: Server, rows: int) -> list[dict[str, Any]]:
    out = []
    for kind, headers in (("csv", {"Accept-Encoding": "identity"}), ("csv", {"Accept-Encoding": "gzip"}),
                          ("ndjson", {"Accept-Encoding": "identity"}), ("parquet", {"Accept-Encoding": "identity"})):
        runs = [_stream(kho, f"/api/v1/datasets/{DATASET}/rows.{kind}", headers) for _ in range(3 if kind == "csv" else 1)]
        best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        out.append({"format": kind, "encoding": headers["Accept-Encoding"], "rows": rows, **best,
                    "rows_per_s": round(rows / best["seconds"]), "runs": runs,
                    "max_rss_growth_mb": max(r["rss_growth_mb"] for r in runs)})
    return out


def datasette_csv(server: Server, rows: int) -> dict[str, Any]:
    measured = _stream(server, f"/dossiers/{DATASET}.csv?_stream=on&_size=max", {})
    return {**measured, "rows_per_s": round(rows / measured["seconds"])}


# -- report -------------------------------------------------------------------------------------------
def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "## Data API",
        "",
        f"`bench/bench_api.py`: `{r['dataset']}` at province scale as the pipeline published it (`kho simulate --scale "
        f"province` then `kho run`): {r['rows']:,} rows × {r['columns']} columns, Parquet {r['parquet_bytes'] / 1e6:.1f} MB "
        f"in {r['row_groups']} row groups; the same rows in SQLite ({r['sqlite_bytes'] / 1e6:.0f} MB) for Datasette "
        f"{m['datasette'].split()[-1]}. One server at a time on 127.0.0.1 ({m['machine']}, {m['cpus']} CPUs shared with "
        f"other work — load average {m['load_before']} at the start; Python {m['python']}, DuckDB {m['duckdb']}, "
        f"SQLite {m['sqlite']}): Kho under uvicorn with one worker ({r['kho_rss_after_warmup_mb']} MB resident once "
        "the version's rows are in memory for paging, see docs/api.md), its requests carrying the owning agency's token "
        "(authenticated, every one written to the hash-chained audit log); Datasette with `-i` (immutable), "
        "`_shape=objects`, and `_nocount=1` except in the count row. Datasette runs twice: *plain* — the table as "
        "`sqlite-utils insert` leaves it (primary key only) — and *indexed* — indexes on "
        f"{', '.join(INDEXED)}. Latency from an async HTTP client in the same machine; 1 client × "
        f"{r['queries'][0]['kho_1']['n']} requests, 16 clients × {r['queries'][0]['kho_16']['n'] // 16} requests.",
        "",
        "| query | clients | Kho p50 / p99 ms | Kho req/s | Datasette plain p50 / p99 ms | req/s | "
        "Datasette indexed p50 / p99 ms | req/s | Kho ÷ plain | Kho ÷ indexed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for q in r["queries"]:
        for c in (1, 16):
            kho, plain, indexed = q[f"kho_{c}"], q[f"ds_plain_{c}"], q[f"ds_indexed_{c}"]
            lines.append(
                f"| {q['name']} | {c} | {kho['p50_ms']} / {kho['p99_ms']} | {kho['rps']} | "
                f"{plain['p50_ms']} / {plain['p99_ms']} | {plain['rps']} | {indexed['p50_ms']} / {indexed['p99_ms']} | "
                f"{indexed['rps']} | **{kho['rps'] / plain['rps']:.2f}** | **{kho['rps'] / indexed['rps']:.2f}** |")
    lines += ["", "Ratio = Kho requests/s ÷ Datasette requests/s (> 1: Kho is faster). Goal ≥ 1.0, aim 2.0.", ""]
    a = r["audit"]
    lines += ["| Authentication and audit: `public_services/rows?_size=10` (open) | clients | p50 / p99 ms | req/s |",
              "|---|---|---|---|"]
    for label, text in (("anonymous", "anonymous (nothing recorded)"), ("token", "with a token (one audit entry each)")):
        for c in ("1", "16"):
            m = a[label][c]
            lines.append(f"| {text} | {c} | {m['p50_ms']} / {m['p99_ms']} | {m['rps']} |")
    lines += [""]
    lines += ["| GraphQL vs REST, same rows (1 client) | REST p50 ms | GraphQL p50 ms | GraphQL ÷ REST |", "|---|---|---|---|"]
    for g in r["graphql"]:
        lines.append(f"| {g['name']} | {g['rest']['p50_ms']} | {g['graphql']['p50_ms']} | **{g['ratio_p50']}** |")
    lines += ["", "Goal: GraphQL ≤ 1.3 × REST.", ""]
    lines += ["| Export of every row | encoding | seconds | rows/s | MB sent | server RSS growth (max of runs) |",
              "|---|---|---|---|---|---|"]
    for e in r["exports"]:
        lines.append(f"| `rows.{e['format']}` | {e['encoding']} | {e['seconds']} | **{e['rows_per_s']:,}** | "
                     f"{e['bytes'] / 1e6:.0f} | {e['max_rss_growth_mb']} MB |")
    d = r["datasette_csv"]
    lines.append(f"| Datasette `.csv?_stream=on` (reference) | identity | {d['seconds']} | {d['rows_per_s']:,} | "
                 f"{d['bytes'] / 1e6:.0f} | {d['rss_growth_mb']} MB |")
    lines += ["", "Goal: CSV ≥ 300,000 rows/s with < 200 MB memory growth.", ""]
    lines += reading(r)
    return "\n".join(lines) + "\n"


def reading(r: dict[str, Any]) -> list[str]:
    """What the numbers say, computed from them."""
    def ratios(label: str) -> list[float]:
        return [q[f"kho_{c}"]["rps"] / q[f"ds_{label}_{c}"]["rps"] for q in r["queries"] for c in (1, 16)]

    filtered = [q for q in r["queries"] if "status" in q["kho"] or "channel" in q["kho"]]
    vs_plain = [q[f"kho_{c}"]["rps"] / q[f"ds_plain_{c}"]["rps"] for q in filtered for c in (1, 16)]
    by_key = [q for q in r["queries"] if q not in filtered]
    key_plain = [q[f"kho_{c}"]["rps"] / q[f"ds_plain_{c}"]["rps"] for q in by_key for c in (1, 16)]
    csv = next(e for e in r["exports"] if e["format"] == "csv" and e["encoding"] == "identity")
    graphql = max(g["ratio_p50"] for g in r["graphql"])
    audit = r["audit"]
    failed = sum(q[k]["failed"] for q in r["queries"] for k in q if k.startswith(("kho_", "ds_")) and isinstance(q[k], dict))
    same = all(q.get("same_rows_plain") and q.get("same_rows_indexed") for q in r["queries"])
    return [
        "Reading:",
        "",
        f"* **Against Datasette as a table is usually served (primary key only)**, Kho answers the filtered and "
        f"sorted queries {min(vs_plain):.1f}–{max(vs_plain):.1f}× faster: SQLite scans the million rows for "
        "them, DuckDB reads only the filter and sort columns. Pages in primary-key order, which SQLite walks "
        f"off its B-tree, are {min(key_plain):.2f}–{max(key_plain):.2f}× — Kho spends a fixed few milliseconds "
        "per request on opening the Parquet file, the narrow top-N over a million positions, authentication "
        "and the audit entry.",
        f"* **Against SQLite with an index on exactly the filtered and sorted columns** Kho is "
        f"{min(ratios('indexed')):.2f}–{max(ratios('indexed')):.2f}×: an index turns those queries into a "
        "B-tree walk of a few pages, where a columnar engine still scans the filter and sort columns. The goal "
        f"(≥ 1.0) is {'met' if min(vs_plain) >= 1 else 'not met'} against the plain table on the filtered or "
        f"sorted queries, {'met' if min(key_plain) >= 1 else 'not met'} on key-order pages, and "
        f"{'met' if min(ratios('indexed')) >= 1 else 'not met'} against the hand-indexed table. Closing that gap "
        "needs the narrow step to run over the in-memory rows too (the query compiler reads Parquet files "
        "only) or published files sorted and row-grouped for their common filters.",
        f"* Rows: both servers returned the same rows for every query: {'yes' if same else 'NO — see api.json'}; "
        f"failed requests: {failed}.",
        f"* **Authentication and audit** cost {audit['token']['1']['p50_ms'] - audit['anonymous']['1']['p50_ms']:.1f} ms a "
        f"request alone; at 16 clients the audit appends queue on SQLite's write lock (busy-wait back-off), so p99 "
        f"goes from {audit['anonymous']['16']['p99_ms']:.0f} ms anonymous to {audit['token']['16']['p99_ms']:.0f} ms "
        "with a token — the long tails in the Kho columns above. Production's PostgreSQL catalogue, or one "
        "in-process lock around appends on SQLite, removes the back-off.",
        f"* **GraphQL** costs at most {graphql:.2f}× REST for the same rows (goal ≤ 1.3: "
        f"{'met' if graphql <= 1.3 else 'not met'}): one engine, and row lists completed without graphql-core's "
        "per-value machinery.",
        f"* **CSV export**: {csv['rows_per_s']:,} rows/s with {csv['max_rss_growth_mb']} MB of server memory growth "
        f"(goal ≥ 300,000 rows/s and < 200 MB: "
        f"{'met' if csv['rows_per_s'] >= 300_000 and csv['max_rss_growth_mb'] < 200 else 'not met'}); "
        f"Datasette streams the same CSV at {r['datasette_csv']['rows_per_s']:,} rows/s.",
        "",
    ]


def write_section(section: str) -> None:
    replace_section("## Data API", section)


if __name__ == "__main__":
    main()
