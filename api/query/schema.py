"""What the query engine knows about a published dataset: its file, version and typed columns.

The column types come from the published ``schema.json`` (DuckDB type strings). They are parsed into
a small closed set of *families* that decide which operators, sorts and aggregates a column allows,
and into a canonical SQL type name used in ``CAST(? AS <type>)``. The canonical name is rebuilt from
the parse, never copied from the file, so nothing but whitelisted text reaches the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

#: DuckDB's ``read_parquet(..., file_row_number = true)`` adds this column; the engine uses it as the
#: keyset tiebreaker, so a dataset may not have a column of that name.
ROW_NUMBER_COLUMN = "file_row_number"

PII_CLASSES = ("none", "basic", "sensitive")


class Family(str, Enum):
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TIME = "time"
    BOOLEAN = "boolean"
    #: Lists, structs, blobs, intervals, UUIDs...: returned as they are; only ``isnull``/``notnull``.
    OTHER = "other"


NUMERIC_FAMILIES = frozenset({Family.INTEGER, Family.FLOAT, Family.DECIMAL})
ORDERABLE_FAMILIES = frozenset(Family) - {Family.OTHER}

# Integer types and their value ranges (DuckDB's).
_INTEGER_RANGES = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "HUGEINT": (-(2**127), 2**127 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "UINTEGER": (0, 2**32 - 1),
    "UBIGINT": (0, 2**64 - 1),
    "UHUGEINT": (0, 2**128 - 1),
}
_ALIASES = {
    "INT1": "TINYINT",
    "INT2": "SMALLINT",
    "SHORT": "SMALLINT",
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "SIGNED": "INTEGER",
    "INT8": "BIGINT",
    "LONG": "BIGINT",
    "INT128": "HUGEINT",
    "REAL": "FLOAT",
    "FLOAT4": "FLOAT",
    "FLOAT8": "DOUBLE",
    "DOUBLE PRECISION": "DOUBLE",
    "NUMERIC": "DECIMAL",
    "TEXT": "VARCHAR",
    "STRING": "VARCHAR",
    "CHAR": "VARCHAR",
    "BPCHAR": "VARCHAR",
    "BOOL": "BOOLEAN",
    "LOGICAL": "BOOLEAN",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMP_US": "TIMESTAMP",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIME WITHOUT TIME ZONE": "TIME",
}
_SIMPLE_FAMILIES = {
    "FLOAT": Family.FLOAT,
    "DOUBLE": Family.FLOAT,
    "VARCHAR": Family.TEXT,
    "DATE": Family.DATE,
    "TIMESTAMP": Family.TIMESTAMP,
    "TIMESTAMP_S": Family.TIMESTAMP,
    "TIMESTAMP_MS": Family.TIMESTAMP,
    "TIMESTAMP_NS": Family.TIMESTAMP,
    "TIMESTAMPTZ": Family.TIMESTAMP,
    "TIME": Family.TIME,
    "BOOLEAN": Family.BOOLEAN,
}
_DECIMAL = re.compile(r"DECIMAL\s*(?:\(\s*(\d{1,2})\s*(?:,\s*(\d{1,2})\s*)?\))?")
_VARCHAR_WITH_LENGTH = re.compile(r"(VARCHAR|CHAR|BPCHAR|TEXT|STRING)\s*\(\s*\d+\s*\)")


@dataclass(frozen=True)
class ColumnType:
    """A parsed column type: its family and the canonical SQL name used in casts (None for OTHER)."""

    declared: str
    family: Family
    sql: str | None
    #: Inclusive value range of integer types.
    int_range: tuple[int, int] | None = None
    #: Precision and scale of DECIMAL.
    precision: int | None = None
    scale: int | None = None

    @property
    def has_time_zone(self) -> bool:
        return self.sql == "TIMESTAMPTZ"

    @property
    def is_float32(self) -> bool:
        return self.sql == "FLOAT"


def parse_column_type(declared: str) -> ColumnType:
    """Parse a DuckDB type string; unknown or nested types become :attr:`Family.OTHER`."""
    name = " ".join(str(declared).upper().split())
    name = _ALIASES.get(name, name)
    if name in _INTEGER_RANGES:
        return ColumnType(declared, Family.INTEGER, name, int_range=_INTEGER_RANGES[name])
    if name in _SIMPLE_FAMILIES:
        return ColumnType(declared, _SIMPLE_FAMILIES[name], name)
    if _VARCHAR_WITH_LENGTH.fullmatch(name):
        return ColumnType(declared, Family.TEXT, "VARCHAR")
    if name.startswith("NUMERIC"):
        name = "DECIMAL" + name[len("NUMERIC"):]
    decimal = _DECIMAL.fullmatch(name)
    if decimal:
        # DuckDB's default for a bare DECIMAL is DECIMAL(18,3).
        precision = int(decimal.group(1)) if decimal.group(1) else 18
        scale = int(decimal.group(2)) if decimal.group(2) else (0 if decimal.group(1) else 3)
        if 1 <= precision <= 38 and 0 <= scale <= precision:
            return ColumnType(declared, Family.DECIMAL, f"DECIMAL({precision},{scale})",
                              precision=precision, scale=scale)
    return ColumnType(declared, Family.OTHER, None)


@dataclass(frozen=True)
class ColumnSpec:
    """One published column. ``pii`` is the personal-data class: ``none``, ``basic`` or ``sensitive``."""

    name: str
    type: str
    pii: str = "none"
    title_vi: str | None = None
    title_en: str | None = None
    column_type: ColumnType = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "\x00" in self.name:
            raise ValueError(f"invalid column name {self.name!r}")
        try:
            self.name.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"column name {self.name!r} is not valid UTF-8") from exc
        object.__setattr__(self, "column_type", parse_column_type(self.type))

    @property
    def family(self) -> Family:
        return self.column_type.family


@dataclass(frozen=True)
class DatasetSpec:
    """A published dataset version as the engine sees it.

    ``parquet_path`` is trusted (it comes from the catalogue, never from the request) and is still
    passed to DuckDB as a bound parameter. ``primary_key`` is descriptive: paging does not need it
    (see :mod:`api.query.keyset`).
    """

    name: str
    parquet_path: str
    columns: tuple[ColumnSpec, ...]
    version: str
    primary_key: tuple[str, ...] = ()

    def __init__(self, name: str, parquet_path: str | Path, columns: Iterable[ColumnSpec], version: str,
                 primary_key: Sequence[str] = ()) -> None:
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "parquet_path", str(parquet_path))
        object.__setattr__(self, "columns", tuple(columns))
        object.__setattr__(self, "version", str(version))
        object.__setattr__(self, "primary_key", tuple(primary_key))
        if not self.columns:
            raise ValueError(f"dataset {name!r} has no columns")
        seen: set[str] = set()
        for column in self.columns:
            # DuckDB matches identifiers case-insensitively, so "A" and "a" would be ambiguous.
            folded = column.name.casefold()
            if folded in seen:
                raise ValueError(f"dataset {name!r} has two columns named {column.name!r} (ignoring case)")
            if folded == ROW_NUMBER_COLUMN:
                raise ValueError(f"dataset {name!r}: the column name {ROW_NUMBER_COLUMN!r} is reserved")
            seen.add(folded)
        for key in self.primary_key:
            if key not in self.by_name:
                raise ValueError(f"dataset {name!r}: primary key column {key!r} is not a column")

    @property
    def by_name(self) -> Mapping[str, ColumnSpec]:
        # Cached on the instance: specs are immutable and looked up for every parameter.
        cached = self.__dict__.get("_by_name")
        if cached is None:
            cached = {column.name: column for column in self.columns}
            object.__setattr__(self, "_by_name", cached)
        return cached

    @classmethod
    def from_schema_json(cls, name: str, version: str, parquet_path: str | Path,
                         schema: Mapping[str, Any]) -> "DatasetSpec":
        """Build a spec from a published ``schema.json`` document.

        Accepts ``{"columns": [...], "primary_key": [...]}`` or a bare list of column objects; extra
        keys in column objects (descriptions, units) are ignored. A column without ``pii`` is ``none``.
        """
        raw_columns = schema["columns"] if isinstance(schema, Mapping) else schema
        primary_key = schema.get("primary_key", ()) if isinstance(schema, Mapping) else ()
        if isinstance(primary_key, str):
            primary_key = [primary_key]
        columns = [
            ColumnSpec(
                name=column["name"],
                type=column["type"],
                pii=column.get("pii", "none") or "none",
                title_vi=column.get("title_vi"),
                title_en=column.get("title_en"),
            )
            for column in raw_columns
        ]
        return cls(name, parquet_path, columns, version, primary_key)
