"""Targets rolled up by the metric's own rule.

Team targets are daily and time-phased (``valid_from`` inclusive, ``valid_to`` exclusive or open). Over
a period and across teams they combine like the metric does:

* ratio: weighted by the denominator, ``sum(target_d × denominator_d) / sum(denominator_d)`` — a
  unit's on-time target is what its teams' targets imply for the volume they actually carried;
* simple with an additive measure: the sum of the daily targets over the days of the period;
* semi-additive (and min/max measures): the target in force on the last day of the period;
* derived metrics have no targets of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from bridge.config.metrics import DerivedMetric, RatioMetric, SimpleMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset


def daily_targets(dataset: Dataset, metric_id: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """``day``, ``team_id``, ``target`` for every day in [start, end) a team has a target in force."""
    days = pl.DataFrame(
        {"day": pl.date_range(start, end, interval="1d", closed="left", eager=True)}
    )
    spans = dataset.targets.filter(pl.col("metric_id") == metric_id)
    if spans.is_empty() or days.is_empty():
        return pl.DataFrame(schema={"day": pl.Date, "team_id": pl.String, "target": pl.Float64})
    return (
        days.join(spans, how="cross")
        .filter(
            (pl.col("day") >= pl.col("valid_from"))
            & (pl.col("valid_to").is_null() | (pl.col("day") < pl.col("valid_to")))
        )
        .group_by("day", "team_id")
        .agg(pl.col("target").last())  # overlapping spans: the later row wins
    )


def rolled_target(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    daily: pl.DataFrame,
    measures: pl.DataFrame,
    keys: Sequence[str],
) -> pl.DataFrame:
    """``keys`` + ``target`` from daily team targets, combined by the metric's rule.

    ``daily`` must carry the ``keys`` columns (e.g. team or scope and period start); ``measures`` is the
    long measures frame with the same keys (used for denominator weights).
    """
    metric = registry.metric(metric_id)
    keys = list(keys)
    schema = pl.Schema([*((k, daily.schema[k]) for k in keys), ("target", pl.Float64())])
    if isinstance(metric, DerivedMetric) or daily.is_empty():
        return pl.DataFrame(schema=schema)
    if isinstance(metric, RatioMetric):
        on = list(dict.fromkeys([*keys, "day", "team_id"]))
        weights = (
            measures.filter(pl.col("measure") == metric.denominator)
            .group_by(on)
            .agg(weight=pl.col("value").sum())
        )
        return (
            daily.join(weights, on=on, how="inner")
            .group_by(keys)
            .agg(num=(pl.col("target") * pl.col("weight")).sum(), den=pl.col("weight").sum())
            .select(*keys, target=pl.when(pl.col("den") > 0).then(pl.col("num") / pl.col("den")))
        )
    additive = (
        isinstance(metric, SimpleMetric) and registry.measure(metric.measure)[1].rollup == "sum"
    )
    if additive:
        return daily.group_by(keys).agg(pl.col("target").sum())
    last = daily.filter(pl.col("day") == pl.col("day").max().over(keys))
    return last.group_by(keys).agg(pl.col("target").sum())
