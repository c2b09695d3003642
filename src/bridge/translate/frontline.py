"""The frontline view: each team's KPI per day or week against its target, and what to fix now.

Built for action: team grain, short periods, compared with the team's own target and its recent past.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.calendar import FrontlineGrain, with_labels
from bridge.config.registry import Registry
from bridge.dataset import OTHER_UNITS, Dataset
from bridge.translate.evaluate import evaluate, in_windows, measures_of, scoped
from bridge.translate.lineage import feeds
from bridge.translate.targets import daily_targets, rolled_target
from bridge.translate.windows import latest, recent_periods, to_date

DEFAULT_PERIODS: dict[str, int] = {"day": 28, "week": 12}
#: Within this relative distance of the target a miss is "at risk" rather than "off track".
TOLERANCE = 0.02
TREND_PERIODS = 3


def frontline(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    grain: FrontlineGrain,
    as_of: dt.date,
    *,
    periods: int | None = None,
    business_unit: str | None = None,
) -> pl.DataFrame:
    """Columns: team_id, team_name, business_unit, period_start, period_label, in_progress, value,
    target, gap, gap_pct, status, trend_delta, trend, volume (see docs/views.md)."""
    metric = registry.metric(metric_id)
    fiscal = registry.calendar.fiscal_year_start_month
    spans = recent_periods(as_of, grain, periods or DEFAULT_PERIODS[grain], fiscal)
    windows = pl.DataFrame(
        {
            "window_id": list(range(len(spans))),
            "start": [s.start for s in spans],
            "end": [to_date(s, as_of).end for s in spans],
            "period_start": [s.start for s in spans],
            "in_progress": [s.end > as_of for s in spans],
        }
    )
    names = measures_of(registry, metric_id)
    frame = in_windows(scoped(dataset, registry, names, ["team"]), windows).rename(
        {"scope": "team_id"}
    )
    values = evaluate(frame, registry, metric_id, ["team_id", "period_start"]).filter(
        # the other units summed into one line (a person who sees only the company's total of
        # them) is no team: it has no target and no place among the teams
        pl.col("team_id") != OTHER_UNITS
    )
    volume = _volume(frame, registry, metric_id)
    daily = in_windows(daily_targets(dataset, metric_id, spans[0].start, as_of), windows)
    targets = rolled_target(dataset, registry, metric_id, daily, frame, ["team_id", "period_start"])
    sign = 1.0 if metric.higher_is_better else -1.0
    out = (
        values.join(targets, on=["team_id", "period_start"], how="left")
        .join(volume, on=["team_id", "period_start"], how="left")
        .join(windows.select("period_start", "in_progress"), on="period_start")
        .join(dataset.org, on="team_id", how="left")
        .sort("team_id", "period_start")
        .with_columns(gap=pl.col("value") - pl.col("target"))
        .with_columns(
            gap_pct=pl.when(pl.col("target") != 0).then(pl.col("gap") / pl.col("target").abs()),
            status=status_expr(sign),
            trend_delta=(
                pl.col("value") - pl.col("value").shift(1).rolling_mean(TREND_PERIODS)
            ).over("team_id", order_by="period_start"),
        )
        .with_columns(trend=_trend(sign))
    )
    if business_unit is not None:
        out = out.filter(pl.col("business_unit") == business_unit)
    return with_labels(out, grain, fiscal).select(
        "team_id",
        "team_name",
        "business_unit",
        "period_start",
        "period_label",
        "in_progress",
        "value",
        "target",
        "gap",
        "gap_pct",
        "status",
        "trend_delta",
        "trend",
        "volume",
    )


def status_expr(sign: float) -> pl.Expr:
    """on track / at risk / off track / no target, in the metric's better direction."""
    good_gap = pl.col("gap") * sign
    slack = pl.col("target").abs() * TOLERANCE
    return (
        pl.when(pl.col("target").is_null() | pl.col("value").is_null())
        .then(pl.lit("no target"))
        .when(good_gap >= 0)
        .then(pl.lit("on track"))
        .when(good_gap >= -slack)
        .then(pl.lit("at risk"))
        .otherwise(pl.lit("off track"))
    )


def _trend(sign: float) -> pl.Expr:
    delta = pl.col("trend_delta") * sign
    flat = pl.col("value").abs() * 0.01
    return (
        pl.when(delta.is_null())
        .then(None)
        .when(delta > flat)
        .then(pl.lit("improving"))
        .when(delta < -flat)
        .then(pl.lit("worsening"))
        .otherwise(pl.lit("flat"))
    )


def _volume(frame: pl.DataFrame, registry: Registry, metric_id: str) -> pl.DataFrame:
    """How much a team's number weighs: the denominator of a ratio, else the first measure's total."""
    metric = registry.metric(metric_id)
    name = getattr(metric, "denominator", None) or measures_of(registry, metric_id)[0]
    return (
        frame.filter(pl.col("measure") == name)
        .group_by("team_id", "period_start")
        .agg(volume=pl.col("value").sum())
    )


def fix_now(
    dataset: Dataset,
    registry: Registry,
    as_of: dt.date,
    grain: FrontlineGrain = "week",
    *,
    business_unit: str | None = None,
    team_id: str | None = None,
) -> pl.DataFrame:
    """The ranked list of what to fix now: misses in the latest complete period, biggest first.

    ``score`` = relative shortfall against target × the team's share of the metric's volume, so a small
    miss on a big team outranks a big miss on a tiny one. Columns: rank, team_id, team_name,
    business_unit, metric_id, metric_label, period_label, value, target, gap, status, score, feeds.
    """
    parts = []
    for metric in registry.metrics_for_lens("action"):
        if dataset.targets.filter(pl.col("metric_id") == metric.id).is_empty():
            continue
        view = frontline(dataset, registry, metric.id, grain, as_of, periods=2)
        last = latest(view, complete=True)
        sign = 1.0 if metric.higher_is_better else -1.0
        parts.append(
            last.with_columns(
                metric_id=pl.lit(metric.id),
                metric_label=pl.lit(metric.label),
                feeds=pl.lit(", ".join(feeds(registry, metric.id))),
                score=(
                    pl.max_horizontal(-(pl.col("gap") * sign) / pl.col("target").abs(), pl.lit(0.0))
                    * pl.col("volume")
                    / pl.col("volume").sum()
                ),
            ).filter(pl.col("status").is_in(["at risk", "off track"]))
        )
    if not parts:
        return pl.DataFrame()
    ranked = pl.concat(parts, how="diagonal_relaxed")
    if business_unit is not None:
        ranked = ranked.filter(pl.col("business_unit") == business_unit)
    if team_id is not None:
        ranked = ranked.filter(pl.col("team_id") == team_id)
    return (
        ranked.sort("score", descending=True)
        .with_row_index("rank", offset=1)
        .select(
            "rank",
            "team_id",
            "team_name",
            "business_unit",
            "metric_id",
            "metric_label",
            "period_label",
            "value",
            "target",
            "gap",
            "status",
            "score",
            "feeds",
        )
    )


def status_summary(
    dataset: Dataset,
    registry: Registry,
    metric_ids: list[str],
    as_of: dt.date,
    grain: FrontlineGrain = "week",
    *,
    business_unit: str | None = None,
) -> pl.DataFrame:
    """How many teams are on track, at risk or off track per unit and KPI, latest complete period.

    Columns: business_unit, metric_id, metric_label, period_label, teams, on_track, at_risk,
    off_track, no_target.
    """
    parts = []
    for metric_id in metric_ids:
        view = frontline(
            dataset, registry, metric_id, grain, as_of, periods=2, business_unit=business_unit
        )
        parts.append(
            latest(view, complete=True)
            .group_by("business_unit", "period_label")
            .agg(
                teams=pl.len(),
                on_track=(pl.col("status") == "on track").sum(),
                at_risk=(pl.col("status") == "at risk").sum(),
                off_track=(pl.col("status") == "off track").sum(),
                no_target=(pl.col("status") == "no target").sum(),
            )
            .with_columns(
                metric_id=pl.lit(metric_id), metric_label=pl.lit(registry.metric(metric_id).label)
            )
        )
    if not parts:
        return pl.DataFrame()
    return (
        pl.concat(parts)
        .select(
            "business_unit",
            "metric_id",
            "metric_label",
            "period_label",
            "teams",
            "on_track",
            "at_risk",
            "off_track",
            "no_target",
        )
        .sort("business_unit", "metric_id")
    )
