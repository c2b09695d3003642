"""Time horizons: one metric across periods and business units, like for like or marked otherwise."""

from __future__ import annotations

import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import horizon_multiples, horizon_table
from bridge.present.screens.common import (
    EXECUTIVE_GRAINS,
    action_metrics_feeding,
    colours,
    decision_marks,
    frontline_panel,
    pick_grain,
    pick_metric,
    pick_unit,
)
from bridge.present.screens.model import PageRequest, Panel, Screen
from bridge.translate.horizon import horizon


def horizons_screen(
    dataset: Dataset, registry: Registry, request: PageRequest, decisions: pl.DataFrame
) -> Screen:
    metric = pick_metric(registry, request.metric, "choice")
    grain = pick_grain(request.grain, EXECUTIVE_GRAINS, "quarter")
    unit = pick_unit(dataset, request.unit)
    view = horizon(dataset, registry, metric.id, grain, request.as_of)
    if unit is not None:
        view = view.filter((pl.col("scope") == unit) | (pl.col("level") == "company"))
    latest = view.filter(pl.col("period_start") == pl.col("period_start").max())
    notes = tuple(
        sorted(
            {
                f"{r['scope']} {r['period_label']}: vs {what} not comparable — {reason}"
                for r in latest.iter_rows(named=True)
                for what, reason in (
                    ("prior period", r["prior_reason"]),
                    ("last year", r["last_year_reason"]),
                )
                if reason
            }
        )
    )
    in_progress = latest.get_column("in_progress").any()
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
        frontline_panel(dataset, registry, m, "week", request.as_of, unit, decisions)
        for m in feeders[:2]
    ) or (
        Panel(
            title="No frontline KPI feeds this metric",
            caption="It is built from executive-only measures (see Definitions & lineage).",
        ),
    )
    return Screen(title="Time horizons", choice=choice, action=action)
