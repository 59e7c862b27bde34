"""Diacritic-insensitive text matching for ``_search`` (DESIGN §8: "dien bien" finds "Điện Biên").

The same folding is written twice, once in SQL for the column and once in Python for the query
(tokenising needs it, and the portal uses :func:`fold_text` for its own search): decompose, drop
combining marks, lower-case, and map đ/Đ to d, which Unicode does not treat as an accented d.
The SQL also folds the already-folded query terms, so Python and DuckDB disagreeing on some exotic
character (e.g. Python lower-cases "İ" to two code points) can only cost a match, never add one.
"""

from __future__ import annotations

import unicodedata

_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


def fold_text(text: str) -> str:
    """``"Điện Biên Phủ"`` → ``"dien bien phu"``; mirrors :func:`fold_sql`."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _MARK_CATEGORIES)
    return stripped.lower().replace("đ", "d").replace("Đ", "d")


def fold_sql(expression: str) -> str:
    """SQL folding ``expression`` (an already-safe SQL expression: a quoted column or ``?``)."""
    return f"replace(replace(lower(strip_accents({expression})), 'đ', 'd'), 'Đ', 'd')"


def search_terms(query: str) -> list[str]:
    """The folded, whitespace-separated words of a search query; every word must match."""
    return fold_text(query).split()
