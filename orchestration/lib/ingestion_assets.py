"""Factory for the ingestion definitions: one Dagster asset per source table of a registry system, with
its quarantine check (and drop-file check for CSV/Excel folders), plus per-system job, schedule and
drop-folder sensor.

Full refresh: launch with the run tag `kho/full_refresh=true` (what `kho run --full-refresh` does) or
with the asset config `full_refresh: true` from the launchpad.
"""

import json
import os
from pathlib import Path

import dagster as dg

from orchestration.lib.ingest import LoadResult, SchemaDriftError, SourceUnavailableError, load_table, table_spec
from orchestration.lib.ingest.files import file_sha256, list_drop_files
from orchestration.lib.ingest.incremental import QUARANTINE
from orchestration.lib.registry import REGISTRY_PATH, System, Table, load_registry
from orchestration.lib.resources import KhoPaths
from orchestration.lib.ingest.extensions import open_warehouse

#: DuckDB allows one writer per file: every asset that writes the warehouse runs in this pool
#: (dagster.yaml limits it to one slot).
WAREHOUSE_POOL = "warehouse"
#: Run tag that turns every ingestion asset of the run into a full refresh.
FULL_REFRESH_TAG = "kho/full_refresh"
TIMEZONE = "Asia/Ho_Chi_Minh"


def default_retry_policy() -> dg.RetryPolicy:
    """Unreachable sources and broken transfers are retried with exponential backoff and jitter
    (defaults: 3 retries after ~5 s, 10 s, 20 s; KHO_INGEST_RETRIES / KHO_INGEST_RETRY_DELAY)."""
    return dg.RetryPolicy(
        max_retries=int(os.environ.get("KHO_INGEST_RETRIES", "3")),
        delay=float(os.environ.get("KHO_INGEST_RETRY_DELAY", "5")),
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


class IngestConfig(dg.Config):
    full_refresh: bool = False


def _engine_kind(system: System) -> str:
    if system.is_file_drop:
        return "csv" if any((t.file or "").endswith(".csv") for t in system.tables) else "excel"
    return system.connection_default.split(":", 1)[0]


def asset_key(system: System | str, table: Table | str) -> dg.AssetKey:
    return dg.AssetKey(["raw", getattr(system, "name", system), getattr(table, "name", table)])


def run_metadata(result: LoadResult) -> dict:
    """Run metadata of one load (rows, cursor, schema hash, duration, …)."""
    meta = {
        "mode": result.mode,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_inserted": result.rows_inserted,
        "rows_updated": result.rows_updated,
        "rows_deleted": result.rows_deleted,
        "rows_unchanged": result.rows_unchanged,
        "rows_quarantined": result.rows_quarantined,
        "cursor_reached": result.cursor_max or "",
        "schema_hash": result.schema_hash,
        "registry_hash": result.registry_hash,
        "duration_s": result.duration_s,
        "extract_s": result.extract_s,
        "apply_s": result.apply_s,
        "connector": result.connector,
        "read_mode": result.read_mode,
        "source": result.source,
        "dagster/row_count": result.rows_total,
    }
    if result.mode == "full_refresh":
        meta["full_refresh_reason"] = result.full_refresh_reason
        meta["rows_replaced"] = result.rows_replaced
    if result.cursor_from:
        meta["cursor_from"] = result.cursor_from
    if result.columns_added:
        meta["columns_added"] = result.columns_added
    if result.type_changes:
        meta["type_changes"] = result.type_changes
    if result.key_reconciliation:
        meta["key_reconciliation"] = True
    if result.missing_keys:
        meta["source_keys_missing_from_raw"] = result.missing_keys
    if result.files_new or result.files_loaded or result.files_rejected:
        meta["files_new"] = result.files_new
        meta["files_loaded"] = result.files_loaded
        meta["files_rejected"] = result.files_rejected
    return meta


def quarantine_summary(con, system: str, table: str, run_id: str) -> list[dict]:
    """This run's quarantine records of a table, grouped by column and reason."""
    rows = con.execute(f"SELECT column_name, reason, count(*) AS n, min(key) AS example_key FROM {QUARANTINE} "
                       "WHERE system = ? AND table_name = ? AND run_id = ? GROUP BY ALL ORDER BY n DESC LIMIT 20",
                       [system, table, run_id]).fetchall()
    return [{"column": c, "reason": r, "rows": n, "example_key": k} for c, r, n, k in rows]


def build_table_asset(system: System, table: Table, *, registry_path: Path = REGISTRY_PATH,
                      retry_policy: dg.RetryPolicy | None = None) -> dg.AssetsDefinition:
    key = asset_key(system, table)
    spec = table_spec(system, table, registry_path)
    checks = [dg.AssetCheckSpec("quarantine", asset=key, description=(
        "Rows of this load that could not be typed to the registry (ingest.quarantine); warns when any."))]
    if system.is_file_drop:
        checks.append(dg.AssetCheckSpec("drop_files", asset=key, description=(
            "Files of the drop folder rejected as a whole in this load (ingest.files, with the reason).")))

    @dg.asset(
        key=key,
        group_name=system.name,
        description=(f"{system.title} — bảng `{table.name}`, nạp vào `raw.{table.raw_name}` "
                     f"(tăng dần theo `{table.cursor}`, khoá `{', '.join(table.primary_key)}`)."),
        kinds={"duckdb", _engine_kind(system)},
        tags={"system": system.name},
        metadata={
            "owner_agency": system.owner_name,
            "owner_code": system.owner_code,
            "primary_key": list(table.primary_key),
            "cursor": table.cursor or "",
            "schedule": system.schedule,
            "connection_env": system.connection_env,
            "personal_data_columns": [c.name for c in table.columns if c.pii != "none"],
            "raw_table": f"raw.{table.raw_name}",
        },
        check_specs=checks,
        pool=WAREHOUSE_POOL,
        retry_policy=retry_policy or default_retry_policy(),
    )
    def _ingest(context: dg.AssetExecutionContext, config: IngestConfig, kho: KhoPaths) -> dg.MaterializeResult:
        full = config.full_refresh or context.run.tags.get(FULL_REFRESH_TAG, "").lower() in ("1", "true", "yes")
        summary: list[dict] = []
        try:
            with open_warehouse(kho.warehouse) as con:
                result = load_table(con, system, table, Path(kho.sources_dir), full_refresh=full,
                                    run_id=context.run.run_id, spec=spec)
                if result.rows_quarantined:
                    summary = quarantine_summary(con, system.name, table.name, context.run.run_id)
        except SchemaDriftError as exc:
            raise dg.Failure(description=str(exc), metadata={"columns": exc.columns}, allow_retries=False) from exc
        except SourceUnavailableError as exc:
            context.log.warning(f"{spec.name}: {exc} (attempt {context.retry_number + 1})")
            raise dg.Failure(description=str(exc), allow_retries=True) from exc
        context.log.info(
            f"{spec.name}: {result.mode}, read {result.rows_read}, +{result.rows_inserted} ~{result.rows_updated} "
            f"-{result.rows_deleted}, quarantined {result.rows_quarantined}, cursor {result.cursor_max} "
            f"in {result.duration_s:.2f}s")
        quarantine_meta = {"rows_quarantined": result.rows_quarantined, "rows_read": result.rows_read,
                           "rows_loaded": result.rows_loaded}
        if summary:
            quarantine_meta["by_reason"] = dg.MetadataValue.json(summary)
        check_results = [dg.AssetCheckResult(
            check_name="quarantine", passed=result.rows_quarantined == 0,
            severity=dg.AssetCheckSeverity.WARN, metadata=quarantine_meta)]
        if system.is_file_drop:
            check_results.append(dg.AssetCheckResult(
                check_name="drop_files", passed=not result.files_rejected,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"files_new": result.files_new, "files_loaded": result.files_loaded,
                          "files_rejected": result.files_rejected}))
        return dg.MaterializeResult(metadata=run_metadata(result), check_results=check_results)

    return _ingest


def build_system_assets(system_name: str, *, registry_path: Path = REGISTRY_PATH,
                        retry_policy: dg.RetryPolicy | None = None) -> list[dg.AssetsDefinition]:
    system = load_registry(Path(registry_path))[system_name]
    return [build_table_asset(system, table, registry_path=registry_path, retry_policy=retry_policy)
            for table in system.tables]


def build_system_job(system_name: str):
    system = load_registry()[system_name]
    return dg.define_asset_job(
        f"ingest_{system_name}",
        selection=dg.AssetSelection.assets(*[asset_key(system, t) for t in system.tables]),
        description=f"Nạp {system.title} vào lớp raw (tăng dần).",
        tags={"system": system_name},
    )


def build_system_schedule(system_name: str, job) -> dg.ScheduleDefinition:
    """The system's ingestion on the registry's cron (the daily pipeline also ingests before dbt)."""
    system = load_registry()[system_name]
    return dg.ScheduleDefinition(
        name=f"ingest_{system_name}_schedule",
        job=job,
        cron_schedule=system.schedule,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Lịch nạp {system.name} theo registry.yaml ({system.schedule}).",
    )


def build_drop_sensor(system_name: str, job, minimum_interval_seconds: int = 60) -> dg.SensorDefinition:
    """Watch the system's drop folder; request a load of a table when a file with new content appears.

    The sensor cursor maps each file to (size, mtime, sha256) so unchanged files are not re-hashed; the
    run key is the content hash, so a content is requested once. The asset itself skips files whose hash
    is already in ingest.files, so a duplicate request is harmless.
    """
    system = load_registry()[system_name]
    specs = [table_spec(system, t) for t in system.tables]

    @dg.sensor(name=f"{system_name}_drop_folder", job=job, minimum_interval_seconds=minimum_interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Tệp mới trong thư mục thả của {system.name} ({system.connection_env}).")
    def _sensor(context: dg.SensorEvaluationContext, kho: KhoPaths):
        url = system.connection_url(Path(kho.sources_dir))
        folder = Path(url.removeprefix("file://"))
        if not folder.is_dir():
            return dg.SkipReason(f"drop folder {folder} does not exist")
        known: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
        seen_hashes = {v[2] for v in known.values()}
        current: dict[str, list] = {}
        requests = []
        for spec in specs:
            new_hashes, new_names = [], []
            for drop in list_drop_files(folder, spec.file_pattern or "*"):
                before = known.get(str(drop.path))
                if before and before[0] == drop.size and before[1] == drop.mtime_ns:
                    sha = before[2]
                else:
                    sha = file_sha256(drop.path)
                current[str(drop.path)] = [drop.size, drop.mtime_ns, sha]
                if sha not in seen_hashes:
                    new_hashes.append(sha)
                    new_names.append(drop.name)
            if new_hashes:
                requests.append(dg.RunRequest(
                    run_key=f"{spec.table.name}:{','.join(sorted(new_hashes))}",
                    asset_selection=[asset_key(system, spec.table)],
                    tags={"kho/drop_files": ",".join(new_names)[:200]},
                ))
        context.update_cursor(json.dumps(current))
        return requests or dg.SkipReason(f"no new file in {folder}")

    return _sensor
