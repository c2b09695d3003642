"""Grains and periods: day, ISO week (Monday start), month, fiscal quarter and fiscal year.

Fiscal quarters and years start in ``fiscal_year_start_month`` (1 = calendar year). A fiscal year is
named after the calendar year in which it *ends* (FY2027 runs April 2026 – March 2027 when it starts
in April), the most common convention.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import polars as pl

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = get_args(Grain)
#: The grains of the action lens (what to fix now) and of the choice lens (what to choose).
FrontlineGrain = Literal["day", "week"]
ExecutiveGrain = Literal["month", "quarter", "year"]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of a shorter month (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _month_length(year, month)
    return dt.date(year, month, min(day.day, last))


def _month_length(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day ``years`` later; Feb 29 becomes Feb 28 in a non-leap year."""
    return add_months(day, 12 * years)


def period_start(day: dt.date, grain: Grain, fiscal_start: int = 1) -> dt.date:
    """First day of the period of ``grain`` containing ``day``."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    months_into_year = (day.month - fiscal_start) % 12
    span = 3 if grain == "quarter" else 12
    return add_months(day.replace(day=1), -(months_into_year % span))


def shift(start: dt.date, grain: Grain, n: int) -> dt.date:
    """The start of the period ``n`` periods after the one starting at ``start`` (n may be negative)."""
    if grain == "day":
        return start + dt.timedelta(days=n)
    if grain == "week":
        return start + dt.timedelta(weeks=n)
    return add_months(start, n * {"month": 1, "quarter": 3, "year": 12}[grain])


def period_end(start: dt.date, grain: Grain) -> dt.date:
    """The exclusive end of the period starting at ``start``."""
    return shift(start, grain, 1)


def same_period_last_year(start: dt.date, grain: Grain) -> dt.date:
    """Start of the like-for-like period a year earlier: 52 weeks back for ISO weeks (same weekday)."""
    if grain == "week":
        return start - dt.timedelta(weeks=52)
    if grain == "day":
        return start - dt.timedelta(days=364)  # same weekday, as operations compare days
    return add_years(start, -1)


def fiscal_year(day: dt.date, fiscal_start: int = 1) -> int:
    """The fiscal year (named by the calendar year it ends in) containing ``day``."""
    if fiscal_start == 1:
        return day.year
    return day.year + 1 if day.month >= fiscal_start else day.year


def period_label(start: dt.date, grain: Grain, fiscal_start: int = 1) -> str:
    """A short human label: ``2026-11-30``, ``2026-W48``, ``2026-11``, ``2026 Q4``, ``FY2027 Q1``."""
    if grain == "day":
        return start.isoformat()
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    fy = fiscal_year(start, fiscal_start)
    prefix = f"FY{fy}" if fiscal_start != 1 else f"{fy}"
    if grain == "year":
        return prefix
    quarter = ((start.month - fiscal_start) % 12) // 3 + 1
    return f"{prefix} Q{quarter}"


def with_period(
    frame: pl.DataFrame,
    grain: Grain,
    fiscal_start: int = 1,
    column: str = "day",
    name: str = "period_start",
) -> pl.DataFrame:
    """``frame`` with a ``name`` column holding the period start of each ``column`` date.

    Each distinct day is mapped once by :func:`period_start`, so the frame and the scalar helpers can
    never disagree.
    """
    days = frame.get_column(column).unique().drop_nulls()
    lookup = pl.DataFrame(
        {
            column: days,
            name: pl.Series([period_start(d, grain, fiscal_start) for d in days], dtype=pl.Date),
        }
    )
    return frame.join(lookup, on=column, how="left", maintain_order="left")


def with_labels(
    frame: pl.DataFrame, grain: Grain, fiscal_start: int = 1, column: str = "period_start"
) -> pl.DataFrame:
    """``frame`` with a ``period_label`` column for the period starting on each ``column`` date."""
    starts = frame.get_column(column).unique().drop_nulls()
    lookup = pl.DataFrame(
        {
            column: starts,
            "period_label": pl.Series(
                [period_label(d, grain, fiscal_start) for d in starts], dtype=pl.String
            ),
        }
    )
    return frame.join(lookup, on=column, how="left", maintain_order="left")
