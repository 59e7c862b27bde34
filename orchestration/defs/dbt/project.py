"""The dbt project (dbt_project.yml at the repository root) as Dagster sees it."""

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from kho.settings import PROJECT_ROOT


def _ensure_dbt_on_path() -> None:
    # dagster-dbt runs `dbt` from PATH (also when it parses the project); use this venv's dbt even
    # when the venv is not activated, e.g. `.venv/bin/kho run`.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _project() -> DbtProject:
    _ensure_dbt_on_path()
    return DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT, target="dev")


def parse_dbt_project() -> None:
    """Re-parse the dbt project into target/manifest.json so changed models are picked up.

    `kho run` calls this before loading the definitions; `dagster dev` does it through prepare_if_dev.
    """
    project = _project()
    project.preparer.prepare(project)


@cache
def kho_dbt_project() -> DbtProject:
    project = _project()
    project.prepare_if_dev()
    if not project.manifest_path.exists():  # a fresh clone: parse once
        project.preparer.prepare(project)
    return project
