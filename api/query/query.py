"""The validated query: one object that REST pages, GraphQL connections and exports all run.

:func:`build_rows_query` checks a :class:`~api.query.request.RowsRequest` against the dataset and the
consumer's :class:`~api.query.policy.AccessPolicy` and returns a :class:`RowsQuery`, or raises a
:class:`~api.query.errors.QueryError` naming the offending parameter. After that point nothing the
user sent can make a statement fail: columns are known, values cast cleanly, and personal-data
columns are masked in the output and absent from every WHERE, ORDER BY, GROUP BY and facet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .errors import MaskedColumnRefused, QueryError, show_value
from .filters import Condition, build_condition
from .keyset import PageCursor, SortKey, TokenCodec, default_token_codec
from .limits import DEFAULT_LIMITS, QueryLimits
from .policy import AccessPolicy
from .request import AggregateRequest, RowsRequest
from .schema import ColumnSpec, DatasetSpec, Family, NUMERIC_FAMILIES, ORDERABLE_FAMILIES
from .text import search_terms
from .values import check_text

AGGREGATE_FUNCTIONS = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True)
class Aggregate:
    function: str
    column: ColumnSpec | None = None

    @property
    def name(self) -> str:
        """The output key: ``count`` or ``function:column`` (a colon never occurs in column names)."""
        return self.function if self.column is None else f"{self.function}:{self.column.name}"


@dataclass(frozen=True)
class GroupSortKey:
    """A sort term of a group-by query: a group column or an aggregate (by its output name)."""

    name: str
    descending: bool


@dataclass(frozen=True)
class RowsQuery:
    spec: DatasetSpec
    policy: AccessPolicy
    limits: QueryLimits
    tokens: TokenCodec
    conditions: tuple[Condition, ...] = ()
    #: Folded words of ``_search``; each must occur in at least one of ``search_columns``.
    search_terms: tuple[str, ...] = ()
    search_columns: tuple[ColumnSpec, ...] = ()
    sort: tuple[SortKey, ...] = ()
    #: Output columns, in output order.
    columns: tuple[ColumnSpec, ...] = ()
    #: Names of all of the dataset's columns that this consumer sees as NULL.
    masked_columns: frozenset[str] = frozenset()
    size: int = 100
    after: PageCursor | None = None
    facets: tuple[ColumnSpec, ...] = ()
    facet_size: int = 30
    want_count: bool = False
    group_by: tuple[ColumnSpec, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    group_sort: tuple[GroupSortKey, ...] = field(default=())
    #: The name under which the page token was given, for errors found when the statement runs.
    token_param: str = "_next"

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def is_grouped(self) -> bool:
        return bool(self.group_by or self.aggregates)

    @property
    def has_filters(self) -> bool:
        return bool(self.conditions or self.search_terms)

    def describe(self) -> dict[str, object]:
        """A JSON-able summary for the audit log (DESIGN §9: who, dataset, filters, rows)."""
        return {
            "dataset": self.spec.name,
            "version": self.spec.version,
            "filters": [condition.describe() for condition in self.conditions],
            "search": list(self.search_terms),
            "sort": [key.signature() for key in self.sort],
            "columns": [column.name for column in self.columns],
            "masked_columns": sorted(self.masked_columns),
            "group_by": [column.name for column in self.group_by],
            "aggregates": [aggregate.name for aggregate in self.aggregates],
        }


def build_rows_query(spec: DatasetSpec, request: RowsRequest, policy: AccessPolicy, *,
                     limits: QueryLimits = DEFAULT_LIMITS, tokens: TokenCodec | None = None) -> RowsQuery:
    """Validate ``request`` for ``spec`` under ``policy``; raises QueryError."""
    tokens = tokens or default_token_codec()
    if request.version is not None and request.version != spec.version:
        raise QueryError(request.param("version"),
                         f"version {show_value(request.version)} was requested but version {spec.version!r} was opened")
    masked = frozenset(column.name for column in spec.columns if policy.is_masked(column))
    grouped = bool(request.group_by or request.aggregates)

    if len(request.filters) > limits.max_filters:
        raise QueryError(request.filters[limits.max_filters].param, f"at most {limits.max_filters} filters are allowed")
    conditions = tuple(build_condition(spec, policy, item, limits) for item in request.filters)
    terms, search_columns = _search(spec, policy, request, limits)
    size = _bounded(request.size, limits.default_page_size, limits.max_page_size, request.param("size"))
    facet_size = _bounded(request.facet_size, limits.default_facet_size, limits.max_facet_size,
                          request.param("facet_size"))
    common = dict(spec=spec, policy=policy, limits=limits, tokens=tokens, conditions=conditions,
                  search_terms=terms, search_columns=search_columns, masked_columns=masked, size=size,
                  facet_size=facet_size)

    if grouped:
        for field_name, present in (("next_token", request.next_token), ("facets", request.facets),
                                    ("columns", request.columns), ("exclude_columns", request.exclude_columns),
                                    ("count", request.count)):
            if present:
                raise QueryError(request.param(field_name), "cannot be combined with _group_by / _agg")
        group_by = _group_columns(spec, policy, request, limits)
        aggregates = _aggregates(spec, policy, request, limits, group_by)
        group_sort = _group_sort(request, group_by, aggregates, limits)
        return RowsQuery(**common, group_by=group_by, aggregates=aggregates, group_sort=group_sort,
                         columns=group_by)

    sort = _sort(spec, policy, request, limits)
    after = None
    if request.next_token:
        after = _decode_cursor(spec, request, sort, tokens)
    return RowsQuery(**common, sort=sort, after=after, columns=_output_columns(spec, request),
                     facets=_facets(spec, policy, request, limits), want_count=bool(request.count),
                     token_param=request.param("next_token"))


def _bounded(value: int | None, default: int, maximum: int, param: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise QueryError(param, f"must be a whole number from 0 to {maximum}")
    return value


def _column(spec: DatasetSpec, name: object, param: str) -> ColumnSpec:
    column = spec.by_name.get(name) if isinstance(name, str) else None
    if column is None:
        raise QueryError(param, f"unknown column {show_value(name)}" if isinstance(name, str) else "expects a column name")
    return column


def _usable(column: ColumnSpec, policy: AccessPolicy, param: str, action: str,
            families: frozenset[Family] = ORDERABLE_FAMILIES) -> ColumnSpec:
    if policy.is_masked(column):
        raise MaskedColumnRefused(param, column.name, action)
    if column.family not in families:
        raise QueryError(param, f"column {column.name!r} of type {column.type} does not support {action}")
    return column


def _search(spec: DatasetSpec, policy: AccessPolicy, request: RowsRequest,
            limits: QueryLimits) -> tuple[tuple[str, ...], tuple[ColumnSpec, ...]]:
    if request.search is None:
        return (), ()
    param = request.param("search")
    if not isinstance(request.search, str):
        raise QueryError(param, "expects text")
    terms = search_terms(check_text(request.search, param, limits.max_value_length))
    if not terms:
        return (), ()
    if len(terms) > limits.max_search_terms:
        raise QueryError(param, f"at most {limits.max_search_terms} words are allowed")
    # Masked columns are left out rather than refused: the caller did not name them, and searching
    # them would let word guesses probe the hidden values.
    columns = tuple(c for c in spec.columns if c.family is Family.TEXT and not policy.is_masked(c))
    if not columns:
        raise QueryError(param, "this dataset has no text columns you can search")
    return tuple(terms), columns


def _sort(spec: DatasetSpec, policy: AccessPolicy, request: RowsRequest, limits: QueryLimits) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    seen: set[str] = set()
    for item in request.sort:
        column = _usable(_column(spec, item.column, item.param), policy, item.param, "sorting")
        if column.name in seen:
            raise QueryError(item.param, f"column {column.name!r} is sorted on more than once")
        if len(keys) >= limits.max_sort_columns:
            raise QueryError(item.param, f"at most {limits.max_sort_columns} sort columns are allowed")
        seen.add(column.name)
        keys.append(SortKey(column, bool(item.descending)))
    return tuple(keys)


def _decode_cursor(spec: DatasetSpec, request: RowsRequest, sort: Sequence[SortKey],
                   tokens: TokenCodec) -> PageCursor:
    param = request.param("next_token")
    payload = tokens.decode(request.next_token, param)
    if payload.dataset != spec.name:
        raise QueryError(param, "this page token belongs to another dataset")
    if payload.version != spec.version:
        raise QueryError(param, f"this page token belongs to version {payload.version!r} of the dataset; "
                                f"pass _version={payload.version} to continue, or start again without it")
    if list(payload.sort) != [tuple(key.signature()) for key in sort]:
        raise QueryError(param, "this page token was issued for a different sort order; start again without it")
    return payload.cursor


def _names(value: object, param: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(name, str) for name in value):
        raise QueryError(param, "expects a list of column names")
    return list(value)


def _output_columns(spec: DatasetSpec, request: RowsRequest) -> tuple[ColumnSpec, ...]:
    if request.columns is not None:
        param = request.param("columns")
        chosen = list(dict.fromkeys(_column(spec, name, param) for name in _names(request.columns, param)))
    else:
        chosen = list(spec.columns)
    param = request.param("exclude_columns")
    excluded = {_column(spec, name, param).name for name in _names(request.exclude_columns, param)}
    columns = tuple(column for column in chosen if column.name not in excluded)
    if not columns:
        raise QueryError(request.param("exclude_columns") if excluded else request.param("columns"),
                         "no columns left to return")
    return columns


def _facets(spec: DatasetSpec, policy: AccessPolicy, request: RowsRequest,
            limits: QueryLimits) -> tuple[ColumnSpec, ...]:
    param = request.param("facets")
    columns = list(dict.fromkeys(_usable(_column(spec, name, param), policy, param, "faceting")
                                 for name in _names(request.facets, param)))
    if len(columns) > limits.max_facets:
        raise QueryError(param, f"at most {limits.max_facets} facets are allowed")
    return tuple(columns)


def _group_columns(spec: DatasetSpec, policy: AccessPolicy, request: RowsRequest,
                   limits: QueryLimits) -> tuple[ColumnSpec, ...]:
    param = request.param("group_by")
    columns = list(dict.fromkeys(_usable(_column(spec, name, param), policy, param, "grouping")
                                 for name in _names(request.group_by, param)))
    if len(columns) > limits.max_group_by:
        raise QueryError(param, f"at most {limits.max_group_by} group-by columns are allowed")
    return tuple(columns)


def _aggregates(spec: DatasetSpec, policy: AccessPolicy, request: RowsRequest, limits: QueryLimits,
                group_by: Sequence[ColumnSpec]) -> tuple[Aggregate, ...]:
    requested: Sequence[AggregateRequest] = request.aggregates or [AggregateRequest("count", None, request.param("aggregates"))]
    if len(requested) > limits.max_aggregates:
        raise QueryError(request.param("aggregates"), f"at most {limits.max_aggregates} aggregates are allowed")
    aggregates: list[Aggregate] = []
    group_names = {column.name for column in group_by}
    for item in requested:
        if item.function not in AGGREGATE_FUNCTIONS:
            raise QueryError(item.param, f"unknown aggregate {show_value(item.function)}; use count, sum:col, avg:col, min:col or max:col")
        if item.function == "count":
            if item.column is not None:
                raise QueryError(item.param, "count takes no column (it counts rows)")
            aggregate = Aggregate("count")
        else:
            if item.column is None:
                raise QueryError(item.param, f"{item.function} needs a column, e.g. {item.function}:amount")
            families = NUMERIC_FAMILIES if item.function in ("sum", "avg") else ORDERABLE_FAMILIES
            action = "sum and avg" if item.function in ("sum", "avg") else f"{item.function}"
            column = _column(spec, item.column, item.param)
            if policy.is_masked(column):
                raise MaskedColumnRefused(item.param, column.name, "aggregating")
            if column.family not in families:
                raise QueryError(item.param, f"column {column.name!r} of type {column.type} does not support {action}")
            aggregate = Aggregate(item.function, column)
        if aggregate.name in group_names:
            raise QueryError(item.param, f"aggregate {aggregate.name!r} has the name of a group-by column")
        if aggregate not in aggregates:
            aggregates.append(aggregate)
    return tuple(aggregates)


def _group_sort(request: RowsRequest, group_by: Sequence[ColumnSpec], aggregates: Sequence[Aggregate],
                limits: QueryLimits) -> tuple[GroupSortKey, ...]:
    known = [column.name for column in group_by] + [aggregate.name for aggregate in aggregates]
    keys: list[GroupSortKey] = []
    for item in request.sort:
        if item.column not in known:
            raise QueryError(item.param, f"with _group_by, sort by a group column or an aggregate ({', '.join(known)})")
        if any(key.name == item.column for key in keys):
            raise QueryError(item.param, f"{show_value(item.column)} is sorted on more than once")
        if len(keys) >= limits.max_sort_columns:
            raise QueryError(item.param, f"at most {limits.max_sort_columns} sort columns are allowed")
        keys.append(GroupSortKey(item.column, bool(item.descending)))
    return tuple(keys)
