"""Lineage: how an executive number is built from frontline numbers, and what each one feeds.

``formula`` and ``measure_text`` give the human form of a definition (like datasette's
``human_clause``); :func:`lineage` lists, for one executive value, the team components it was summed
from, so anyone can check the number by hand.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.config.expression import render
from bridge.config.metrics import DerivedMetric, RatioMetric, SemiAdditiveMetric, SimpleMetric
from bridge.config.registry import Registry
from bridge.config.sources import Condition, Measure, Source
from bridge.dataset import Dataset
from bridge.translate.evaluate import evaluate, measures_of, scoped

_OPS = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "ge": "≥",
    "lt": "<",
    "le": "≤",
    "in": "in",
    "not_in": "not in",
    "is_null": "is empty",
    "not_null": "is not empty",
}


def condition_text(cond: Condition) -> str:
    value = "" if cond.value is None else f" {cond.value!r}"
    return f"{cond.column} {_OPS[cond.op]}{value}"


def measure_text(source: Source, measure: Measure) -> str:
    """E.g. ``count of orders rows where on_time = 1, per day and team``."""
    what = (
        f"{measure.agg} of {source.relation}.{measure.column}"
        if measure.column
        else f"count of {source.relation} rows"
    )
    if measure.where:
        what += " where " + " and ".join(condition_text(c) for c in measure.where)
    return what


def formula(registry: Registry, metric_id: str) -> str:
    """The metric's rule in words and symbols, e.g. ``sum(orders_on_time) / sum(orders)``."""
    metric = registry.metric(metric_id)
    if isinstance(metric, SimpleMetric):
        return f"{registry.measure(metric.measure)[1].rollup}({metric.measure})"
    if isinstance(metric, RatioMetric):
        return f"sum({metric.numerator}) / sum({metric.denominator})"
    if isinstance(metric, SemiAdditiveMetric):
        how = "last snapshot in the period" if metric.period_agg == "last" else "average snapshot"
        return f"{metric.measure} at the {how}, summed across teams"
    assert isinstance(metric, DerivedMetric)
    return render(metric.tree)


def feeds(registry: Registry, metric_id: str) -> tuple[str, ...]:
    """Executive (choice-lens) metrics built from any measure of ``metric_id`` (itself included)."""
    mine = set(measures_of(registry, metric_id))
    return tuple(
        m.id
        for m in registry.metrics.values()
        if "choice" in m.lenses and mine & set(measures_of(registry, m.id))
    )


def builds_on(registry: Registry, metric_id: str, on: str) -> bool:
    """Whether ``metric_id``'s expression names the metric ``on``, directly or through another
    metric (Contribution margin, ``(revenue - cost) / revenue``, builds on Revenue). Sharing a
    measure is not enough: :func:`feeds` answers that."""
    metric = registry.metric(metric_id)
    if not isinstance(metric, DerivedMetric):
        return False
    return any(ref == on or builds_on(registry, ref, on) for ref in metric.refs)


def lineage(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    start: dt.date,
    end: dt.date,
    business_unit: str | None = None,
) -> pl.DataFrame:
    """One row per team and measure behind a metric over [start, end) (optionally one unit).

    Columns: team_id, team_name, business_unit, measure, amount, share (of the scope's total of that
    measure), team_value (the metric computed for the team alone).
    """
    names = measures_of(registry, metric_id)
    frame = scoped(dataset, registry, names, ["team"]).rename({"scope": "team_id"})
    frame = frame.filter((pl.col("day") >= start) & (pl.col("day") < end))
    frame = frame.join(dataset.org, on="team_id", how="left")
    if business_unit is not None:
        frame = frame.filter(pl.col("business_unit") == business_unit)
    team_values = evaluate(frame, registry, metric_id, ["team_id"]).rename({"value": "team_value"})
    amounts = frame.group_by("team_id", "team_name", "business_unit", "measure").agg(
        amount=pl.col("value").sum()
    )
    return (
        amounts.with_columns(share=pl.col("amount") / pl.col("amount").sum().over("measure"))
        .join(team_values, on="team_id", how="left")
        .sort("measure", "amount", descending=[False, True])
        .select("team_id", "team_name", "business_unit", "measure", "amount", "share", "team_value")
    )
