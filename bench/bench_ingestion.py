"""Ingestion throughput (issue 3): full and incremental loads of `motcua.ho_so` from PostgreSQL, MariaDB and
SQLite, against the floor of each engine's own raw dump measured in the same run.

    .venv/bin/python bench/bench_ingestion.py [--scale province] [--repeat 3] [--engines postgresql,mysql,sqlite]

1. Generates `motcua` at the scale into bench/output/ingestion-<scale>/ (git-ignored, reused when present) and
   loads it with `simulator.load_into` into the PostgreSQL database and the MariaDB database
   `kho_bench_ingestion` on 127.0.0.1 (recreated); SQLite is a copy of the generated file.
2. Floor = the engine's CLI dumping the same SELECT of the registry's columns to /dev/null:
   `psql -c "COPY (SELECT …) TO STDOUT"`, `mysql --quick --batch -e "SELECT …"`, `sqlite3 file "SELECT …"`.
3. Full load = `load_table(full_refresh=True)` into a fresh warehouse file (wall clock, including opening
   DuckDB and loading the scanner extension, as each Dagster step does), median of --repeat runs.
4. Incremental = change 1 % of the rows at the source (`UPDATE … WHERE id % 100 = k`, new updated_at), then
   `load_table()`; median of --repeat runs, with an index on the cursor column (what Kho asks sector systems
   for) and, once, without it.
5. Connectors compared on the same table (read only, into an in-memory DuckDB table): the chosen one and the
   alternatives (ConnectorX, ADBC, DuckDB's other scanners).

Prints the results and records them in bench/RESULTS.md under "## Ingestion" (other sections are kept).
Goals: full load ≥ 50 % of the floor's rows/s; incremental ≤ 10 % of the full-load time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import psycopg  # noqa: E402
import pymysql  # noqa: E402

import simulator  # noqa: E402
from orchestration.lib.ingest import load_table  # noqa: E402
from orchestration.lib.ingest.extensions import open_warehouse  # noqa: E402
from orchestration.lib.registry import load_registry  # noqa: E402
from orchestration.lib.warehouse import load_extension  # noqa: E402

SECTION = "## Ingestion"
DATABASE = "kho_bench_ingestion"
PG_ADMIN = os.environ.get("KHO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_URL = PG_ADMIN.rsplit("/", 1)[0] + f"/{DATABASE}"
MYSQL_URL = f"mysql://root@127.0.0.1:3306/{DATABASE}"
GOAL_FLOOR_SHARE = 0.5
GOAL_INCREMENTAL_SHARE = 0.10
SEED = 20250701
AS_OF = dt.date(2026, 6, 30)


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def loadavg() -> float:
    return os.getloadavg()[0]


class Bench:
    def __init__(self, scale: str, repeat: int, out: Path):
        self.scale, self.repeat, self.out = scale, repeat, out
        self.system = load_registry()["motcua"]
        self.table = self.system.table("ho_so")
        self.columns = ", ".join(c.name for c in self.table.columns)
        self.sqlite = out / "bench-motcua.sqlite"
        self.rows = 0
        from orchestration.lib.ingest import table_spec

        self.lookback = table_spec(self.system, self.table).lookback_seconds

    # ------------------------------------------------------------------ preparation

    def prepare(self, engines: list[str]) -> None:
        generated = self.out / "generated"
        if not (generated / "motcua.sqlite").exists():
            print(f"generating motcua at {self.scale} …", flush=True)
            simulator.generate(generated, scale=self.scale, seed=SEED, as_of=AS_OF, systems=["motcua"])
        shutil.copy(generated / "motcua.sqlite", self.sqlite)
        with duckdb.connect() as con:
            load_extension(con, "sqlite_scanner")
            self.rows = con.execute(f"SELECT count(*) FROM sqlite_scan('{self.sqlite}', 'ho_so')").fetchone()[0]
        if "postgresql" in engines:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {DATABASE}")
            print("loading PostgreSQL …", flush=True)
            simulator.load_into(generated, PG_URL, ["motcua"])
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE motcua.ho_so")
        if "mysql" in engines:
            conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
            conn.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.cursor().execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
            conn.close()
            print("loading MariaDB …", flush=True)
            simulator.load_into(generated, MYSQL_URL, ["motcua"])

    # ------------------------------------------------------------------ engine specifics

    def url(self, engine: str) -> str:
        return {"postgresql": PG_URL, "mysql": MYSQL_URL, "sqlite": f"sqlite:///{self.sqlite}"}[engine]

    def floor(self, engine: str, where: str = "") -> float:
        select = f"SELECT {self.columns} FROM " + ("motcua.ho_so" if engine == "postgresql" else "ho_so") + where
        if engine == "postgresql":
            cmd = ["psql", PG_URL, "-q", "-c", f"COPY ({select}) TO STDOUT"]
        elif engine == "mysql":
            cmd = ["mysql", "-h", "127.0.0.1", "-u", "root", "--quick", "--batch", "--skip-column-names",
                   DATABASE, "-e", select]
        else:
            cmd = ["sqlite3", str(self.sqlite), select]
        return timed(lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True))

    def execute(self, engine: str, *statements: str) -> None:
        if engine == "postgresql":
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                for s in statements:
                    conn.execute(s)
        elif engine == "mysql":
            conn = pymysql.connect(host="127.0.0.1", user="root", database=DATABASE, autocommit=True)
            try:
                for s in statements:
                    conn.cursor().execute(s)
            finally:
                conn.close()
        else:
            import sqlite3

            with sqlite3.connect(self.sqlite) as db:
                for s in statements:
                    db.execute(s)

    def change_one_percent(self, engine: str, k: int) -> None:
        table = "motcua.ho_so" if engine == "postgresql" else "ho_so"
        now = {"postgresql": "localtimestamp(0)", "mysql": "NOW()", "sqlite": "datetime('now', 'localtime')"}[engine]
        self.execute(engine, f"UPDATE {table} SET trang_thai = CASE WHEN trang_thai = 'tu_choi' THEN 'da_tra_ket_qua' "
                             f"ELSE 'tu_choi' END, updated_at = {now} WHERE id % 100 = {k}")

    def cursor_index(self, engine: str, present: bool) -> None:
        table = "motcua.ho_so" if engine == "postgresql" else "ho_so"
        if present:
            self.execute(engine, f"CREATE INDEX ho_so_updated_at_bench ON {table} (updated_at)")
            if engine == "postgresql":
                self.execute(engine, "ANALYZE motcua.ho_so")
        elif engine == "mysql":
            self.execute(engine, "DROP INDEX ho_so_updated_at_bench ON ho_so")
        else:
            self.execute(engine, f"DROP INDEX {'motcua.' if engine == 'postgresql' else ''}ho_so_updated_at_bench")

    # ------------------------------------------------------------------ loads

    def load(self, engine: str, warehouse: Path, full: bool):
        os.environ["KHO_SOURCE_MOTCUA_URL"] = self.url(engine)
        started = time.perf_counter()
        with open_warehouse(warehouse) as con:          # the connection the Dagster asset uses
            result = load_table(con, self.system, self.table, self.out, full_refresh=full, run_id="bench")
        return time.perf_counter() - started, result

    def full_loads(self, engine: str) -> dict:
        print(f"{engine}: floor …", flush=True)
        floors = [self.floor(engine) for _ in range(self.repeat)]
        warehouse = self.out / f"warehouse-{engine}.duckdb"
        fulls = []
        for _ in range(self.repeat):
            warehouse.unlink(missing_ok=True)
            seconds, result = self.load(engine, warehouse, full=True)
            assert result.rows_loaded == self.rows, (result.rows_loaded, self.rows)
            fulls.append(seconds)
        print(f"{engine}: full loads {[round(s, 2) for s in fulls]} s (floor {[round(s, 2) for s in floors]})",
              flush=True)
        return {"floor": median(floors), "full": median(fulls), "floor_best": min(floors), "full_best": min(fulls),
                "phases": result.phases,
                "connector": result.connector, "warehouse": warehouse, "incrementals": [], "changed": [],
                "read": []}

    def incremental_rounds(self, runs: dict[str, dict], lookback: float) -> None:
        """Rounds of (1 % change, incremental load) per engine, spaced by more than the cursor lookback so a
        round does not re-read the previous round's changes (runs are hours apart in production)."""
        for engine in runs:
            self.cursor_index(engine, True)
        k = 0
        for round_number in range(self.repeat + 1):
            started = time.monotonic()
            k += 1
            last = round_number == self.repeat          # the last round runs without the cursor index
            for engine, r in runs.items():
                if last:
                    self.cursor_index(engine, False)
                self.change_one_percent(engine, k)
                seconds, result = self.load(engine, r["warehouse"], full=False)
                if last:
                    r["no_index"] = seconds
                    continue
                r["incrementals"].append(seconds)
                r["changed"].append(result.rows_updated)
                r["read"].append(result.rows_read)
                r["incremental_phases"] = result.phases
                # What the source itself needs for the same incremental SELECT (its CLI, same run).
                r["query_floor"] = self.floor(
                    engine, f" WHERE updated_at >= '{result.cursor_from}' OR updated_at IS NULL")
                print(f"{engine}: incremental {seconds:.3f} s ({result.rows_updated:,} updated, "
                      f"{result.rows_read:,} read)", flush=True)
            if round_number < self.repeat:
                time.sleep(max(0.0, lookback + 2 - (time.monotonic() - started)))
        for r in runs.values():
            r["incremental"] = median(r["incrementals"])
            r["incremental_best"] = min(r["incrementals"])

    # ------------------------------------------------------------------ connectors

    def connectors(self, engine: str) -> dict[str, float]:
        """Seconds to read ho_so into an in-memory DuckDB table, per connector (median of --repeat)."""
        import connectorx as cx

        results: dict[str, list[float]] = {}

        def duck(name: str, ext: str, attach: str, sql: str):
            def run():
                with duckdb.connect() as con:
                    load_extension(con, ext)
                    con.execute(attach)
                    con.execute(f"CREATE TABLE t AS {sql}")
            results.setdefault(name, []).append(timed(run))

        def arrow(name: str, fetch):
            def run():
                table = fetch()
                with duckdb.connect() as con:
                    con.register("a", table)
                    con.execute("CREATE TABLE t AS SELECT * FROM a")
            results.setdefault(name, []).append(timed(run))

        cols = self.columns
        for _ in range(self.repeat):
            if engine == "postgresql":
                dsn = f"host=127.0.0.1 port=5432 dbname={DATABASE} user=postgres"
                duck("DuckDB postgres scanner (postgres_query, binary COPY) — chosen", "postgres_scanner",
                     f"ATTACH '{dsn}' AS s (TYPE postgres, READ_ONLY)",
                     f"SELECT * FROM postgres_query('s', 'SELECT {cols} FROM motcua.ho_so')")
                arrow("ConnectorX, 2 partitions", lambda: cx.read_sql(
                    PG_URL, f"SELECT {cols} FROM motcua.ho_so", return_type="arrow", partition_on="id",
                    partition_num=2))

                def adbc():
                    import adbc_driver_postgresql.dbapi as adbc_pg

                    with adbc_pg.connect(PG_URL) as conn, conn.cursor() as cur:
                        cur.execute(f"SELECT {cols} FROM motcua.ho_so")
                        return cur.fetch_arrow_table()
                arrow("ADBC PostgreSQL driver", adbc)
            elif engine == "mysql":
                url = f"{MYSQL_URL}?prefer_socket=false"
                arrow("ConnectorX, 2 partitions — chosen", lambda: cx.read_sql(
                    url, f"SELECT {cols} FROM ho_so", return_type="arrow", partition_on="id", partition_num=2))
                arrow("ConnectorX, 1 connection", lambda: cx.read_sql(
                    url, f"SELECT {cols} FROM ho_so", return_type="arrow"))
                duck("DuckDB mysql scanner (mysql_query)", "mysql_scanner",
                     f"ATTACH 'host=127.0.0.1 port=3306 database={DATABASE} user=root' AS s (TYPE mysql, READ_ONLY)",
                     f"SELECT * FROM mysql_query('s', 'SELECT {cols} FROM ho_so')")
            else:
                duck("DuckDB sqlite scanner, declared types — chosen", "sqlite_scanner",
                     f"ATTACH '{self.sqlite}' AS s (TYPE sqlite, READ_ONLY)", f"SELECT {cols} FROM s.ho_so")
                duck("DuckDB sqlite scanner, as text (sqlite_query)", "sqlite_scanner",
                     f"ATTACH '{self.sqlite}' AS s (TYPE sqlite, READ_ONLY)",
                     f"SELECT * FROM sqlite_query('s', 'SELECT {cols} FROM ho_so')")
                arrow("ConnectorX, 2 partitions", lambda: cx.read_sql(
                    f"sqlite://{self.sqlite}", f"SELECT {cols} FROM ho_so", return_type="arrow",
                    partition_on="id", partition_num=2))
        return {name: median(v) for name, v in results.items()}


# ---------------------------------------------------------------------- report


ENGINE_TITLE = {"postgresql": "PostgreSQL 15", "mysql": "MariaDB 10.11", "sqlite": "SQLite (file)"}


def render(bench: Bench, runs: dict[str, dict], connectors: dict[str, dict], load: str) -> tuple[str, str]:
    today = dt.date.today().isoformat()
    rows = bench.rows
    run_lines = []
    for engine, r in runs.items():
        floor_rps, full_rps = rows / r["floor"], rows / r["full"]
        share, inc_share = full_rps / floor_rps, r["incremental"] / r["full"]
        best_share, best_inc = r["floor_best"] / r["full_best"], r["incremental_best"] / r["full_best"]
        goal = ("met" if share >= GOAL_FLOOR_SHARE else "not met") + " / " + \
            ("met" if inc_share <= GOAL_INCREMENTAL_SHARE else "not met")
        run_lines.append(
            f"| {today} | {bench.scale} | {ENGINE_TITLE[engine]} | {rows:,} | {r['floor']:.2f} s = {floor_rps:,.0f} | "
            f"{r['full']:.2f} s = **{full_rps:,.0f}** | **{share:.0%}** ({best_share:.0%}) | {r['incremental']:.3f} s "
            f"({min(r['changed']):,} changed, {max(r['read']):,} read) | **{inc_share:.1%}** ({best_inc:.1%}) | "
            f"{r['query_floor']:.3f} s | {r['no_index']:.3f} s | {load} | {goal} |")
    detail = ["", "Where the time goes (last run, seconds):", "",
              "| engine | load | connect | describe | extract | type | stage | count keys | apply |",
              "|---|---|---|---|---|---|---|---|---|"]
    for engine, r in runs.items():
        for label, phases in (("full", r["phases"]), ("incremental", r["incremental_phases"])):
            detail.append(f"| {ENGINE_TITLE[engine]} | {label} | " + " | ".join(
                f"{phases.get(k, 0):.3f}" for k in ("connect", "describe", "extract", "type", "stage", "count_keys",
                                                     "apply")) + " |")
    detail += ["", "Connectors, reading `ho_so` into an in-memory DuckDB table (median seconds, same run):", "",
               "| engine | connector | seconds | rows/s |", "|---|---|---|---|"]
    for engine, results in connectors.items():
        for name, seconds in sorted(results.items(), key=lambda kv: kv[1]):
            detail.append(f"| {ENGINE_TITLE[engine]} | {name} | {seconds:.2f} | {rows / seconds:,.0f} |")
    return "\n".join(run_lines), "\n".join(detail) + "\n"


INTRO = (
    "`python bench/bench_ingestion.py --scale province`: `motcua.ho_so` (16 columns) through "
    "`orchestration.lib.ingest.load_table`, the code the Dagster assets run, on the 2-core development machine "
    "with PostgreSQL, MariaDB and the warehouse on the same disk. Floor = the engine's own CLI dumping the same "
    "SELECT to /dev/null in the same run (`psql COPY … TO STDOUT`, `mysql --quick`, `sqlite3`). Full load = "
    "fresh warehouse, wall clock including opening DuckDB and loading the scanner extension. Times are medians "
    "of --repeat runs; the percentages in parentheses compare the best runs (the machine is shared). "
    "Incremental = after `UPDATE … WHERE id % 100 = k` (1 % of rows, new `updated_at`), with an index on "
    "`updated_at` at the source (what Kho asks sector systems for), rounds spaced by more than the "
    "60 s cursor lookback (`read` includes rows re-read inside the lookback); `its SELECT alone` = the source's CLI running the "
    "same incremental SELECT to /dev/null; `incr. no index` = one run without the cursor index. `load` = "
    "1-minute load average at the start and the end of the run (other work on the shared machine). "
    f"Goals: full ≥ {GOAL_FLOOR_SHARE:.0%} of the floor's rows/s; incremental ≤ {GOAL_INCREMENTAL_SHARE:.0%} "
    "of the full-load time.\n"
)
RUNS_HEADER = ("| date | scale | source | rows | floor (s = rows/s) | full load (s = rows/s) | of floor | "
               "incremental | of full | its SELECT alone | incr. no index | load | goals (full / incr.) |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def record(run_lines: str, detail: str) -> None:
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    head, found, tail = text.partition(SECTION + "\n")
    rest, previous = "", []
    if found:
        body, sep, after = tail.partition("\n## ")
        rest = sep + after
        previous = [line for line in body.split("Where the time goes")[0].splitlines()
                    if line.startswith("| 2")]
    else:
        head = head.rstrip("\n") + "\n\n"
    section = f"{SECTION}\n\n{INTRO}\n{RUNS_HEADER}\n" + "\n".join([*previous, run_lines]) + "\n" + detail
    results.write_text(head + section + rest, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="province", choices=list(simulator.SCALES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="postgresql,mysql,sqlite")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    engines = args.engines.split(",")
    out = ROOT / "bench" / "output" / f"ingestion-{args.scale}"
    out.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.scale, args.repeat, out)
    bench.prepare(engines)
    load_before = loadavg()
    runs = {engine: bench.full_loads(engine) for engine in engines}
    bench.incremental_rounds(runs, bench.lookback)
    connectors = {engine: bench.connectors(engine) for engine in engines}
    run_lines, detail = render(bench, runs, connectors, f"{load_before:.1f} → {loadavg():.1f}")
    print(RUNS_HEADER + "\n" + run_lines + "\n" + detail)
    if not args.no_record:
        record(run_lines, detail)


if __name__ == "__main__":
    main()
