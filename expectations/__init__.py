"""Great Expectations suites of the published datasets (`suites/<dataset>.json`, reviewable GX 1.x JSON),
the runner that validates a pandas batch and renders Data Docs (`runner`), and the same suites compiled
to one DuckDB query (`sql`). See docs/quality.md."""
