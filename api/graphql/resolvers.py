"""Resolvers: GraphQL arguments → the query engine's :class:`~api.query.RowsRequest` → the same
compiler, execution, masking and audit as REST.

Errors keep the REST vocabulary with GraphQL names: a bad value is a ``BAD_USER_INPUT`` error whose
``extensions.param`` names the argument (``filter.received_at.gte``, ``first``, ``after``, ``sort``);
using a masked personal-data column is ``PERSONAL_DATA`` (REST's 403); a statement past the time
left is ``TIME_LIMIT``. Nothing else a caller sends can raise: anything unexpected is logged and
answered ``INTERNAL`` without details.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import duckdb
from fastapi import Request
from graphql import GraphQLError, GraphQLResolveInfo

from api.access import Principal, audit_access, masked_columns
from api.access.middleware import AuditUnavailable
from api.engine import ParquetEngine
from api.graphql import selection
from api.graphql.limits import GraphQLLimits
from api.graphql.schema import Binding
from api.query import (
    AccessPolicy, AggregateRequest, DatasetSpec, FilterRequest, MaskedColumnRefused, QueryError, QueryTimeout,
    RowsRequest, SortRequest, build_rows_query, default_token_codec, run_group_by,
)
from api.query.errors import safe_text
from catalog.store import CatalogStore, Version

log = logging.getLogger(__name__)

#: The names GraphQL reports for the engine's whole-request fields.
ROW_PARAMS = {"size": "first", "next_token": "after", "columns": "nodes", "exclude_columns": "nodes",
              "facets": "facets", "facet_size": "facets", "search": "search", "count": "totalCount",
              "group_by": "groupBy", "aggregates": "groups", "version": "version"}
_OPERATORS = {"eq": "exact", "not": "not", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "in": "in",
              "notin": "notin", "contains": "contains", "startswith": "startswith", "endswith": "endswith",
              "date": "date"}
_CURSOR_FIELDS = {"startCursor", "endCursor"}


@dataclass
class Context:
    """Per request: who asks, the catalogue as read for this request, the engine and the clock."""

    request: Request
    principal: Principal
    store: CatalogStore
    engine: ParquetEngine
    limits: GraphQLLimits
    #: Dataset rows as read for this request (visibility and masking use these, not the cached schema's).
    datasets: Mapping[str, Mapping[str, Any]]
    #: The schema this request runs on (`api.graphql.schema.BuiltSchema`).
    built: Any = None
    deadline: float = field(default=0.0)
    audit_failed: bool = False

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.limits.time_limit_ms / 1000

    def remaining_ms(self) -> int:
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise GraphQLError(f"the request ran past its time limit of {self.limits.time_limit_ms} ms; ask for "
                               "less in one request", extensions={"code": "TIME_LIMIT"})
        return left


def _error(error: QueryError, param_prefix: str = "") -> GraphQLError:
    param = error.param
    if isinstance(error, MaskedColumnRefused):
        return GraphQLError(f"{param}: {error.message}" if param else error.message,
                            extensions={"code": "PERSONAL_DATA", "param": param, "columns": [error.column]})
    if isinstance(error, QueryTimeout):
        return GraphQLError(error.message, extensions={"code": "TIME_LIMIT", "param": param})
    return GraphQLError(f"{param}: {error.message}" if param else error.message,
                        extensions={"code": "BAD_USER_INPUT", "param": param})


def guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Translate everything a resolver may raise into a GraphQL error with a code."""

    def resolve(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        context: Context = info.context
        try:
            return function(root, info, **arguments)
        except GraphQLError:
            raise
        except QueryError as error:
            raise _error(error) from None
        except AuditUnavailable as error:
            context.audit_failed = True
            raise GraphQLError(str(error.detail), extensions={"code": "UNAVAILABLE"}) from None
        except duckdb.Error as error:
            log.error("GraphQL field %s failed in the engine: %s", info.field_name, error)
            raise GraphQLError("the data could not be read; try again shortly",
                               extensions={"code": "UNAVAILABLE"}) from None
        except Exception:
            log.exception("GraphQL field %s failed", info.field_name)
            raise GraphQLError("internal error", extensions={"code": "INTERNAL"}) from None

    return resolve


@dataclass(frozen=True)
class Target:
    """The version a field reads and what the caller may see of it."""

    version: Version
    spec: DatasetSpec
    masked: frozenset[str]

    @property
    def policy(self) -> AccessPolicy:
        return AccessPolicy.from_masked_columns(self.masked)


def _target(context: Context, binding: Binding, version_id: str | None, after: str | None) -> Target:
    """``version`` if given, else the version inside ``after``, else the current one (the schema's)."""
    if version_id is None and after:
        payload = default_token_codec().decode(after, "after")
        if payload.dataset != binding.name:
            raise QueryError("after", "this cursor belongs to another dataset")
        version_id = payload.version
    dataset = context.datasets[binding.name]
    if version_id is None or version_id == binding.version.version:
        version, spec = binding.version, binding.spec
    else:
        if not isinstance(version_id, str) or len(version_id) > 100:
            raise QueryError("version", "is not a valid version identifier")
        version = context.engine.version(context.store, binding.name, version_id)
        if version is None:
            raise QueryError("version", f"dataset {binding.name!r} has no published version "
                                        f"{safe_text(version_id, 100)!r}")
        spec = context.engine.spec_for(dataset, version)
        for column in spec.columns:
            current = binding.spec.by_name.get(column.name)
            if current is not None and current.family is not column.family:
                raise QueryError("version", f"column {column.name!r} has type {column.type} in version "
                                            f"{version.version!r} but {current.type} now; read that version through "
                                            "REST (/api/v1/datasets/…/rows?_version=…)")
    masked = frozenset(masked_columns(context.principal, dataset, version.schema["columns"]))
    return Target(version, spec, masked)


def _filters(binding: Binding, filter_input: Mapping[str, Any] | None) -> list[FilterRequest]:
    requests: list[FilterRequest] = []
    for field_name, operators in (filter_input or {}).items():
        if operators is None:
            continue
        column = binding.column(field_name).name
        for op, value in operators.items():
            param = f"filter.{field_name}.{op}"
            if value is None:
                raise QueryError(param, "null is not a value to compare with; use isnull: true")
            if op in ("isnull", "notnull"):
                wanted = op if value else ("notnull" if op == "isnull" else "isnull")
                requests.append(FilterRequest(column, wanted, True, param))
            else:
                requests.append(FilterRequest(column, _OPERATORS[op], value, param))
    return requests


def _enum_value(member: Any) -> Any:
    return getattr(member, "value", member)


def _jsonable_arguments(arguments: Mapping[str, Any]) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if hasattr(value, "name") and hasattr(value, "value"):
            return value.name
        return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
    return convert(arguments)


def _audit(context: Context, info: GraphQLResolveInfo, binding: Binding, target: Target, arguments: Mapping[str, Any],
           describe: dict[str, Any], rows: int) -> None:
    params = {"graphql": {"field": info.field_name, "alias": info.path.key, "arguments": _jsonable_arguments(arguments)},
              "query": describe}
    audit_access(context.request, binding.name, target.version.version, params, rows, action="POST /graphql")


@dataclass
class ConnectionValue:
    page: Any
    after: str | None
    masked: list[str]

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return self.page.rows

    @property
    def edges(self) -> list[dict[str, Any]]:
        tokens = self.page.row_tokens or [None] * len(self.page.rows)
        return [{"cursor": token, "node": row} for token, row in zip(tokens, self.page.rows)]

    @property
    def pageInfo(self) -> dict[str, Any]:  # noqa: N802 — the Relay name
        tokens = self.page.row_tokens or []
        return {
            "hasNextPage": self.page.next_token is not None,
            "hasPreviousPage": bool(self.after),
            "startCursor": tokens[0] if tokens else None,
            "endCursor": self.page.next_token or (tokens[-1] if tokens else None),
        }

    @property
    def totalCount(self) -> int | None:  # noqa: N802
        return self.page.count

    @property
    def totalCountTruncated(self) -> bool:  # noqa: N802
        return bool(self.page.count_truncated)

    @property
    def maskedColumns(self) -> list[str]:  # noqa: N802
        return self.masked

    @property
    def version(self) -> str:
        return self.page.version


@dataclass
class AggregateValue:
    groups: list[dict[str, Any]]
    truncated: bool
    version: str
    maskedColumns: list[str]  # noqa: N815


class Resolvers:
    """The resolver factories ``build_schema`` calls, one set for every schema."""

    @staticmethod
    def datasets(root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        context: Context = info.context
        built = context.built
        out = []
        for binding in sorted(built.bindings.values(), key=lambda b: b.name):
            dataset = context.datasets[binding.name]
            masked = masked_columns(context.principal, dataset, binding.version.schema["columns"])
            out.append({
                "name": binding.name, "title_vi": dataset["title_vi"], "title_en": dataset["title_en"],
                "description_vi": dataset.get("description_vi"), "description_en": dataset.get("description_en"),
                "access_level": dataset["access_level"], "owner_code": dataset["owner_code"],
                "owner_name": dataset["owner_name"], "version": binding.version.version,
                "row_count": binding.version.row_count, "field": binding.field,
                "aggregate_field": binding.aggregate_field,
                "columns": [{"name": c.name, "field": binding.fields[c.name], "type": c.type, "title_vi": c.title_vi,
                             "title_en": c.title_en, "pii": c.pii, "masked": c.name in masked}
                            for c in binding.spec.columns],
            })
        return out

    @staticmethod
    def rows(binding: Binding) -> Callable[..., Any]:
        def resolve(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> ConnectionValue:
            context: Context = info.context
            after = arguments.get("after") or None
            target = _target(context, binding, arguments.get("version"), after)
            nodes = info.field_nodes
            top = selection.names(info, nodes)
            edges = selection.children(info, nodes, "edges")
            row_fields = selection.names(info, selection.children(info, nodes, "nodes")) \
                | selection.names(info, selection.children(info, edges, "node"))
            page_info = selection.names(info, selection.children(info, nodes, "pageInfo"))
            want_tokens = "cursor" in selection.names(info, edges) or bool(page_info & _CURSOR_FIELDS)
            columns = [binding.columns[f].name for f in binding.columns if f in row_fields
                       and binding.columns[f].name in target.spec.by_name]
            if not columns:  # nothing of the rows selected (only counts or page info): read one column
                columns = [target.spec.columns[0].name]
            request = RowsRequest(
                filters=_filters(binding, arguments.get("filter")),
                sort=[SortRequest(*_enum_value(item), "sort") for item in arguments.get("sort") or ()],
                size=arguments.get("first"), next_token=after, search=arguments.get("search"),
                count="totalCount" in top or "totalCountTruncated" in top, columns=columns,
                param_names=ROW_PARAMS,
            )
            query = build_rows_query(target.spec, request, target.policy)
            page = context.engine.run_page(query, time_limit_ms=context.remaining_ms(), row_tokens=want_tokens)
            _audit(context, info, binding, target, arguments, query.describe(), len(page.rows))
            return ConnectionValue(page, after, sorted(target.masked))

        return guarded(resolve)

    @staticmethod
    def aggregate(binding: Binding) -> Callable[..., Any]:
        def resolve(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> AggregateValue:
            context: Context = info.context
            target = _target(context, binding, arguments.get("version"), None)
            groups = selection.children(info, info.field_nodes, "groups")
            selected = selection.names(info, groups)
            aggregates: list[AggregateRequest] = []
            if "count" in selected:
                aggregates.append(AggregateRequest("count", None, "groups.count"))
            for function in ("sum", "avg", "min", "max"):
                for field_name in selection.names(info, selection.children(info, groups, function)):
                    if field_name in binding.columns:
                        aggregates.append(AggregateRequest(function, binding.columns[field_name].name,
                                                           f"groups.{function}.{field_name}"))
            sort = [SortRequest(*_enum_value(item), "sort") for item in arguments.get("sort") or ()]
            named = {"count" if a.function == "count" else f"{a.function}:{a.column}" for a in aggregates}
            group_by = [_enum_value(item) for item in arguments.get("groupBy") or ()]
            for item in sort:  # an aggregate sorted on is computed even if not selected
                if item.column not in named and item.column not in group_by:
                    function, _, column = item.column.partition(":")
                    aggregates.append(AggregateRequest(function, column or None, "sort"))
                    named.add(item.column)
            if not aggregates:
                aggregates.append(AggregateRequest("count", None, "groups.count"))
            request = RowsRequest(
                filters=_filters(binding, arguments.get("filter")), sort=sort, size=arguments.get("first"),
                search=arguments.get("search"), group_by=group_by, aggregates=aggregates, param_names=ROW_PARAMS,
            )
            query = build_rows_query(target.spec, request, target.policy)
            result = run_group_by(context.engine.query_conn, query, time_limit_ms=context.remaining_ms())
            _audit(context, info, binding, target, arguments, query.describe(), len(result.rows))
            return AggregateValue(result.rows, result.truncated, result.version, sorted(target.masked))

        return guarded(resolve)
