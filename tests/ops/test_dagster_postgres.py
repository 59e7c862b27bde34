"""deploy/dagster.postgres.yaml: a Dagster instance on the local PostgreSQL loads, creates its schema and
records a run of a tiny job (runs, event log) that a second instance from the same file reads back."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from kho.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy" / "dagster.postgres.yaml"


@dg.op
def count_rows() -> int:
    return 3


@dg.op
def double(n: int) -> int:
    return 2 * n


@dg.job
def tiny_job():
    double(count_rows())


def test_dagster_instance_on_postgresql(tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "dagster-home"
    home.mkdir()
    shutil.copy(DEPLOY, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("KHO_DAGSTER_PG_URL", pg_database.replace("postgresql+psycopg://", "postgresql://", 1))
    monkeypatch.setenv("KHO_DAGSTER_STORAGE", str(tmp_path / "storage"))

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        result = tiny_job.execute_in_process(instance=instance)
        assert result.success and result.output_for_node("double") == 6
        run_id = result.run_id

    with dg.DagsterInstance.get() as again:  # a fresh instance (another process would do the same)
        run = again.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "tiny_job"
        steps = {e.step_key for e in again.all_logs(run_id) if e.is_dagster_event and e.dagster_event.is_step_success}
        assert steps == {"count_rows", "double"}

    engine = sa.create_engine(pg_database)  # the rows really are in PostgreSQL
    try:
        with engine.connect() as con:
            assert con.execute(sa.text("SELECT count(*) FROM runs WHERE run_id = :r"), {"r": run_id}).scalar() == 1
            assert con.execute(sa.text("SELECT count(*) FROM event_logs WHERE run_id = :r"),
                               {"r": run_id}).scalar() > 5
    finally:
        engine.dispose()
