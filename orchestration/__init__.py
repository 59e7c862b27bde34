"""Dagster code location of Kho: ingestion, dbt models, quality checks and publication."""
