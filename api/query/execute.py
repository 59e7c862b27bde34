"""Running a :class:`~api.query.query.RowsQuery`: DuckDB connections, pages and group-by results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import duckdb

from .compiler import count_sql, group_sql, page_sql
from .deadline import TimedOut, run_guarded
from .errors import QueryError, QueryTimeout
from .facets import FacetResult, run_facets
from .jsonvalues import row_to_jsonable, to_jsonable
from .keyset import PageCursor
from .query import RowsQuery


def open_connection(*, allowed_directories: Sequence[str | Path] | None = None, threads: int | None = None,
                    memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for serving published Parquet (never the pipeline's file).

    ``allowed_directories``: when given (the published folder, in production), the connection can
    read files there and nowhere else, and cannot load extensions. Configuration is then locked, so
    no statement can loosen it. The time zone is UTC so ``__date`` on TIMESTAMPTZ is deterministic.
    One connection may serve many threads: every statement here runs on its own ``cursor()``.
    """
    config: dict[str, Any] = {"autoinstall_known_extensions": False}
    if threads is not None:
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    conn = duckdb.connect(":memory:", config=config)
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET preserve_insertion_order = true")  # exports without _sort rely on file order
    # DuckDB would otherwise keep its own copy of every Parquet block it reads (up to memory_limit),
    # so a server's memory would grow with the files it has served. Local files are already in the
    # OS page cache; a fresh read of immutable Parquet costs little.
    conn.execute("SET enable_external_file_cache = false")
    if allowed_directories is not None:
        directories = [str(Path(directory).resolve()).rstrip("/") + "/" for directory in allowed_directories]
        conn.execute("SET allowed_directories = ?", [directories])
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
    return conn


@dataclass
class Page:
    """One page of rows. Values are Python objects as DuckDB returns them (Decimal, datetime, ...);
    :func:`api.query.jsonvalues.to_jsonable` turns a row into JSON-ready values."""

    rows: list[dict[str, Any]]
    columns: list[str]
    #: Token for the next page, None on the last page.
    next_token: str | None
    version: str
    #: Columns returned as NULL because the consumer may not see personal data.
    masked_columns: list[str]
    #: ``_extra=count``: matching rows, or ``count_limit`` when ``count_truncated`` (a lower bound).
    count: int | None = None
    count_truncated: bool = False
    count_timed_out: bool = False
    facets: list[FacetResult] = field(default_factory=list)
    #: With ``row_tokens=True``: a token per row to resume after it (GraphQL edge cursors).
    row_tokens: list[str] | None = None
    #: With ``positions=True``: each row's position in the Parquet file (``file_row_number``), so a
    #: caller holding the file's rows in memory can fetch wide rows by position (api/engine.py).
    positions: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready body for the REST rows endpoint (``count`` is null unless ``_extra=count``)."""
        return {
            "rows": [row_to_jsonable(row) for row in self.rows],
            "columns": self.columns,
            "next": self.next_token,
            "version": self.version,
            "masked_columns": self.masked_columns,
            "count": self.count,
            "count_truncated": self.count_truncated,
            "count_timed_out": self.count_timed_out,
            "facets": [
                {"column": facet.column, "truncated": facet.truncated, "timed_out": facet.timed_out,
                 "values": [{"value": to_jsonable(item.value), "count": item.count} for item in facet.values]}
                for facet in self.facets
            ],
        }


@dataclass
class GroupResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    #: More groups exist than ``_size`` allowed.
    truncated: bool
    version: str

    def to_json(self) -> dict[str, Any]:
        return {"rows": [row_to_jsonable(row) for row in self.rows], "columns": self.columns,
                "truncated": self.truncated, "version": self.version}


def run_rows(conn: duckdb.DuckDBPyConnection, query: RowsQuery, *, time_limit_ms: int | None = None,
             row_tokens: bool = False, positions: bool = False) -> Page:
    """Run the page (and the count and facets when asked for).

    ``time_limit_ms`` bounds the page statement (QueryTimeout when exceeded); counts and facets have
    their own limits in ``query.limits`` and report running out of time instead of failing.
    """
    if query.is_grouped:
        raise ValueError("a group-by query runs with run_group_by()")
    try:
        fetched = run_guarded(conn, page_sql(query), time_limit_ms)
    except TimedOut:
        raise QueryTimeout(time_limit_ms or 0) from None
    except duckdb.ConversionException:
        # Filter values are validated before this point; only a token's key values, signed by us,
        # reach a cast unchecked. If one does not convert, the token is not one we issued.
        if query.after is not None:
            raise QueryError(query.token_param, "invalid page token; start again from the first page") from None
        raise
    width, key_count = len(query.columns), len(query.sort)
    names = [column.name for column in query.columns]
    page_rows = fetched[: query.size]
    has_next = len(fetched) > query.size and query.size > 0

    def token_for(row: tuple[Any, ...]) -> str:
        cursor = PageCursor(tuple(row[width:width + key_count]), int(row[width + key_count]))
        return query.tokens.encode(query.spec.name, query.spec.version, query.sort, cursor)

    page = Page(
        rows=[dict(zip(names, row[:width])) for row in page_rows],
        columns=names,
        next_token=token_for(page_rows[-1]) if has_next else None,
        version=query.spec.version,
        masked_columns=[name for name in names if name in query.masked_columns],
        row_tokens=[token_for(row) for row in page_rows] if row_tokens else None,
        positions=[int(row[width + key_count]) for row in page_rows] if positions else None,
    )
    if query.want_count:
        page.count, page.count_truncated, page.count_timed_out = _count(conn, query)
    if query.facets:
        page.facets = run_facets(conn, query)
    return page


def _count(conn: duckdb.DuckDBPyConnection, query: RowsQuery) -> tuple[int | None, bool, bool]:
    statement, capped = count_sql(query)
    try:
        ((number,),) = run_guarded(conn, statement, query.limits.count_time_limit_ms)
    except TimedOut:
        return None, False, True
    if capped and number > query.limits.count_limit:
        return query.limits.count_limit, True, False
    return int(number), False, False


def run_group_by(conn: duckdb.DuckDBPyConnection, query: RowsQuery, *,
                 time_limit_ms: int | None = None) -> GroupResult:
    """Grouped aggregates, at most ``_size`` groups, in the requested (then group-column) order."""
    if not query.is_grouped:
        raise ValueError("run_group_by() needs a query with _group_by or _agg")
    try:
        fetched = run_guarded(conn, group_sql(query, query.size + 1), time_limit_ms)
    except TimedOut:
        raise QueryTimeout(time_limit_ms or 0) from None
    names = [column.name for column in query.group_by] + [aggregate.name for aggregate in query.aggregates]
    return GroupResult(
        columns=names,
        rows=[dict(zip(names, row)) for row in fetched[: query.size]],
        truncated=len(fetched) > query.size,
        version=query.spec.version,
    )
