"""The pipeline job (every asset: ingest → dbt build → checks → publish) and its daily schedule."""

import dagster as dg

kho_pipeline = dg.define_asset_job(
    "kho_pipeline",
    selection=dg.AssetSelection.all(),
    description="Nạp dữ liệu từ các hệ thống chuyên ngành, dựng mô hình, kiểm tra chất lượng và công bố.",
)

daily_pipeline = dg.ScheduleDefinition(
    name="kho_pipeline_daily",
    job=kho_pipeline,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
