"""Ingestion job, schedule and drop-folder sensor of the `giaoduc` file-drop system (registry.yaml)."""

from orchestration.lib.ingestion_assets import build_drop_sensor, build_system_job, build_system_schedule

giaoduc_ingest_job = build_system_job("giaoduc")
giaoduc_ingest_schedule = build_system_schedule("giaoduc", giaoduc_ingest_job)
giaoduc_drop_sensor = build_drop_sensor("giaoduc", giaoduc_ingest_job)
