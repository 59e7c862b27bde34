"""Autoloaded Dagster definitions: one folder per sector system, plus dbt and publication."""
