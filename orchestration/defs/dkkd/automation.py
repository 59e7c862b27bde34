"""Ingestion job and schedule of the `dkkd` sector system (cron from registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_job, build_system_schedule

dkkd_ingest_job = build_system_job("dkkd")
dkkd_ingest_schedule = build_system_schedule("dkkd", dkkd_ingest_job)
