"""GraphQL types of column values, chosen from the query engine's type families.

Output values are the REST API's JSON values (`api.query.to_jsonable`: ISO 8601 text for dates and
times, numbers for decimals, null for NaN), so the two doors answer alike. Input values (filter
operands) are passed to the query engine as they come, which checks them against the column's exact
type and names the offending argument (``filter.received_at.gte``) when one does not fit — the same
check and message as REST. So the custom scalars below accept a literal of any kind on input.

| family | GraphQL type |
|---|---|
| integer up to 32 bits | `Int` |
| BIGINT, HUGEINT, unsigned ≥ 32 bits | `BigInt` (JSON number) |
| float, double | `Float` |
| decimal | `Decimal` (JSON number; input as number or text) |
| text | `String` |
| boolean | `Boolean` |
| date, timestamp, time | `Date`, `DateTime`, `Time` (ISO 8601 text) |
| lists, structs, other | `JSON` |
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql.language import ast

from api.query import ColumnSpec, Family
from api.query.jsonvalues import to_jsonable

_SMALL_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"})


def _literal(node: ast.ValueNode, _variables: Any = None) -> Any:
    """Any scalar literal, as Python: the query engine decides whether it fits the column."""
    if isinstance(node, ast.IntValueNode):
        return int(node.value)
    if isinstance(node, ast.FloatValueNode):
        return node.value  # as text: exact for decimals, parsed by the engine for floats
    if isinstance(node, (ast.StringValueNode, ast.EnumValueNode)):
        return node.value
    if isinstance(node, ast.BooleanValueNode):
        return node.value
    if isinstance(node, ast.ListValueNode):
        return [_literal(item) for item in node.values]
    if isinstance(node, ast.ObjectValueNode):
        return {field.name.value: _literal(field.value) for field in node.fields}
    return None


class _Passthrough(graphene.Scalar):
    @staticmethod
    def serialize(value: Any) -> Any:
        return to_jsonable(value)

    @staticmethod
    def parse_value(value: Any) -> Any:
        return value

    parse_literal = staticmethod(_literal)


class BigInt(_Passthrough):
    """An integer of up to 128 bits, as a JSON number (values beyond 2^53 lose precision in JavaScript)."""


class Decimal(_Passthrough):
    """An exact decimal column; a JSON number on output, a number or text on input."""


class Date(_Passthrough):
    """A calendar date, ISO 8601 (`2026-10-15`)."""


class DateTime(_Passthrough):
    """A timestamp, ISO 8601 (`2026-10-15T08:12:00`); without a time zone unless the column has one."""


class Time(_Passthrough):
    """A time of day, ISO 8601 (`08:12:00`)."""


class JSON(_Passthrough):
    """A list, struct or other value, as JSON."""


def graphql_type(column: ColumnSpec) -> type:
    family = column.family
    if family is Family.INTEGER:
        return graphene.Int if column.column_type.sql in _SMALL_INTEGERS else BigInt
    return {
        Family.FLOAT: graphene.Float,
        Family.DECIMAL: Decimal,
        Family.TEXT: graphene.String,
        Family.BOOLEAN: graphene.Boolean,
        Family.DATE: Date,
        Family.TIMESTAMP: DateTime,
        Family.TIME: Time,
    }.get(family, JSON)


def sum_type(column: ColumnSpec) -> type:
    """The type of ``sum`` over a numeric column (integer sums grow to 128 bits in DuckDB)."""
    return {Family.INTEGER: BigInt, Family.DECIMAL: Decimal}.get(column.family, graphene.Float)
