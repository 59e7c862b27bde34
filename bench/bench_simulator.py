"""Throughput of the sector-system simulator (simulator.generate), overall and per table.

    .venv/bin/python bench/bench_simulator.py [--scale province] [--seed 20250701] [--as-of 2025-11-01]

Generates the chosen scale into bench/output/simulator-<scale>/ (git-ignored; removed afterwards unless
--keep), timing every batch through the progress callback, and times the `small` preset as CI uses it.
The simulator runs two lanes at once (dancu+dkkd+motcua | qlvb+yte+giaoduc); a system's rows/s is its rows
over the time its lane spent on it. Prints the results and records them in bench/RESULTS.md under
"## Simulator throughput" (other sections are left as they are). Goal: ≥ 300,000 rows/s at `province`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simulator  # noqa: E402
from simulator.generator import LANES  # noqa: E402

SECTION = "## Simulator throughput"
GOAL_ROWS_PER_SECOND = 300_000
INTRO = (
    "`python bench/bench_simulator.py --scale province`: `simulator.generate` writing all six systems "
    "(SQLite via DuckDB's sqlite extension, CSV, Excel) on the 2-core development machine. "
    "Per-system rows/s counts the time the system's lane spent on it (the two lanes run at once); "
    "`load before` is the 1-minute load average when the run started (other work on the machine). "
    f"Goal: ≥ {GOAL_ROWS_PER_SECOND:,} rows/s at `province`; `small` must take a few seconds.\n"
)
RUNS_HEADER = ("| date | scale | rows | seconds | rows/s | small scale | peak RSS | load before | goal |\n"
               "|---|---|---|---|---|---|---|---|---|")
TABLES_HEADER = "| system (rows per table) | rows | seconds | rows/s |\n|---|---|---|---|"


def timed_generate(out_dir: Path, scale: str, seed: int, as_of: dt.date) -> tuple[dict, float, list]:
    events: list[tuple[float, str, int]] = []
    started = time.perf_counter()
    manifest = simulator.generate(out_dir, scale=scale, seed=seed, as_of=as_of,
                                  progress=lambda label, rows: events.append((time.perf_counter() - started,
                                                                              label, rows)))
    return manifest, time.perf_counter() - started, events


def per_system(events: list[tuple[float, str, int]]) -> dict[str, tuple[dict[str, int], float]]:
    """Rows per table and seconds per system: a batch's time runs from the previous batch of the same lane.

    Systems, not tables, get the seconds: motcua writes ho_so and ho_so_xu_ly quarter by quarter from
    one generation step, so the time of a quarter belongs to both.
    """
    lane_of = {system: i for i, lane in enumerate(LANES) for system in lane}
    lane_clock = [0.0] * len(LANES)
    seconds: dict[str, float] = {}
    rows: dict[str, dict[str, int]] = {}
    for at, label, done in events:
        system, table = label.split(".")
        lane = lane_of[system]
        seconds[system] = seconds.get(system, 0.0) + at - lane_clock[lane]
        lane_clock[lane] = at
        rows.setdefault(system, {})[table] = done
    return {system: (rows[system], seconds[system]) for system in rows}


def record(runs_row: str, table_rows: list[str]) -> None:
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    head, found, tail = text.partition(SECTION)
    rest = ""
    if found:
        body, sep, after = tail.partition("\n## ")
        rest = sep + after
        runs_part = body.split("Per system")[0]
        previous_runs = [line for line in runs_part.splitlines()
                         if line.startswith("| ") and not line.startswith("| date")]
    else:
        previous_runs = []
        head = head.rstrip("\n") + "\n\n"
    section = (f"{SECTION}\n\n{INTRO}\n{RUNS_HEADER}\n" + "\n".join([*previous_runs, runs_row]) + "\n\n"
               "Per system, latest run:\n\n" + TABLES_HEADER + "\n" + "\n".join(table_rows) + "\n")
    results.write_text(head + section + rest, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="province", choices=list(simulator.SCALES))
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 11, 1))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # other work on the machine slows the run down
    output = ROOT / "bench" / "output"
    small_dir, big_dir = output / "simulator-small", output / f"simulator-{args.scale}"
    _, small_seconds, _ = timed_generate(small_dir, "small", args.seed, args.as_of)
    manifest, seconds, events = timed_generate(big_dir, args.scale, args.seed, args.as_of)
    if not args.keep:
        shutil.rmtree(small_dir, ignore_errors=True)
        shutil.rmtree(big_dir, ignore_errors=True)

    total = sum(manifest["row_counts"].values())
    rate = total / seconds
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    goal = ("met" if rate >= GOAL_ROWS_PER_SECOND else "missed") if args.scale == "province" else "n/a"
    runs_row = (f"| {dt.date.today()} | {args.scale} | {total:,} | {seconds:.1f} s | **{rate:,.0f}** | "
                f"{small_seconds:.1f} s | {peak_gb:.1f} GB | {load_before:.1f} | "
                f"{goal} (≥ {GOAL_ROWS_PER_SECOND:,} rows/s, {os.cpu_count()} cores) |")
    table_rows = []
    for system, (tables, spent) in per_system(events).items():
        total_rows = sum(tables.values())
        if total_rows < 10_000:
            continue  # the catalogue-sized file drops take milliseconds
        listed = ", ".join(f"{table} {rows:,}" for table, rows in tables.items())
        table_rows.append(f"| {system} ({listed}) | {total_rows:,} | {spent:.1f} s | {total_rows / spent:,.0f} |")
    print(RUNS_HEADER, runs_row, "", TABLES_HEADER, *table_rows, sep="\n")
    if not args.no_record:
        record(runs_row, table_rows)


if __name__ == "__main__":
    main()
