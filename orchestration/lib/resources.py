"""Dagster resources: where the warehouse, sources, published files and catalogue are."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from kho.settings import Settings, get_settings


class KhoPaths(dg.ConfigurableResource):
    """Locations of the platform's stores; defaults come from the environment (kho.settings)."""

    warehouse_path: str
    sources_dir: str
    published_dir: str
    catalog_url: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "KhoPaths":
        settings = settings or get_settings()
        return cls(
            warehouse_path=str(settings.warehouse_path),
            sources_dir=str(settings.sources_dir),
            published_dir=str(settings.published_dir),
            catalog_url=settings.catalog_url,
        )

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)
