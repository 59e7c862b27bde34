"""Ingestion job and schedule of the `qlvb` sector system (cron from registry.yaml)."""

from orchestration.lib.ingestion_assets import build_system_job, build_system_schedule

qlvb_ingest_job = build_system_job("qlvb")
qlvb_ingest_schedule = build_system_schedule("qlvb", qlvb_ingest_job)
