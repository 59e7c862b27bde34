"""Where Kho keeps things, from environment variables with embedded defaults.

Everything the pipeline and the server write lives under one folder, KHO_HOME (default `./var`):

    var/sources/      the simulated sector systems (SQLite files, CSV/Excel drops, defect manifest)
    var/warehouse/    the pipeline's working DuckDB file (only the pipeline opens it)
    var/published/    immutable published versions: <dataset>/<version>/{data.parquet, schema.json}
    var/catalog.sqlite  catalogue metadata (datasets, versions, the "current" pointer)
    var/dagster/      Dagster instance storage (runs, event logs, schedules)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

#: The repository root: dbt_project.yml, dagster.yaml and the registry live here.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    home: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(home=Path(os.environ.get("KHO_HOME", "var")).resolve())

    @property
    def sources_dir(self) -> Path:
        return Path(os.environ.get("KHO_SOURCES_DIR", self.home / "sources")).resolve()

    @property
    def warehouse_path(self) -> Path:
        return Path(os.environ.get("KHO_WAREHOUSE", self.home / "warehouse" / "kho.duckdb")).resolve()

    @property
    def published_dir(self) -> Path:
        return Path(os.environ.get("KHO_PUBLISHED_DIR", self.home / "published")).resolve()

    @cached_property
    def catalog_url(self) -> str:
        return os.environ.get("KHO_CATALOG_URL", f"sqlite:///{self.home / 'catalog.sqlite'}")

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME", self.home / "dagster")).resolve()

    def ensure_dirs(self) -> None:
        for path in (self.sources_dir, self.warehouse_path.parent, self.published_dir, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    return Settings.from_env()
