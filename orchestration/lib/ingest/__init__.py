"""Ingestion of the sector systems into the warehouse's raw layer (DESIGN §5; docs/ingestion.md).

    load_table(con, system, table, sources_dir, full_refresh=False, run_id="") -> LoadResult

Modules: `spec` (registry options, URLs, errors), `sources` (PostgreSQL / MariaDB / SQLite readers),
`drift` (schema drift), `quarantine` (typing and bad rows), `incremental` (merge, deletions, state),
`files` (CSV / Excel drop folders), `loader` (the steps of one load).
"""

from orchestration.lib.ingest.loader import LoadResult, load_table
from orchestration.lib.ingest.spec import (
    LOADED_AT,
    META_SCHEMA,
    RAW_SCHEMA,
    IngestError,
    SchemaDriftError,
    SourceUnavailableError,
    TableSpec,
    spec_for,
    table_spec,
)

__all__ = [
    "LOADED_AT",
    "META_SCHEMA",
    "RAW_SCHEMA",
    "IngestError",
    "LoadResult",
    "SchemaDriftError",
    "SourceUnavailableError",
    "TableSpec",
    "load_table",
    "spec_for",
    "table_spec",
]
