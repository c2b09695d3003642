"""The time-horizon view: a metric per business unit and company, compared across horizons.

One row per (scope, period) for the last ``periods`` periods of ``grain``: the value to date, the prior
period, the same period last year, the trailing twelve months and the multi-year growth, each comparison
with a ``*_comparable`` flag and a ``*_reason`` when it is not like for like.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import polars as pl

from bridge.calendar import Grain, period_label
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.evaluate import (
    ENGINE,
    Level,
    accumulates,
    evaluate_windows,
    per_window,
)
from bridge.translate.windows import (
    Window,
    comparability,
    compared_with,
    like_for_like,
    recent_periods,
    to_date,
    trailing_year,
)

#: The windows horizon() evaluates: one per role (value, prior, last_year, ttm, ttm_past) and period.
WINDOWS_SCHEMA = pl.Schema(
    {
        "window_id": pl.Int64(),
        "start": pl.Date(),
        "end": pl.Date(),
        "period_start": pl.Date(),
        "role": pl.String(),
    }
)
DEFAULT_PERIODS: dict[Grain, int] = {"day": 35, "week": 26, "month": 24, "quarter": 12, "year": 5}
MULTI_YEAR = 3
#: A period in progress is compared only once it holds at least this many days (a week's rhythm).
MIN_COMPARABLE_DAYS = 7
Role = Literal["value", "prior", "last_year", "last_year_whole", "ttm", "ttm_past"]


def horizon(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    grain: Grain,
    as_of: dt.date,
    *,
    periods: int | None = None,
    levels: tuple[Level, ...] = ("business_unit", "company"),
) -> pl.DataFrame:
    """Columns (see docs/views.md): level, scope, period_start, period_end, period_label, in_progress,
    days, value, prior_value, prior_change, prior_comparable, prior_reason, last_year_value,
    last_year_change, last_year_comparable, last_year_reason, ttm_value, growth_3y, growth_3y_kind,
    growth_3y_comparable, growth_3y_reason, plan_value, plan_change, change_kind, pace,
    pace_basis, last_year_whole."""
    metric = registry.metric(metric_id)
    fiscal = registry.calendar.fiscal_year_start_month
    first_day = dataset.first_day
    rows: list[dict[str, object]] = []
    windows: list[dict[str, object]] = []
    for period in recent_periods(as_of, grain, periods or DEFAULT_PERIODS[grain], fiscal):
        current = to_date(period, as_of)
        prior = compared_with(period, as_of, grain, "prior")
        last_year = compared_with(period, as_of, grain, "last_year")
        ttm, ttm_past = trailing_year(current.end), trailing_year(current.end, MULTI_YEAR)
        spans: dict[Role, Window] = {
            "value": current,
            "prior": prior,
            "last_year": last_year,
            "last_year_whole": like_for_like(last_year.start, grain, None),
            "ttm": ttm,
            "ttm_past": ttm_past,
        }
        for role, span in spans.items():
            windows.append(
                {
                    "window_id": len(windows),
                    "start": span.start,
                    "end": span.end,
                    "period_start": period.start,
                    "role": role,
                }
            )
        partial = (
            f"partial period: only {current.days} of {period.days} days so far"
            if period.end > as_of and current.days < MIN_COMPARABLE_DAYS
            else None
        )
        # the pace reads last year's shape even from a few days (a source booked monthly holds its
        # whole month on the 1st, which days elapsed would multiply by 31): its own reason
        pattern = comparability(current, last_year, first_day, metric)
        rows.append(
            {
                "period_start": period.start,
                "period_end": period.end,
                "period_label": period_label(period.start, grain, fiscal),
                "in_progress": period.end > as_of,
                "days": current.days,
                "period_days": period.days,
                "prior_reason": partial or comparability(current, prior, first_day, metric),
                "last_year_reason": partial or pattern,
                "pattern_reason": pattern,
                "growth_3y_reason": comparability(ttm, ttm_past, first_day, metric),
                "ttm_reason": comparability(ttm, ttm, first_day, metric),
            }
        )
    window_frame = pl.DataFrame(windows, schema=WINDOWS_SCHEMA)
    values = _values(dataset, registry, metric_id, window_frame, levels)
    periods_frame = pl.DataFrame(
        rows,
        schema_overrides={
            "prior_reason": pl.String,
            "last_year_reason": pl.String,
            "pattern_reason": pl.String,
            "growth_3y_reason": pl.String,
            "ttm_reason": pl.String,
        },
    )
    scopes = values.select("level", "scope").unique()
    grid = (
        scopes.join(periods_frame.lazy(), how="cross")
        .join(values, on=["level", "scope", "period_start"], how="left")
        .join(
            plan_values(dataset, registry, metric_id, window_frame),
            on=["level", "scope", "period_start"],
            how="left",
        )
    )
    percent = metric.unit == "percent"
    sums = accumulates(registry, metric_id)
    growth = (
        (pl.col("value_ttm") - pl.col("value_ttm_past")) / MULTI_YEAR
        if percent
        else _cagr(pl.col("value_ttm"), pl.col("value_ttm_past"), MULTI_YEAR)
    )
    return (
        grid.with_columns(
            value=pl.col("value_value"),
            prior_value=_unless(pl.col("value_prior"), "prior_reason"),
            last_year_value=_unless(pl.col("value_last_year"), "last_year_reason"),
            ttm_value=_unless(pl.col("value_ttm"), "ttm_reason"),
            growth_3y=_unless(growth, "growth_3y_reason"),
            growth_3y_kind=pl.lit("points_per_year" if percent else "cagr"),
        )
        .with_columns(
            prior_change=_change(pl.col("value"), pl.col("prior_value"), percent),
            last_year_change=_change(pl.col("value"), pl.col("last_year_value"), percent),
            change_kind=pl.lit("points" if percent else "relative"),
            prior_comparable=pl.col("prior_reason").is_null(),
            last_year_comparable=pl.col("last_year_reason").is_null(),
            growth_3y_comparable=pl.col("growth_3y_reason").is_null(),
            plan_change=_change(pl.col("value"), pl.col("plan_value"), percent),
            pace_basis=_pace_basis(sums),
        )
        .with_columns(
            pace=_pace(),
            # what the pace compares with: last year's whole period (a period in progress only)
            last_year_whole=pl.when(pl.col("in_progress") & pl.col("pattern_reason").is_null())
            .then(pl.col("value_last_year_whole"))
            .otherwise(None),
        )
        .select(
            "level",
            "scope",
            "period_start",
            "period_end",
            "period_label",
            "in_progress",
            "days",
            "period_days",
            "value",
            "prior_value",
            "prior_change",
            "prior_comparable",
            "prior_reason",
            "last_year_value",
            "last_year_change",
            "last_year_comparable",
            "last_year_reason",
            "ttm_value",
            "growth_3y",
            "growth_3y_kind",
            "growth_3y_comparable",
            "growth_3y_reason",
            "plan_value",
            "plan_change",
            "change_kind",
            "pace",
            "pace_basis",
            "last_year_whole",
        )
        .sort("level", "scope", "period_start")
        .collect(engine=ENGINE)  # the whole view is one lazy query, run once
    )


def plan_values(
    dataset: Dataset, registry: Registry, metric_id: str, windows: pl.DataFrame
) -> pl.LazyFrame:
    """``plan_value`` per (level, scope, period_start) for the value window (to date).

    Plans are per business unit and period; a window gets each plan row's value prorated by the days
    it overlaps — so only metrics that accumulate over days (sums, differences of sums) have a plan
    here: a plan for a rate cannot be prorated. The company's plan is the sum of its units'.
    """
    schema = pl.Schema(
        {
            "level": pl.String(),
            "scope": pl.String(),
            "period_start": pl.Date(),
            "plan_value": pl.Float64(),
        }
    )
    if not accumulates(registry, metric_id):
        return pl.LazyFrame(schema=schema)
    plan = dataset.plan.lazy().filter(pl.col("metric_id") == metric_id)
    spans = windows.lazy().filter(pl.col("role") == "value")
    overlap_days = (
        pl.min_horizontal("end", "period_end") - pl.max_horizontal("start", "plan_start")
    ).dt.total_days()
    units = (
        spans.join(plan.rename({"period_start": "plan_start"}), how="cross")
        .with_columns(
            days=overlap_days, length=(pl.col("period_end") - pl.col("plan_start")).dt.total_days()
        )
        .filter(pl.col("days") > 0)
        .group_by("business_unit", "period_start")
        .agg(plan_value=(pl.col("value") * pl.col("days") / pl.col("length")).sum())
    )
    company = units.group_by("period_start").agg(pl.col("plan_value").sum())
    return pl.concat(
        [
            units.select(
                level=pl.lit("business_unit"),
                scope="business_unit",
                period_start="period_start",
                plan_value="plan_value",
            ),
            company.select(
                level=pl.lit("company"),
                scope=pl.lit(registry.sources_file.org.company_name),
                period_start="period_start",
                plan_value="plan_value",
            ),
        ]
    ).cast(schema)


def _values(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    spans: pl.DataFrame,
    levels: tuple[Level, ...],
) -> pl.LazyFrame:
    """One row per (level, scope, period_start) with a ``value_<role>`` column per window role."""
    long = evaluate_windows(
        dataset, registry, metric_id, spans, ["level", "scope", "period_start", "role"], levels
    )
    return per_window(long, ["level", "scope", "period_start"], get_args(Role), prefix="value_")


#: How a period in progress is put on the scale of a whole period (the view's ``pace_basis``).
PACE_BY_PATTERN, PACE_BY_DAYS, PACE_SO_FAR = "last year's pattern", "days elapsed", "rate so far"


def _pace_basis(sums: bool) -> pl.Expr:
    """How a period in progress is put on the scale of whole periods (null when complete).

    A sum so far is scaled by last year's shape (the whole period last year over its same days) when
    last year's same days are like for like — also in a period's first days, too few to compare a
    change but enough to say how much of a period they held (all of it, for a source booked on the
    1st) — else by the days elapsed; a rate or a snapshot is already on the scale of a whole period.
    """
    seasonal = (
        pl.col("pattern_reason").is_null()
        & (pl.col("value_last_year") > 0)
        & (pl.col("value_last_year_whole") > 0)
    )
    return (
        pl.when(~pl.col("in_progress"))
        .then(None)
        .when(pl.lit(not sums))
        .then(pl.lit(PACE_SO_FAR))
        .when(seasonal)
        .then(pl.lit(PACE_BY_PATTERN))
        .otherwise(pl.lit(PACE_BY_DAYS))
    )


def _pace() -> pl.Expr:
    """The value of a whole period at the pace so far (the value itself when complete)."""
    basis = pl.col("pace_basis")
    return (
        pl.when(basis == PACE_BY_PATTERN)
        .then(pl.col("value") * pl.col("value_last_year_whole") / pl.col("value_last_year"))
        .when(basis == PACE_BY_DAYS)
        .then(pl.col("value") * pl.col("period_days") / pl.col("days"))
        .otherwise(pl.col("value"))
    )


def _unless(expr: pl.Expr, reason: str) -> pl.Expr:
    return pl.when(pl.col(reason).is_null()).then(expr).otherwise(None)


def _change(value: pl.Expr, base: pl.Expr, percent: bool) -> pl.Expr:
    """Points of difference for a percentage metric; relative change otherwise (null on a zero base)."""
    if percent:
        return value - base
    return pl.when(base != 0).then((value - base) / base.abs()).otherwise(None)


def _cagr(now: pl.Expr, then: pl.Expr, years: int) -> pl.Expr:
    return pl.when((then > 0) & (now >= 0)).then((now / then) ** (1 / years) - 1).otherwise(None)
