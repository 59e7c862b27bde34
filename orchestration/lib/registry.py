"""The sector-system registry (`orchestration/registry.yaml`): loading and typed access.

The registry is the contract between the simulator, ingestion and the dbt staging models: it names
each system's tables, keys, cursor column and every column's logical type and personal-data class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

REGISTRY_PATH = Path(__file__).resolve().parents[1] / "registry.yaml"

#: Logical registry types → DuckDB column types of the raw layer.
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
PII_CLASSES = ("none", "basic", "sensitive")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    pii: str


@dataclass(frozen=True)
class Table:
    system: str
    name: str
    primary_key: tuple[str, ...]
    cursor: str | None
    columns: tuple[Column, ...]
    file: str | None = None

    @property
    def raw_name(self) -> str:
        """Name of the raw-layer table in the warehouse (schema `raw`)."""
        return f"{self.system}__{self.name}"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def create_table_sql(self, qualified_name: str) -> str:
        cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {qualified_name} ({cols})"


@dataclass(frozen=True)
class System:
    name: str
    title: str
    title_en: str
    owner_code: str
    owner_name: str
    connection_env: str
    connection_default: str
    schedule: str
    freshness_sla_hours: int
    tables: tuple[Table, ...] = field(default=())

    @property
    def is_file_drop(self) -> bool:
        return self.connection_default.startswith("file://")

    def connection_url(self, sources_dir: Path) -> str:
        """The system's URL: its environment variable if set, else the embedded default."""
        url = os.environ.get(self.connection_env) or self.connection_default
        return url.replace("{sources}", str(sources_dir))

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _parse(doc: dict) -> dict[str, System]:
    systems = {}
    for sys_name, spec in doc["systems"].items():
        tables = []
        for tname, tspec in spec["tables"].items():
            columns = []
            for cname, cspec in tspec["columns"].items():
                if cspec["type"] not in DUCKDB_TYPES:
                    raise ValueError(f"registry: {sys_name}.{tname}.{cname}: unknown type {cspec['type']!r}")
                if cspec["pii"] not in PII_CLASSES:
                    raise ValueError(f"registry: {sys_name}.{tname}.{cname}: unknown pii class {cspec['pii']!r}")
                columns.append(Column(cname, cspec["type"], cspec["pii"]))
            names = {c.name for c in columns}
            for key in [*tspec["primary_key"], *([tspec["cursor"]] if tspec.get("cursor") else [])]:
                if key not in names:
                    raise ValueError(f"registry: {sys_name}.{tname}: key column {key!r} is not a listed column")
            tables.append(
                Table(
                    system=sys_name,
                    name=tname,
                    primary_key=tuple(tspec["primary_key"]),
                    cursor=tspec.get("cursor"),
                    columns=tuple(columns),
                    file=tspec.get("file"),
                )
            )
        systems[sys_name] = System(
            name=sys_name,
            title=spec["title"],
            title_en=spec["title_en"],
            owner_code=spec["owner"]["code"],
            owner_name=spec["owner"]["name"],
            connection_env=spec["connection"]["env"],
            connection_default=spec["connection"]["default"],
            schedule=spec["schedule"],
            freshness_sla_hours=int(spec["freshness_sla_hours"]),
            tables=tuple(tables),
        )
    return systems


@cache
def load_registry(path: Path = REGISTRY_PATH) -> dict[str, System]:
    with open(path, encoding="utf-8") as fh:
        return _parse(yaml.safe_load(fh))


def all_tables(path: Path = REGISTRY_PATH) -> list[Table]:
    return [t for s in load_registry(path).values() for t in s.tables]
