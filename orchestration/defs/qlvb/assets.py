"""Ingestion assets of the `qlvb` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

qlvb_assets = build_system_assets("qlvb")
