"""Ingestion assets of the `giaoduc` sector system (tables, keys and connection in registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_assets

giaoduc_assets = build_system_assets("giaoduc")
