"""Run the whole pipeline once, in-process, against the persistent Dagster instance.

Used by `kho run`: the run is recorded in the same instance `dagster dev` shows, so it appears in
the Dagster UI with its logs, asset materialisations and check results.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from kho.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    success: bool
    steps_succeeded: int
    steps_failed: int
    published: dict[str, str]  # dataset → version (or "unchanged ...")
    rejected: dict[str, list[str]] = field(default_factory=dict)  # dataset → why (failed error checks)
    not_built: dict[str, str] = field(default_factory=dict)  # dataset → which model failed to build


def configure_dagster_env(settings: Settings) -> None:
    """Point Dagster at dagster.yaml (repository root) and its storage under KHO_HOME."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    os.environ.setdefault("KHO_DAGSTER_STORAGE", str(settings.home / "dagster"))
    os.environ.setdefault("KHO_WAREHOUSE", str(settings.warehouse_path))
    (settings.home / "dagster").mkdir(parents=True, exist_ok=True)


def run_pipeline(
    settings: Settings,
    on_progress: Callable[[int, int, str], None] | None = None,
    full_refresh: bool = False,
) -> RunSummary:
    """`full_refresh`: every ingestion asset reloads its table from scratch (run tag kho/full_refresh)."""
    configure_dagster_env(settings)
    settings.ensure_dirs()
    from orchestration.defs.dbt.project import parse_dbt_project

    parse_dbt_project()
    from orchestration.definitions import defs  # import after the environment is set and dbt parsed

    definitions = defs()
    job = definitions.resolve_job_def("kho_pipeline")
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    total_steps = len(job.get_job_snapshot().node_defs_snapshot.op_def_snaps)
    done = threading.Event()

    def _watch() -> None:
        seen = 0
        while not done.wait(0.5):
            records = instance.get_records_for_run(run_id, of_type={dg.DagsterEventType.STEP_SUCCESS,
                                                                    dg.DagsterEventType.STEP_FAILURE}).records
            if len(records) != seen and on_progress:
                seen = len(records)
                on_progress(seen, total_steps, records[-1].event_log_entry.step_key or "")

    watcher = threading.Thread(target=_watch, daemon=True)
    watcher.start()
    try:
        # The console shows the progress bar; the full event log stays in the instance (Dagster UI).
        result = job.execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            tags={"kho/full_refresh": "true"} if full_refresh else None,
        )
    finally:
        done.set()
        watcher.join()
    succeeded = len(instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records)
    failed = len(instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records)
    if on_progress:
        on_progress(succeeded + failed, total_steps, "")
    published = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat and mat.asset_key.path[0] == "published":
            meta = mat.metadata
            published[mat.asset_key.path[-1]] = f'{meta["status"].value} {meta["version"].value}'
    rejected: dict[str, list[str]] = {}
    not_built: dict[str, str] = {}
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.check_name != "quality_gate" or evaluation.passed:
            continue
        dataset = evaluation.asset_key.path[-1]
        meta = evaluation.metadata
        if "reasons" in meta:
            version = meta["version"].value if "version" in meta else ""
            rejected[dataset] = [f"version {version}"] + list(meta["reasons"].value)
        else:
            not_built[dataset] = evaluation.description or "not built"
    return RunSummary(run_id, result.success, succeeded, failed, published, rejected, not_built)
