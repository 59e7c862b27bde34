"""The đúng / đủ / sạch / sống quality gate (docs/quality.md).

`checks` (one result, statuses, scoring), `dbt_checks` (dbt tests as checks, dimensions, lineage),
`ingestion` (row-count reconciliation and freshness of the sector tables), `store` (latest results in the
warehouse), `masking` (personal data out of samples), `gate` (a dataset's checks, scorecard and verdict).
"""
