"""Ingestion assets of the `yte` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

yte_assets = build_system_assets("yte")
