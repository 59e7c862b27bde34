"""Factory for the ingestion assets: one Dagster asset per source table of a registry system."""


import dagster as dg

from orchestration.lib.ingest import SourceUnavailableError, load_table
from orchestration.lib.registry import System, Table, load_registry
from orchestration.lib.resources import KhoPaths
from orchestration.lib.warehouse import connect

#: DuckDB allows one writer per file: every asset that writes the warehouse runs in this pool
#: (dagster.yaml limits it to one slot).
WAREHOUSE_POOL = "warehouse"

_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)


def _engine_kind(system: System) -> str:
    default = system.connection_default
    if system.is_file_drop:
        return "csv" if any((t.file or "").endswith(".csv") for t in system.tables) else "excel"
    return default.split(":", 1)[0]


def _build_table_asset(system: System, table: Table) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", system.name, table.name]),
        group_name=system.name,
        description=f"{system.title} — bảng `{table.name}`, nạp vào `raw.{table.raw_name}`.",
        kinds={"duckdb", _engine_kind(system)},
        owners=[],
        tags={"system": system.name},
        metadata={
            "owner_agency": system.owner_name,
            "primary_key": list(table.primary_key),
            "cursor": table.cursor or "",
            "personal_data_columns": [c.name for c in table.columns if c.pii != "none"],
        },
        pool=WAREHOUSE_POOL,
        retry_policy=_RETRY,
    )
    def _ingest(context: dg.AssetExecutionContext, kho: KhoPaths) -> dg.MaterializeResult:
        from pathlib import Path

        with connect(kho.warehouse) as con:
            try:
                result = load_table(con, system, table, Path(kho.sources_dir))
            except SourceUnavailableError as exc:
                raise dg.Failure(description=str(exc)) from exc
        context.log.info(f"{system.name}.{table.name}: {result.rows_loaded} rows in {result.duration_s:.2f}s")
        return dg.MaterializeResult(
            metadata={
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "cursor_reached": result.cursor_max or "",
                "schema_hash": result.schema_hash,
                "duration_s": round(result.duration_s, 3),
                "dagster/row_count": result.rows_loaded,
            }
        )

    return _ingest


def build_system_assets(system_name: str) -> list[dg.AssetsDefinition]:
    system = load_registry()[system_name]
    return [_build_table_asset(system, table) for table in system.tables]
