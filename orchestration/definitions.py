"""Entry point of the Kho code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg

import orchestration.defs


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_defs(defs_root=orchestration.defs)
