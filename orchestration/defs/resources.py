"""Resources shared by every asset of the code location."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.resources import KhoPaths


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "kho": KhoPaths.from_settings(),
            "dbt": DbtCliResource(project_dir=kho_dbt_project()),
        }
    )
