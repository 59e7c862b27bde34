"""Read a batch of one source table into a DuckDB temp table — the fast Arrow path, no per-row Python.

Connector per engine (measured in bench/RESULTS.md, "Ingestion"; reasons in docs/ingestion.md):

* PostgreSQL — DuckDB's postgres scanner (`postgres_query`): binary COPY straight into DuckDB vectors.
  Describe, count, batch and keys run in one REPEATABLE READ transaction, so they see one snapshot.
* MariaDB / MySQL — ConnectorX (Rust, binary protocol → Arrow), twice as fast here as DuckDB's mysql
  scanner. Dates are fetched as text so that MySQL's zero dates cannot abort the transfer.
* SQLite — DuckDB's sqlite scanner. A full load first reads with the declared types (fastest); if a
  value does not fit its declared type it re-reads as text, and if a text value is not valid UTF-8 it
  re-reads through `hex()`, so the bad values reach the quarantine instead of failing the table.

Every source reads only the columns it needs, pushes the cursor filter down as SQL, and raises
SourceUnavailableError (retried by Dagster) when the connection fails or breaks mid-transfer.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
import uuid
from dataclasses import dataclass

import duckdb

from orchestration.lib.ingest.drift import (
    DriftReport,
    SourceColumn,
    mysql_family,
    postgres_family,
    sqlite_family,
)
from orchestration.lib.ingest.spec import (
    SchemaDriftError,
    SourceUnavailableError,
    SourceURL,
    TableSpec,
)
from orchestration.lib.ingest.extensions import load_scanner

#: Prefix of the batch columns that carry the escaped original of a value that is not valid UTF-8.
BAD_ENCODING_PREFIX = "_kho_badenc__"


def sql_str(value: str) -> str:
    """A SQL string literal (standard quoting: DuckDB, PostgreSQL, SQLite and MariaDB's ANSI mode)."""
    return "'" + value.replace("'", "''") + "'"


def qid(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mysql_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def mqid(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class CursorFilter:
    """`cursor >= lower OR cursor IS NULL`, rendered by each source in its own SQL."""

    column: SourceColumn
    registry_type: str
    lower: dt.datetime | dt.date | int | str

    def literal(self) -> str:
        if isinstance(self.lower, dt.datetime):
            return self.lower.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(self.lower, dt.date):
            return self.lower.isoformat()
        return str(self.lower)


class Source(abc.ABC):
    kind = ""
    connector = ""

    def __init__(self, spec: TableSpec, url: SourceURL, con: duckdb.DuckDBPyConnection):
        self.spec, self.url, self.con = spec, url, con
        self.read_mode = ""
        #: Batch columns holding text in the source's canonical ISO format (cheaper to parse).
        self.canonical_text: set[str] = set()

    @abc.abstractmethod
    def open(self) -> None:
        ...

    @abc.abstractmethod
    def close(self, ok: bool) -> None:
        ...

    @abc.abstractmethod
    def describe(self) -> list[SourceColumn]:
        """The source table's columns, in order, with declared type and family."""
        ...

    @abc.abstractmethod
    def extract(self, report: DriftReport, where: CursorFilter | None, into: str) -> None:
        """Read the batch (registry columns named as the registry, added columns as text) into temp `into`."""
        ...

    @abc.abstractmethod
    def count_keys(self, report: DriftReport) -> int:
        """Rows with a complete primary key at the source."""
        ...

    def key_is_unique(self, report: DriftReport) -> bool:
        """Whether the source itself guarantees the registry's key is unique (its primary key is exactly
        those columns): then a batch needs no duplicate-key scan."""
        names = self._primary_key_columns()
        return bool(names) and {n.lower() for n in names} == {report.mapping[k].name.lower() for k in self.spec.pk}

    def _primary_key_columns(self) -> list[str]:
        return []

    @abc.abstractmethod
    def fetch_keys(self, report: DriftReport, into: str) -> None:
        """Every primary key at the source, into temp table `into`."""
        ...

    @property
    def label(self) -> str:
        return f"{self.url.redacted} → {self.relation_label}"

    @property
    def relation_label(self) -> str:
        return self.spec.source_table

    def __enter__(self) -> "Source":
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(exc_type is None)

    def _unavailable(self, what: str, exc: BaseException) -> SourceUnavailableError:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return SourceUnavailableError(f"{self.spec.name}: {what} {self.url.redacted}: {message}")


# ------------------------------------------------------------------------------------- PostgreSQL


class PostgresSource(Source):
    kind = "postgresql"
    connector = "duckdb-postgres-scanner"

    def __init__(self, spec, url, con):
        super().__init__(spec, url, con)
        self.schema = url.param("schema") or spec.source_schema or spec.system.name
        self.alias = f"_kho_src_{uuid.uuid4().hex[:8]}"
        self._attached = False

    @property
    def relation_label(self) -> str:
        return f"{self.schema}.{self.spec.source_table}"

    @property
    def relation(self) -> str:
        return f"{qid(self.schema)}.{qid(self.spec.source_table)}"

    def open(self) -> None:
        load_scanner(self.con, "postgres_scanner")
        try:
            self.con.execute(f"ATTACH {sql_str(self.url.libpq_dsn())} AS {self.alias} (TYPE postgres, READ_ONLY)")
        except duckdb.Error as exc:
            raise self._unavailable("cannot connect to", exc) from exc
        self._attached = True
        # One DuckDB transaction = one PostgreSQL REPEATABLE READ transaction: a consistent snapshot.
        self.con.execute("BEGIN TRANSACTION")

    def close(self, ok: bool) -> None:
        if not self._attached:
            return
        try:
            self.con.execute("COMMIT" if ok else "ROLLBACK")
        except duckdb.Error:
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass
        try:
            self.con.execute(f"DETACH {self.alias}")
        except duckdb.Error:
            pass
        self._attached = False

    def _query(self, sql: str) -> str:
        return f"postgres_query({sql_str(self.alias)}, {sql_str(sql)})"

    def _run(self, what: str, statement: str):
        try:
            return self.con.execute(statement)
        except duckdb.Error as exc:
            raise self._unavailable(what, exc) from exc

    def describe(self) -> list[SourceColumn]:
        sql = ("SELECT column_name::text AS name, data_type::text AS data_type, udt_name::text AS udt_name, "
               "numeric_scale::int AS scale FROM information_schema.columns "
               f"WHERE table_schema = {sql_str(self.schema)} AND table_name = {sql_str(self.spec.source_table)} "
               "ORDER BY ordinal_position")
        rows = self._run("cannot read the columns of", f"SELECT * FROM {self._query(sql)}").fetchall()
        if not rows:
            raise SchemaDriftError(f"{self.spec.name}: table {self.relation_label} not found at the source "
                                   f"({self.url.redacted})", [])
        return [SourceColumn(name, data_type if data_type != "USER-DEFINED" else udt, postgres_family(data_type, udt, scale))
                for name, data_type, udt, scale in rows]

    def _primary_key_columns(self) -> list[str]:
        sql = ("SELECT a.attname::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
               "JOIN pg_namespace n ON n.oid = c.relnamespace "
               "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) "
               f"WHERE i.indisprimary AND n.nspname = {sql_str(self.schema)} "
               f"AND c.relname = {sql_str(self.spec.source_table)}")
        return [r[0] for r in self._run("cannot read the key of", f"SELECT * FROM {self._query(sql)}").fetchall()]

    def _expr(self, column: SourceColumn, as_text: bool = False) -> str:
        ref = qid(column.name)
        if as_text:
            return f"{ref}::text"
        if column.family == "timestamptz":
            return f"({ref} AT TIME ZONE {sql_str(self.spec.timezone)})"
        native = ("smallint", "integer", "bigint", "real", "double precision", "numeric", "text",
                  "character varying", "character", "boolean", "date", "timestamp without time zone")
        return ref if column.source_type in native else f"{ref}::text"

    def _where(self, where: CursorFilter | None) -> str:
        if where is None:
            return ""
        ref, lit = qid(where.column.name), where.literal()
        fam = where.column.family
        if fam == "timestamp":
            bound = f"{sql_str(lit)}::timestamp"
        elif fam == "timestamptz":
            bound = f"({sql_str(lit)}::timestamp AT TIME ZONE {sql_str(self.spec.timezone)})"
        elif fam == "date":
            bound = f"{sql_str(lit)}::date"
        elif fam in ("integer", "decimal", "float"):
            bound = lit
        else:
            bound = sql_str(lit)
        return f" WHERE {ref} >= {bound} OR {ref} IS NULL"

    def extract(self, report: DriftReport, where: CursorFilter | None, into: str) -> None:
        cols = [f"{self._expr(src)} AS {qid(name)}" for name, src in report.mapping.items()]
        cols += [f"{self._expr(src, as_text=True)} AS {qid(src.name)}" for src in report.added]
        sql = f"SELECT {', '.join(cols)} FROM {self.relation}{self._where(where)}"
        self._run("transfer failed from", f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM {self._query(sql)}")
        self.read_mode = "binary-copy"

    def _key_not_null(self, report: DriftReport) -> str:
        return " AND ".join(f"{qid(report.mapping[k].name)} IS NOT NULL" for k in self.spec.pk)

    def count_keys(self, report: DriftReport) -> int:
        sql = f"SELECT count(*) AS n FROM {self.relation} WHERE {self._key_not_null(report)}"
        return int(self._run("cannot count rows of", f"SELECT * FROM {self._query(sql)}").fetchone()[0])

    def fetch_keys(self, report: DriftReport, into: str) -> None:
        cols = ", ".join(f"{self._expr(report.mapping[k])} AS {qid(k)}" for k in self.spec.pk)
        sql = f"SELECT {cols} FROM {self.relation} WHERE {self._key_not_null(report)}"
        self._run("cannot read the keys of", f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM {self._query(sql)}")


# ------------------------------------------------------------------------------------ MariaDB/MySQL


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


class MySQLSource(Source):
    kind = "mysql"
    connector = "connectorx"
    #: Full loads of tables with an integer key are read in key ranges of this many ids (bounded memory),
    #: each range over two connections in parallel.
    CHUNK_IDS = 1_000_000

    def __init__(self, spec, url, con):
        super().__init__(spec, url, con)
        self.cx_url = url.mysql_url()
        self.relation = mqid(spec.source_table)

    @property
    def relation_label(self) -> str:
        return f"{self.url.database}.{self.spec.source_table}"

    def open(self) -> None:
        import connectorx  # noqa: F401  (fail early if missing)

        self._read("cannot connect to", "SELECT 1 AS ok")

    def close(self, ok: bool) -> None:
        pass

    def _read(self, what: str, query: str | list[str]):
        import connectorx as cx

        try:
            return cx.read_sql(self.cx_url, query, return_type="arrow")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # ConnectorX raises RuntimeError, or pyo3's PanicException (a BaseException)
            if isinstance(exc, Exception) or _is_panic(exc):
                raise self._unavailable(what, exc) from exc
            raise

    def describe(self) -> list[SourceColumn]:
        sql = ("SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type "
               "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
               f"AND TABLE_NAME = {mysql_str(self.spec.source_table)} ORDER BY ORDINAL_POSITION")
        rows = self._read("cannot read the columns of", sql).to_pylist()
        if not rows:
            raise SchemaDriftError(f"{self.spec.name}: table {self.relation_label} not found at the source "
                                   f"({self.url.redacted})", [])
        return [SourceColumn(r["name"], r["column_type"], mysql_family(r["data_type"], r["column_type"])) for r in rows]

    def _primary_key_columns(self) -> list[str]:
        sql = ("SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
               f"AND TABLE_NAME = {mysql_str(self.spec.source_table)} AND INDEX_NAME = 'PRIMARY'")
        return [r["name"] for r in self._read("cannot read the key of", sql).to_pylist()]

    def _expr(self, column: SourceColumn, as_text: bool = False) -> str:
        ref = mqid(column.name)
        if as_text or column.family in ("date", "timestamp", "other"):
            # Text, so zero dates ('0000-00-00') and odd types never abort the transfer; DuckDB parses them.
            return f"CAST({ref} AS CHAR)"
        if column.family == "boolean" and column.source_type.startswith("bit"):
            return f"CAST({ref} AS UNSIGNED)"
        if column.family == "text" and re.match(r"(enum|set|json)", column.source_type):
            return f"CAST({ref} AS CHAR)"
        return ref

    def _where(self, where: CursorFilter | None) -> str:
        if where is None:
            return ""
        ref, lit = mqid(where.column.name), where.literal()
        bound = lit if where.column.family in ("integer", "decimal", "float") else mysql_str(lit)
        return f"({ref} >= {bound} OR {ref} IS NULL)"

    def _select(self, report: DriftReport) -> str:
        cols = [f"{self._expr(src)} AS {mqid(name)}" for name, src in report.mapping.items()]
        cols += [f"{self._expr(src, as_text=True)} AS {mqid(src.name)}" for src in report.added]
        return f"SELECT {', '.join(cols)} FROM {self.relation}"

    def _integer_key(self, report: DriftReport) -> SourceColumn | None:
        if len(self.spec.pk) != 1:
            return None
        col = report.mapping[self.spec.pk[0]]
        return col if col.family == "integer" else None

    def extract(self, report: DriftReport, where: CursorFilter | None, into: str) -> None:
        self.canonical_text = {name for name, src in report.mapping.items() if src.family in ("date", "timestamp")}
        select = self._select(report)
        key = self._integer_key(report)
        queries: list[list[str]]
        if where is not None or key is None:
            cond = self._where(where)
            queries = [[select + (f" WHERE {cond}" if cond else "")]]
        else:
            ref = mqid(key.name)
            bounds = self._read("cannot read the key range of",
                                f"SELECT MIN({ref}) AS lo, MAX({ref}) AS hi FROM {self.relation}").to_pylist()[0]
            lo, hi = bounds["lo"], bounds["hi"]
            if lo is None:
                queries = [[select]]
            else:
                queries = []
                start = int(lo)
                while start <= int(hi):
                    end = min(start + self.CHUNK_IDS, int(hi) + 1)
                    mid = start + (end - start) // 2
                    parts = [(start, mid), (mid, end)] if end - start > 1 else [(start, end)]
                    queries.append([f"{select} WHERE {ref} >= {a} AND {ref} < {b}" for a, b in parts if b > a])
                    start = end
                queries[-1].append(f"{select} WHERE {ref} IS NULL")
        first = True
        for group in queries:
            table = self._read("transfer failed from", group if len(group) > 1 else group[0])
            self.con.register("_kho_arrow_chunk", table)
            try:
                if first:
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM _kho_arrow_chunk")
                    first = False
                else:
                    self.con.execute(f"INSERT INTO {into} SELECT * FROM _kho_arrow_chunk")
            finally:
                self.con.unregister("_kho_arrow_chunk")
        self.read_mode = "arrow" if len(queries) == 1 else f"arrow, {len(queries)} key ranges"

    def _key_not_null(self, report: DriftReport) -> str:
        return " AND ".join(f"{mqid(report.mapping[k].name)} IS NOT NULL" for k in self.spec.pk)

    def count_keys(self, report: DriftReport) -> int:
        table = self._read("cannot count rows of",
                           f"SELECT COUNT(*) AS n FROM {self.relation} WHERE {self._key_not_null(report)}")
        return int(table.column(0)[0].as_py())

    def fetch_keys(self, report: DriftReport, into: str) -> None:
        cols = ", ".join(f"{self._expr(report.mapping[k])} AS {mqid(k)}" for k in self.spec.pk)
        table = self._read("cannot read the keys of",
                           f"SELECT {cols} FROM {self.relation} WHERE {self._key_not_null(report)}")
        self.con.register("_kho_arrow_keys", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM _kho_arrow_keys")
        finally:
            self.con.unregister("_kho_arrow_keys")


# ----------------------------------------------------------------------------------------- SQLite


def _is_value_error(exc: duckdb.Error) -> bool:
    """A value that does not fit its declared type or is not UTF-8 (→ re-read as text), not an I/O error."""
    return isinstance(exc, (duckdb.ConversionException, duckdb.TypeMismatchException,
                            duckdb.InvalidInputException, duckdb.OutOfRangeException))


def _is_unicode_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.InvalidInputException) and "unicode" in str(exc).lower()


class SQLiteSource(Source):
    kind = "sqlite"
    connector = "duckdb-sqlite-scanner"

    def __init__(self, spec, url, con):
        super().__init__(spec, url, con)
        self.alias = f"_kho_src_{uuid.uuid4().hex[:8]}"
        self._attached = False

    @property
    def relation_label(self) -> str:
        return self.spec.source_table

    def open(self) -> None:
        path = self.url.path
        if path is None or not path.exists():
            raise SourceUnavailableError(f"{self.spec.name}: SQLite source {path} does not exist")
        load_scanner(self.con, "sqlite_scanner")
        try:
            self.con.execute(f"ATTACH {sql_str(str(path))} AS {self.alias} (TYPE sqlite, READ_ONLY)")
        except duckdb.Error as exc:
            raise self._unavailable("cannot open", exc) from exc
        self._attached = True

    def close(self, ok: bool) -> None:
        if self._attached:
            try:
                self.con.execute(f"DETACH {self.alias}")
            except duckdb.Error:
                pass
            self._attached = False

    def _query(self, sql: str) -> str:
        return f"sqlite_query({sql_str(self.alias)}, {sql_str(sql)})"

    def describe(self) -> list[SourceColumn]:
        sql = f"SELECT name, type FROM pragma_table_info({sql_str(self.spec.source_table)}) ORDER BY cid"
        try:
            rows = self.con.execute(f"SELECT * FROM {self._query(sql)}").fetchall()
        except duckdb.Error as exc:
            raise self._unavailable("cannot read the columns of", exc) from exc
        if not rows:
            raise SchemaDriftError(f"{self.spec.name}: table {self.spec.source_table} not found in {self.url.path}", [])
        return [SourceColumn(name, declared or "", sqlite_family(declared or "")) for name, declared in rows]

    def _primary_key_columns(self) -> list[str]:
        # Only an INTEGER PRIMARY KEY (the rowid) is enforced unique by SQLite in every table shape.
        sql = f"SELECT name, type, pk FROM pragma_table_info({sql_str(self.spec.source_table)})"
        rows = [r for r in self.con.execute(f"SELECT * FROM {self._query(sql)}").fetchall() if str(r[2]) != "0"]
        return [rows[0][0]] if len(rows) == 1 and str(rows[0][1]).upper() == "INTEGER" else []

    def _where(self, where: CursorFilter | None) -> str:
        if where is None:
            return ""
        ref, lit = qid(where.column.name), where.literal()
        bound = lit if where.column.family in ("integer", "decimal", "float") else sql_str(lit)
        # Timestamps are ISO-8601 text in SQLite: text comparison orders them.
        return f" WHERE {ref} >= {bound} OR {ref} IS NULL"

    def _text_select(self, report: DriftReport, where: CursorFilter | None, hexed: bool) -> str:
        def expr(src: SourceColumn) -> str:
            # SQLite's hex(NULL) is '', so keep NULLs explicitly.
            ref = qid(src.name)
            return f"CASE WHEN {ref} IS NULL THEN NULL ELSE hex({ref}) END" if hexed else ref

        cols = [f"{expr(src)} AS {qid(name)}" for name, src in report.mapping.items()]
        cols += [f"{expr(src)} AS {qid(src.name)}" for src in report.added]
        return f"SELECT {', '.join(cols)} FROM {qid(self.spec.source_table)}{self._where(where)}"

    def extract(self, report: DriftReport, where: CursorFilter | None, into: str) -> None:
        if self._read_plain(report, where, into) and self._valid_utf8(into):
            return
        # Some text is not valid UTF-8: move bytes as hex, decode in DuckDB, keep the undecodable aside.
        names = list(report.mapping) + [src.name for src in report.added]
        decoded = []
        for name in names:
            b = f"unhex({qid(name)})"
            decoded.append(f"decode({b}, 'replace') AS {qid(name)}")
            decoded.append(f"CASE WHEN decode({b}, 'replace') <> decode({b}, 'ignore') "
                           f"THEN CAST({b} AS VARCHAR) END AS {qid(BAD_ENCODING_PREFIX + name)}")
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT {', '.join(decoded)} FROM "
                             f"{self._query(self._text_select(report, where, hexed=True))}")
        except duckdb.Error as exc:
            raise self._unavailable("transfer failed from", exc) from exc
        self.read_mode = "hex"

    def _read_plain(self, report: DriftReport, where: CursorFilter | None, into: str) -> bool:
        """Typed read (full loads), else text read; False when the text is not UTF-8."""
        if where is None:
            # Full load: the declared types first (fast); fall back to text if any value does not fit.
            cols = [f"{qid(src.name)} AS {qid(name)}" for name, src in report.mapping.items()]
            cols += [f"CAST({qid(src.name)} AS VARCHAR) AS {qid(src.name)}" for src in report.added]
            try:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT {', '.join(cols)} "
                                 f"FROM {self.alias}.{qid(self.spec.source_table)}")
                self.read_mode = "typed"
                return True
            except duckdb.Error as exc:
                if not _is_value_error(exc):
                    raise self._unavailable("transfer failed from", exc) from exc
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM "
                             f"{self._query(self._text_select(report, where, hexed=False))}")
            self.read_mode = "text"
            return True
        except duckdb.Error as exc:
            if not _is_unicode_error(exc):
                raise self._unavailable("transfer failed from", exc) from exc
            return False

    def _valid_utf8(self, relation: str) -> bool:
        """SQLite does not check that TEXT is UTF-8, and DuckDB does not re-check every string it is handed:
        decode every text value once (set-based; raises on the first invalid byte sequence)."""
        text = [name for name, typ, *_ in self.con.execute(f"DESCRIBE {relation}").fetchall() if typ == "VARCHAR"]
        if not text:
            return True
        try:
            self.con.execute("SELECT " + ", ".join(f"count(decode(encode({qid(c)})))" for c in text)
                             + f" FROM {relation}").fetchall()
            return True
        except duckdb.ConversionException:
            return False

    def _key_not_null(self, report: DriftReport) -> str:
        return " AND ".join(f"{qid(report.mapping[k].name)} IS NOT NULL" for k in self.spec.pk)

    def count_keys(self, report: DriftReport) -> int:
        sql = f"SELECT count(*) AS n FROM {qid(self.spec.source_table)} WHERE {self._key_not_null(report)}"
        try:
            return int(self.con.execute(f"SELECT * FROM {self._query(sql)}").fetchone()[0])
        except duckdb.Error as exc:
            raise self._unavailable("cannot count rows of", exc) from exc

    def fetch_keys(self, report: DriftReport, into: str) -> None:
        where = f" WHERE {self._key_not_null(report)}"
        plain = ", ".join(f"{qid(report.mapping[k].name)} AS {qid(k)}" for k in self.spec.pk)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT * FROM "
                             f"{self._query(f'SELECT {plain} FROM {qid(self.spec.source_table)}{where}')}")
            return
        except duckdb.Error as exc:
            if not _is_unicode_error(exc):
                raise self._unavailable("cannot read the keys of", exc) from exc
        hexed = ", ".join(f"hex({qid(report.mapping[k].name)}) AS {qid(k)}" for k in self.spec.pk)  # keys not NULL
        decoded = ", ".join(f"decode(unhex({qid(k)}), 'replace') AS {qid(k)}" for k in self.spec.pk)
        sql = f"SELECT {hexed} FROM {qid(self.spec.source_table)}{where}"
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT {decoded} FROM {self._query(sql)}")
        except duckdb.Error as exc:
            raise self._unavailable("cannot read the keys of", exc) from exc


def open_source(spec: TableSpec, url: SourceURL, con: duckdb.DuckDBPyConnection) -> Source:
    if url.kind == "postgresql":
        return PostgresSource(spec, url, con)
    if url.kind == "mysql":
        return MySQLSource(spec, url, con)
    if url.kind == "sqlite":
        return SQLiteSource(spec, url, con)
    raise SourceUnavailableError(f"{spec.name}: {url.kind} URLs are file drops, not databases")
