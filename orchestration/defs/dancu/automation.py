"""Ingestion job and schedule of the `dancu` sector system (cron from registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_job, build_system_schedule

dancu_ingest_job = build_system_job("dancu")
dancu_ingest_schedule = build_system_schedule("dancu", dancu_ingest_job)
