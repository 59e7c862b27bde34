"""Service limits of the query engine, in one place so routes can tune them per deployment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueryLimits:
    default_page_size: int = 100
    max_page_size: int = 1000
    #: ``_extra=count`` counts at most this many rows when the query filters (Datasette's 10,000);
    #: an unfiltered count comes from Parquet metadata and is always exact.
    count_limit: int = 10_000
    count_time_limit_ms: int = 1000
    default_facet_size: int = 30
    max_facet_size: int = 100
    #: Per facet, like Datasette's ``facet_time_limit_ms``; a facet over the limit is reported as
    #: timed out, not as an error.
    facet_time_limit_ms: int = 500
    max_facets: int = 10
    max_filters: int = 100
    max_in_values: int = 500
    max_sort_columns: int = 8
    max_group_by: int = 10
    max_aggregates: int = 20
    max_search_terms: int = 16
    #: Longest single value (after splitting lists), in characters.
    max_value_length: int = 4096
    #: Longest raw parameter value (e.g. a whole ``__in`` list or a ``_next`` token).
    max_param_length: int = 65_536
    max_params: int = 500


DEFAULT_LIMITS = QueryLimits()
