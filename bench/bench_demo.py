"""Cold `make pipeline` (the demo without its server) on a fresh clone, timed per phase.

Goal (issue 2): under 3 minutes at the `small` scale, including the install from a warm pip cache.
Clones the committed HEAD into a temporary folder, then runs, timing each:
  1. make setup     (create .venv, install requirements.lock from the warm cache)
  2. kho simulate   (small scale)
  3. kho run        (ingest → dbt build → checks → publish)
Prints a Markdown row and appends it to bench/RESULTS.md under "## Demo pipeline (cold)".
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Demo pipeline (cold)"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def main() -> None:
    scale = os.environ.get("SCALE", "small")
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as tmp:
        clone = Path(tmp) / "kho"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KHO_", "DAGSTER_", "VIRTUAL_ENV"))}
        env["KHO_HOME"] = str(clone / "var")
        setup = timed(["make", "setup"], clone, env)
        simulate = timed([str(clone / ".venv/bin/kho"), "simulate", "--scale", scale], clone, env)
        run = timed([str(clone / ".venv/bin/kho"), "run"], clone, env)
    total = setup + simulate + run
    row = (f"| {dt.date.today()} | {scale} | {setup:.0f} s | {simulate:.1f} s | {run:.0f} s | "
           f"**{total:.0f} s** | {'met' if total < 180 else 'missed'} (goal < 180 s) |")
    print(row)
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    if SECTION not in text:
        text += (f"\n{SECTION}\n\n`python bench/bench_demo.py`: fresh clone, `make setup` from a warm pip cache, "
                 "then `kho simulate` and `kho run`.\n\n"
                 "| date | scale | make setup | simulate | pipeline run | total | goal |\n|---|---|---|---|---|---|---|\n")
    head, _, tail = text.partition(SECTION)
    lines = tail.split("\n")
    # insert after the last table row of this section
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    lines.insert(last + 1, row)
    results.write_text(head + SECTION + "\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
