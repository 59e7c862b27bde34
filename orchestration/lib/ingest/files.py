"""CSV / Excel drop folders: one folder per system, new files picked up once, bad files rejected whole.

* The folder is the system's `file://` URL; a table takes the files matching its `files` glob
  (default `<stem>*.<suffix>` of its `file`), oldest first (modification time, then name). Hidden
  files, `~$` Excel lock files and `*.part` / `*.tmp` uploads in progress are ignored.
* A file is identified by the SHA-256 of its content; `ingest.files` records every file processed, so
  the same content is never loaded twice (renamed copies included) and a rejected file is not retried
  until its content changes.
* A malformed file is rejected as a whole with the reason (not decodable as CSV / not a workbook,
  rows with the wrong number of fields, unterminated quotes, a registry column missing from the
  header, no data rows, no loadable row). Nothing of it reaches raw.
* Row-level problems (a value that is not a date or a number, a line that is not UTF-8) go to the
  quarantine like database rows; the rest of the file loads.
* `file_mode: snapshot` (default): each file is the whole table — keys absent from the newest file are
  deleted from raw. `file_mode: delta`: each file only inserts or updates rows.

Excel workbooks are parsed by openpyxl, cell by cell (there is no columnar reader for .xlsx without
the DuckDB excel extension); drops are registers of hundreds to thousands of rows, so this is cheap.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.lib.ingest.drift import registry_hash
from orchestration.lib.ingest.incremental import FILES, Merger, ensure_meta, raw_columns, raw_layout_ok
from orchestration.lib.ingest.loader import LoadResult, watermark
from orchestration.lib.ingest.quarantine import cleanup as cleanup_typed
from orchestration.lib.ingest.quarantine import type_batch
from orchestration.lib.ingest.sources import qid, sql_str
from orchestration.lib.ingest.spec import SourceUnavailableError, SourceURL, TableSpec, now_local

BATCH = "_kho_batch"
ENCODING_KEYS = "_kho_encoding_keys"
IGNORED_PREFIXES = (".", "~$")
IGNORED_SUFFIXES = (".part", ".tmp", ".partial")
DELIMITERS = (",", ";", "\t", "|")
ROW_LEVEL_ERROR = "INVALID ENCODING"    # the only CSV reader error that is a row problem, not a file one


class FileRejected(Exception):
    """The file as a whole cannot be loaded; the message is the reason recorded in ingest.files."""


@dataclass(frozen=True)
class DropFile:
    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name


def list_drop_files(folder: Path, pattern: str) -> list[DropFile]:
    """Files of the folder matching the pattern, oldest first."""
    files = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(IGNORED_PREFIXES) or path.name.endswith(IGNORED_SUFFIXES):
            continue
        if fnmatch.fnmatchcase(path.name, pattern):
            stat = path.stat()
            files.append(DropFile(path, stat.st_size, stat.st_mtime_ns))
    return sorted(files, key=lambda f: (f.mtime_ns, f.name))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def processed_hashes(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> set[str]:
    ensure_meta(con)
    rows = con.execute(f"SELECT sha256 FROM {FILES} WHERE system = ? AND table_name = ?",
                       [spec.system.name, spec.table.name]).fetchall()
    return {r[0] for r in rows}


# ------------------------------------------------------------------------------------------- readers


def _sniff_delimiter(path: Path) -> str:
    with open(path, "rb") as fh:
        first = fh.readline().decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise FileRejected("the header line has a single column: not a delimited file (expected , ; tab or |)")
    return best


def _read_csv(con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path) -> tuple[list[str], list[tuple]]:
    """Load the CSV into BATCH (all text); return the header and the encoding-error rows as
    (line, column, csv_line) — every other reader error rejects the file."""
    if path.stat().st_size == 0:
        raise FileRejected("empty file")
    delim = _sniff_delimiter(path)
    errors, scans = "_kho_csv_rejects", "_kho_csv_scans"
    con.execute(f"DROP TABLE IF EXISTS {errors}")
    con.execute(f"DROP TABLE IF EXISTS {scans}")
    reader = (f"read_csv({sql_str(str(path))}, header = true, delim = {sql_str(delim)}, quote = '\"', "
              f"escape = '\"', comment = '', all_varchar = true, strict_mode = true, sample_size = -1, "
              f"store_rejects = true, rejects_table = '{errors}', rejects_scan = '{scans}')")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCH} AS SELECT * FROM {reader}")
        rejects = con.execute(f"SELECT line, column_name, error_type, csv_line, error_message FROM {errors} "
                              "ORDER BY line").fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise FileRejected(f"not a readable CSV file: {first}") from exc
    finally:
        con.execute(f"DROP TABLE IF EXISTS {errors}")
        con.execute(f"DROP TABLE IF EXISTS {scans}")
    structural = [r for r in rejects if r[2] != ROW_LEVEL_ERROR]
    if structural:
        line, _, kind, _, message = structural[0]
        more = f" (and {len(structural) - 1} more)" if len(structural) > 1 else ""
        raise FileRejected(f"malformed CSV at line {line}: {kind.lower()} — {message}{more}")
    header = [name for name, *_ in con.execute(f"DESCRIBE {BATCH}").fetchall()]
    encoding = [(line, column, csv_line) for line, column, _, csv_line, _ in rejects]
    return header, encoding


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return str(value)


def _read_excel(con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile / XML / KeyError variants for non-workbooks
        raise FileRejected(f"not a readable Excel workbook: {type(exc).__name__}: {exc}") from exc
    try:
        sheet = workbook[spec.table.name] if spec.table.name in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header_row = next(rows)
        except StopIteration:
            raise FileRejected("empty workbook (no header row)") from None
        header = [None if h is None else str(h).strip() for h in header_row]
        while header and header[-1] in (None, ""):
            header.pop()
        if any(h in (None, "") for h in header):
            raise FileRejected(f"the header row has an empty cell at column {header.index(None) + 1 if None in header else header.index('') + 1}")
        if len(set(header)) != len(header):
            raise FileRejected("the header row repeats a column name")
        columns: list[list[str | None]] = [[] for _ in header]
        for number, row in enumerate(rows, start=2):
            values = [_cell(v) for v in row]
            if all(v is None or v == "" for v in values):
                continue                           # blank spreadsheet rows are not data
            if any(v not in (None, "") for v in values[len(header):]):
                raise FileRejected(f"row {number} has values beyond the header's {len(header)} columns")
            values += [None] * (len(header) - len(values))
            for i in range(len(header)):
                columns[i].append(values[i])
    finally:
        workbook.close()
    table = pa.table({name: pa.array(col, pa.string()) for name, col in zip(header, columns)})
    con.register("_kho_xlsx", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCH} AS SELECT * FROM _kho_xlsx")
    finally:
        con.unregister("_kho_xlsx")
    return header


def _normalise_header(con, spec: TableSpec, header: list[str]) -> tuple[list[str], dict]:
    """Map header names to registry names (blanks and case ignored); reject if a registry column is missing."""
    lookup = {h.strip().lower(): h for h in header}
    missing = [c for c in spec.column_names if c.lower() not in lookup]
    if missing:
        raise FileRejected(f"registry column(s) missing from the header: {', '.join(missing)} "
                           f"(header: {', '.join(header)})")
    renames = {lookup[c.lower()]: c for c in spec.column_names if lookup[c.lower()] != c}
    registry_lower = {c.lower() for c in spec.column_names}
    extras = [h.strip() for h in header if h.strip().lower() not in registry_lower and h.strip()]
    for h in header:
        if h != h.strip() and h.strip() in extras:
            renames[h] = h.strip()
    for old, new in renames.items():
        con.execute(f"ALTER TABLE {BATCH} RENAME COLUMN {qid(old)} TO {qid(new)}")
    return extras, renames


# -------------------------------------------------------------------------------------------- loading


def load_files(con: duckdb.DuckDBPyConnection, spec: TableSpec, url: SourceURL, *, full_refresh: bool = False,
               run_id: str = "") -> LoadResult:
    """Load the table's new drop files, oldest first; each file in its own transaction."""
    started = time.perf_counter()
    folder = url.path
    if folder is None or not folder.is_dir():
        raise SourceUnavailableError(f"{spec.name}: drop folder {folder} does not exist")
    result = LoadResult(system=spec.system.name, table=spec.table.name,
                        mode="full_refresh" if full_refresh else "incremental",
                        full_refresh_reason="requested" if full_refresh else "",
                        registry_hash=registry_hash(spec), connector="duckdb-read_csv" if
                        (spec.file_pattern or "").endswith(".csv") else "openpyxl", source=url.redacted)
    done = set() if full_refresh else processed_hashes(con, spec)
    files = list_drop_files(folder, spec.file_pattern or "*")
    pending = []
    for f in files:
        sha = file_sha256(f.path)
        if sha not in done:
            pending.append((f, sha))
            done.add(sha)
    result.files_new = len(pending)
    first = True
    for drop, sha in pending:
        outcome = _load_one(con, spec, drop, sha, full=full_refresh and first, run_id=run_id)
        first = False
        if isinstance(outcome, str):
            result.files_rejected.append(f"{drop.name}: {outcome}")
            continue
        result.files_loaded.append(drop.name)
        for name in ("rows_read", "rows_loaded", "rows_inserted", "rows_updated", "rows_unchanged",
                     "rows_deleted", "rows_replaced", "rows_quarantined"):
            setattr(result, name, getattr(result, name) + getattr(outcome, name))
        result.mode = outcome.mode if len(result.files_loaded) == 1 else result.mode
        result.full_refresh_reason = result.full_refresh_reason or outcome.full_refresh_reason
        result.schema_hash, result.columns_added = outcome.schema_hash, outcome.columns_added
        result.read_mode, result.key_reconciliation = outcome.read_mode, outcome.key_reconciliation
        result.missing_keys = outcome.missing_keys
    state = con.execute("SELECT cursor_value, schema_hash FROM ingest.state WHERE system = ? AND table_name = ?",
                        [spec.system.name, spec.table.name]).fetchone()
    if state:
        result.cursor_max = state[0]
        result.schema_hash = result.schema_hash or state[1]
    raw = raw_columns(con, spec)
    result.rows_total = con.execute(f"SELECT count(*) FROM {spec.raw_table}").fetchone()[0] if raw else 0
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


def _record(con, spec, drop: DropFile, sha: str, status: str, reason: str, counts: tuple, run_id: str):
    return (f"INSERT INTO {FILES} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [spec.system.name, spec.table.name, drop.name, sha, drop.size, status, reason, *counts, now_local(), run_id])


def _load_one(con, spec: TableSpec, drop: DropFile, sha: str, *, full: bool, run_id: str) -> LoadResult | str:
    """Load one file; return its LoadResult, or the rejection reason."""
    ensure_meta(con)
    layout = raw_columns(con, spec)
    state_row = con.execute("SELECT registry_hash FROM ingest.state WHERE system = ? AND table_name = ?",
                            [spec.system.name, spec.table.name]).fetchone()
    reason = "requested" if full else ""
    if not reason and layout is None:
        reason = "first load"
    elif not reason and not raw_layout_ok(layout, spec):
        reason = "raw table does not match the registry's columns"
    elif not reason and (state_row is None or state_row[0] != registry_hash(spec)):
        reason = "registry contract changed"
    result = LoadResult(system=spec.system.name, table=spec.table.name,
                        mode="full_refresh" if reason else "incremental", full_refresh_reason=reason,
                        source=drop.name)
    merger = None
    try:
        try:
            encoding_rows: list[tuple] = []
            if drop.path.suffix.lower() == ".csv":
                header, encoding_rows = _read_csv(con, spec, drop.path)
                result.read_mode = "csv"
            elif drop.path.suffix.lower() in (".xlsx", ".xlsm"):
                header = _read_excel(con, spec, drop.path)
                result.read_mode = "xlsx"
            else:
                raise FileRejected(f"unsupported file type {drop.path.suffix!r} (expected .csv or .xlsx)")
            extras, _ = _normalise_header(con, spec, header)
            typed = type_batch(con, spec, BATCH, extras)
            if encoding_rows:
                _add_encoding_rejects(con, spec, typed, header, encoding_rows, drop.path)
            if typed.rows_loaded == 0:
                raise FileRejected(f"no loadable row ({typed.rows_quarantined} rows quarantined would be lost: "
                                   "check the file's encoding and formats)" if typed.rows_quarantined
                                   else "no data rows")
        except FileRejected as rejected:
            sql, params = _record(con, spec, drop, sha, "rejected", str(rejected), (None, None, None), run_id)
            con.execute(sql, params)
            return str(rejected)
        result.columns_added = extras
        result.schema_hash = hashlib.sha256("|".join(header).encode()).hexdigest()[:16]
        merger = Merger(con, spec, typed, extras)
        if reason:
            merger.stage_full(raw_exists=layout is not None)
        else:
            merger.stage_incremental()
            if spec.file_mode == "snapshot":
                # The file is the whole table: its keys — including lines that could not be decoded — are
                # the source's keys; raw keys not among them were deleted.
                pk = ", ".join(qid(k) for k in spec.pk)
                keys = f"SELECT {pk} FROM {BATCH}"
                if encoding_rows:
                    keys += f" UNION ALL SELECT {pk} FROM {ENCODING_KEYS}"
                merger.stage_reconciliation(f"({keys})")
            else:
                # Delta files carry no deletions; keys quarantined here and absent from raw are still missing.
                merger.counts.missing_keys = merger.new_missing_keys()
        old = con.execute("SELECT cursor_value FROM ingest.state WHERE system = ? AND table_name = ?",
                          [spec.system.name, spec.table.name]).fetchone()
        cursor_type = spec.table.column(spec.table.cursor).type if spec.table.cursor else None
        new_cursor = watermark(None if reason or not old else old[0], typed.cursor_max, cursor_type,
                               now_local(), bool(reason))
        baseline = json.dumps([[h, "text", "text"] for h in header], ensure_ascii=False)
        counts = (typed.rows_read, typed.rows_loaded, typed.rows_quarantined)
        merger.apply(loaded_at=now_local(), run_id=run_id, source_label=drop.name, state_row={
            "cursor_value": new_cursor, "source_schema": baseline, "schema_hash": result.schema_hash,
            "registry_hash": registry_hash(spec)}, extra=[_record(con, spec, drop, sha, "loaded", "", counts, run_id)])
        c = merger.counts
        result.rows_read, result.rows_loaded, result.rows_quarantined = counts
        result.rows_inserted, result.rows_updated, result.rows_unchanged = c.inserted, c.updated, c.unchanged
        result.rows_deleted, result.rows_replaced = c.deleted, c.replaced
        result.key_reconciliation, result.missing_keys = c.reconciled, c.missing_keys
        result.cursor_max = new_cursor
        return result
    finally:
        if merger is not None:
            merger.cleanup()
        cleanup_typed(con)
        con.execute(f"DROP TABLE IF EXISTS {BATCH}")
        con.execute(f"DROP TABLE IF EXISTS {ENCODING_KEYS}")


def _add_encoding_rejects(con, spec: TableSpec, typed, header: list[str], rows: list[tuple], path: Path) -> None:
    """Lines the CSV reader could not decode as UTF-8 join the quarantine (and count as read)."""
    delim = _sniff_delimiter(path)
    records, keys = [], []
    for line, column, csv_line in rows:
        fields = (csv_line or "").split(delim)
        key_values = {}
        for k in spec.pk:
            idx = next((i for i, h in enumerate(header) if h.strip().lower() == k.lower()), None)
            key_values[k] = fields[idx].strip() if idx is not None and idx < len(fields) else None
        key = key_values[spec.pk[0]] if len(spec.pk) == 1 else json.dumps(key_values, ensure_ascii=False)
        records.append((key, column or "", f"not valid UTF-8 text (line {line})", csv_line))
        keys.append(tuple(key_values[k] for k in spec.pk))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ENCODING_KEYS} ("
                + ", ".join(f"{qid(k)} VARCHAR" for k in spec.pk) + ")")
    con.executemany(f"INSERT INTO {ENCODING_KEYS} VALUES ({', '.join('?' for _ in spec.pk)})", keys)
    if typed.bad is None:
        typed.bad = "_kho_bad"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {typed.bad} (key VARCHAR, column_name VARCHAR, reason VARCHAR, "
                    "value VARCHAR)")
    con.executemany(f"INSERT INTO {typed.bad} VALUES (?, ?, ?, ?)", records)
    typed.rows_read += len(rows)
    typed.rows_quarantined += len(rows)
