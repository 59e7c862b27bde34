"""An independent, pure-Python statement of what a query means, to check the engine's SQL against.

Written from the documented semantics, not from the engine's code: SQL NULL logic (a comparison
with NULL never matches), DuckDB float order (NaN equals NaN and sorts above +inf, -0.0 equals 0.0),
NULLs last in both sort directions, and the file position as the final tiebreaker.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from decimal import Decimal
from typing import Any, Iterable, Sequence

from tests.api_query.dataset import COLUMNS

TYPES = {column.name: column.type for column in COLUMNS}
TEXT_COLUMNS = [c.name for c in COLUMNS if c.type == "VARCHAR"]


def parse(column: str, text: str) -> Any:
    """The Python value a (valid) filter text denotes for ``column``."""
    kind = TYPES[column]
    if kind in ("BIGINT", "INTEGER", "TINYINT"):
        return int(text)
    if kind.startswith("DECIMAL"):
        return Decimal(text)
    if kind == "DOUBLE":
        return float(text)
    if kind == "DATE":
        return dt.date.fromisoformat(text)
    if kind == "TIMESTAMP":
        return dt.datetime.fromisoformat(text)
    if kind == "BOOLEAN":
        return text.lower() in ("1", "true", "t")
    return unicodedata.normalize("NFC", text)


def compare(a: Any, b: Any) -> int:
    """Three-way comparison of two non-NULL values in DuckDB's order."""
    if isinstance(a, float) or isinstance(b, float):
        a_nan, b_nan = isinstance(a, float) and math.isnan(a), isinstance(b, float) and math.isnan(b)
        if a_nan or b_nan:
            return (a_nan > b_nan) - (a_nan < b_nan)
    if isinstance(a, str):
        # DuckDB compares VARCHAR byte-wise; UTF-8 byte order is code point order.
        a, b = a.encode("utf-8"), b.encode("utf-8")
    return (a > b) - (a < b)


def matches(row: dict, column: str, op: str, value: Any) -> bool:
    """``value``: a text, or for in/notin a list of texts, or None for isnull/notnull."""
    cell = row[column]
    if op == "isnull":
        return cell is None
    if op == "notnull":
        return cell is not None
    if cell is None:
        return False
    if op in ("in", "notin"):
        found = any(compare(cell, parse(column, item)) == 0 for item in value)
        return found if op == "in" else not found
    if op == "date":
        day = dt.date.fromisoformat(value)
        return (cell.date() if isinstance(cell, dt.datetime) else cell) == day
    if op in ("contains", "startswith", "endswith"):
        needle = unicodedata.normalize("NFC", value)
        return {"contains": needle in cell, "startswith": cell.startswith(needle),
                "endswith": cell.endswith(needle)}[op]
    order = compare(cell, parse(column, value))
    return {"exact": order == 0, "not": order != 0, "gt": order > 0, "gte": order >= 0, "lt": order < 0,
            "lte": order <= 0}[op]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return bare.lower().replace("đ", "d")


def search_matches(row: dict, query: str, columns: Sequence[str]) -> bool:
    words = fold(query).split()
    return all(any(row[c] is not None and word in fold(row[c]) for c in columns) for word in words)


def filter_rows(rows: Iterable[dict], filters: Sequence[tuple[str, str, Any]] = (), search: str | None = None,
                search_columns: Sequence[str] = ()) -> list[dict]:
    return [row for row in rows
            if all(matches(row, column, op, value) for column, op, value in filters)
            and (not search or search_matches(row, search, search_columns))]


def sort_rows(rows: Sequence[dict], keys: Sequence[tuple[str, bool]]) -> list[dict]:
    """Rows in page order; ``keys`` are (column, descending). Input order is the file order."""
    positioned = list(enumerate(rows))

    def ordering(left: tuple[int, dict], right: tuple[int, dict]) -> int:
        for column, descending in keys:
            a, b = left[1][column], right[1][column]
            if a is None or b is None:
                result = (a is None) - (b is None)  # NULLs last either way
            else:
                result = compare(a, b) * (-1 if descending else 1)
            if result:
                return result
        return left[0] - right[0]

    return [row for _, row in sorted(positioned, key=functools.cmp_to_key(ordering))]


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def same_rows(left: Sequence[dict], right: Sequence[dict]) -> bool:
    return len(left) == len(right) and all(
        left_row.keys() == right_row.keys() and all(same_value(left_row[k], right_row[k]) for k in left_row)
        for left_row, right_row in zip(left, right))


def ids(rows: Iterable[dict]) -> list[int]:
    return [row["id"] for row in rows]

