"""Running a GraphQL request: the caller's schema (cached), parsing, validation, limits, execution.

The schema is generated from the published schemas of the datasets the caller can see, so
introspection never shows a dataset that does not exist for them (a hidden dataset's field is an
unknown field, exactly like a misspelt one). Schemas are cached by the set of visible datasets and
their current versions: publishing a version (or changing a dataset's metadata) changes the key, and
the next request builds the new schema. Each request still reads the catalogue (two small queries),
so a new version is served as soon as its pointer moves.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping

from fastapi import Request
from graphql import GraphQLError, GraphQLSyntaxError, execute, parse, validate

from api.access import can_see_dataset, principal_of
from api.engine import ParquetEngine
from api.graphql.execution import RowsExecutionContext
from api.graphql.limits import GraphQLLimits, LimitExceeded, check_limits
from api.graphql.resolvers import Context, Resolvers
from api.graphql.schema import BuiltSchema, Naming, build_schema, make_binding
from catalog.store import CatalogStore

_SCHEMA_CACHE_SIZE = 32
_DOCUMENT_CACHE_SIZE = 256
#: graphql-core suggests similar names ("Did you mean 'shared_ds'?"). Dropped, so that asking for a
#: dataset you may not see answers exactly like asking for one that does not exist (docs/access.md);
#: introspection and GraphiQL's completion list the names you can use.
_SUGGESTION = re.compile(r" Did you mean .*\?$", re.DOTALL)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]


def _errors(code: str, *messages: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}} for message in messages]}


class GraphQLService:
    def __init__(self, limits: GraphQLLimits | None = None) -> None:
        self.limits = limits or GraphQLLimits.from_env()
        self._schemas: OrderedDict[tuple[Any, ...], BuiltSchema] = OrderedDict()
        self._namings: dict[tuple[str, ...], Naming] = {}
        self._documents: OrderedDict[tuple[int, str], tuple[BuiltSchema, Any, list[GraphQLError]]] = OrderedDict()
        self._lock = threading.Lock()

    # -- schemas ---------------------------------------------------------------------------------
    def schema_for(self, request: Request) -> tuple[BuiltSchema, dict[str, dict[str, Any]]]:
        """The caller's schema and the visible datasets' rows as read now."""
        store: CatalogStore = request.app.state.store
        engine: ParquetEngine = request.app.state.engine
        principal = principal_of(request)
        servable = [d for d in store.list_datasets() if d["current_version"]]
        names = tuple(sorted(d["name"] for d in servable))
        with self._lock:
            naming = self._namings.get(names)
        if naming is None:
            naming = Naming.of(names)
            with self._lock:
                if len(self._namings) > _SCHEMA_CACHE_SIZE:
                    self._namings.clear()
                self._namings[names] = naming
        visible = {d["name"]: d for d in servable if can_see_dataset(principal, d)}
        key = tuple((name, d["current_version"], naming.fields[name], str(d["updated_at"]), tuple(d["primary_key"] or ()))
                    for name, d in sorted(visible.items()))
        with self._lock:
            built = self._schemas.get(key)
            if built is not None:
                self._schemas.move_to_end(key)
                return built, visible
        bindings = []
        for name, dataset in sorted(visible.items()):
            version = engine.version(store, name, dataset["current_version"])
            if version is None:  # the pointer names a version that cannot be served: leave it out
                continue
            bindings.append(make_binding(dataset, version, engine.spec_for(dataset, version), naming))
        visible = {b.name: visible[b.name] for b in bindings}
        built = build_schema(bindings, Resolvers)
        with self._lock:
            self._schemas[key] = built
            while len(self._schemas) > _SCHEMA_CACHE_SIZE:
                self._schemas.popitem(last=False)
        return built, visible

    def _checked(self, built: BuiltSchema, query: str) -> tuple[Any, list[GraphQLError]]:
        """The parsed document and its validation errors, remembered per schema (clients repeat queries)."""
        key = (id(built), query)
        with self._lock:
            cached = self._documents.get(key)
            if cached is not None and cached[0] is built:
                self._documents.move_to_end(key)
                return cached[1], cached[2]
        document = parse(query, max_tokens=50_000)
        problems = validate(built.schema.graphql_schema, document, max_errors=20)
        with self._lock:
            self._documents[key] = (built, document, problems)
            while len(self._documents) > _DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
        return document, problems

    # -- requests --------------------------------------------------------------------------------
    def run(self, request: Request, query: Any, variables: Any = None, operation_name: Any = None) -> Outcome:
        limits = self.limits
        if not isinstance(query, str) or not query.strip():
            return Outcome(400, _errors("BAD_REQUEST", "send a GraphQL document in `query`"))
        if len(query) > limits.max_query_length:
            return Outcome(400, _errors("QUERY_TOO_LONG", f"the query is longer than the limit of "
                                                          f"{limits.max_query_length} characters"))
        if variables is not None and not isinstance(variables, Mapping):
            return Outcome(400, _errors("BAD_REQUEST", "`variables` must be a JSON object"))
        if operation_name is not None and not isinstance(operation_name, str):
            return Outcome(400, _errors("BAD_REQUEST", "`operationName` must be a string"))
        built, visible = self.schema_for(request)
        graphql_schema = built.schema.graphql_schema
        try:
            document, problems = self._checked(built, query)
        except GraphQLSyntaxError as error:
            return Outcome(400, {"errors": [{**error.formatted, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]})
        if problems:
            return Outcome(400, {"errors": [{**error.formatted, "message": _SUGGESTION.sub("", error.message),
                                             "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}
                                            for error in problems]})
        try:
            check_limits(document, operation_name, variables, built.dataset_fields, limits)
        except LimitExceeded as exceeded:
            return Outcome(400, _errors(exceeded.code, exceeded.message))
        context = Context(request=request, principal=principal_of(request), store=request.app.state.store,
                          engine=request.app.state.engine, limits=limits, datasets=visible, built=built)
        result = execute(graphql_schema, document, context_value=context, variable_values=variables,
                         operation_name=operation_name, execution_context_class=RowsExecutionContext)
        if context.audit_failed:
            return Outcome(503, _errors("UNAVAILABLE", "the audit log could not be written, so the data is not "
                                                       "served; try again shortly"))
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [_formatted(error) for error in result.errors]
            if result.data is None and not any(error.path for error in result.errors):
                return Outcome(400, body)  # a request error (variables, operation): nothing ran
        body["data"] = result.data
        return Outcome(200, body)


def _formatted(error: GraphQLError) -> dict[str, Any]:
    formatted = {**error.formatted, "message": _SUGGESTION.sub("", error.message)}
    if not formatted.get("extensions", {}).get("code"):
        formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": "BAD_USER_INPUT"}
    return formatted
