"""Which personal-data columns a consumer may see.

DESIGN §9: columns classed as personal data are masked unless the consumer's grant includes personal
data. A masked column stays in the output with the same name and type but every value is NULL (a
typed NULL, so GraphQL types, CSV headers and Parquet schemas do not change with the caller), and it
may not be used to filter, sort, facet, search or group: otherwise ``id_number__startswith=0`` or a
sorted page would reveal what the mask hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .schema import PII_CLASSES, ColumnSpec


@dataclass(frozen=True)
class AccessPolicy:
    """What this consumer may not see, given either way the platform knows it:

    * ``allowed_pii``: the personal-data classes the consumer may see (``"none"`` always). A column
      whose class is not in the set, or is not one of ``none|basic|sensitive`` (fail closed), is masked.
    * ``masked_columns``: column names masked regardless of class, e.g. the set computed by
      ``api.access.masked_columns(principal, dataset, columns)`` (see :meth:`from_masked_columns`).
    """

    allowed_pii: frozenset[str] = frozenset({"none"})
    masked_columns: frozenset[str] = frozenset()

    def __init__(self, allowed_pii: Iterable[str] = frozenset({"none"}), masked_columns: Iterable[str] = ()) -> None:
        object.__setattr__(self, "allowed_pii", frozenset(allowed_pii) | {"none"})
        object.__setattr__(self, "masked_columns", frozenset(masked_columns))

    @classmethod
    def public(cls) -> "AccessPolicy":
        """Anonymous and ungranted consumers: every personal-data column masked."""
        return cls(frozenset({"none"}))

    @classmethod
    def full(cls) -> "AccessPolicy":
        """A consumer whose grant includes all personal data."""
        return cls(frozenset(PII_CLASSES))

    @classmethod
    def from_masked_columns(cls, names: Iterable[str]) -> "AccessPolicy":
        """Exactly these columns masked (the access layer has already decided which)."""
        return cls(frozenset(PII_CLASSES), names)

    def is_masked(self, column: ColumnSpec) -> bool:
        return (column.name in self.masked_columns or column.pii not in PII_CLASSES
                or column.pii not in self.allowed_pii)
