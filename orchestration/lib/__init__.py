"""Helpers shared by the Dagster definitions in `orchestration/defs/`."""
