"""Resources shared by every asset of the code location."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import kho_dbt_project
from orchestration.lib.resources import KhoPaths


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "kho": KhoPaths.from_settings(),
            # The dbt of this virtual environment, whether or not the venv is on PATH.
            "dbt": DbtCliResource(project_dir=kho_dbt_project(),
                                  dbt_executable=str(Path(sys.executable).with_name("dbt"))),
        }
    )
