"""Decision log: the choices recorded, filtered, with their review against what happened."""

from __future__ import annotations

import polars as pl

from bridge.config.registry import Registry
from bridge.present.format import MISSING, of
from bridge.present.screens.common import HOW_DECISIONS
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.present.tables import table
from bridge.translate.request import DecisionLogRequest
from bridge.translate.review import review
from bridge.translate.tradeoff import tradeoff


def decision_log_screen(inputs: Inputs, request: DecisionLogRequest) -> Screen:
    dataset, registry, unit = inputs.dataset, inputs.registry, request.unit
    shown = inputs.decisions
    if request.decision is not None:
        shown = shown.filter(pl.col("decision_id") == request.decision.id)
    if unit is not None:
        shown = shown.filter(pl.col("scope") == unit)
    if not registry.decisions:
        return Screen(
            title="Decision log",
            common=(
                Panel(
                    title="Recorded decisions",
                    info=(f"No decision is configured: {HOW_DECISIONS}.",),
                ),
            ),
        )
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
            placements=_placements(inputs, request),
        )
    placements = _placements(inputs, request)
    reviews = review(shown, dataset, registry, request.data_end)
    joined = shown.join(reviews, on="id", how="left", maintain_order="left")
    rows = []
    for r in joined.iter_rows(named=True):
        decision = registry.decisions.get(r["decision_id"])
        rows.append(
            {
                "Decided on": r["decided_on"],
                "Question": decision.question if decision else r["decision_id"],
                "Business unit": r["scope"],
                "Choice": r["choice"],
                "Rationale": r["rationale"],
                "Decided by": r["author"],
                "Metric": _label(registry, r["metric_id"]),
                "Expected": r["expected"],
                "Review on": r["review_on"],
                "Status": r["status"],
                "At decision": _fmt(registry, r["metric_id"], r["value_at_decision"]),
                "Now": _fmt(registry, r["metric_id"], r["value_now"]),
            }
        )
    log_columns = (
        "Decided on",
        "Question",
        "Business unit",
        "Choice",
        "Rationale",
        "Decided by",
        "Metric",
        "Expected",
        "Review on",
        "Status",
    )
    panels = [
        Panel(
            title="Recorded decisions",
            caption="Newest first. Each is reviewed after its review date: the metric over the "
            "twelve months before the decision against the twelve months before the as-of date.",
            table=table(rows, log_columns, rows),
        ),
    ]
    due = [r for r in rows if r["Status"] != "pending review"]
    if due:
        review_columns = (
            "Decided on",
            "Business unit",
            "Choice",
            "Metric",
            "Expected",
            "At decision",
            "Now",
            "Status",
        )
        panels.append(Panel(title="Reviews due or done", table=table(due, review_columns, due)))
    return Screen(title="Decision log", common=tuple(panels), placements=placements)


def _placements(inputs: Inputs, request: DecisionLogRequest) -> dict[str, str]:
    """Where the decision in view places each unit (to pre-fill the form), if one is in view."""
    if request.decision is None:
        return {}
    view = tradeoff(inputs.dataset, inputs.registry, request.decision.id, request.data_end)
    return {u: q for u, q in view.select("business_unit", "quadrant").iter_rows() if q}


def _label(registry: Registry, metric_id: str) -> str:
    metric = registry.metrics.get(metric_id)
    return metric.label if metric else metric_id


def _fmt(registry: Registry, metric_id: str, value: float | None) -> str:
    metric = registry.metrics.get(metric_id)
    return MISSING if metric is None else of(metric, registry.currency).value(value)
