"""Facets: the most frequent values of a column among the matching rows, with their counts.

Each facet runs under its own time limit (``QueryLimits.facet_time_limit_ms``, like Datasette's
``facet_time_limit_ms``); a facet that runs out of time is returned with ``timed_out=True`` and no
values instead of failing the page. NULL is reported as a value (``None``) when it is among the top:
how many rows lack a value is worth seeing (filter those with ``col__isnull=1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from .compiler import facet_sql
from .deadline import TimedOut, run_guarded
from .query import RowsQuery


@dataclass(frozen=True)
class FacetValue:
    value: Any
    count: int


@dataclass(frozen=True)
class FacetResult:
    column: str
    values: list[FacetValue] = field(default_factory=list)
    #: More distinct values exist than were returned (``_facet_size``).
    truncated: bool = False
    timed_out: bool = False


def run_facets(conn: duckdb.DuckDBPyConnection, query: RowsQuery) -> list[FacetResult]:
    results: list[FacetResult] = []
    for column in query.facets:
        try:
            rows = run_guarded(conn, facet_sql(query, column), query.limits.facet_time_limit_ms)
        except TimedOut:
            results.append(FacetResult(column.name, timed_out=True))
            continue
        values = [FacetValue(value, int(count)) for value, count in rows[: query.facet_size]]
        results.append(FacetResult(column.name, values, truncated=len(rows) > query.facet_size))
    return results
