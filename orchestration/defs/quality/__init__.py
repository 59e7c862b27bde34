"""Python asset checks on ingestion: row-count reconciliation with the source and freshness per SLA."""
