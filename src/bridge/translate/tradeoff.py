"""The trade-off view: business units placed on a decision's axes, classified by its rule.

All axes are computed over the trailing twelve months ending ``as_of`` (like for like, whatever the
season); ``growth_yoy`` compares with the twelve months before, multi-year transforms with the twelve
months ``years`` earlier. Each row also carries the unit's share of investment and of contribution (from
``[portfolio]`` in decisions.toml) and whether it lies on the efficient frontier.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.config.decisions import Axis, Decision, DiagonalRule
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.evaluate import ENGINE, Level, evaluate_windows, per_window
from bridge.translate.windows import comparability, trailing_year


def tradeoff(
    dataset: Dataset, registry: Registry, decision_id: str, as_of: dt.date
) -> pl.DataFrame:
    """Columns: business_unit, x, y, size, quadrant, investment_share, contribution_share,
    on_frontier, note (why a unit could not be placed, else null)."""
    decision = registry.decision(decision_id)
    units = sorted(set(dataset.org.get_column("business_unit").to_list()))
    frame = pl.DataFrame({"business_unit": units}, schema={"business_unit": pl.String})
    notes: dict[str, list[str]] = {u: [] for u in units}
    for name in ("x", "y", "size"):
        axis: Axis = getattr(decision, name)
        values, note = axis_values(dataset, registry, axis, decision.years, as_of)
        frame = frame.join(values.rename({"value": name}), on="business_unit", how="left")
        if note:
            for u in units:
                notes[u].append(f"{name}: {note}")
    for key, metric_id in (
        ("investment_share", registry.portfolio.investment),
        ("contribution_share", registry.portfolio.contribution),
    ):
        if metric_id is None:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(key))
        else:
            share, _ = axis_values(
                dataset, registry, Axis(metric=metric_id, transform="share"), decision.years, as_of
            )
            frame = frame.join(share.rename({"value": key}), on="business_unit", how="left")
    note_frame = pl.DataFrame(
        {"business_unit": units, "note": ["; ".join(notes[u]) or None for u in units]},
        schema={"business_unit": pl.String, "note": pl.String},
    )
    frame = frame.join(note_frame, on="business_unit")
    frame = frame.with_columns(
        quadrant=classify(decision), on_frontier=_frontier(frame, decision, registry)
    )
    return frame.select(
        "business_unit",
        "x",
        "y",
        "size",
        "quadrant",
        "investment_share",
        "contribution_share",
        "on_frontier",
        "note",
    ).sort("business_unit")


def axis_values(
    dataset: Dataset, registry: Registry, axis: Axis, years: int, as_of: dt.date
) -> tuple[pl.DataFrame, str | None]:
    """``business_unit`` + ``value`` of one axis, and a note when history is too short for it."""
    metric = registry.metric(axis.metric)
    current = trailing_year(as_of)
    back = {"growth_yoy": 1, "growth_multi_year": years, "trend_multi_year": years}.get(
        axis.transform, 0
    )
    base = trailing_year(as_of, back)
    levels: tuple[Level, ...] = (
        ("business_unit", "company") if axis.transform == "share" else ("business_unit",)
    )
    spans = pl.DataFrame(
        {
            "window_id": [0, 1],
            "start": [current.start, base.start],
            "end": [current.end, base.end],
            "role": ["now", "base"],
        }
    )
    long = evaluate_windows(
        dataset, registry, axis.metric, spans, ["level", "scope", "role"], levels
    )
    wide = per_window(long, ["level", "scope"], ("now", "base")).collect(engine=ENGINE)
    now, then = pl.col("now"), pl.col("base")
    note = comparability(current, base, dataset.first_day, metric) if back else None
    if axis.transform == "value":
        value = now
    elif axis.transform == "share":
        total = wide.filter(pl.col("level") == "company").get_column("now")
        denominator = total[0] if len(total) else None
        value = now / denominator if denominator else pl.lit(None, dtype=pl.Float64)
    elif axis.transform == "growth_yoy":
        value = pl.when(then > 0).then(now / then - 1).otherwise(None)
    elif axis.transform == "growth_multi_year":
        value = (
            pl.when((then > 0) & (now >= 0)).then((now / then) ** (1 / years) - 1).otherwise(None)
        )
    else:  # trend_multi_year: average yearly change, in the metric's own unit
        value = (now - then) / years
    if note:
        value = pl.lit(None, dtype=pl.Float64)
    result = wide.filter(pl.col("level") == "business_unit").select(
        business_unit=pl.col("scope"), value=value.cast(pl.Float64)
    )
    return result, note


def classify(decision: Decision) -> pl.Expr:
    """The rule's label for each row's (x, y); null where either is unknown."""
    x, y = pl.col("x"), pl.col("y")
    rule = decision.rule
    if isinstance(rule, DiagonalRule):
        label = (
            pl.when(y - x > rule.band)
            .then(pl.lit(rule.above))
            .when(x - y > rule.band)
            .then(pl.lit(rule.below))
            .otherwise(pl.lit(rule.on))
        )
    else:
        high_x, high_y = x >= rule.x_threshold, y >= rule.y_threshold
        label = (
            pl.when(high_x & high_y)
            .then(pl.lit(rule.high_x_high_y))
            .when(high_x)
            .then(pl.lit(rule.high_x_low_y))
            .when(high_y)
            .then(pl.lit(rule.low_x_high_y))
            .otherwise(pl.lit(rule.low_x_low_y))
        )
    return pl.when(x.is_null() | y.is_null()).then(None).otherwise(label)


def better_sign(axis: Axis, registry: Registry) -> int:
    """+1 when a larger value on this axis is better, -1 when smaller is."""
    if axis.better is not None:
        return 1 if axis.better == "higher" else -1
    return 1 if registry.metric(axis.metric).higher_is_better else -1


def _frontier(frame: pl.DataFrame, decision: Decision, registry: Registry) -> pl.Series:
    """True for units no other unit beats on both axes (Pareto-efficient in the better directions)."""
    sx, sy = better_sign(decision.x, registry), better_sign(decision.y, registry)
    points = [
        (None if x is None or y is None else (sx * x, sy * y))
        for x, y in zip(
            frame.get_column("x").to_list(), frame.get_column("y").to_list(), strict=True
        )
    ]
    flags: list[bool | None] = []
    for i, p in enumerate(points):
        if p is None:
            flags.append(None)
            continue
        dominated = any(
            q is not None
            and j != i
            and q[0] >= p[0]
            and q[1] >= p[1]
            and (q[0] > p[0] or q[1] > p[1])
            for j, q in enumerate(points)
        )
        flags.append(not dominated)
    return pl.Series("on_frontier", flags, dtype=pl.Boolean)
