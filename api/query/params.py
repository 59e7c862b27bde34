"""The REST grammar: query-string parameters → :class:`~api.query.request.RowsRequest`.

Parameters arrive as an ordered list of ``(name, value)`` pairs (Starlette's
``request.query_params.multi_items()``), because order and repetition matter: ``_sort=a&_sort_desc=b``
sorts by a, then b descending.

==================  ==========================================================================
``col=v``           exact match; ``col__op=v`` applies an operator (see :mod:`api.query.filters`);
                    repeated filters are ANDed
``_sort``           ascending sort column(s): comma-separated or repeated
``_sort_desc``      descending sort column(s); mixes with ``_sort`` in parameter order
``_size``           rows per page, 0..1000 (default 100) or ``max``
``_next``           the opaque token from the previous page
``_col``/``_nocol`` output only these columns (in this order) / all but these
``_facet``          column(s) to count top values of; ``_facet_size`` (default 30, max 100)
``_search``         words that must all occur, ignoring case and diacritics, in some text column
``_extra=count``    include the number of matching rows (capped; see ``count_truncated``)
``_group_by``       group-by column(s); ``_agg`` = ``count``, ``sum:col``, ``avg:col``,
                    ``min:col``, ``max:col`` (comma-separated or repeated; default ``count``)
``_version``        the dataset version to read (resolved by the route, see
                    :func:`requested_version`)
==================  ==========================================================================

Empty values of ``_``-parameters (as HTML forms send them) mean "not given". Any other parameter
starting with ``_`` is an error unless the route declares it in ``passthrough`` (e.g. ``_shape``);
any other name must be a column, optionally followed by ``__`` and an operator.
"""

from __future__ import annotations

import re
from typing import Collection, Iterable, Sequence

from .errors import QueryError, show_value
from .keyset import TokenCodec, default_token_codec
from .limits import DEFAULT_LIMITS, QueryLimits
from .policy import AccessPolicy
from .query import RowsQuery, build_rows_query
from .request import AggregateRequest, FilterRequest, RowsRequest, SortRequest
from .schema import DatasetSpec

LIST_PARAMS = frozenset({"_sort", "_sort_desc", "_col", "_nocol", "_facet", "_extra", "_group_by", "_agg"})
SINGLE_PARAMS = frozenset({"_size", "_next", "_facet_size", "_search", "_version"})
SPECIAL_PARAMS = LIST_PARAMS | SINGLE_PARAMS
EXTRAS = frozenset({"count"})
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}", re.ASCII)
_SIZE = re.compile(r"[0-9]{1,9}", re.ASCII)

Params = Iterable[tuple[str, str]]


def parse_rows_request(spec: DatasetSpec, params: Params, policy: AccessPolicy, *,
                       limits: QueryLimits = DEFAULT_LIMITS, tokens: TokenCodec | None = None,
                       passthrough: Collection[str] = ()) -> RowsQuery:
    """Parse and validate a rows / group-by / export request; raises QueryError."""
    request = read_rows_params(spec, params, limits=limits, passthrough=passthrough)
    return build_rows_query(spec, request, policy, limits=limits, tokens=tokens)


def read_rows_params(spec: DatasetSpec, params: Params, *, limits: QueryLimits = DEFAULT_LIMITS,
                     passthrough: Collection[str] = ()) -> RowsRequest:
    """Split the query string into a RowsRequest; only names are checked against ``spec`` here."""
    request = RowsRequest()
    seen_single: set[str] = set()
    columns: list[str] | None = None
    excluded: list[str] = []
    facets: list[str] = []
    group_by: list[str] = []
    aggregates: list[AggregateRequest] = []
    for name, value in _checked_pairs(params, limits):
        if name in passthrough:
            continue
        if name in SPECIAL_PARAMS and name not in spec.by_name:
            if name in SINGLE_PARAMS:
                if name in seen_single:
                    raise QueryError(name, "is given more than once")
                seen_single.add(name)
            if value.strip() == "":
                continue
            if name in ("_sort", "_sort_desc"):
                request.sort.extend(SortRequest(column, name == "_sort_desc", name)
                                    for column in _split_names(value, name))
            elif name == "_col":
                columns = (columns or []) + _split_names(value, name)
            elif name == "_nocol":
                excluded += _split_names(value, name)
            elif name == "_facet":
                facets += _split_names(value, name)
            elif name == "_group_by":
                group_by += _split_names(value, name)
            elif name == "_agg":
                aggregates += [_aggregate(item, name) for item in _split_names(value, name)]
            elif name == "_extra":
                for extra in _split_names(value, name):
                    if extra not in EXTRAS:
                        raise QueryError(name, f"unknown extra {show_value(extra)}; available: {', '.join(sorted(EXTRAS))}")
                    request.count = True
            elif name == "_size":
                request.size = _size(value, name, limits.max_page_size)
            elif name == "_facet_size":
                request.facet_size = _size(value, name, limits.max_facet_size)
            elif name == "_next":
                request.next_token = value.strip()
            elif name == "_search":
                request.search = value
            elif name == "_version":
                request.version = _version(value, name)
        else:
            if len(request.filters) >= limits.max_filters:
                raise QueryError(name, f"at most {limits.max_filters} filters are allowed")
            column, op = split_filter_name(spec, name)
            request.filters.append(FilterRequest(column, op, value, name))
    request.columns = columns
    request.exclude_columns = excluded
    request.facets = facets
    request.group_by = group_by
    request.aggregates = aggregates
    return request


def split_filter_name(spec: DatasetSpec, name: str) -> tuple[str, str]:
    """``"amount__gte"`` → ``("amount", "gte")``; a bare column name means exact.

    A whole name that is a column wins, so a column whose name contains ``__`` still works.
    """
    if name in spec.by_name:
        return name, "exact"
    column, separator, op = name.rpartition("__")
    if separator and column in spec.by_name:
        return column, op
    if name.startswith("_"):
        raise QueryError(name, f"unknown parameter {show_value(name)}")
    raise QueryError(name, f"unknown column {show_value(column if separator else name)}")


def requested_version(params: Params, dataset: str, *, tokens: TokenCodec | None = None,
                      limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
    """The version a request wants before the route opens a file: ``_version`` if given, else the
    version inside a ``_next`` token (so a client paging through keeps reading one immutable
    version), else None for the current version. Raises QueryError for a bad value or token.
    """
    version: str | None = None
    token: str | None = None
    for name, value in _checked_pairs(params, limits):
        if name == "_version" and value.strip():
            version = _version(value, name)
        elif name == "_next" and value.strip():
            token = value.strip()
    if version is not None or token is None:
        return version
    payload = (tokens or default_token_codec()).decode(token, "_next")
    if payload.dataset != dataset:
        raise QueryError("_next", "this page token belongs to another dataset")
    return payload.version


def _checked_pairs(params: Params, limits: QueryLimits) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for pair in params:
        if not isinstance(pair, tuple) or len(pair) != 2 or not all(isinstance(part, str) for part in pair):
            raise QueryError(None, "parameters must be name/value text pairs")
        name, value = pair
        if len(pairs) >= limits.max_params:
            raise QueryError(name, f"at most {limits.max_params} parameters are allowed")
        if len(name) > 256:
            raise QueryError(name, "parameter name is too long")
        if len(value) > limits.max_param_length:
            raise QueryError(name, f"value is longer than {limits.max_param_length} characters")
        pairs.append(pair)
    return pairs


def _split_names(value: str, param: str) -> list[str]:
    names = [part.strip() for part in value.split(",")]
    if any(not part for part in names):
        raise QueryError(param, "has an empty item in its comma-separated list")
    return names


def _aggregate(item: str, param: str) -> AggregateRequest:
    function, separator, column = item.partition(":")
    return AggregateRequest(function.strip().lower(), column.strip() if separator else None, param)


def _size(value: str, param: str, maximum: int) -> int:
    value = value.strip()
    if value == "max":
        return maximum
    if not _SIZE.fullmatch(value) or int(value) > maximum:
        raise QueryError(param, f"must be a whole number from 0 to {maximum}, or max")
    return int(value)


def _version(value: str, param: str) -> str:
    value = value.strip()
    if not _VERSION.fullmatch(value):
        raise QueryError(param, "is not a valid version identifier")
    return value


def params_from_mapping(mapping: dict[str, str | Sequence[str]]) -> list[tuple[str, str]]:
    """Convenience for tests and scripts: ``{"_sort": "a", "x__in": ["1", "2"]}`` → pairs."""
    pairs: list[tuple[str, str]] = []
    for name, value in mapping.items():
        values = [value] if isinstance(value, str) else list(value)
        pairs.extend((name, item) for item in values)
    return pairs
