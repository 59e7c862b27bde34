"""The `kho` command line: simulate sector systems, run the pipeline, serve the API and portal."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kho.cli_access import access_app
from kho.cli_ops import ops_app
from kho.settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="Kho — kho dữ liệu tỉnh: provincial data warehouse and open-data catalogue.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
app.add_typer(access_app)  # kho agency | token | grant | audit
app.add_typer(ops_app)  # kho backup | restore | config check: docs/operations.md


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


@app.command()
def simulate(
    scale: Annotated[str, typer.Option(help="Scale preset: small | province | large")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; same seed and --as-of give the same bytes")] = 20250701,
    as_of: Annotated[Optional[str], typer.Option(help="Date the data ends (YYYY-MM-DD); default today")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder; default $KHO_HOME/sources")] = None,
    defect_rate: Annotated[Optional[float], typer.Option(help="Share of rows with injected defects; 0 = clean")] = None,
    province: Annotated[str, typer.Option(help="Province code of the 2025 units (11 = Điện Biên)")] = "11",
    target: Annotated[Optional[str], typer.Option(
        help="Also load into a server: postgresql://… or mysql://… (with --systems)")] = None,
    systems: Annotated[Optional[str], typer.Option(help="Comma-separated systems for --target")] = None,
) -> None:
    """Generate the sector systems of one province (SQLite, CSV, Excel) with a defect manifest."""
    import simulator

    if scale not in simulator.SCALES:
        raise typer.BadParameter(f"unknown scale {scale!r}; choose one of {', '.join(simulator.SCALES)}")
    as_of_date = dt.date.fromisoformat(as_of) if as_of else None
    out_dir = (out or get_settings().sources_dir).resolve()
    with _progress() as progress:
        tasks: dict[str, int] = {}

        def on_progress(label: str, rows: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=None)
            progress.update(tasks[label], completed=rows)

        manifest = simulator.generate(out_dir, scale=scale, seed=seed, as_of=as_of_date, province_code=province,
                                      defect_rate=defect_rate, progress=on_progress)
        if target:
            chosen = systems.split(",") if systems else []
            if not chosen:
                raise typer.BadParameter("--target needs --systems, e.g. --systems motcua,dkkd")
            loaded = simulator.load_into(out_dir, target, chosen)
            for table, rows in loaded.items():
                console.print(f"  loaded {table}: {rows:,} rows → {target.split('@')[-1]}")
    total = sum(manifest["row_counts"].values())
    defects = sum(d["count"] for d in manifest["defects"])
    console.print(f"[green]Simulated[/] {total:,} rows ({scale}, seed {seed}) in {out_dir}; "
                  f"{defects:,} injected defects listed in {out_dir / 'manifest.json'}")


@app.command()
def run(
    full_refresh: Annotated[bool, typer.Option(
        "--full-refresh", help="Reload every source table from scratch instead of incrementally")] = False,
    fail_on_rejection: Annotated[bool, typer.Option(
        help="Exit with status 2 when the quality gate rejected a dataset version")] = False,
) -> None:
    """Run the whole pipeline once, in-process: ingest → dbt build → checks → quality gate → publish."""
    from orchestration.lib.runner import run_pipeline

    settings = get_settings()
    with _progress() as progress:
        task = progress.add_task("pipeline", total=None)

        def on_progress(done: int, total: int, step: str) -> None:
            progress.update(task, completed=done, total=total, description=f"pipeline {step}".strip())

        summary = run_pipeline(settings, on_progress=on_progress, full_refresh=full_refresh)
    for dataset, state in sorted(summary.published.items()):
        console.print(f"  {dataset}: {state}")
    for dataset, why in sorted(summary.rejected.items()):
        console.print(f"  [red]{dataset}: REJECTED[/] {why[0]} — the previous version stays current; failing checks:")
        for line in why[1:]:
            console.print(f"      {line}", markup=False)
    for dataset, why in sorted(summary.not_built.items()):
        console.print(f"  [red]{dataset}: NOT BUILT[/] {why}", markup=False)
    if not summary.success:
        console.print(f"[red]Pipeline run {summary.run_id} failed[/] ({summary.steps_failed} failed steps); "
                      "the last good published versions keep being served. See `kho ui` for details.")
        raise typer.Exit(1)
    if summary.rejected:
        console.print(f"[yellow]Pipeline run {summary.run_id} completed; the quality gate rejected "
                      f"{len(summary.rejected)} dataset version(s)[/]: {', '.join(sorted(summary.rejected))}. "
                      "Scorecards: GET /api/v1/datasets/<name>/quality, the portal's /quality page.")
        if fail_on_rejection:
            raise typer.Exit(2)
        return
    console.print(f"[green]Pipeline run {summary.run_id} succeeded[/] ({summary.steps_succeeded} steps).")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[Optional[int], typer.Option(
        help="Worker processes (default KHO_WORKERS or 1); several need KHO_REDIS_URL for shared rate limits")] = None,
) -> None:
    """Serve the REST API and the portal over the published data."""
    import shutil

    import uvicorn

    from api.observability import logging_config
    from kho.settings import SettingsError

    settings = get_settings()
    try:
        settings.validate()
    except SettingsError as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None
    count = workers if workers is not None else settings.workers
    if count < 1:
        raise typer.BadParameter("--workers must be at least 1")
    if count > 1:
        if not settings.redis_url:
            console.print("[yellow]Several workers without KHO_REDIS_URL: each worker keeps its own rate-limit "
                          "buckets (limits are multiplied by the number of workers).[/]")
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # workers write metrics here; /metrics sums them
            metrics_dir = settings.home / "run" / "prometheus"
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        if not os.environ.get("KHO_QUERY_TOKEN_SECRET"):
            # `_next` page tokens are signed; every worker must share the key or a page token from one
            # worker is refused by the next. Workers inherit this process's environment.
            import secrets

            os.environ["KHO_QUERY_TOKEN_SECRET"] = secrets.token_urlsafe(32)
    # Create or upgrade the catalogue schema once, here, so N workers do not race through the migrations.
    from api.access.models import create_access_schema
    from catalog.store import CatalogStore

    store = CatalogStore(settings.catalog_url)
    try:
        store.create_schema()
        create_access_schema(store.engine)
    finally:
        store.engine.dispose()
    base = f"http://{host}:{port}"
    console.print(f"Portal:   {base}/\nREST API: {base}/api/v1/datasets\nOpenAPI:  {base}/docs\n"
                  f"Health:   {base}/healthz, {base}/readyz; metrics {base}/metrics ({count} worker(s))\n"
                  "Dagster:  `kho ui` (in another terminal) then http://127.0.0.1:3000\nCtrl-C to stop.")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=count,
                log_config=logging_config(settings.log_format, settings.log_level), access_log=False)


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port of the Dagster UI")] = 3000) -> None:
    """Open the Dagster UI (runs, schedules, asset graph, checks) on this project's instance."""
    from orchestration.lib.runner import configure_dagster_env

    configure_dagster_env(get_settings())
    dagster = Path(sys.executable).with_name("dagster")
    os.chdir(PROJECT_ROOT)
    os.execv(str(dagster), [str(dagster), "dev", "-m", "orchestration.definitions", "-p", str(port)])


if __name__ == "__main__":
    app()
