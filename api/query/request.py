"""The request as the caller stated it, before validation against a dataset.

REST fills these from the query string (:mod:`api.query.params`); GraphQL fills them from its filter
input objects and arguments. :func:`api.query.query.build_rows_query` validates them into a
:class:`~api.query.query.RowsQuery`. Every item carries ``param``: the name reported in a
:class:`~api.query.errors.QueryError` if that item is wrong, so each front end can speak its own
vocabulary ("amount__gt" for REST, "filter.amount.gt" for GraphQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence


@dataclass(frozen=True)
class FilterRequest:
    """``column op value``. ``value`` is text (REST) or a native Python value (GraphQL): for
    ``in``/``notin`` a list of values, comma / JSON-array text, or one native value;
    ``True``/``"1"``/``"true"`` for ``isnull``/``notnull``."""

    column: str
    op: str
    value: object
    param: str


@dataclass(frozen=True)
class SortRequest:
    column: str
    descending: bool
    param: str


@dataclass(frozen=True)
class AggregateRequest:
    """``function`` is count, sum, avg, min or max; ``column`` is None only for count."""

    function: str
    column: str | None
    param: str


#: Default names reported for whole-request fields; GraphQL can pass its own argument names.
DEFAULT_PARAM_NAMES: Mapping[str, str] = {
    "size": "_size",
    "next_token": "_next",
    "columns": "_col",
    "exclude_columns": "_nocol",
    "facets": "_facet",
    "facet_size": "_facet_size",
    "search": "_search",
    "count": "_extra",
    "group_by": "_group_by",
    "aggregates": "_agg",
    "version": "_version",
}


@dataclass
class RowsRequest:
    filters: list[FilterRequest] = field(default_factory=list)
    #: In order of significance; REST keeps the order in which `_sort`/`_sort_desc` appeared.
    sort: list[SortRequest] = field(default_factory=list)
    #: Rows per page; None means the default page size.
    size: int | None = None
    #: The opaque keyset token of the previous page (REST ``_next``, GraphQL ``after``).
    next_token: str | None = None
    #: Output columns in this order (None: all columns in schema order).
    columns: Sequence[str] | None = None
    exclude_columns: Sequence[str] = ()
    facets: Sequence[str] = ()
    facet_size: int | None = None
    search: str | None = None
    #: Ask for the (capped) number of matching rows.
    count: bool = False
    group_by: Sequence[str] = ()
    aggregates: Sequence[AggregateRequest] = ()
    #: The version the caller asked for; checked against the spec's version.
    version: str | None = None
    param_names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PARAM_NAMES))

    def param(self, field_name: str) -> str:
        return self.param_names.get(field_name, DEFAULT_PARAM_NAMES[field_name])
