"""Limits on what one GraphQL request may ask for, checked before anything runs.

A data API over GraphQL is easy to overload: aliases repeat a dataset field any number of times,
fragments multiply selections, and introspection types nest without end. So, after the standard
validation and before execution, the chosen operation is measured:

* **depth** — nesting of fields (GraphiQL's own introspection query is 15 deep);
* **fields** — field selections after expanding fragments (stops counting at the limit, so a
  fragment bomb cannot make the count itself expensive);
* **dataset fields** — connection and aggregate fields (each is one query on the engine);
* **nodes** — rows and groups asked for: the sum of ``first`` over dataset fields.

During execution a **time limit** bounds the whole request: each dataset query gets the time that is
left (``QueryTimeout`` past it), and no new one starts once it is spent. Every limit answers with a
GraphQL error whose ``extensions.code`` names it and whose message gives the limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields as dataclass_fields
from typing import Any, Collection, Mapping

from graphql.language import (
    DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode,
    IntValueNode, OperationDefinitionNode, SelectionSetNode, VariableNode,
)


@dataclass(frozen=True)
class GraphQLLimits:
    max_depth: int = 16
    max_fields: int = 2_000
    max_dataset_fields: int = 10
    max_nodes: int = 10_000
    time_limit_ms: int = 10_000
    #: Longest query text accepted, in characters.
    max_query_length: int = 100_000
    default_first: int = 100

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "GraphQLLimits":
        """``KHO_GRAPHQL_MAX_DEPTH``, ``KHO_GRAPHQL_MAX_FIELDS``, ``KHO_GRAPHQL_MAX_DATASET_FIELDS``,
        ``KHO_GRAPHQL_MAX_NODES``, ``KHO_GRAPHQL_TIME_LIMIT_MS``, ``KHO_GRAPHQL_MAX_QUERY_LENGTH``."""
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for item in dataclass_fields(cls):
            raw = env.get(f"KHO_GRAPHQL_{item.name.upper()}")
            if raw:
                try:
                    values[item.name] = int(raw)
                except ValueError:
                    raise ValueError(f"KHO_GRAPHQL_{item.name.upper()} must be a whole number, got {raw!r}") from None
        return cls(**values)


class LimitExceeded(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Budget(Exception):
    """Internal: the field count passed the limit; stop walking."""


def check_limits(document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None,
                 dataset_fields: Collection[str], limits: GraphQLLimits) -> None:
    """Raise :class:`LimitExceeded` if the operation to run asks for too much (call after validation)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name is not None and op.name.value == operation_name]
    for operation in operations:
        _check_operation(operation, fragments, variables or {}, dataset_fields, limits)


def _check_operation(operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode],
                     variables: Mapping[str, Any], dataset_fields: Collection[str], limits: GraphQLLimits) -> None:
    counter = {"fields": 0, "depth": 0}

    def walk(selection_set: SelectionSetNode | None, depth: int, seen: frozenset[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                counter["fields"] += 1
                if counter["fields"] > limits.max_fields:
                    raise _Budget()
                if depth + 1 > limits.max_depth:
                    raise LimitExceeded("QUERY_TOO_DEEP", f"the query is nested deeper than the limit of "
                                                          f"{limits.max_depth} levels")
                walk(selection.selection_set, depth + 1, seen)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, depth, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    walk(fragments[name].selection_set, depth, seen | {name})

    try:
        walk(operation.selection_set, 0, frozenset())
    except _Budget:
        raise LimitExceeded("QUERY_TOO_COMPLEX", f"the query selects more than the limit of {limits.max_fields} "
                                                 "fields (fragments counted each time they are used)") from None

    roots = list(_root_fields(operation.selection_set, fragments, frozenset()))
    data = [field for field in roots if field.name.value in dataset_fields]
    if len(data) > limits.max_dataset_fields:
        raise LimitExceeded("TOO_MANY_DATASET_FIELDS", f"the query has {len(data)} dataset fields; the limit is "
                                                       f"{limits.max_dataset_fields} per request")
    nodes = sum(_first(field, variables, limits.default_first) for field in data)
    if nodes > limits.max_nodes:
        raise LimitExceeded("TOO_MANY_NODES", f"the query asks for up to {nodes} rows and groups (the sum of "
                                              f"`first` over its dataset fields); the limit is {limits.max_nodes}")


def _root_fields(selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode],
                 seen: frozenset[str]):
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _root_fields(fragments[name].selection_set, fragments, seen | {name})


def _first(field: FieldNode, variables: Mapping[str, Any], default: int) -> int:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return max(given, 0) if isinstance(given, int) and not isinstance(given, bool) else default
    return default
