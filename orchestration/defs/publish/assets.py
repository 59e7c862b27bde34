"""The publish step, which is the quality gate: every dataset of the `published` schema is checked and
becomes an immutable version — published (current pointer moved) or rejected (recorded, never served).

One step publishes all datasets (they share one read of the warehouse and one GX context); each dataset is
its own asset with a `quality_gate` asset check, so lineage, run history and the gate's verdict show per
dataset in the Dagster UI. A rejected dataset yields no materialization (its previous version stays
current) and a failed `quality_gate` check whose metadata lists the reasons. The run itself succeeds: a
rejection is the gate working, not the pipeline failing (`kho run` lists rejections; docs/quality.md).
"""

import json
from pathlib import Path

import dagster as dg

from catalog.store import CatalogStore
from expectations.runner import GxRunner
from kho.settings import get_settings
from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.dbt_translator import model_asset_key, published_asset_key
from orchestration.lib.ingestion_assets import WAREHOUSE_POOL
from orchestration.lib.publish import publish_model, published_models
from orchestration.lib.quality.dbt_checks import DbtProjectGraph
from orchestration.lib.quality.gate import GateInputs
from orchestration.lib.quality.store import load_builds, load_results
from orchestration.lib.resources import KhoPaths
from orchestration.lib.warehouse import connect

MODELS = {m.meta.name: m for m in published_models(kho_dbt_project().manifest_path)}
GATE_CHECK = "quality_gate"


def _reason_lines(reasons: list[dict]) -> list[str]:
    return [f"[{r.get('dimension', '-')}] {r.get('check')} ({r.get('target', '')}): "
            f"{r.get('failing_count') if r.get('failing_count') is not None else '-'} failing — {r.get('message', '')}"[:500]
            for r in reasons]


@dg.multi_asset(
    name="publish_datasets",
    group_name="published",
    specs=[
        dg.AssetSpec(
            key=published_asset_key(name),
            deps=[model_asset_key("published", name)],
            description=f"{m.meta.title_vi} / {m.meta.title_en} — phiên bản công bố qua cổng chất lượng "
                        "(Parquet + schema.json + quality.json + datapackage.json).",
            kinds={"parquet"},
            tags={"access_level": m.meta.access_level},
            skippable=True,
        )
        for name, m in MODELS.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(GATE_CHECK, asset=published_asset_key(name),
                          description="Cổng chất lượng đúng/đủ/sạch/sống: lỗi mức error thì từ chối phiên bản / "
                                      "the quality gate: an error-severity failure rejects the version")
        for name in MODELS
    ],
    pool=WAREHOUSE_POOL,
    can_subset=True,
)
def publish_datasets(context: dg.AssetExecutionContext, kho: KhoPaths):
    store = CatalogStore(kho.catalog_url)
    store.create_schema()
    selected = {key.path[-1] for key in context.selected_asset_keys}
    manifest = json.loads(kho_dbt_project().manifest_path.read_text(encoding="utf-8"))
    runner = GxRunner(get_settings().home)
    not_built = []
    # Read-only: the dbt step has finished writing, and publishing only reads the warehouse.
    with connect(kho.warehouse, read_only=True) as con:
        gate = GateInputs(graph=DbtProjectGraph(manifest), results=load_results(con), builds=load_builds(con))
        for name in sorted(selected):
            outcome = publish_model(con, store, Path(kho.published_dir), MODELS[name], gate,
                                    lambda n, df, personal: runner.validate(n, df, personal, context.run_id),
                                    run_id=context.run_id)
            key = published_asset_key(name)
            scores = {k: (v if v is not None else -1) for k, v in (outcome.scores or {}).items()}
            meta = {"version": outcome.version, "status": outcome.status, "dagster/row_count": outcome.row_count,
                    "scores": scores, "warnings": outcome.warnings, "checks": outcome.checks}
            if outcome.status == "rejected":
                context.log.warning(f"{name}: REJECTED {outcome.version}: " + "; ".join(_reason_lines(outcome.reasons or [])))
                yield dg.AssetCheckResult(asset_key=key, check_name=GATE_CHECK, passed=False,
                                          severity=dg.AssetCheckSeverity.ERROR,
                                          description="rejected: " + "; ".join(_reason_lines(outcome.reasons or [])),
                                          metadata={**meta, "reasons": _reason_lines(outcome.reasons or [])})
                continue
            if outcome.status == "not_built":
                not_built.append(name)
                context.log.error(f"{name}: not built — " + "; ".join(r["message"] for r in outcome.reasons or []))
                yield dg.AssetCheckResult(asset_key=key, check_name=GATE_CHECK, passed=False,
                                          severity=dg.AssetCheckSeverity.ERROR,
                                          description="not built: " + "; ".join(r["message"] for r in outcome.reasons or []),
                                          metadata={"status": "not_built"})
                continue
            context.log.info(f"{name}: {outcome.status} {outcome.version} ({outcome.row_count} rows, "
                             f"{outcome.warnings} warnings)")
            yield dg.MaterializeResult(asset_key=key, metadata={**meta, "path": str(outcome.path)})
            yield dg.AssetCheckResult(asset_key=key, check_name=GATE_CHECK, passed=True,
                                      severity=dg.AssetCheckSeverity.WARN,
                                      description=f"{outcome.status}: {outcome.warnings} warnings",
                                      metadata={"status": outcome.status, "version": outcome.version,
                                                "warnings": outcome.warnings})
    store.engine.dispose()
    if not_built:
        raise dg.Failure(description=f"datasets not rebuilt because a model of their lineage failed to build: "
                                     f"{', '.join(not_built)}; their previous versions stay current")
