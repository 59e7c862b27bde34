"""One real run of the dbt project over a small simulated province, shared by the tests in this folder.

The simulator writes the sector systems (SQLite files, CSV and Excel drops) with its default defect
rate; the ingestion's own `load_table` lands them in a temporary DuckDB warehouse exactly as the
pipeline does; then `dbt build` runs as a subprocess with its own target folder, so the repository's
target/manifest.json (which Dagster reads) is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from kho.settings import PROJECT_ROOT

#: The day the simulated data end (fixed, so the run is deterministic whatever today is).
AS_OF = dt.date(2026, 6, 30)
SEED = 20250701


@dataclass(frozen=True)
class DbtRun:
    warehouse: Path
    target: Path
    returncode: int
    output: str
    defects: list[dict]          # the simulator's manifest of injected defects
    results: dict[str, dict]     # run_results.json by unique_id
    manifest: dict               # target/manifest.json of this run

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)

    def node(self, unique_id: str) -> dict:
        return self.manifest["nodes"].get(unique_id) or self.manifest["unit_tests"][unique_id]


def _load_raw(sources: Path, warehouse: Path) -> None:
    from orchestration.lib.ingest import load_table
    from orchestration.lib.registry import load_registry

    con = duckdb.connect(str(warehouse))
    try:
        for system in load_registry().values():
            for table in system.tables:
                load_table(con, system, table, sources)
    finally:
        con.close()


def _clean_env(warehouse: Path) -> dict[str, str]:
    # Source URLs and the province must come from the defaults, not from the developer's shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHO_SOURCE_", "KHO_PROVINCE"))}
    env["KHO_WAREHOUSE"] = str(warehouse)
    return env


def run_dbt(warehouse: Path, target: Path, *args: str) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
         "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=PROJECT_ROOT, env=_clean_env(warehouse), capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="session")
def dbt_run(tmp_path_factory) -> DbtRun:
    import simulator

    root = tmp_path_factory.mktemp("dbt")
    sources, warehouse, target = root / "sources", root / "kho.duckdb", root / "target"
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("KHO_SOURCE_")}
    try:
        sim_manifest = simulator.generate(sources, scale="small", seed=SEED, as_of=AS_OF)
        _load_raw(sources, warehouse)
    finally:
        os.environ.update(saved)
    proc = run_dbt(warehouse, target, "build")
    run_results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    return DbtRun(
        warehouse=warehouse,
        target=target,
        returncode=proc.returncode,
        output=proc.stdout[-6000:] + proc.stderr[-4000:],
        defects=sim_manifest["defects"],
        results={r["unique_id"]: r for r in run_results["results"]},
        manifest=json.loads((target / "manifest.json").read_text(encoding="utf-8")),
    )
