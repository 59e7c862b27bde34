"""All dbt models, seeds and data tests as Dagster assets and asset checks.

One step, two dbt invocations:
1. `dbt build` of the models and seeds only (tests excluded), so a failing test never stops the
   models downstream of it from being rebuilt — the gate needs every published table as this run's data
   to record a *rejected version* instead of silently keeping last run's table;
2. `dbt test`: data tests (failing rows stored as views in schema `audit`) and unit tests, each reported
   as a Dagster asset check.

The tests' results (status, failing rows, rows tested, masked samples) and the models' build statuses are
then written to the warehouse (`quality.check_results`, `quality.build_results`) for the publish step,
which is the gate: it rejects the versions an error-severity test speaks against (docs/quality.md). The
checks are therefore not Dagster-*blocking* (a blocking failure would skip the publish step and record
nothing); the step fails only when dbt itself could not run.
"""

import json
import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.dbt_translator import KhoDbtTranslator
from orchestration.lib.ingestion_assets import WAREHOUSE_POOL
from orchestration.lib.quality.dbt_checks import DbtProjectGraph, build_statuses, collect_results
from orchestration.lib.quality.store import save_builds, save_results
from orchestration.lib.resources import KhoPaths
from orchestration.lib.warehouse import connect

project = kho_dbt_project()


def _artifact(invocation, name: str) -> dict:
    path = Path(invocation.target_path) / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dbt_assets(
    manifest=project.manifest_path,
    project=project,
    dagster_dbt_translator=KhoDbtTranslator(),
    pool=WAREHOUSE_POOL,
    name="kho_dbt_models",
)
def kho_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, kho: KhoPaths):
    # profiles.yml reads the warehouse path from KHO_WAREHOUSE; the dbt subprocess inherits it.
    os.environ["KHO_WAREHOUSE"] = kho.warehouse_path
    build = dbt.cli(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
                    context=context, raise_on_error=False)
    yield from build.stream()
    test = dbt.cli(["test"], context=context, raise_on_error=False)
    yield from test.stream()

    manifest = _artifact(test, "manifest.json") or json.loads(project.manifest_path.read_text(encoding="utf-8"))
    graph = DbtProjectGraph(manifest)
    builds = build_statuses(_artifact(build, "run_results.json"))
    with connect(kho.warehouse) as con:
        results = collect_results(con, graph, _artifact(test, "run_results.json"), context.run_id)
        save_results(con, results)
        save_builds(con, builds, context.run_id)
    failed_builds = [uid for uid, status, _ in builds if status not in ("success", "pass")]
    by_status = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
    context.log.info(f"dbt: {len(builds)} models and seeds built ({len(failed_builds)} not), "
                     f"{len(results)} tests: {by_status}")
    if failed_builds:
        context.log.warning("not built: " + ", ".join(failed_builds))
    if not builds and not results and not (build.is_successful() and test.is_successful()):
        raise dg.Failure(description="dbt did not run; see the dbt output in this step's logs")
