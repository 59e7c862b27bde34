"""Ingestion assets of the `motcua` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

motcua_assets = build_system_assets("motcua")
