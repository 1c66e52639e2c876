"""Meeting dates and periods as Dutch readers write them, and periods as date ranges."""

from __future__ import annotations

import calendar
import datetime as dt

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
UNKNOWN_DATE = "Datum onbekend"


def long_date(value: str | dt.date | None) -> str:
    """`2022-03-14` → `14 maart 2022`; no date → `Datum onbekend`."""
    if not value:
        return UNKNOWN_DATE
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_time(value: str) -> str:
    """An ISO time (`2026-11-22T11:59:17+01:00`) → `22 november 2026 om 11:59`."""
    moment = dt.datetime.fromisoformat(value)
    return f"{long_date(moment.date())} om {moment:%H:%M}"


def period_label(value: str | None) -> str:
    """A year (`2022`) or month (`2022-03` → `maart 2022`) facet value for people."""
    if value is None:
        return UNKNOWN_DATE
    year, _, month = value.partition("-")
    return f"{MONTHS[int(month) - 1]} {year}" if month else year


def period_range(value: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a year (`2022`) or month (`2022-03`)."""
    year, _, month = value.partition("-")
    if not month:
        return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    last = calendar.monthrange(int(year), int(month))[1]
    return dt.date(int(year), int(month), 1), dt.date(int(year), int(month), last)


def period_of(date_from: dt.date | None, date_to: dt.date | None) -> str | None:
    """The year or month a date range covers exactly (`2022`, `2022-03`), else None."""
    if not (date_from and date_to):
        return None
    for value in (f"{date_from.year}", f"{date_from.year}-{date_from.month:02d}"):
        if period_range(value) == (date_from, date_to):
            return value
    return None
