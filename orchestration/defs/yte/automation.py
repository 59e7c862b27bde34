"""Ingestion job, schedule and drop-folder sensor of the `yte` file-drop system (registry.yaml)."""

from orchestration.lib.ingestion_assets import build_drop_sensor, build_system_job, build_system_schedule

yte_ingest_job = build_system_job("yte")
yte_ingest_schedule = build_system_schedule("yte", yte_ingest_job)
yte_drop_sensor = build_drop_sensor("yte", yte_ingest_job)
