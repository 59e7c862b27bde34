"""What ingestion needs to know about one source table: the registry entry plus its ingestion options.

`orchestration/lib/registry.py` parses the contract every component shares (tables, keys, columns,
personal-data classes). The ingestion-only keys of `registry.yaml` are read here, so the shared parser
stays small:

    ingestion:                       # top level: defaults for every system
      cursor_lookback_seconds: 60    # re-read this far behind the last cursor seen (late-arriving rows)
      timezone: Asia/Ho_Chi_Minh     # wall-clock zone for `timestamp with time zone` source columns
    systems:
      <system>:
        connection: {env, default, schema: <PostgreSQL schema, default the system's name>}
        ingestion: {cursor_lookback_seconds: ..., timezone: ...}        # per-system override
        tables:
          <table>:
            source_table: <name at the source, default the registry name>
            cursor_lookback_seconds: ...                                 # per-table override
            file: co_so_y_te.csv            # drop folders: the canonical file name
            files: "co_so_y_te*.csv"        # glob of the files picked up (default: <stem>*<suffix>)
            file_mode: snapshot | delta     # snapshot: each file is the whole table; delta: upserts only
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlparse, urlunparse

import yaml

from orchestration.lib.registry import DUCKDB_TYPES, REGISTRY_PATH, System, Table, load_registry

#: Columns ingestion adds after the registry's columns in every raw table (dbt staging reads these).
LOADED_AT = "_kho_loaded_at"
#: Hash of the row's values (registry columns, then added columns by name): incremental loads compare it
#: instead of every column, so only two columns of raw are read to find what changed.
ROW_HASH = "_kho_row_hash"
RAW_SCHEMA = "raw"
#: Ingestion's own bookkeeping (state, quarantine, deletions, file ledger) lives in this schema.
META_SCHEMA = "ingest"

DEFAULT_LOOKBACK_SECONDS = 60.0
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class IngestError(RuntimeError):
    """Base class of the errors a load reports to the operator."""


class SourceUnavailableError(IngestError):
    """The sector system could not be reached or the transfer broke; worth retrying later."""


class SchemaDriftError(IngestError):
    """The source's columns no longer match the registry (a column removed or retyped); not retried."""

    def __init__(self, message: str, columns: list[str]):
        super().__init__(message)
        self.columns = columns


@dataclass(frozen=True)
class TableSpec:
    system: System
    table: Table
    source_schema: str | None
    source_table: str
    lookback_seconds: float
    timezone: str
    file_pattern: str | None
    file_mode: str

    @property
    def name(self) -> str:
        return f"{self.system.name}.{self.table.name}"

    @property
    def raw_table(self) -> str:
        return f'{RAW_SCHEMA}."{self.table.raw_name}"'

    @property
    def raw_name(self) -> str:
        return self.table.raw_name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.table.columns]

    @property
    def pk(self) -> list[str]:
        return list(self.table.primary_key)

    def duckdb_type(self, column: str) -> str:
        return DUCKDB_TYPES[self.table.column(column).type]


@cache
def _raw_registry(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def table_spec(system: System, table: Table, registry_path: Path = REGISTRY_PATH) -> TableSpec:
    doc = _raw_registry(Path(registry_path))
    defaults = doc.get("ingestion") or {}
    sys_doc = (doc.get("systems") or {}).get(system.name) or {}
    sys_opts = sys_doc.get("ingestion") or {}
    tbl_doc = ((sys_doc.get("tables") or {}).get(table.name)) or {}

    def option(key: str, fallback):
        for scope in (tbl_doc, sys_opts, defaults):
            if key in scope and scope[key] is not None:
                return scope[key]
        return fallback

    pattern = tbl_doc.get("files")
    if pattern is None and table.file:
        stem, _, suffix = table.file.rpartition(".")
        pattern = f"{stem}*.{suffix}" if stem else table.file
    mode = tbl_doc.get("file_mode", "snapshot")
    if mode not in ("snapshot", "delta"):
        raise ValueError(f"registry: {system.name}.{table.name}: file_mode must be snapshot or delta, not {mode!r}")
    return TableSpec(
        system=system,
        table=table,
        source_schema=(sys_doc.get("connection") or {}).get("schema"),
        source_table=tbl_doc.get("source_table") or table.name,
        lookback_seconds=float(option("cursor_lookback_seconds", DEFAULT_LOOKBACK_SECONDS)),
        timezone=str(option("timezone", DEFAULT_TIMEZONE)),
        file_pattern=pattern,
        file_mode=mode,
    )


def spec_for(system_name: str, table_name: str, registry_path: Path = REGISTRY_PATH) -> TableSpec:
    system = load_registry(Path(registry_path))[system_name]
    return table_spec(system, system.table(table_name), registry_path)


# --------------------------------------------------------------------------------------------- URLs


@dataclass(frozen=True)
class SourceURL:
    """A parsed connection URL: `postgresql://`, `mysql://` / `mariadb://`, `sqlite:///path`, `file:///dir`."""

    kind: str                      # postgresql | mysql | sqlite | file
    raw: str
    host: str = "127.0.0.1"
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str = ""
    path: Path | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def redacted(self) -> str:
        if self.password:
            return self.raw.replace(f":{self.password}@", ":***@").replace(
                f":{quote(self.password, safe='')}@", ":***@")
        return self.raw

    def param(self, key: str) -> str | None:
        return dict(self.params).get(key)

    def libpq_dsn(self) -> str:
        """libpq keyword/value string for DuckDB's postgres scanner (schema= is Kho's, not libpq's)."""
        parts = {"host": self.host, "port": str(self.port or 5432), "dbname": self.database or "postgres",
                 "user": self.user or "postgres", "connect_timeout": "10"}
        if self.password:
            parts["password"] = self.password
        for key, value in self.params:
            if key != "schema":
                parts[key] = value
        return " ".join(f"{k}={_libpq_quote(v)}" for k, v in parts.items())

    def mysql_url(self) -> str:
        """URL for ConnectorX: always TCP (the MySQL driver would silently switch to a local socket)."""
        params = [(k, v) for k, v in self.params if k != "prefer_socket"] + [("prefer_socket", "false")]
        netloc = quote(self.user or "root", safe="")
        if self.password:
            netloc += ":" + quote(self.password, safe="")
        netloc += f"@{self.host}:{self.port or 3306}"
        return urlunparse(("mysql", netloc, "/" + self.database, "", urlencode(params), ""))


def _libpq_quote(value: str) -> str:
    if value and all(ch not in value for ch in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_url(url: str) -> SourceURL:
    scheme = url.split(":", 1)[0].split("+")[0].lower()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise SourceUnavailableError(f"SQLite URL must look like sqlite:///path/to/file.sqlite, not {url!r}")
        return SourceURL(kind="sqlite", raw=url, path=Path(unquote(url[len("sqlite:///"):])))
    if scheme == "file":
        return SourceURL(kind="file", raw=url, path=Path(unquote(url[len("file://"):])))
    parsed = urlparse(url)
    params = tuple(parse_qsl(parsed.query))
    common = dict(raw=url, host=parsed.hostname or "127.0.0.1", port=parsed.port,
                  user=unquote(parsed.username) if parsed.username else None,
                  password=unquote(parsed.password) if parsed.password else None,
                  database=unquote(parsed.path.lstrip("/")), params=params)
    if scheme in ("postgresql", "postgres"):
        return SourceURL(kind="postgresql", **common)
    if scheme in ("mysql", "mariadb"):
        return SourceURL(kind="mysql", **common)
    raise SourceUnavailableError(f"unsupported source URL scheme {scheme!r} in {url!r}")


def now_local() -> dt.datetime:
    """The pipeline's wall clock, naive (registry timestamps are naive local times)."""
    return dt.datetime.now().replace(tzinfo=None)
