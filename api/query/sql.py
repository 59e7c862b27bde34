"""SQL text with its bound parameters, kept together so they cannot drift apart.

Only two kinds of text ever enter a :class:`Sql`: fixed SQL written in this package, and identifiers
taken from the dataset's schema, quoted by :func:`quote_ident`. Everything a user sends travels in
``params`` and is bound to ``?`` placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

#: The alias of the Parquet scan in every statement; qualified names (t."col") keep WHERE and
#: ORDER BY on the source column even where a SELECT alias (e.g. a masked NULL) has the same name.
TABLE_ALIAS = "t"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_ref(name: str) -> str:
    return f"{TABLE_ALIAS}.{quote_ident(name)}"


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple[object, ...] = ()

    def __add__(self, other: "Sql | str") -> "Sql":
        if isinstance(other, str):
            return Sql(self.text + other, self.params)
        return Sql(self.text + other.text, self.params + other.params)

    @staticmethod
    def join(separator: str, parts: Iterable["Sql"]) -> "Sql":
        parts = list(parts)
        return Sql(separator.join(part.text for part in parts), tuple(p for part in parts for p in part.params))


def conjunction(parts: Iterable[Sql]) -> Sql | None:
    """``(a) AND (b) ...`` or None when there is nothing to require."""
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return Sql.join(" AND ", (Sql(f"({part.text})", part.params) for part in parts))
