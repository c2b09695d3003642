"""Time windows the views compare: periods to date, like-for-like spans, trailing twelve months.

A *window* is a half-open span of days ``[start, end)``. Data runs through ``as_of - 1 day``: a period
whose end is after ``as_of`` is in progress and is compared with the same number of elapsed days of
its comparison period (capped at that period's length), never with the whole of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from bridge.calendar import (
    Grain,
    add_years,
    period_end,
    period_start,
    same_period_last_year,
    shift,
)
from bridge.config.metrics import MetricBase


@dataclass(frozen=True, slots=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def to_date(period: Window, as_of: dt.date) -> Window:
    """The part of ``period`` with data: it stops at ``as_of`` (exclusive)."""
    return Window(period.start, min(period.end, as_of))


def like_for_like(comparison_start: dt.date, grain: Grain, elapsed_days: int | None) -> Window:
    """The first ``elapsed_days`` of the comparison period (the whole of it when shorter, or when
    ``elapsed_days`` is None because the current period is complete)."""
    end = period_end(comparison_start, grain)
    if elapsed_days is None:
        return Window(comparison_start, end)
    return Window(comparison_start, min(comparison_start + dt.timedelta(days=elapsed_days), end))


def compared_with(
    period: Window, as_of: dt.date, grain: Grain, against: Literal["prior", "last_year"]
) -> Window:
    """What ``period`` (so far, before ``as_of``) is compared with: the prior period or the same
    period last year, cut to the same elapsed days while ``period`` is in progress — never a part
    against a whole."""
    elapsed = to_date(period, as_of).days if period.end > as_of else None
    start = (
        shift(period.start, grain, -1)
        if against == "prior"
        else same_period_last_year(period.start, grain)
    )
    return like_for_like(start, grain, elapsed)


def trailing_year(end: dt.date, years_back: int = 0) -> Window:
    """Twelve months ending at ``end`` (exclusive), shifted ``years_back`` years earlier."""
    stop = add_years(end, -years_back)
    return Window(add_years(stop, -1), stop)


def recent_periods(as_of: dt.date, grain: Grain, count: int, fiscal_start: int) -> list[Window]:
    """The last ``count`` periods up to the one holding ``as_of - 1 day``, oldest first."""
    last = period_start(as_of - dt.timedelta(days=1), grain, fiscal_start)
    starts = [shift(last, grain, -i) for i in range(count - 1, -1, -1)]
    return [Window(s, period_end(s, grain)) for s in starts]


def latest(view: pl.DataFrame, *, complete: bool = False) -> pl.DataFrame:
    """The rows of a view's latest period — with ``complete``, its latest period *not* in progress.

    The one rule every page, the brief and the CLI share: statuses ("on track", "fix now") are read
    in the latest complete period; values "so far" in the latest period, marked in progress.
    """
    if complete:
        view = view.filter(~pl.col("in_progress"))
    return view.filter(pl.col("period_start") == pl.col("period_start").max())


def comparability(
    current: Window, comparison: Window, first_day: dt.date | None, metric: MetricBase
) -> str | None:
    """Why ``comparison`` is not a like-for-like base for ``current`` — or None when it is."""
    if first_day is None:
        return "no data"
    if comparison.start < first_day:
        return f"missing history: data starts {first_day.isoformat()}"
    if comparison.start < metric.effective_from < current.end:
        return (
            f"definition changed on {metric.effective_from.isoformat()} "
            f"(version {metric.version}{': ' + metric.changelog if metric.changelog else ''})"
        )
    return None
