"""Ingestion assets of the `dkkd` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

dkkd_assets = build_system_assets("dkkd")
