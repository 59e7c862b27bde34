"""Entry point of the Kho code location: `dagster dev -m orchestration.definitions`.

Everything is autoloaded from the `defs/` package (configured under [tool.dg] in pyproject.toml):
one folder per sector system, `dbt/`, `publish/`, resources and schedules.
"""

import dagster as dg

from kho.settings import PROJECT_ROOT


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)
