"""The same checks as a GX suite, compiled into one DuckDB SQL query (one unexpected-row count per
expectation). Used by the benchmark (GX on a pandas batch vs. one SQL pass in the engine) and by the
tests, which assert that both agree on every count — so the suites mean exactly what they say.

Only the expectation types the suites use are supported; an unknown type raises, so a suite cannot
silently drift out of the comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from expectations.runner import check_name


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def expression(expectation: Mapping[str, Any], schema: str, table: str) -> str:
    """A scalar SQL expression over `relation` (alias t) giving the expectation's unexpected count
    (table-level expectations: 0 when met, 1 when not)."""
    relation = f"{_q(schema)}.{_q(table)}"
    kind = expectation["type"]
    kw = expectation.get("kwargs") or {}
    col = _q(kw["column"]) if "column" in kw else None
    if kind == "expect_table_row_count_to_be_between":
        conds = []
        if kw.get("min_value") is not None:
            conds.append(f"count(*) >= {_lit(kw['min_value'])}")
        if kw.get("max_value") is not None:
            conds.append(f"count(*) <= {_lit(kw['max_value'])}")
        return f"CASE WHEN {' AND '.join(conds) or 'true'} THEN 0 ELSE 1 END"
    if kind == "expect_table_columns_to_match_ordered_list":
        expected = "[" + ", ".join(_lit(c) for c in kw["column_list"]) + "]"
        return (f"CASE WHEN (SELECT list(column_name ORDER BY column_index) FROM duckdb_columns() "
                f"WHERE schema_name = {_lit(schema)} AND table_name = {_lit(table)}) = {expected} "
                f"THEN 0 ELSE 1 END")
    if kind == "expect_column_values_to_not_be_null":
        return f"count(*) FILTER (WHERE {col} IS NULL)"
    if kind == "expect_column_values_to_be_unique":
        return (f"(SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} WHERE {col} IS NOT NULL "
                f"GROUP BY {col} HAVING count(*) > 1))")
    if kind == "expect_compound_columns_to_be_unique":
        cols = ", ".join(_q(c) for c in kw["column_list"])
        any_present = " OR ".join(f"{_q(c)} IS NOT NULL" for c in kw["column_list"])
        return (f"(SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} WHERE {any_present} "
                f"GROUP BY {cols} HAVING count(*) > 1))")
    if kind == "expect_column_values_to_be_between":
        conds = []
        if kw.get("min_value") is not None:
            conds.append(f"{col} {'>' if kw.get('strict_min') else '>='} {_lit(kw['min_value'])}")
        if kw.get("max_value") is not None:
            conds.append(f"{col} {'<' if kw.get('strict_max') else '<='} {_lit(kw['max_value'])}")
        return f"count(*) FILTER (WHERE {col} IS NOT NULL AND NOT ({' AND '.join(conds)}))"
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join(_lit(v) for v in kw["value_set"])
        return f"count(*) FILTER (WHERE {col} IS NOT NULL AND {col} NOT IN ({values}))"
    if kind == "expect_column_values_to_match_regex":
        return f"count(*) FILTER (WHERE {col} IS NOT NULL AND NOT regexp_matches({col}, {_lit(kw['regex'])}))"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _q(kw["column_A"]), _q(kw["column_B"])
        op = ">=" if kw.get("or_equal") else ">"
        if kw.get("ignore_row_if") != "either_value_is_missing":
            raise ValueError(f"{check_name(expectation)}: set ignore_row_if: either_value_is_missing")
        return f"count(*) FILTER (WHERE {a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {op} {b}))"
    raise ValueError(f"expectation type {kind} has no SQL translation")


def suite_query(suite: Mapping[str, Any], schema: str, table: str) -> tuple[str, list[str]]:
    """(SELECT returning one row of unexpected counts, the check names in column order)."""
    names = [check_name(e) for e in suite["expectations"]]
    exprs = [f"{expression(e, schema, table)} AS {_q(re.sub(r'[^0-9A-Za-z_]+', '_', n))}"
             for e, n in zip(suite["expectations"], names)]
    return f"SELECT {', '.join(exprs)} FROM {_q(schema)}.{_q(table)}", names


def run_suite_sql(con, suite: Mapping[str, Any], schema: str, table: str) -> dict[str, int]:
    sql, names = suite_query(suite, schema, table)
    row = con.execute(sql).fetchone()
    return dict(zip(names, (int(v) for v in row)))
