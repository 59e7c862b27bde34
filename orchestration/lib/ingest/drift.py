"""Schema drift: compare the columns a source declares with the registry and with the last load.

Every source column gets a *family* (integer, float, decimal, text, boolean, date, timestamp, …) from
its declared type. Rules, per registry column:

* missing at the source → **removed**: breaking, the table stops with a message naming the column;
* its family is one the registry type cannot be read from (e.g. a `boolean` column now `date`) →
  **retyped**: breaking;
* its family differs from the one recorded at the last successful load, outside the lossless
  transitions below (e.g. `integer` → `text` for a `bigint` column) → **retyped**: breaking;
* same family, different declared type (`varchar(50)` → `varchar(200)`, `int` → `bigint`) → reported,
  not breaking.

Source columns the registry does not list are **added**: they flow through to the raw table as VARCHAR
columns after the `_kho_*` columns, and the run metadata names them. A full refresh re-baselines: it
accepts the current source schema as long as every registry column can be read from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from orchestration.lib.ingest.spec import SchemaDriftError, TableSpec

#: Families a registry type can be read from (values are still checked one by one; text always can).
READABLE_FROM = {
    "text": {"text", "integer", "float", "decimal", "boolean", "date", "timestamp", "timestamptz", "other", "any"},
    "integer": {"integer", "decimal", "text", "any"},
    "bigint": {"integer", "decimal", "text", "any"},
    "double": {"integer", "float", "decimal", "text", "any"},
    "boolean": {"boolean", "integer", "text", "any"},
    "date": {"date", "text", "any"},
    "timestamp": {"timestamp", "timestamptz", "date", "text", "any"},
}

#: Family changes since the last load that cannot lose or reinterpret values of that registry type.
LOSSLESS_GROUPS = {
    "double": [{"integer", "float", "decimal"}],
    "boolean": [{"boolean", "integer"}],
    "timestamp": [{"timestamp", "timestamptz", "date"}],
    "integer": [{"integer", "decimal"}],
    "bigint": [{"integer", "decimal"}],
}


@dataclass(frozen=True)
class SourceColumn:
    name: str          # as the source spells it
    source_type: str   # as the source declares it
    family: str


@dataclass
class DriftReport:
    observed: list[SourceColumn]
    mapping: dict[str, SourceColumn]         # registry column → source column
    added: list[SourceColumn]                # source columns the registry does not list
    changed: list[str] = field(default_factory=list)   # non-breaking type changes, human-readable

    @property
    def schema_hash(self) -> str:
        return schema_hash(self.observed)

    def baseline(self) -> str:
        """What the state table keeps: the source schema of this load, as JSON."""
        return json.dumps([[c.name, c.source_type, c.family] for c in self.observed], ensure_ascii=False)


def schema_hash(columns: list[SourceColumn]) -> str:
    text = "|".join(f"{c.name}:{c.source_type}" for c in columns)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def registry_hash(spec: TableSpec) -> str:
    """Hash of the registry's contract for the table: names, types, key, cursor."""
    text = "|".join(f"{c.name}:{c.type}" for c in spec.table.columns)
    text += f"|pk={','.join(spec.pk)}|cursor={spec.table.cursor}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _parse_baseline(baseline: str | None) -> dict[str, SourceColumn]:
    if not baseline:
        return {}
    return {name.lower(): SourceColumn(name, stype, fam) for name, stype, fam in json.loads(baseline)}


def _lossless(registry_type: str, old: str, new: str) -> bool:
    if old == new:
        return True
    old, new = ("text" if f == "any" else f for f in (old, new))
    if old == new:
        return True
    return any(old in group and new in group for group in LOSSLESS_GROUPS.get(registry_type, []))


def check_drift(spec: TableSpec, observed: list[SourceColumn], baseline: str | None) -> DriftReport:
    """Compare; raise SchemaDriftError naming every removed or retyped column, else return the report."""
    by_name = {c.name: c for c in observed}
    by_lower = {c.name.lower(): c for c in observed}
    previous = _parse_baseline(baseline)
    problems: list[str] = []
    bad_columns: list[str] = []
    mapping: dict[str, SourceColumn] = {}
    changed: list[str] = []
    for column in spec.table.columns:
        source = by_name.get(column.name) or by_lower.get(column.name.lower())
        if source is None:
            problems.append(f"column `{column.name}` was removed at the source")
            bad_columns.append(column.name)
            continue
        mapping[column.name] = source
        if source.family not in READABLE_FROM[column.type]:
            problems.append(f"column `{column.name}` is {source.source_type} ({source.family}) at the source, "
                            f"which cannot be read as the registry's {column.type}")
            bad_columns.append(column.name)
            continue
        before = previous.get(column.name.lower())
        if before is None:
            continue
        if not _lossless(column.type, before.family, source.family):
            problems.append(f"column `{column.name}` was retyped at the source: {before.source_type} → "
                            f"{source.source_type} (registry type {column.type})")
            bad_columns.append(column.name)
        elif before.source_type != source.source_type:
            changed.append(f"{column.name}: {before.source_type} → {source.source_type}")
    if problems:
        raise SchemaDriftError(
            f"{spec.name}: breaking schema change at the source — " + "; ".join(problems)
            + ". The table was not loaded (other tables are unaffected). Update orchestration/registry.yaml "
              "if the change is intended, then run a full refresh of this table.",
            bad_columns,
        )
    registry_names = {c.name.lower() for c in spec.table.columns}
    added = [c for c in observed if c.name.lower() not in registry_names and not c.name.startswith("_kho_")]
    return DriftReport(observed=observed, mapping=mapping, added=added, changed=changed)


# ------------------------------------------------------------------------------------ type families


def postgres_family(data_type: str, udt_name: str, scale: int | None) -> str:
    dt_ = data_type.lower()
    if dt_ in ("smallint", "integer", "bigint"):
        return "integer"
    if dt_ in ("real", "double precision"):
        return "float"
    if dt_ == "numeric":
        return "integer" if scale == 0 else "decimal"
    if dt_ in ("text", "character varying", "character", "name", "citext") or udt_name in ("citext",):
        return "text"
    if dt_ == "boolean":
        return "boolean"
    if dt_ == "date":
        return "date"
    if dt_ == "timestamp without time zone":
        return "timestamp"
    if dt_ == "timestamp with time zone":
        return "timestamptz"
    if dt_ in ("uuid", "json", "jsonb", "user-defined"):
        return "text"        # read as text at the source (enums, uuids, json)
    return "other"


def mysql_family(data_type: str, column_type: str) -> str:
    dt_, ct = data_type.lower(), column_type.lower()
    if dt_ == "tinyint" and ct.startswith("tinyint(1)"):
        return "boolean"
    if dt_ == "bit" and ct in ("bit(1)",):
        return "boolean"
    if dt_ in ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"):
        return "integer"
    if dt_ in ("float", "double", "real"):
        return "float"
    if dt_ == "decimal":
        return "integer" if ct.endswith(",0)") or "," not in ct else "decimal"
    if dt_ in ("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json"):
        return "text"
    if dt_ == "date":
        return "date"
    if dt_ in ("datetime", "timestamp"):
        return "timestamp"
    return "other"


def sqlite_family(declared: str) -> str:
    """SQLite's type affinity rules (https://sqlite.org/datatype3.html §3.1), refined for dates."""
    d = (declared or "").upper()
    if not d:
        return "any"
    if "INT" in d:
        return "integer"
    if any(k in d for k in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if "BLOB" in d:
        return "other"
    if any(k in d for k in ("REAL", "FLOA", "DOUB")):
        return "float"
    if "BOOL" in d:
        return "boolean"
    if "TIMESTAMP" in d or "DATETIME" in d:
        return "timestamp"
    if "DATE" in d:
        return "date"
    return "decimal"
