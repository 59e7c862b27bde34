"""The publish step: every dataset of the `published` schema becomes an immutable version.

One step publishes all datasets (they share one read of the warehouse); each dataset is its own
asset so lineage and run history show per dataset. It runs only after dbt build and its blocking
checks succeeded in the same run.
"""

from pathlib import Path

import dagster as dg

from catalog.store import CatalogStore
from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.dbt_translator import model_asset_key, published_asset_key
from orchestration.lib.ingestion_assets import WAREHOUSE_POOL
from orchestration.lib.publish import publish_model, published_models
from orchestration.lib.resources import KhoPaths
from orchestration.lib.warehouse import connect

MODELS = {m.meta.name: m for m in published_models(kho_dbt_project().manifest_path)}


@dg.multi_asset(
    name="publish_datasets",
    group_name="published",
    specs=[
        dg.AssetSpec(
            key=published_asset_key(name),
            deps=[model_asset_key("published", name)],
            description=f"{m.meta.title_vi} / {m.meta.title_en} — phiên bản công bố (Parquet + schema.json).",
            kinds={"parquet"},
            tags={"access_level": m.meta.access_level},
            skippable=True,
        )
        for name, m in MODELS.items()
    ],
    pool=WAREHOUSE_POOL,
    can_subset=True,
)
def publish_datasets(context: dg.AssetExecutionContext, kho: KhoPaths):
    store = CatalogStore(kho.catalog_url)
    store.create_schema()
    selected = {key.path[-1] for key in context.selected_asset_keys}
    # Read-only: the dbt step has finished writing, and publishing only reads the warehouse.
    with connect(kho.warehouse, read_only=True) as con:
        for name in sorted(selected):
            outcome = publish_model(con, store, Path(kho.published_dir), MODELS[name], run_id=context.run_id)
            context.log.info(f"{name}: {outcome.status} {outcome.version} ({outcome.row_count} rows)")
            yield dg.MaterializeResult(
                asset_key=published_asset_key(name),
                metadata={
                    "version": outcome.version,
                    "status": outcome.status,
                    "dagster/row_count": outcome.row_count,
                    "path": str(outcome.path),
                },
            )
