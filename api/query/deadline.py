"""Run one statement on its own cursor, interrupting it if it outlives a time limit.

DuckDB's ``interrupt()`` stops whatever the connection is running. Each guarded statement gets a
fresh cursor (a new connection to the same in-memory database), so a late timer can only ever hit
the statement it was armed for; the cursor is closed afterwards.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

from .sql import Sql


class TimedOut(Exception):
    """The statement was interrupted by its timer."""


def run_guarded(conn: duckdb.DuckDBPyConnection, statement: Sql, time_limit_ms: int | None) -> list[tuple[Any, ...]]:
    """All rows of ``statement``; raises TimedOut if ``time_limit_ms`` (None: no limit) ran out."""
    cursor = conn.cursor()
    timer = None
    fired = threading.Event()
    if time_limit_ms is not None:
        def interrupt() -> None:
            fired.set()
            try:
                cursor.interrupt()
            except duckdb.Error:
                pass  # already finished and closed
        timer = threading.Timer(time_limit_ms / 1000, interrupt)
        timer.daemon = True
        timer.start()
    try:
        cursor.execute(statement.text, list(statement.params))
        return cursor.fetchall()
    except duckdb.InterruptException:
        if fired.is_set():
            raise TimedOut() from None
        raise
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()
        cursor.close()

