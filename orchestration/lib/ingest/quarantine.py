"""Type every batch to the registry and set aside the rows that cannot be loaded — never dropping one.

A batch (a DuckDB temp table in source types) becomes:

* `good`: one row per primary key, every registry column in its registry type (set-based SQL only);
* quarantine records, one per bad value: source, key, column, reason, value — for values that cannot
  be read as the registry type (unparseable dates, text in a number column, numbers with a fraction in
  an integer column, text that is not valid UTF-8), rows without a primary key, and duplicate keys
  (the version with the latest cursor is kept).

Invariant, asserted on every load: rows read = rows loaded + rows quarantined.

Reading rules for text values (SQLite, CSV, Excel, text columns of a server): surrounding blanks are
ignored and an empty value is NULL; numbers in plain notation; booleans true/false, t/f, 1/0, yes/no,
có/không, x; dates ISO-8601 or dd/mm/yyyy; MySQL's zero date (`0000-00-00…`) is NULL. Values of
columns the registry marks as personal data are not copied into the quarantine (only key and reason).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.lib.ingest.sources import BAD_ENCODING_PREFIX, qid
from orchestration.lib.ingest.spec import TableSpec

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT"}
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
TRUE_WORDS = ("true", "t", "1", "yes", "y", "có", "co", "x")
FALSE_WORDS = ("false", "f", "0", "no", "n", "không", "khong")
DAY_FIRST_DATES = ["%d/%m/%Y", "%d-%m-%Y"]
DAY_FIRST_TIMESTAMPS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y"]

REASONS = {
    "INTEGER": "not a whole number within the INTEGER range",
    "BIGINT": "not a whole number within the BIGINT range",
    "DOUBLE": "not a number",
    "BOOLEAN": "not a boolean (expected true/false, 1/0, yes/no, có/không)",
    "DATE": "not a valid date (expected YYYY-MM-DD or dd/mm/yyyy)",
    "TIMESTAMP": "not a valid timestamp (expected YYYY-MM-DD HH:MM:SS or dd/mm/yyyy HH:MM:SS)",
    "VARCHAR": "cannot be read as text",
}
REASON_ENCODING = "not valid UTF-8 text"
REASON_NULL_KEY = "primary key is missing (NULL)"
REASON_DUPLICATE = "duplicate primary key at the source (the version with the latest cursor was loaded)"

QUARANTINE_COLUMNS = "key VARCHAR, column_name VARCHAR, reason VARCHAR, value VARCHAR"


def _base_type(duckdb_type: str) -> str:
    return duckdb_type.split("(")[0].strip().upper()


def _literal_list(words) -> str:
    return ", ".join("'" + w.replace("'", "''") + "'" for w in words)


def conversion(ref: str, source_type: str, target: str, canonical: bool = False) -> tuple[str, str | None]:
    """(expression in the registry type, failure condition or None when the cast cannot fail).

    `canonical`: the text is a date/time the source rendered itself (ISO-8601), so only the plain cast
    and MySQL's zero date need handling."""
    src = _base_type(source_type)
    if src == target or (src == "DECIMAL" and target == "DECIMAL"):
        return ref, None
    if canonical and src == "VARCHAR" and target in ("DATE", "TIMESTAMP"):
        expr = f"CASE WHEN {ref} LIKE '0000-00-00%' THEN NULL ELSE TRY_CAST({ref} AS {target}) END"
        return expr, f"{ref} IS NOT NULL AND {ref} NOT LIKE '0000-00-00%' AND ({expr}) IS NULL"
    if src == "VARCHAR":
        t = f"nullif(trim({ref}), '')"
        if target == "VARCHAR":
            return ref, None
        if target in ("INTEGER", "BIGINT"):
            expr = (f"CASE WHEN regexp_full_match({t}, '[+-]?[0-9]+(\\.0*)?') "
                    f"THEN TRY_CAST(split_part({t}, '.', 1) AS {target}) END")
        elif target == "DOUBLE":
            expr = f"TRY_CAST({t} AS DOUBLE)"
        elif target == "BOOLEAN":
            expr = (f"CASE WHEN lower({t}) IN ({_literal_list(TRUE_WORDS)}) THEN true "
                    f"WHEN lower({t}) IN ({_literal_list(FALSE_WORDS)}) THEN false END")
        elif target == "DATE":
            expr = (f"CASE WHEN {t} LIKE '0000-00-00%' THEN NULL ELSE coalesce(TRY_CAST({t} AS DATE), "
                    f"CAST(try_strptime({t}, {DAY_FIRST_DATES!r}) AS DATE)) END")
            return expr, f"{t} IS NOT NULL AND {t} NOT LIKE '0000-00-00%' AND ({expr}) IS NULL"
        elif target == "TIMESTAMP":
            expr = (f"CASE WHEN {t} LIKE '0000-00-00%' THEN NULL ELSE coalesce(TRY_CAST({t} AS TIMESTAMP), "
                    f"try_strptime({t}, {DAY_FIRST_TIMESTAMPS!r})) END")
            return expr, f"{t} IS NOT NULL AND {t} NOT LIKE '0000-00-00%' AND ({expr}) IS NULL"
        else:
            expr = f"TRY_CAST({t} AS {target})"
        return expr, f"{t} IS NOT NULL AND ({expr}) IS NULL"
    if target == "VARCHAR":
        return f"CAST({ref} AS VARCHAR)", None
    if src in INTEGER_TYPES | {"BOOLEAN"} and target == "BOOLEAN":
        return f"({ref} <> 0)", None
    if (src in FLOAT_TYPES or src == "DECIMAL") and target in ("INTEGER", "BIGINT"):
        expr = f"CASE WHEN {ref} = trunc({ref}) THEN TRY_CAST({ref} AS {target}) END"
        return expr, f"{ref} IS NOT NULL AND ({expr}) IS NULL"
    if src == "BOOLEAN" and target in ("INTEGER", "BIGINT", "DOUBLE"):
        return f"CAST({ref} AS {target})", None
    if src == "DATE" and target == "TIMESTAMP":
        return f"CAST({ref} AS TIMESTAMP)", None
    expr = f"TRY_CAST({ref} AS {target})"
    return expr, f"{ref} IS NOT NULL AND ({expr}) IS NULL"


def key_text(spec: TableSpec, alias: str = "") -> str:
    """The primary key as text: the value for one column, a JSON object for a composite key."""
    prefix = f"{alias}." if alias else ""
    if len(spec.pk) == 1:
        return f"CAST({prefix}{qid(spec.pk[0])} AS VARCHAR)"
    pairs = ", ".join(f"{qid(k)} := {prefix}{qid(k)}" for k in spec.pk)
    return f"CAST(to_json(struct_pack({pairs})) AS VARCHAR)"


@dataclass
class Typed:
    good: str              # relation with the registry columns (typed) + added columns, unique keys
    bad: str | None        # temp table of quarantine records (key, column_name, reason, value)
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    cursor_max: object     # max cursor over every read row whose cursor could be read
    converted_columns: list[str]


def type_batch(con: duckdb.DuckDBPyConnection, spec: TableSpec, batch: str, extras: list[str],
               prefix: str = "_kho", canonical: set[str] = frozenset(), key_unique: bool = False) -> Typed:
    """Split `batch` into typed good rows and quarantine records (see module docstring).

    `key_unique`: the source enforces the key, so the duplicate-key count is skipped."""
    batch_types = {name: typ for name, typ, *_ in con.execute(f"DESCRIBE {batch}").fetchall()}
    exprs: list[str] = []
    checks: list[tuple[str, str, str]] = []      # (column, condition, reason)
    converted: list[str] = []
    for column in spec.table.columns:
        target = spec.duckdb_type(column.name)
        ref = qid(column.name)
        expr, fails = conversion(ref, batch_types[column.name], target, canonical=column.name in canonical)
        if expr != ref:
            converted.append(column.name)
        exprs.append(f"{expr} AS {ref}")
        if fails:
            checks.append((column.name, fails, REASONS[target]))
        enc = BAD_ENCODING_PREFIX + column.name
        if enc in batch_types:
            checks.append((column.name, f"{qid(enc)} IS NOT NULL", REASON_ENCODING))
    for name in extras:
        exprs.append(f"CAST({qid(name)} AS VARCHAR) AS {qid(name)}")
        enc = BAD_ENCODING_PREFIX + name
        if enc in batch_types:
            checks.append((name, f"{qid(enc)} IS NOT NULL", REASON_ENCODING))
    pk_null = " OR ".join(f"{qid(k)} IS NULL" for k in spec.pk)
    pk_cols = ", ".join(qid(k) for k in spec.pk)
    cursor = spec.table.cursor
    rows_read = con.execute(f"SELECT count(*) FROM {batch}").fetchone()[0]
    columns = ", ".join([qid(c) for c in spec.column_names] + [qid(e) for e in extras])
    good = f"{prefix}_good"
    max_cursor = f"max({qid(cursor)})" if cursor else "NULL"

    # First pass, nothing materialised: count what would fail. Clean batches (the usual case) become a view
    # that converts on the fly while the raw table is written.
    any_bad = " OR ".join([f"({cond})" for _, cond, _ in checks]) or "false"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {prefix}_typed AS SELECT {', '.join(exprs)}, "
                f"({any_bad}) AS _kho_any_bad FROM {batch}")
    distinct_sql = "NULL" if key_unique else \
        f"count(DISTINCT ({pk_cols})) FILTER (WHERE NOT _kho_any_bad AND NOT ({pk_null}))"
    bad, nulls, distinct, top = con.execute(
        f"SELECT count(*) FILTER (WHERE _kho_any_bad), count(*) FILTER (WHERE NOT _kho_any_bad AND ({pk_null})), "
        f"{distinct_sql}, {max_cursor} FROM {prefix}_typed").fetchone()
    if key_unique:
        distinct = rows_read - bad - nulls
    if bad == 0 and nulls == 0 and distinct == rows_read:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {good} AS SELECT {columns} FROM {prefix}_typed")
        return Typed(good, None, rows_read, rows_read, 0, top, converted)

    # Some values may fail: convert once, keep a flag and the original text of each checked value.
    conv = f"{prefix}_conv"
    flag_exprs = [f"({cond}) AS {qid(f'_kho_bad_{i}')}" for i, (_, cond, _) in enumerate(checks)]
    value_exprs = []
    for i, (name, cond, reason) in enumerate(checks):
        enc = BAD_ENCODING_PREFIX + name
        original = qid(enc) if reason == REASON_ENCODING else f"CAST({qid(name)} AS VARCHAR)"
        value_exprs.append(f"CASE WHEN {cond} THEN {original} END AS {qid(f'_kho_val_{i}')}")
    # Key text and "any bad" are computed on the source values, so a bad key is still named.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {conv} AS SELECT {', '.join(exprs + flag_exprs + value_exprs)}, "
        f"({any_bad}) AS _kho_any_bad, CASE WHEN ({any_bad}) OR ({pk_null}) THEN {key_text(spec)} END AS _kho_key "
        f"FROM {batch}")
    ok = f"NOT _kho_any_bad AND NOT ({pk_null})"
    ok_rows, distinct, cursor_max = con.execute(
        f"SELECT count(*) FILTER (WHERE {ok}), "
        f"{'NULL' if key_unique else f'count(DISTINCT ({pk_cols})) FILTER (WHERE {ok})'}, {max_cursor} "
        f"FROM {conv}").fetchone()
    if key_unique:
        distinct = ok_rows
    parts = [f"SELECT _kho_key AS key, {_lit(name)} AS column_name, {_lit(reason)} AS reason, "
             f"{qid(f'_kho_val_{i}')} AS value FROM {conv} WHERE {qid(f'_kho_bad_{i}')}"
             for i, (name, _, reason) in enumerate(checks)]
    parts.append(f"SELECT _kho_key AS key, {_lit(', '.join(spec.pk))} AS column_name, "
                 f"{_lit(REASON_NULL_KEY)} AS reason, CAST(NULL AS VARCHAR) AS value "
                 f"FROM {conv} WHERE NOT _kho_any_bad AND ({pk_null})")
    if distinct == ok_rows:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {good} AS SELECT {columns} FROM {conv} WHERE {ok}")
        duplicates = 0
    else:
        # Duplicate keys at the source: load the version with the latest cursor, quarantine the others.
        order = f"{qid(cursor)} DESC NULLS LAST" if cursor else "1"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {conv}_ok AS SELECT *, row_number() OVER (PARTITION BY {pk_cols} "
            f"ORDER BY {order}) AS _kho_rn FROM {conv} WHERE {ok}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {good} AS SELECT {columns} FROM {conv}_ok WHERE _kho_rn = 1")
        parts.append(f"SELECT {key_text(spec)} AS key, {_lit(', '.join(spec.pk))} AS column_name, "
                     f"{_lit(REASON_DUPLICATE)} AS reason, CAST(NULL AS VARCHAR) AS value "
                     f"FROM {conv}_ok WHERE _kho_rn > 1")
        duplicates = ok_rows - distinct
    bad = f"{prefix}_bad"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {bad} AS " + " UNION ALL ".join(parts))
    rows_loaded = ok_rows - duplicates
    bad_rows = rows_read - ok_rows + duplicates
    counted = con.execute(f"SELECT count(*) FROM {conv} WHERE _kho_any_bad OR ({pk_null})").fetchone()[0]
    if counted + ok_rows != rows_read or rows_loaded + bad_rows != rows_read:
        raise AssertionError(f"{spec.name}: rows read {rows_read} ≠ loaded {rows_loaded} + quarantined {bad_rows}")
    return Typed(good, bad, rows_read, rows_loaded, bad_rows, cursor_max, converted)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cleanup(con: duckdb.DuckDBPyConnection, prefix: str = "_kho") -> None:
    for view in (f"{prefix}_good", f"{prefix}_typed"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for table in (f"{prefix}_conv_ok", f"{prefix}_conv", f"{prefix}_bad"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
