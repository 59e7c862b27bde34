"""Apply a typed batch to the raw table: replace (full refresh) or merge on the primary key (incremental),
reflect deletions by key reconciliation, and keep ingestion's state — all in one DuckDB transaction.

Raw table layout (`raw.<system>__<table>`): the registry's columns in order, `_kho_loaded_at` (when
this row version was loaded), `_kho_row_hash` (hash of the row's values), then columns the source added
that the registry does not list (VARCHAR).

Bookkeeping in schema `ingest`:
* `ingest.state` — per table: cursor watermark, source schema baseline and hash, registry hash,
  number of source keys known to be missing from raw (quarantined), last mode and run;
* `ingest.quarantine` — rows that could not be loaded: source, key, column, reason, value;
* `ingest.deletions` — keys removed from raw because they disappeared at the source;
* `ingest.files` — the file-drop ledger (content hash, status, reason, counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from orchestration.lib.ingest.quarantine import Typed, key_text
from orchestration.lib.ingest.sources import qid
from orchestration.lib.ingest.spec import LOADED_AT, META_SCHEMA, RAW_SCHEMA, ROW_HASH, TableSpec

STATE = f"{META_SCHEMA}.state"
QUARANTINE = f"{META_SCHEMA}.quarantine"
DELETIONS = f"{META_SCHEMA}.deletions"
FILES = f"{META_SCHEMA}.files"

META_DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}",
    f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {STATE} (
        system VARCHAR NOT NULL, table_name VARCHAR NOT NULL, cursor_value VARCHAR, source_schema VARCHAR,
        schema_hash VARCHAR, registry_hash VARCHAR, missing_keys BIGINT, last_mode VARCHAR,
        last_run_id VARCHAR, last_loaded_at TIMESTAMP, PRIMARY KEY (system, table_name))""",
    f"""CREATE TABLE IF NOT EXISTS {QUARANTINE} (
        quarantined_at TIMESTAMP, run_id VARCHAR, system VARCHAR, table_name VARCHAR, source VARCHAR,
        key VARCHAR, column_name VARCHAR, reason VARCHAR, value VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {DELETIONS} (
        deleted_at TIMESTAMP, run_id VARCHAR, system VARCHAR, table_name VARCHAR, key VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {FILES} (
        system VARCHAR, table_name VARCHAR, file_name VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
        status VARCHAR, reason VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        processed_at TIMESTAMP, run_id VARCHAR)""",
]


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in META_DDL:
        con.execute(ddl)


@dataclass
class State:
    cursor_value: str | None
    source_schema: str | None
    schema_hash: str | None
    registry_hash: str | None
    missing_keys: int


def read_state(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> State | None:
    row = con.execute(f"SELECT cursor_value, source_schema, schema_hash, registry_hash, missing_keys FROM {STATE} "
                      "WHERE system = ? AND table_name = ?", [spec.system.name, spec.table.name]).fetchone()
    return State(row[0], row[1], row[2], row[3], int(row[4] or 0)) if row else None


def raw_columns(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> list[tuple[str, str]] | None:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                       "AND table_name = ? ORDER BY ordinal_position", [RAW_SCHEMA, spec.raw_name]).fetchall()
    return [(n, t) for n, t in rows] or None


def raw_layout_ok(columns: list[tuple[str, str]] | None, spec: TableSpec) -> bool:
    """The raw table starts with the registry's columns (names and types) and `_kho_loaded_at`."""
    if columns is None:
        return False
    expected = [(c, spec.duckdb_type(c)) for c in spec.column_names] + [(LOADED_AT, "TIMESTAMP"),
                                                                          (ROW_HASH, "UBIGINT")]
    return [(n, t.upper()) for n, t in columns[: len(expected)]] == expected


def _pk_join(spec: TableSpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{qid(k)} = {right}.{qid(k)}" for k in spec.pk)


def row_hash(spec: TableSpec, extras: list[str], alias: str = "") -> str:
    """Hash of the registry columns and the non-NULL added columns (as name/value pairs), so a column the
    source adds does not make every row look changed until it holds values."""
    p = f"{alias}." if alias else ""
    added = "CAST([] AS STRUCT(n VARCHAR, v VARCHAR)[])"
    if extras:
        pairs = ", ".join(f"{{'n': '{e.replace(chr(39), chr(39) * 2)}', 'v': CAST({p}{qid(e)} AS VARCHAR)}}"
                          for e in sorted(extras))
        added = f"list_filter([{pairs}], x -> x.v IS NOT NULL)"
    return "hash(" + ", ".join(f"{p}{qid(c)}" for c in spec.column_names) + f", {added})"


def _ts(value: dt.datetime) -> str:
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    replaced: int = 0
    missing_keys: int = 0
    reconciled: bool = False


class Merger:
    """Stages the changes in temp tables (no writes to the warehouse file), then applies them at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: TableSpec, typed: Typed, extras: list[str],
                 prefix: str = "_kho"):
        self.con, self.spec, self.typed, self.extras = con, spec, typed, extras
        self.prefix = prefix
        self.changes = f"{prefix}_changes"
        self.gone = f"{prefix}_gone"
        self.src_keys = f"{prefix}_src_keys"
        self.counts = MergeCounts()
        self.full = False

    # ---- staging (before the write transaction)

    def stage_full(self, raw_exists: bool) -> None:
        self.full = True
        if raw_exists:
            self.counts.replaced = self.con.execute(f"SELECT count(*) FROM {self.spec.raw_table}").fetchone()[0]
        self.counts.inserted = self.typed.rows_loaded
        self.counts.missing_keys = self._bad_keys_missing(raw=None)

    def stage_incremental(self) -> None:
        spec = self.spec
        # Incremental batches are small: materialise them, so the join below builds on the batch side.
        good = f"{self.prefix}_good_rows"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {good} AS SELECT * FROM {self.typed.good}")
        first_key = qid(spec.pk[0])
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.changes} AS SELECT * FROM (SELECT g.*, "
            f"{row_hash(spec, self.extras, 'g')} AS {ROW_HASH}, r.{first_key} IS NULL AS _kho_is_new, "
            f"r.{ROW_HASH} AS _kho_old_hash FROM {good} g LEFT JOIN {spec.raw_table} r ON {_pk_join(spec, 'g', 'r')}) "
            f"WHERE _kho_is_new OR _kho_old_hash IS DISTINCT FROM {ROW_HASH}")
        new, changed = self.con.execute(
            f"SELECT count(*) FILTER (WHERE _kho_is_new), count(*) FILTER (WHERE NOT _kho_is_new) "
            f"FROM {self.changes}").fetchone()
        self.counts.inserted, self.counts.updated = new, changed
        self.counts.unchanged = self.typed.rows_loaded - new - changed

    def new_missing_keys(self) -> int:
        """Quarantined keys that are neither in raw nor loaded by this batch."""
        return self._bad_keys_missing(raw=self.spec.raw_table)

    def _bad_keys_missing(self, raw: str | None) -> int:
        if self.typed.bad is None:
            return 0
        # Keys of quarantined rows, in the registry's types where they can be read.
        pk_exprs = ", ".join(f"TRY_CAST(json_extract_string(k, '$.{k_}') AS {self.spec.duckdb_type(k_)}) AS {qid(k_)}"
                             for k_ in self.spec.pk) if len(self.spec.pk) > 1 else \
            f"TRY_CAST(key AS {self.spec.duckdb_type(self.spec.pk[0])}) AS {qid(self.spec.pk[0])}"
        source = f"(SELECT DISTINCT {pk_exprs} FROM (SELECT key, CAST(key AS JSON) AS k FROM {self.typed.bad} " \
                 f"WHERE key IS NOT NULL))" if len(self.spec.pk) > 1 else \
            f"(SELECT DISTINCT {pk_exprs} FROM {self.typed.bad} WHERE key IS NOT NULL)"
        not_null = " AND ".join(f"b.{qid(k)} IS NOT NULL" for k in self.spec.pk)
        anti = f"NOT EXISTS (SELECT 1 FROM {self.typed.good} g WHERE {_pk_join(self.spec, 'g', 'b')})"
        if raw:
            anti += f" AND NOT EXISTS (SELECT 1 FROM {raw} r WHERE {_pk_join(self.spec, 'r', 'b')})"
        return self.con.execute(f"SELECT count(*) FROM {source} b WHERE {not_null} AND {anti}").fetchone()[0]

    def stage_reconciliation(self, keys_relation: str) -> None:
        """Keys in raw (or in this batch) that the source no longer has → to delete; count the missing."""
        spec = self.spec
        self.counts.reconciled = True
        typed_keys = ", ".join(f"TRY_CAST({qid(k)} AS {spec.duckdb_type(k)}) AS {qid(k)}" for k in spec.pk)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.src_keys} AS SELECT DISTINCT {typed_keys} "
                         f"FROM {keys_relation}")
        pk_cols = ", ".join(qid(k) for k in spec.pk)
        present = f"SELECT {pk_cols} FROM {spec.raw_table} UNION SELECT {pk_cols} FROM {self.typed.good}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.gone} AS SELECT p.* FROM ({present}) p "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.src_keys} s WHERE {_pk_join(spec, 's', 'p')})")
        self.counts.deleted = self.con.execute(f"SELECT count(*) FROM {self.gone}").fetchone()[0]
        self.counts.missing_keys = self.con.execute(
            f"SELECT count(*) FROM {self.src_keys} s WHERE NOT EXISTS (SELECT 1 FROM ({present}) p "
            f"WHERE {_pk_join(spec, 'p', 's')})").fetchone()[0]

    # ---- the write transaction

    def apply(self, *, loaded_at: dt.datetime, run_id: str, source_label: str, state_row: dict,
              extra: list[tuple[str, list]] = ()) -> None:
        con, spec = self.con, self.spec
        ensure_meta(con)
        con.execute("BEGIN TRANSACTION")
        try:
            if self.full:
                self._apply_full(loaded_at)
            else:
                self._apply_incremental(loaded_at, run_id)
            if self.typed.bad is not None:
                con.execute(f"INSERT INTO {QUARANTINE} SELECT ?, ?, ?, ?, ?, b.key, b.column_name, "
                            f"b.reason || CASE WHEN p.pii THEN ' (value withheld: personal data)' ELSE '' END, "
                            f"CASE WHEN p.pii THEN NULL ELSE b.value END "
                            f"FROM {self.typed.bad} b LEFT JOIN (SELECT unnest(?) AS name, unnest(?) AS pii) p "
                            f"ON p.name = b.column_name",
                            [loaded_at, run_id, spec.system.name, spec.table.name, source_label,
                             [c.name for c in spec.table.columns], [c.pii != "none" for c in spec.table.columns]])
            con.execute(f"INSERT OR REPLACE INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                spec.system.name, spec.table.name, state_row["cursor_value"], state_row["source_schema"],
                state_row["schema_hash"], state_row["registry_hash"], self.counts.missing_keys,
                "full_refresh" if self.full else "incremental", run_id, loaded_at])
            for sql, params in extra:
                con.execute(sql, params)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _select_columns(self, relation_alias: str = "") -> str:
        p = f"{relation_alias}." if relation_alias else ""
        return ", ".join([f"{p}{qid(c)}" for c in self.spec.column_names])

    def _apply_full(self, loaded_at: dt.datetime) -> None:
        spec = self.spec
        extras = "".join(f", {qid(e)}" for e in self.extras)
        self.con.execute(
            f"CREATE OR REPLACE TABLE {spec.raw_table} AS SELECT {self._select_columns()}, "
            f"{_ts(loaded_at)} AS {LOADED_AT}, {row_hash(spec, self.extras)} AS {ROW_HASH}{extras} "
            f"FROM {self.typed.good}")

    def _apply_incremental(self, loaded_at: dt.datetime, run_id: str) -> None:
        con, spec = self.con, self.spec
        existing = {n for n, _ in (raw_columns(con, spec) or [])}
        for extra in self.extras:
            if extra not in existing:
                con.execute(f"ALTER TABLE {spec.raw_table} ADD COLUMN {qid(extra)} VARCHAR")
        if self.counts.updated:
            con.execute(f"DELETE FROM {spec.raw_table} r USING {self.changes} c "
                        f"WHERE NOT c._kho_is_new AND {_pk_join(spec, 'r', 'c')}")
        if self.counts.inserted or self.counts.updated:
            extras = "".join(f", {qid(e)}" for e in self.extras)
            con.execute(f"INSERT INTO {spec.raw_table} BY NAME SELECT {self._select_columns()}, "
                        f"{_ts(loaded_at)} AS {LOADED_AT}, {ROW_HASH}{extras} FROM {self.changes}")
        if self.counts.deleted:
            con.execute(f"INSERT INTO {DELETIONS} SELECT ?, ?, ?, ?, {key_text(spec, 'g')} FROM {self.gone} g",
                        [loaded_at, run_id, spec.system.name, spec.table.name])
            con.execute(f"DELETE FROM {spec.raw_table} r USING {self.gone} g WHERE {_pk_join(spec, 'r', 'g')}")

    def cleanup(self) -> None:
        for table in (self.changes, self.gone, self.src_keys, f"{self.prefix}_good_rows"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
