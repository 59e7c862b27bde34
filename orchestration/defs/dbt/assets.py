"""All dbt models, seeds and data tests as Dagster assets and (blocking) asset checks."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.dbt_translator import KhoDbtTranslator
from orchestration.lib.ingestion_assets import WAREHOUSE_POOL
from orchestration.lib.resources import KhoPaths

project = kho_dbt_project()


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
    # `build` runs models, seeds and data tests in DAG order; an error-severity test failure
    # stops everything downstream of it, including publication.
    yield from dbt.cli(["build"], context=context).stream()
