"""Ingestion assets of the `dancu` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

dancu_assets = build_system_assets("dancu")
