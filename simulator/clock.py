"""Working days, public holidays and office hours of a Vietnamese state agency.

Dossiers are received and documents issued on working days during office hours; statutory handling times
count working days. Timestamps are naive local time (Asia/Ho_Chi_Minh) held as numpy datetime64[s].
"""

from __future__ import annotations

import datetime as dt

import numpy as np

MINUTE = 60
HOUR = 3600
DAY = 86400

# Lunar New Year (mùng 1 Tết) and the Hùng Kings' day (10/3 lunar) for the years the simulator covers.
# Beyond 2030 only the solar-calendar holidays apply.
_TET = ["2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
        "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"]
_HUNG_KINGS = ["2021-04-21", "2022-04-10", "2023-04-29", "2024-04-18", "2025-04-07",
               "2026-04-26", "2027-04-16", "2028-04-04", "2029-04-23", "2030-04-12"]


def _holidays(first_year: int = 2015, last_year: int = 2040) -> np.ndarray:
    """Public holidays of the Labour Code 2019 (Art. 112): 1/1, Tết (5 days), Hùng Kings, 30/4, 1/5, 2/9 + 1/9.

    Compensatory days off when a holiday falls on a weekend are not modelled.
    """
    days: list[np.datetime64] = []
    for year in range(first_year, last_year + 1):
        for month_day in ("01-01", "04-30", "05-01", "09-01", "09-02"):
            days.append(np.datetime64(f"{year}-{month_day}"))
    for tet in _TET:
        days.extend(np.datetime64(tet) + np.arange(-1, 4))
    days.extend(np.datetime64(d) for d in _HUNG_KINGS)
    return np.unique(np.array(days, dtype="datetime64[D]"))


HOLIDAYS = _holidays()
_CALENDAR = np.busdaycalendar(weekmask="1111100", holidays=HOLIDAYS)


def working_days(start: dt.date, end: dt.date) -> np.ndarray:
    """Working days in [start, end) as datetime64[D]."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))
    return days[np.is_busday(days, busdaycal=_CALENDAR)]


def add_working_days(days: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each working day in `days` moved forward by `offsets` working days."""
    return np.busday_offset(days.astype("datetime64[D]"), offsets, roll="forward", busdaycal=_CALENDAR)


def office_seconds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds after midnight within office hours: 07:30–11:30 and 13:30–17:00."""
    morning = rng.random(size) < 0.55
    start = np.where(morning, 7 * HOUR + 30 * MINUTE, 13 * HOUR + 30 * MINUTE)
    length = np.where(morning, 4 * HOUR, 3 * HOUR + 30 * MINUTE)
    return start + (rng.random(size) * length).astype(np.int64)


def at(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """datetime64[s] of each day plus seconds after midnight."""
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def midnight(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "s")


def years_since(timestamps: np.ndarray, origin_year: int = 2021) -> np.ndarray:
    """Fractional years since 1 January of `origin_year` (for trends that improve over time)."""
    origin = np.datetime64(f"{origin_year}-01-01", "s")
    return (timestamps.astype("datetime64[s]") - origin).astype(np.int64) / (365.25 * DAY)


def year_of(timestamps: np.ndarray) -> np.ndarray:
    return timestamps.astype("datetime64[Y]").astype(np.int64) + 1970


def nightly_job(as_of: dt.date) -> np.datetime64:
    """When a source's nightly job ran on the evening before `as_of` (22:00)."""
    return midnight(as_of) - np.timedelta64(2 * HOUR, "s")
