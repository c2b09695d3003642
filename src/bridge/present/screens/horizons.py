"""Time horizons: one metric across periods and business units, like for like or marked otherwise."""

from __future__ import annotations

import polars as pl

from bridge.present.charts import horizon_multiples, horizon_table
from bridge.present.screens.common import (
    action_metrics_feeding,
    colours,
    decision_marks,
    frontline_panel,
)
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.translate.horizon import horizon
from bridge.translate.request import HorizonRequest
from bridge.translate.windows import latest


def horizons_screen(inputs: Inputs, request: HorizonRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    metric, grain, unit = request.metric, request.grain, request.unit
    view = horizon(dataset, registry, metric.id, grain, request.data_end)
    if unit is not None:
        view = view.filter((pl.col("scope") == unit) | (pl.col("level") == "company"))
    last = latest(view)
    notes = tuple(
        sorted(
            {
                f"{r['scope']} {r['period_label']}: vs {what} not comparable — {reason}"
                for r in last.iter_rows(named=True)
                for what, reason in (
                    ("prior period", r["prior_reason"]),
                    ("last year", r["last_year_reason"]),
                )
                if reason
            }
        )
    )
    in_progress = last.get_column("in_progress").any()
    caption = (
        f"{metric.description} The latest {grain} is still in progress: it is compared with "
        "the same number of days of the comparison periods."
        if in_progress
        else metric.description
    )
    choice = (
        Panel(
            title=f"{metric.label} by {grain}",
            help=f"Owner: {metric.owner}",
            caption=caption,
            figure=horizon_multiples(
                view,
                metric,
                colours(dataset),
                decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month),
            ),
            notes=notes,
        ),
        Panel(title="Latest period, compared", table=horizon_table(view, metric)),
    )
    feeders = [metric] if "action" in metric.lenses else action_metrics_feeding(registry, metric.id)
    action = tuple(
        frontline_panel(dataset, registry, m, "week", request.data_end, unit, decisions)
        for m in feeders[:2]
    ) or (
        Panel(
            title="No frontline KPI feeds this metric",
            caption="It is built from executive-only measures (see Definitions & lineage).",
        ),
    )
    return Screen(title="Time horizons", choice=choice, action=action)
