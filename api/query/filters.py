"""Column filters: Datasette's operators, validated against a column and compiled to SQL.

=============  =============================================  ==============================
operator       meaning                                        columns
=============  =============================================  ==============================
exact          ``col = v`` (also plain ``col=v``)             all but OTHER
not            ``col <> v`` (NULLs do not match, as in SQL)   all but OTHER
gt gte lt lte  ``col > v`` ...                                ordered types (all but OTHER)
contains       substring, case- and accent-sensitive          text
startswith     prefix                                         text
endswith       suffix                                         text
in / notin     ``col IN (v1, v2)``; comma list or JSON array  all but OTHER
isnull         ``col IS NULL`` (value 1 / true)               all
notnull        ``col IS NOT NULL`` (value 1 / true)           all
date           the date part equals ``YYYY-MM-DD``            date, timestamp
=============  =============================================  ==============================

Text values are NFC-normalised (the published data is NFC), so a decomposed query still matches.
For case- and accent-insensitive matching use ``_search``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

from .errors import MaskedColumnRefused, QueryError, show_value
from .limits import QueryLimits
from .policy import AccessPolicy
from .request import FilterRequest
from .schema import ColumnSpec, DatasetSpec, Family, ORDERABLE_FAMILIES
from .sql import Sql, column_ref
from .values import check_text, coerce_date, coerce_value


class Op(str, Enum):
    EXACT = "exact"
    NOT = "not"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONTAINS = "contains"
    STARTSWITH = "startswith"
    ENDSWITH = "endswith"
    IN = "in"
    NOTIN = "notin"
    ISNULL = "isnull"
    NOTNULL = "notnull"
    DATE = "date"


OPERATORS = frozenset(op.value for op in Op)
_COMPARISON_SQL = {Op.EXACT: "=", Op.NOT: "<>", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
_TEXT_FUNCTIONS = {Op.CONTAINS: "contains", Op.STARTSWITH: "starts_with", Op.ENDSWITH: "ends_with"}
_LIST_OPS = frozenset({Op.IN, Op.NOTIN})
_FLAG_OPS = frozenset({Op.ISNULL, Op.NOTNULL})
_TEXT_OPS = frozenset(_TEXT_FUNCTIONS)
_FLAG_TRUE = frozenset({"1", "true"})


@dataclass(frozen=True)
class Condition:
    """A validated filter: ``values`` are canonical texts that cast cleanly to the column's type."""

    column: ColumnSpec
    op: Op
    values: tuple[str, ...]

    def to_sql(self) -> Sql:
        column = column_ref(self.column.name)
        if self.op is Op.ISNULL:
            return Sql(f"{column} IS NULL")
        if self.op is Op.NOTNULL:
            return Sql(f"{column} IS NOT NULL")
        if self.op is Op.DATE:
            return Sql(f"CAST({column} AS DATE) = CAST(? AS DATE)", self.values)
        if self.op in _TEXT_FUNCTIONS:
            return Sql(f"{_TEXT_FUNCTIONS[self.op]}({column}, ?)", self.values)
        placeholder = value_placeholder(self.column)
        if self.op in _LIST_OPS:
            keyword = "IN" if self.op is Op.IN else "NOT IN"
            return Sql(f"{column} {keyword} ({', '.join([placeholder] * len(self.values))})", self.values)
        return Sql(f"{column} {_COMPARISON_SQL[self.op]} {placeholder}", self.values)

    def describe(self) -> dict[str, object]:
        return {"column": self.column.name, "op": self.op.value, "values": list(self.values)}


def value_placeholder(column: ColumnSpec) -> str:
    """``?`` cast to the column's exact type (text binds as VARCHAR already)."""
    sql_type = column.column_type.sql
    return "?" if column.family is Family.TEXT else f"CAST(? AS {sql_type})"


def build_condition(spec: DatasetSpec, policy: AccessPolicy, request: FilterRequest,
                    limits: QueryLimits) -> Condition:
    param = request.param
    column = spec.by_name.get(request.column) if isinstance(request.column, str) else None
    if column is None:
        raise QueryError(param, f"unknown column {show_value(request.column)}")
    if not isinstance(request.op, str) or request.op not in OPERATORS:
        raise QueryError(param, f"unknown filter operator {show_value(request.op)}; "
                                f"use one of {', '.join(o.value for o in Op)}")
    op = Op(request.op)
    if policy.is_masked(column):
        raise MaskedColumnRefused(param, column.name, "filtering")
    family = column.family
    if op in _FLAG_OPS:
        return Condition(column, op, _flag(request.value, param))
    if op in _TEXT_OPS and family is not Family.TEXT:
        raise QueryError(param, f"operator {op.value!r} needs a text column; {column.name!r} is {column.type}")
    if op is Op.DATE:
        if family not in (Family.DATE, Family.TIMESTAMP):
            raise QueryError(param, f"operator 'date' needs a date or timestamp column; {column.name!r} is {column.type}")
        return Condition(column, op, (coerce_date(_scalar(request.value, param), param),))
    if family not in ORDERABLE_FAMILIES:
        raise QueryError(param, f"column {column.name!r} of type {column.type} supports only isnull and notnull")
    if op in _LIST_OPS:
        items = _list_items(request.value, param, limits)
        return Condition(column, op, tuple(coerce_value(column.column_type, item, param, limits.max_value_length)
                                           for item in items))
    value = coerce_value(column.column_type, _scalar(request.value, param), param, limits.max_value_length)
    return Condition(column, op, (value,))


def _flag(value: object, param: str) -> tuple[str, ...]:
    if value is True or (isinstance(value, str) and value.strip().lower() in _FLAG_TRUE):
        return ()
    raise QueryError(param, "expects 1 or true")


def _scalar(value: object, param: str) -> object:
    if isinstance(value, (list, tuple, set, dict)):
        raise QueryError(param, "expects a single value")
    return value


def _list_items(value: object, param: str, limits: QueryLimits) -> list[object]:
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):
        if len(value) > limits.max_param_length:
            raise QueryError(param, f"value is longer than {limits.max_param_length} characters")
        value = check_text(value, param, limits.max_param_length)
        items = _json_array(value, param) if value.lstrip().startswith("[") else value.split(",")
    else:
        items = [value]
    if not items:
        raise QueryError(param, "expects at least one value")
    if len(items) > limits.max_in_values:
        raise QueryError(param, f"accepts at most {limits.max_in_values} values")
    for item in items:
        if item is None or isinstance(item, (list, tuple, set, dict)):
            raise QueryError(param, "list items must be single values (use isnull for NULL)")
    return items


def _json_array(text: str, param: str) -> list[object]:
    try:
        # Numbers stay as their text so they are typed by the column, exactly like comma lists.
        parsed = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except (ValueError, RecursionError):
        raise QueryError(param, "a value starting with '[' must be a JSON array") from None
    if not isinstance(parsed, list):
        raise QueryError(param, "a value starting with '[' must be a JSON array")
    return [("true" if item else "false") if isinstance(item, bool) else item for item in parsed]
