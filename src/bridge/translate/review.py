"""The review of decision records: did the metric move as the decision expected?

Pure: records (a frame of :data:`~bridge.records.RECORDS_SCHEMA`), measures and an as-of date in, one
verdict per record out. Both sides are trailing twelve months, so seasonality cannot pass for the
effect of a decision.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.evaluate import Level, value_over
from bridge.translate.windows import trailing_year

#: Relative change under which a metric counts as "flat".
FLAT_BAND = 0.02


def review(
    records_frame: pl.DataFrame, dataset: Dataset, registry: Registry, as_of: dt.date
) -> pl.DataFrame:
    """For each record: the metric over the twelve months before the decision and before ``as_of``.

    Trailing twelve months on both sides, so seasonality cannot pass for the effect of a decision.

    Columns: id, status (``pending review`` before the review date, then ``as expected`` /
    ``not as expected`` / ``no data``), value_at_decision, value_now, change, expected.
    """
    rows = []
    for rec in records_frame.iter_rows(named=True):
        metric_id, level = rec["metric_id"], rec["scope_level"]
        then = now = None
        if metric_id in registry.metrics:
            at_level: Level = "business_unit" if level == "business_unit" else "team"
            before, latest = trailing_year(rec["decided_on"]), trailing_year(as_of)
            then, now = (
                _value_of(
                    value_over(dataset, registry, metric_id, at_level, w.start, w.end), rec["scope"]
                )
                for w in (before, latest)
            )
        status = "pending review"
        if as_of >= rec["review_on"]:
            status = _verdict(rec["expected_direction"], rec["expected_value"], then, now)
        expected = rec["expected_direction"] + (
            f" to {rec['expected_value']:g}" if rec["expected_value"] is not None else ""
        )
        rows.append(
            {
                "id": rec["id"],
                "status": status,
                "value_at_decision": then,
                "value_now": now,
                "change": None if then is None or now is None else now - then,
                "expected": expected,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "status": pl.String,
            "value_at_decision": pl.Float64,
            "value_now": pl.Float64,
            "change": pl.Float64,
            "expected": pl.String,
        },
    )


def _value_of(values: pl.DataFrame, scope: str) -> float | None:
    found = values.filter(pl.col("scope") == scope).get_column("value")
    return float(found[0]) if len(found) and found[0] is not None else None


def _verdict(direction: str, target: float | None, then: float | None, now: float | None) -> str:
    if then is None or now is None:
        return "no data"
    if target is not None:
        met = (
            now >= target
            if direction == "up"
            else now <= target
            if direction == "down"
            else abs(now - target) <= abs(target) * FLAT_BAND
        )
        return "as expected" if met else "not as expected"
    change = (now - then) / abs(then) if then else now - then
    if direction == "up":
        return "as expected" if change > 0 else "not as expected"
    if direction == "down":
        return "as expected" if change < 0 else "not as expected"
    return "as expected" if abs(change) <= FLAT_BAND else "not as expected"
