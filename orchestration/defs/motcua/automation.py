"""Ingestion job and schedule of the `motcua` sector system (cron from registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_job, build_system_schedule

motcua_ingest_job = build_system_job("motcua")
motcua_ingest_schedule = build_system_schedule("motcua", motcua_ingest_job)
