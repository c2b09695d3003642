"""Frontline: team KPIs against target, short trends, and the ranked "fix now" list."""

from __future__ import annotations

import polars as pl

from bridge.present.charts import frontline_heatmap, frontline_trends, horizon_table, unit_bars
from bridge.present.screens.common import colours, decision_marks, fix_now_panel
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.translate.frontline import frontline
from bridge.translate.horizon import horizon
from bridge.translate.lineage import feeds
from bridge.translate.request import FrontlineRequest
from bridge.translate.windows import latest

WORST_TEAMS = 3


def frontline_screen(inputs: Inputs, request: FrontlineRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    metric, grain, unit, end = request.metric, request.grain, request.unit, request.data_end
    view = frontline(dataset, registry, metric.id, grain, end, business_unit=unit)
    sign = 1 if metric.higher_is_better else -1
    worst = (
        latest(view, complete=True)
        .sort(pl.col("gap_pct") * sign, nulls_last=True)
        .head(WORST_TEAMS)
    )
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
        fix_now_panel(dataset, registry, end, unit, grain),
    )
    fed = ", ".join(registry.metric(m).label for m in feeds(registry, metric.id)) or "none"
    exec_view = horizon(dataset, registry, metric.id, "month", end, periods=1)
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
