"""The operational history (2021-01-01 .. as_of) cut into calendar quarters.

Big tables are generated quarter by quarter, each quarter from its own random stream, so memory stays
bounded at any scale and a quarter's rows are the same whatever else is generated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator.clock import working_days
from simulator.streams import allocate

# Busier on Mondays, quieter on Fridays (weekday 0 = Monday).
_WEEKDAY_FACTOR = np.array([1.15, 1.05, 1.0, 1.0, 0.9, 0.0, 0.0])


@dataclass(frozen=True)
class Chunk:
    index: int
    start: dt.date
    end: dt.date             # exclusive
    days: np.ndarray         # working days, datetime64[D]
    day_weights: np.ndarray
    rows: int

    @property
    def midpoint_years(self) -> float:
        """Years since 2021-01-01 at the middle of the chunk (for rates that improve over time)."""
        middle = self.start + (self.end - self.start) / 2
        return (middle - dt.date(2021, 1, 1)).days / 365.25


def _quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans = []
    cursor = start
    while cursor < end:
        month = (cursor.month - 1) // 3 * 3 + 1
        following = dt.date(cursor.year + (month + 3 > 12), (month + 3 - 1) % 12 + 1, 1)
        spans.append((cursor, min(following, end)))
        cursor = following
    return spans


def plan_history(total_rows: int, start: dt.date, end: dt.date, yearly_growth: float) -> list[Chunk]:
    """Quarters of [start, end) with `total_rows` spread over working days, growing by `yearly_growth`."""
    chunks = []
    spans = _quarters(start, end)
    weights = []
    for chunk_start, chunk_end in spans:
        days = working_days(chunk_start, chunk_end)
        years = (days - np.datetime64(start)).astype(np.int64) / 365.25
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        weights.append(yearly_growth ** years * _WEEKDAY_FACTOR[weekday])
    rows = allocate(total_rows, np.array([w.sum() for w in weights]))
    for (chunk_start, chunk_end), day_weights, count in zip(spans, weights, rows):
        days = working_days(chunk_start, chunk_end)
        if count:
            chunks.append(Chunk(len(chunks), chunk_start, chunk_end, days, day_weights, int(count)))
    return chunks
