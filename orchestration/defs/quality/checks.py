"""Asset checks on every sector table's raw asset: `row_count_reconciliation` (đủ) and `freshness` (sống).

One multi-asset check per sector system, so a system's checks run in one step after its tables are loaded.
Results go to the Dagster UI (check status and metadata) and to the warehouse (`quality.check_results`),
where the publication gate reads them for every dataset built from the table; freshness is also recorded in
the catalogue's source-freshness list for the steward dashboard. Neither check blocks the run: the gate
rejects what a failed error-severity check speaks against, and a stale feed only warns (the last good data
stay published and the steward sees the warning). Logic in `orchestration/lib/quality/ingestion.py`.
"""


import datetime as dt
from pathlib import Path

import dagster as dg

from catalog.store import CatalogStore
from orchestration.lib.ingestion_assets import WAREHOUSE_POOL
from orchestration.lib.quality.checks import CheckResult
from orchestration.lib.quality.ingestion import FRESHNESS, RECONCILIATION, freshness, reconcile
from orchestration.lib.quality.store import save_results
from orchestration.lib.registry import System, load_registry
from orchestration.lib.resources import KhoPaths
from orchestration.lib.warehouse import connect

DESCRIPTIONS = {
    RECONCILIATION: "Đủ: số dòng ở nguồn khớp số dòng đã nạp cộng số dòng cách ly / rows at the source = rows in raw "
                    "+ quarantined keys",
    FRESHNESS: "Sống: nguồn được cập nhật và được nạp trong thời hạn SLA / the feed and its load are within the "
               "registry's freshness SLA",
}


def _key(system: str, table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, table])


def _result(check: CheckResult, table_key: dg.AssetKey) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if check.severity == "error" else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        asset_key=table_key, check_name=check.name, passed=check.status == "pass", severity=severity,
        description=check.message,
        metadata={"dimension": check.dimension, "status": check.status,
                  "failing_rows": check.failing_count if check.failing_count is not None else -1,
                  "rows_tested": check.rows_tested if check.rows_tested is not None else -1},
    )


def _last_materialization(instance: dg.DagsterInstance, key: dg.AssetKey) -> dt.datetime | None:
    event = instance.get_latest_materialization_event(key)
    return dt.datetime.fromtimestamp(event.timestamp) if event else None


def build_system_checks(system: System) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name, asset=_key(system.name, t.name), description=DESCRIPTIONS[name])
             for t in system.tables for name in (RECONCILIATION, FRESHNESS)]

    @dg.multi_asset_check(specs=specs, name=f"{system.name}_ingestion_checks", can_subset=True, pool=WAREHOUSE_POOL)
    def _checks(context: dg.AssetCheckExecutionContext, kho: KhoPaths):
        selected = {(k.asset_key.path[-1], k.name) for k in context.selected_asset_check_keys}
        store = CatalogStore(kho.catalog_url)
        store.create_schema()
        results: list = []
        with connect(kho.warehouse) as con:
            for table in system.tables:
                key = _key(system.name, table.name)
                if (table.name, RECONCILIATION) in selected:
                    results.append((reconcile(con, system, table, Path(kho.sources_dir), run_id=context.op_execution_context.run_id), key))
                if (table.name, FRESHNESS) in selected:
                    check, facts = freshness(con, system, table, run_id=context.op_execution_context.run_id,
                                             last_load_at=_last_materialization(context.instance, key))
                    results.append((check, key))
                    store.record_source_freshness(
                        f"{system.name}.{table.name}", owner_code=system.owner_code,
                        last_loaded_at=facts["last_loaded_at"], max_updated_at=facts["max_updated_at"],
                        rows_loaded=facts["rows_loaded"], sla_hours=facts["sla_hours"])
            save_results(con, [c for c, _ in results])
        store.engine.dispose()
        for check, key in results:
            yield _result(check, key)

    return _checks


@dg.definitions
def ingestion_checks() -> dg.Definitions:
    return dg.Definitions(asset_checks=[build_system_checks(s) for s in load_registry().values()])
