"""The dbt project (dbt_project.yml at the repository root) as Dagster sees it."""

from functools import cache

from dagster_dbt import DbtProject

from kho.settings import PROJECT_ROOT


@cache
def kho_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT, target="dev")
    # `dagster dev` re-parses on change; elsewhere (kho run, tests, CI) parse once if no manifest yet.
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    return project
