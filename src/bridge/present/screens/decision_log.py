"""Decision log: the choices recorded, filtered, with their review against what happened."""

from __future__ import annotations

import polars as pl

from bridge.config.registry import Registry
from bridge.present.format import format_value
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.translate.request import DecisionLogRequest
from bridge.translate.review import review


def decision_log_screen(inputs: Inputs, request: DecisionLogRequest) -> Screen:
    dataset, registry, unit = inputs.dataset, inputs.registry, request.unit
    shown = inputs.decisions
    if request.decision is not None:
        shown = shown.filter(pl.col("decision_id") == request.decision.id)
    if unit is not None:
        shown = shown.filter(pl.col("scope") == unit)
    if shown.is_empty():
        return Screen(
            title="Decision log",
            common=(
                Panel(
                    title="Recorded decisions",
                    caption="No decision recorded for this selection yet. "
                    "Record one below or from the Trade-offs page.",
                ),
            ),
        )
    reviews = review(shown, dataset, registry, request.data_end)
    table = shown.join(reviews, on="id").with_columns(
        question=pl.col("decision_id").replace_strict(
            {d.id: d.question for d in registry.decisions.values()}, default=pl.col("decision_id")
        ),
        metric=pl.col("metric_id").replace_strict(
            {m.id: m.label for m in registry.metrics.values()}, default=pl.col("metric_id")
        ),
        at_decision=pl.struct("metric_id", "value_at_decision").map_elements(
            lambda r: _fmt(registry, r["metric_id"], r["value_at_decision"]), return_dtype=pl.String
        ),
        now=pl.struct("metric_id", "value_now").map_elements(
            lambda r: _fmt(registry, r["metric_id"], r["value_now"]), return_dtype=pl.String
        ),
    )
    due = table.filter(pl.col("status") != "pending review")
    panels = [
        Panel(
            title="Recorded decisions",
            caption="Newest first. Each is reviewed after its review date: the metric over the "
            "twelve months before the decision against the twelve months before the as-of date.",
            table=table.select(
                "decided_on",
                "question",
                "scope",
                "choice",
                "rationale",
                "author",
                "metric",
                "expected",
                "review_on",
                "status",
            ),
        ),
    ]
    if not due.is_empty():
        panels.append(
            Panel(
                title="Reviews due or done",
                table=due.select(
                    "decided_on",
                    "scope",
                    "choice",
                    "metric",
                    "expected",
                    "at_decision",
                    "now",
                    "status",
                ),
            )
        )
    return Screen(title="Decision log", common=tuple(panels))


def _fmt(registry: Registry, metric_id: str, value: float | None) -> str:
    if metric_id not in registry.metrics:
        return "n/a"
    return format_value(value, registry.metric(metric_id))
