"""The time-horizon view: like-for-like comparisons of periods in progress, honest flags, TTM, growth."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.calendar import add_months
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.horizon import MIN_COMPARABLE_DAYS, horizon
from tests.builders import COMPANY, Row, days, make_dataset, make_registry, ratio, simple

MEASURES = {"sales": "sum", "ok": "count", "n": "count"}
REGISTRY = make_registry(MEASURES, [simple("sales"), ratio("rate", "ok", "n")])
AS_OF = dt.date(2026, 11, 11)  # ten days of November 2026 have data (Nov 1–10)
FIRST = dt.date(2025, 1, 1)


def sales_per_day(day: dt.date) -> float:
    """Distinct daily levels per month, so a wrong window or a wrong length shows in the sum."""
    if (day.year, day.month) == (2025, 11):
        return 4.0
    if (day.year, day.month) == (2026, 10):
        return 2.0
    if (day.year, day.month) == (2026, 11):
        return 3.0
    return 1.0


def in_progress_dataset(with_second_unit: bool = False) -> Dataset:
    rows: list[Row] = [(day, "t1", "sales", sales_per_day(day)) for day in days(FIRST, AS_OF)]
    org = {"t1": "A"}
    if with_second_unit:
        rows += [(day, "t2", "sales", 100.0) for day in days(FIRST, AS_OF)]
        org["t2"] = "B"
    return make_dataset(rows, org)


def row(view: pl.DataFrame, start: dt.date, scope: str = "A") -> dict[str, Any]:
    found = view.filter((pl.col("scope") == scope) & (pl.col("period_start") == start))
    assert found.height == 1, found
    return found.row(0, named=True)


def test_a_month_in_progress_is_compared_with_the_same_elapsed_days() -> None:
    view = horizon(in_progress_dataset(), REGISTRY, "sales", "month", AS_OF, periods=3)
    nov = row(view, dt.date(2026, 11, 1))
    assert nov["in_progress"] is True
    assert nov["days"] == 10
    assert nov["value"] == 30  # Nov 1–10 2026 at 3 a day
    assert nov["prior_value"] == 20  # Oct 1–10 2026 at 2 a day, not the whole of October (62)
    assert nov["prior_comparable"] is True and nov["prior_reason"] is None
    assert nov["prior_change"] == pytest.approx(0.5)
    assert nov["last_year_value"] == 40  # Nov 1–10 2025 at 4 a day, not the whole month (120)
    assert nov["last_year_comparable"] is True
    assert nov["last_year_change"] == pytest.approx(-0.25)
    assert nov["change_kind"] == "relative"
    # trailing twelve months [2025-11-11, 2026-11-11): 20×4 + 31 + 273 + 31×2 + 10×3
    assert nov["ttm_value"] == 476


def test_a_period_in_progress_carries_last_year_s_whole_period_for_its_pace() -> None:
    """The pace (the whole month at the pace so far) is drawn beside last year's whole month,
    not beside last year's first days: a seasonal rise is then last year's too."""
    view = horizon(in_progress_dataset(), REGISTRY, "sales", "month", AS_OF, periods=3)
    nov = row(view, dt.date(2026, 11, 1))
    assert nov["last_year_whole"] == 120  # all of November 2025 at 4 a day
    assert nov["pace"] == pytest.approx(30 * 120 / 40)  # last year's shape: 40 of 120 by the 10th
    assert row(view, dt.date(2026, 10, 1))["last_year_whole"] is None  # a whole month: none


def test_a_quarter_in_progress_is_compared_with_the_same_elapsed_days() -> None:
    view = horizon(in_progress_dataset(), REGISTRY, "sales", "quarter", AS_OF, periods=2)
    q4 = row(view, dt.date(2026, 10, 1))
    assert q4["period_label"] == "2026 Q4"
    assert q4["days"] == 41  # Oct 1 – Nov 10
    assert q4["value"] == 31 * 2 + 10 * 3
    assert q4["prior_value"] == 41  # Jul 1 – Aug 10 at 1 a day
    assert q4["last_year_value"] == 31 * 1 + 10 * 4  # Oct 1 – Nov 10 2025
    q3 = row(view, dt.date(2026, 7, 1))
    assert q3["in_progress"] is False
    assert q3["days"] == 92
    assert q3["value"] == 92


def test_a_complete_period_is_compared_with_the_whole_comparison_period() -> None:
    """Only a period in progress is cut short; September (complete, 30 days) faces all of August."""
    view = horizon(in_progress_dataset(), REGISTRY, "sales", "month", AS_OF, periods=3)
    sep = row(view, dt.date(2026, 9, 1))
    assert sep["in_progress"] is False
    assert sep["value"] == 30
    assert sep["prior_value"] == 31  # the whole of August, 31 days at 1 a day
    oct_ = row(view, dt.date(2026, 10, 1))
    assert oct_["value"] == 62
    assert oct_["prior_value"] == 30  # all of September


def test_company_rows_add_up_the_units() -> None:
    view = horizon(
        in_progress_dataset(with_second_unit=True), REGISTRY, "sales", "month", AS_OF, periods=1
    )
    assert sorted(view.get_column("scope").to_list()) == sorted(["A", "B", COMPANY])
    company = row(view, dt.date(2026, 11, 1), COMPANY)
    assert company["level"] == "company"
    assert company["value"] == 30 + 10 * 100
    assert company["prior_value"] == 20 + 10 * 100
    assert company["last_year_value"] == 40 + 10 * 100


def test_missing_history_is_not_comparable() -> None:
    view = horizon(in_progress_dataset(), REGISTRY, "sales", "month", AS_OF, periods=24)
    jan = row(view, dt.date(2025, 1, 1))
    assert jan["value"] == 31
    for kind in ("prior", "last_year"):
        assert jan[f"{kind}_comparable"] is False
        assert jan[f"{kind}_reason"].startswith("missing history: data starts 2025-01-01")
        assert jan[f"{kind}_value"] is None
        assert jan[f"{kind}_change"] is None
    # February's prior month starts exactly on the first day of data: comparable
    feb = row(view, dt.date(2025, 2, 1))
    assert feb["prior_comparable"] is True and feb["prior_reason"] is None
    assert feb["prior_value"] is not None
    assert feb["last_year_comparable"] is False
    # 2025-11-11 - 3 years is long before the data: no multi-year growth
    nov = row(view, dt.date(2026, 11, 1))
    assert nov["growth_3y"] is None
    assert nov["growth_3y_comparable"] is False
    assert nov["growth_3y_reason"].startswith("missing history")
    assert nov["last_year_comparable"] is True


def _versioned_registry(effective_from: dt.date) -> Registry:
    return make_registry(
        MEASURES,
        [
            simple(
                "sales", version=2, effective_from=effective_from, changelog="now net of returns"
            ),
            ratio("rate", "ok", "n"),
        ],
    )


def test_a_definition_change_inside_the_comparison_span_is_not_comparable() -> None:
    registry = _versioned_registry(dt.date(2026, 10, 15))
    view = horizon(in_progress_dataset(), registry, "sales", "month", AS_OF, periods=3)
    for start in (dt.date(2026, 10, 1), dt.date(2026, 11, 1)):
        current = row(view, start)
        for kind in ("prior", "last_year"):
            assert current[f"{kind}_comparable"] is False
            assert current[f"{kind}_reason"] == (
                "definition changed on 2026-10-15 (version 2: now net of returns)"
            )
            assert current[f"{kind}_value"] is None
            assert current[f"{kind}_change"] is None
    # September and its comparisons all end before the change
    sep = row(view, dt.date(2026, 9, 1))
    assert sep["prior_comparable"] is True and sep["last_year_comparable"] is True


def test_a_change_on_the_first_day_of_the_comparison_span_keeps_it_comparable() -> None:
    registry = _versioned_registry(dt.date(2026, 10, 1))
    nov = row(
        horizon(in_progress_dataset(), registry, "sales", "month", AS_OF, periods=1),
        dt.date(2026, 11, 1),
    )
    assert nov["prior_comparable"] is True  # October 2026 is all under version 2
    assert nov["prior_value"] == 20
    assert nov["last_year_comparable"] is False  # November 2025 was version 1
    assert nov["last_year_reason"].startswith("definition changed on 2026-10-01")


GROWTH_FIRST = dt.date(2022, 11, 11)  # exactly three years before the trailing year's start
STEP = dt.date(2025, 11, 11)  # the trailing twelve months start here


def growth_dataset() -> Dataset:
    rows: list[Row] = []
    for day in days(GROWTH_FIRST, AS_OF):
        late = day >= STEP
        rows.append((day, "t1", "sales", 8.0 if late else 1.0))
        rows.append((day, "t1", "n", 10.0))
        on_time = 10.0 if day >= dt.date(2026, 11, 1) else (9.0 if late else 6.0)
        rows.append((day, "t1", "ok", on_time))
    return make_dataset(rows, {"t1": "A"})


def test_growth_3y_is_a_cagr_for_currency_metrics() -> None:
    nov = row(
        horizon(growth_dataset(), REGISTRY, "sales", "month", AS_OF, periods=1),
        dt.date(2026, 11, 1),
    )
    assert nov["ttm_value"] == 365 * 8
    assert nov["growth_3y_kind"] == "cagr"
    assert nov["growth_3y_comparable"] is True
    # (2920 / 365) ** (1/3) - 1 = 8 ** (1/3) - 1
    assert nov["growth_3y"] == pytest.approx(1.0)
    assert nov["last_year_change"] == pytest.approx((80 - 10) / 10)


def test_growth_3y_is_points_per_year_for_percent_metrics() -> None:
    nov = row(
        horizon(growth_dataset(), REGISTRY, "rate", "month", AS_OF, periods=1), dt.date(2026, 11, 1)
    )
    ttm = (355 * 9 + 10 * 10) / (365 * 10)
    assert nov["ttm_value"] == pytest.approx(ttm)
    assert nov["growth_3y_kind"] == "points_per_year"
    assert nov["growth_3y"] == pytest.approx((ttm - 0.6) / 3)
    # percent metrics change in points, not relative terms
    assert nov["change_kind"] == "points"
    assert nov["value"] == pytest.approx(1.0)
    assert nov["prior_change"] == pytest.approx(1.0 - 0.9)
    assert nov["last_year_change"] == pytest.approx(1.0 - 0.6)


# --- property: like for like for any day of a month in progress ------------------------------------

PROP_FIRST, PROP_END = dt.date(2022, 1, 1), dt.date(2027, 1, 1)


def pseudo(day: dt.date) -> float:
    return float(day.toordinal() % 97 + 1)


PROP_DATASET = make_dataset(
    [(day, "t1", "sales", pseudo(day)) for day in days(PROP_FIRST, PROP_END)], {"t1": "A"}
)


def first_days_total(start: dt.date, n: int) -> float:
    end = min(start + dt.timedelta(days=n), add_months(start, 1))
    return sum(pseudo(day) for day in days(start, end))


@settings(max_examples=50, deadline=None)
@given(
    as_of=st.dates(min_value=dt.date(2023, 2, 2), max_value=dt.date(2026, 12, 31)).filter(
        # a month holding fewer days than MIN_COMPARABLE_DAYS is not compared at all (next test)
        lambda day: day.day > MIN_COMPARABLE_DAYS
    )
)
def test_like_for_like_partial_months(as_of: dt.date) -> None:
    view = horizon(
        PROP_DATASET, REGISTRY, "sales", "month", as_of, periods=1, levels=("business_unit",)
    )
    current = view.row(0, named=True)
    start = as_of.replace(day=1)
    elapsed = as_of.day - 1
    assert current["period_start"] == start
    assert current["in_progress"] is True
    assert current["days"] == elapsed
    assert current["value"] == first_days_total(start, elapsed)
    assert current["prior_value"] == first_days_total(add_months(start, -1), elapsed)
    assert current["last_year_value"] == first_days_total(add_months(start, -12), elapsed)


@pytest.mark.parametrize("day", range(2, MIN_COMPARABLE_DAYS + 1))
def test_a_period_of_a_few_days_is_not_compared(day: int) -> None:
    """1 to 6 days of a month say nothing about the month: the value is shown, no comparison is
    made, and the reason says how much of the period there is."""
    as_of = dt.date(2025, 3, day)
    view = horizon(
        PROP_DATASET, REGISTRY, "sales", "month", as_of, periods=1, levels=("business_unit",)
    )
    current = view.row(0, named=True)
    elapsed = day - 1
    assert current["value"] == first_days_total(dt.date(2025, 3, 1), elapsed)
    reason = f"partial period: only {elapsed} of 31 days so far"
    for role in ("prior", "last_year"):
        assert current[f"{role}_value"] is None
        assert current[f"{role}_change"] is None
        assert current[f"{role}_comparable"] is False
        assert current[f"{role}_reason"] == reason


@pytest.mark.parametrize("day", range(2, MIN_COMPARABLE_DAYS + 1))
def test_a_month_booked_on_its_first_day_is_drawn_whole_from_its_first_days(day: int) -> None:
    """A source booked monthly (spend, one row per team on the 1st) holds its whole month from
    the 1st. Its first days are too few to compare a change, but last year's same days say how
    much of the month they held — all of it — so the pace is the month as booked: it was the
    value times the days elapsed (December's 6 days drew a month five times its size)."""
    months = [dt.date(y, m, 1) for y in (2025, 2026) for m in range(1, 13)]
    booked = make_dataset([(m, "t1", "sales", 100.0 + m.month) for m in months], {"t1": "A"})
    as_of = dt.date(2026, 12, day)
    view = horizon(booked, REGISTRY, "sales", "month", as_of, periods=2, levels=("business_unit",))
    december = row(view, dt.date(2026, 12, 1))
    assert december["in_progress"] is True and december["last_year_comparable"] is False
    assert december["value"] == 112
    assert december["pace"] == 112 and december["pace_basis"] == "last year's pattern"
    assert row(view, dt.date(2026, 11, 1))["pace"] == 111  # a whole month: its value
    # with nothing a year before, the days elapsed are all there is to go by
    alone = make_dataset([(m, "t1", "sales", 100.0) for m in months[12:]], {"t1": "A"})
    first = horizon(alone, REGISTRY, "sales", "month", as_of, periods=1, levels=("business_unit",))
    assert first.row(0, named=True)["pace_basis"] == "days elapsed"


def test_plan_is_prorated_by_days_and_summed_to_the_company() -> None:
    """A quarterly plan of 900 over Jan–Mar (90 days): January to date (15 days) plans 150."""
    from bridge.translate.horizon import horizon as horizon_view
    from tests.builders import make_dataset, make_registry, simple

    registry = make_registry(measures={"revenue": "sum"}, metrics=[simple("revenue", "revenue")])
    rows = [(dt.date(2025, 1, d), "t1", "revenue", 20.0) for d in range(1, 16)]
    rows += [(dt.date(2025, 1, d), "t2", "revenue", 10.0) for d in range(1, 16)]
    dataset = make_dataset(
        rows,
        org={"t1": "North", "t2": "South"},
        plan=[
            ("North", "revenue", dt.date(2025, 1, 1), dt.date(2025, 4, 1), 900.0),
            ("South", "revenue", dt.date(2025, 1, 1), dt.date(2025, 4, 1), 450.0),
            ("North", "orders", dt.date(2025, 1, 1), dt.date(2025, 4, 1), 1.0),
        ],
    )
    view = horizon_view(dataset, registry, "revenue", "month", dt.date(2025, 1, 16), periods=1)
    got = {
        r["scope"]: (r["value"], r["plan_value"], r["plan_change"])
        for r in view.iter_rows(named=True)
    }
    assert got["North"] == pytest.approx((300.0, 150.0, 1.0))
    assert got["South"] == pytest.approx((150.0, 75.0, 1.0))
    company = next(v for k, v in got.items() if k not in ("North", "South"))
    assert company == pytest.approx((450.0, 225.0, 1.0))
