"""Frontline: team KPIs against target, short trends, and the ranked "fix now" list."""

from __future__ import annotations

import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import frontline_heatmap, frontline_trends, horizon_table, unit_bars
from bridge.present.screens.common import (
    FRONTLINE_GRAINS,
    colours,
    decision_marks,
    fix_now_panel,
    pick_grain,
    pick_metric,
    pick_unit,
)
from bridge.present.screens.model import PageRequest, Panel, Screen
from bridge.translate.frontline import frontline
from bridge.translate.horizon import horizon
from bridge.translate.lineage import feeds

WORST_TEAMS = 3


def frontline_screen(
    dataset: Dataset, registry: Registry, request: PageRequest, decisions: pl.DataFrame
) -> Screen:
    metric = pick_metric(registry, request.metric, "action")
    grain = pick_grain(request.grain, FRONTLINE_GRAINS, "week")
    unit = pick_unit(dataset, request.unit)
    view = frontline(
        dataset,
        registry,
        metric.id,
        "day" if grain == "day" else "week",
        request.as_of,
        business_unit=unit,
    )
    complete = view.filter(~pl.col("in_progress"))
    latest = complete.filter(pl.col("period_start") == pl.col("period_start").max())
    sign = 1 if metric.higher_is_better else -1
    worst = latest.sort(pl.col("gap_pct") * sign, nulls_last=True).head(WORST_TEAMS)
    action = (
        Panel(
            title=f"{metric.label} by team and {grain}",
            help=metric.description,
            figure=frontline_heatmap(
                view,
                metric,
                decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month),
            ),
            caption="Green: on target · orange: within 2% of it · red: off track · grey: no "
            "target. A star marks a recorded decision that changed the team's context.",
        ),
        Panel(
            title="Furthest from target",
            figure=frontline_trends(view, metric, worst.get_column("team_id").to_list()),
        ),
        fix_now_panel(dataset, registry, request.as_of, unit, grain),
    )
    fed = ", ".join(registry.metric(m).label for m in feeds(registry, metric.id)) or "none"
    exec_view = horizon(dataset, registry, metric.id, "month", request.as_of, periods=1)
    units = exec_view.filter(pl.col("level") == "business_unit")
    choice = (
        Panel(
            title=f"The same numbers for choice: {metric.label} by business unit",
            caption=f"Month to date against the same days last year. These team numbers feed: {fed}.",
            figure=unit_bars(units, metric, colours(dataset), f"{metric.label}, this month so far"),
            table=horizon_table(exec_view, metric),
        ),
    )
    return Screen(title="Frontline", action=action, choice=choice)
