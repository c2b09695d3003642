"""Grains, fiscal years and like-for-like windows, against hand-worked calendars."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.calendar import (
    GRAINS,
    Grain,
    add_months,
    add_years,
    fiscal_year,
    period_end,
    period_label,
    period_start,
    same_period_last_year,
    shift,
    with_period,
)
from bridge.translate.windows import Window, like_for_like, recent_periods, to_date, trailing_year


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "grain", "fiscal", "expected"),
    [
        ("2026-11-30", "day", 1, "2026-11-30"),
        ("2024-02-29", "day", 4, "2024-02-29"),
        # ISO weeks start on Monday, across year ends
        ("2026-11-30", "week", 1, "2026-11-30"),
        ("2020-12-31", "week", 1, "2020-12-28"),
        ("2021-01-03", "week", 1, "2020-12-28"),
        ("2024-12-30", "week", 1, "2024-12-30"),
        ("2025-01-05", "week", 1, "2024-12-30"),
        ("2024-03-03", "week", 7, "2024-02-26"),
        ("2024-02-29", "month", 1, "2024-02-01"),
        ("2026-11-30", "month", 4, "2026-11-01"),
        ("2026-01-01", "month", 1, "2026-01-01"),
        # quarters: calendar-aligned for fiscal starts 1, 4, 7, 10
        ("2026-11-30", "quarter", 1, "2026-10-01"),
        ("2026-01-01", "quarter", 1, "2026-01-01"),
        ("2024-03-31", "quarter", 1, "2024-01-01"),
        ("2024-02-29", "quarter", 1, "2024-01-01"),
        ("2026-11-30", "quarter", 4, "2026-10-01"),
        ("2026-03-31", "quarter", 4, "2026-01-01"),
        ("2026-04-01", "quarter", 4, "2026-04-01"),
        ("2026-06-30", "quarter", 7, "2026-04-01"),
        ("2026-11-30", "quarter", 7, "2026-10-01"),
        ("2026-09-15", "quarter", 10, "2026-07-01"),
        ("2026-11-30", "quarter", 10, "2026-10-01"),
        # a fiscal year starting in February shifts the quarters too, across the calendar year
        ("2026-01-15", "quarter", 2, "2025-11-01"),
        ("2026-02-01", "quarter", 2, "2026-02-01"),
        ("2026-04-30", "quarter", 2, "2026-02-01"),
        # years
        ("2026-11-30", "year", 1, "2026-01-01"),
        ("2024-02-29", "year", 1, "2024-01-01"),
        ("2026-11-30", "year", 4, "2026-04-01"),
        ("2026-03-31", "year", 4, "2025-04-01"),
        ("2026-04-01", "year", 4, "2026-04-01"),
        ("2026-02-15", "year", 4, "2025-04-01"),
        ("2026-06-30", "year", 7, "2025-07-01"),
        ("2026-07-01", "year", 7, "2026-07-01"),
        ("2026-02-15", "year", 7, "2025-07-01"),
        ("2026-09-30", "year", 10, "2025-10-01"),
        ("2026-10-01", "year", 10, "2026-10-01"),
        ("2024-02-29", "year", 10, "2023-10-01"),
    ],
)
def test_period_start(day: str, grain: Grain, fiscal: int, expected: str) -> None:
    assert period_start(d(day), grain, fiscal) == d(expected)


@pytest.mark.parametrize(
    ("start", "grain", "n", "expected"),
    [
        ("2024-02-28", "day", 1, "2024-02-29"),
        ("2024-02-28", "day", 2, "2024-03-01"),
        ("2024-12-31", "day", -365, "2024-01-01"),
        ("2020-12-28", "week", 1, "2021-01-04"),
        ("2020-12-28", "week", -52, "2019-12-30"),  # 2020 has 53 ISO weeks
        ("2024-01-01", "month", 1, "2024-02-01"),
        ("2026-11-01", "month", 2, "2027-01-01"),
        ("2026-11-01", "month", -11, "2025-12-01"),
        ("2026-10-01", "quarter", -1, "2026-07-01"),
        ("2026-10-01", "quarter", 1, "2027-01-01"),
        ("2026-10-01", "quarter", -4, "2025-10-01"),
        ("2025-11-01", "quarter", 1, "2026-02-01"),
        ("2026-04-01", "year", -3, "2023-04-01"),
        ("2024-01-01", "year", 1, "2025-01-01"),
    ],
)
def test_shift(start: str, grain: Grain, n: int, expected: str) -> None:
    assert shift(d(start), grain, n) == d(expected)


@pytest.mark.parametrize(
    ("start", "grain", "expected", "length"),
    [
        ("2024-02-28", "day", "2024-02-29", 1),
        ("2026-12-31", "day", "2027-01-01", 1),
        ("2020-12-28", "week", "2021-01-04", 7),
        ("2024-02-01", "month", "2024-03-01", 29),
        ("2023-02-01", "month", "2023-03-01", 28),
        ("2026-12-01", "month", "2027-01-01", 31),
        ("2024-01-01", "quarter", "2024-04-01", 91),
        ("2023-01-01", "quarter", "2023-04-01", 90),
        ("2026-10-01", "quarter", "2027-01-01", 92),
        ("2025-11-01", "quarter", "2026-02-01", 92),
        ("2024-01-01", "year", "2025-01-01", 366),
        ("2025-04-01", "year", "2026-04-01", 365),
        ("2023-04-01", "year", "2024-04-01", 366),
        ("2025-10-01", "year", "2026-10-01", 365),
    ],
)
def test_period_end(start: str, grain: Grain, expected: str, length: int) -> None:
    end = period_end(d(start), grain)
    assert end == d(expected)
    assert (end - d(start)).days == length


@pytest.mark.parametrize(
    ("start", "grain", "fiscal", "label"),
    [
        ("2026-11-30", "day", 1, "2026-11-30"),
        ("2026-11-30", "week", 1, "2026-W49"),
        ("2020-12-28", "week", 1, "2020-W53"),
        ("2024-12-30", "week", 1, "2025-W01"),
        ("2019-12-30", "week", 4, "2020-W01"),
        ("2026-12-28", "week", 1, "2026-W53"),
        ("2026-11-01", "month", 1, "2026-11"),
        ("2024-02-01", "month", 4, "2024-02"),  # months are never renamed by the fiscal year
        ("2026-10-01", "quarter", 1, "2026 Q4"),
        ("2026-01-01", "quarter", 1, "2026 Q1"),
        ("2026-10-01", "quarter", 4, "FY2027 Q3"),
        ("2026-04-01", "quarter", 4, "FY2027 Q1"),
        ("2026-01-01", "quarter", 4, "FY2026 Q4"),
        ("2026-10-01", "quarter", 7, "FY2027 Q2"),
        ("2026-07-01", "quarter", 7, "FY2027 Q1"),
        ("2026-04-01", "quarter", 7, "FY2026 Q4"),
        ("2026-10-01", "quarter", 10, "FY2027 Q1"),
        ("2026-07-01", "quarter", 10, "FY2026 Q4"),
        ("2027-01-01", "quarter", 10, "FY2027 Q2"),
        ("2025-11-01", "quarter", 2, "FY2026 Q4"),
        ("2026-01-01", "year", 1, "2026"),
        ("2026-04-01", "year", 4, "FY2027"),
        ("2025-04-01", "year", 4, "FY2026"),
        ("2025-07-01", "year", 7, "FY2026"),
        ("2025-10-01", "year", 10, "FY2026"),
    ],
)
def test_period_label(start: str, grain: Grain, fiscal: int, label: str) -> None:
    assert period_label(d(start), grain, fiscal) == label


@pytest.mark.parametrize(
    ("day", "fiscal", "expected"),
    [
        ("2026-12-31", 1, 2026),
        ("2026-01-01", 1, 2026),
        ("2026-03-31", 4, 2026),
        ("2026-04-01", 4, 2027),
        ("2026-06-30", 7, 2026),
        ("2026-07-01", 7, 2027),
        ("2026-09-30", 10, 2026),
        ("2026-10-01", 10, 2027),
    ],
)
def test_fiscal_year_is_named_by_the_year_it_ends_in(day: str, fiscal: int, expected: int) -> None:
    assert fiscal_year(d(day), fiscal) == expected


@pytest.mark.parametrize(
    ("start", "grain", "expected"),
    [
        ("2024-02-29", "day", "2023-03-02"),  # 364 days back: the same weekday (Thursday)
        ("2026-11-30", "day", "2025-12-01"),  # Monday → Monday
        ("2024-12-30", "week", "2024-01-01"),  # 2025-W01 → 2024-W01
        ("2026-11-30", "week", "2025-12-01"),
        ("2024-02-01", "month", "2023-02-01"),
        ("2026-10-01", "quarter", "2025-10-01"),
        ("2025-04-01", "year", "2024-04-01"),
    ],
)
def test_same_period_last_year(start: str, grain: Grain, expected: str) -> None:
    back = same_period_last_year(d(start), grain)
    assert back == d(expected)
    if grain in ("day", "week"):
        assert back.weekday() == d(start).weekday()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-05-31", 4, "2024-09-30"),
        ("2026-11-15", 2, "2027-01-15"),
        ("2026-01-15", -1, "2025-12-15"),
        ("2026-01-31", -13, "2024-12-31"),
        ("2026-01-31", 0, "2026-01-31"),
    ],
)
def test_add_months(day: str, months: int, expected: str) -> None:
    assert add_months(d(day), months) == d(expected)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        ("2024-02-29", -1, "2023-02-28"),
        ("2024-02-29", 1, "2025-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2023-03-01", 1, "2024-03-01"),
    ],
)
def test_add_years(day: str, years: int, expected: str) -> None:
    assert add_years(d(day), years) == d(expected)


# --- partial periods: the windows built on the calendar -------------------------------------------


def test_a_quarter_in_progress_runs_to_as_of() -> None:
    q4 = Window(d("2026-10-01"), d("2027-01-01"))
    assert to_date(q4, d("2026-11-30")) == Window(d("2026-10-01"), d("2026-11-30"))
    assert to_date(q4, d("2026-11-30")).days == 60
    # a complete period is left whole
    assert to_date(q4, d("2027-02-01")) == q4


@pytest.mark.parametrize(
    ("comparison_start", "grain", "elapsed", "expected_end"),
    [
        ("2026-07-01", "quarter", 60, "2026-08-30"),  # 60 days of Q3: Jul 31 + Aug 29
        ("2025-10-01", "quarter", 60, "2025-11-30"),
        ("2026-02-01", "month", 31, "2026-03-01"),  # capped at February's 28 days
        ("2023-02-01", "month", 29, "2023-03-01"),  # leap February's 29 → 28
        ("2024-02-01", "month", 29, "2024-03-01"),
        ("2026-10-01", "month", 10, "2026-10-11"),
        ("2025-04-01", "year", 366, "2026-04-01"),
    ],
)
def test_like_for_like_takes_the_same_elapsed_days_capped(
    comparison_start: str, grain: Grain, elapsed: int, expected_end: str
) -> None:
    window = like_for_like(d(comparison_start), grain, elapsed)
    assert window == Window(d(comparison_start), d(expected_end))


@pytest.mark.parametrize(
    ("as_of", "grain", "count", "fiscal", "starts"),
    [
        ("2026-11-30", "quarter", 2, 1, ["2026-07-01", "2026-10-01"]),
        ("2026-10-01", "quarter", 2, 1, ["2026-04-01", "2026-07-01"]),  # Q4 has no day yet
        ("2026-11-30", "year", 2, 4, ["2025-04-01", "2026-04-01"]),
        ("2026-11-30", "week", 2, 1, ["2026-11-16", "2026-11-23"]),
        ("2026-11-30", "day", 3, 1, ["2026-11-27", "2026-11-28", "2026-11-29"]),
    ],
)
def test_recent_periods_end_with_the_period_holding_the_last_day(
    as_of: str, grain: Grain, count: int, fiscal: int, starts: list[str]
) -> None:
    periods = recent_periods(d(as_of), grain, count, fiscal)
    assert [p.start for p in periods] == [d(s) for s in starts]
    assert [p.end for p in periods] == [period_end(d(s), grain) for s in starts]


@pytest.mark.parametrize(
    ("end", "years_back", "expected"),
    [
        ("2026-11-30", 0, ("2025-11-30", "2026-11-30")),
        ("2026-11-30", 3, ("2022-11-30", "2023-11-30")),
        ("2025-03-01", 0, ("2024-03-01", "2025-03-01")),
    ],
)
def test_trailing_year(end: str, years_back: int, expected: tuple[str, str]) -> None:
    assert trailing_year(d(end), years_back) == Window(d(expected[0]), d(expected[1]))


# --- properties over any day, grain and fiscal start ----------------------------------------------

any_day = st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2031, 12, 31))
any_grain = st.sampled_from(GRAINS)
any_fiscal = st.integers(min_value=1, max_value=12)


@settings(max_examples=200, deadline=None)
@given(day=any_day, grain=any_grain, fiscal=any_fiscal, n=st.integers(-30, 30))
def test_periods_tile_the_calendar(day: dt.date, grain: Grain, fiscal: int, n: int) -> None:
    start = period_start(day, grain, fiscal)
    end = period_end(start, grain)
    assert start <= day < end
    assert period_start(start, grain, fiscal) == start
    # the last day of a period belongs to it; the next day starts the next one
    assert period_start(end - dt.timedelta(days=1), grain, fiscal) == start
    assert period_start(end, grain, fiscal) == end
    # shifting a period start lands on a period start, and shifting back returns
    moved = shift(start, grain, n)
    assert period_start(moved, grain, fiscal) == moved
    assert shift(moved, grain, -n) == start


@settings(max_examples=60, deadline=None)
@given(days_=st.lists(any_day, min_size=0, max_size=40), grain=any_grain, fiscal=any_fiscal)
def test_with_period_agrees_with_period_start(
    days_: list[dt.date], grain: Grain, fiscal: int
) -> None:
    frame = pl.DataFrame(
        {"day": days_, "row": list(range(len(days_)))}, schema={"day": pl.Date, "row": pl.Int64}
    )
    out = with_period(frame, grain, fiscal).sort("row")
    assert out.get_column("day").to_list() == days_
    assert out.get_column("period_start").to_list() == [
        period_start(x, grain, fiscal) for x in days_
    ]
