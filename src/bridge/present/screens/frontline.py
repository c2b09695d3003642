"""Frontline: team KPIs against target, recent whole periods, and the ranked "fix now" list."""

from __future__ import annotations

import polars as pl

from bridge.present.charts import frontline_trends
from bridge.present.html_charts import status_grid, unit_bars
from bridge.present.screens.common import (
    decision_marks,
    fix_now_panel,
    fmt,
    has_targets,
    no_targets,
)
from bridge.present.screens.model import Inputs, Panel, Row, Screen
from bridge.present.tables import horizon_table
from bridge.translate.frontline import frontline
from bridge.translate.horizon import horizon
from bridge.translate.lineage import feeds
from bridge.translate.request import FrontlineRequest
from bridge.translate.windows import latest

WORST_TEAMS = 3


def frontline_screen(inputs: Inputs, request: FrontlineRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    metric, grain, unit, end = request.metric, request.grain, request.unit, request.data_end
    number = fmt(metric, registry)
    view = frontline(dataset, registry, metric.id, grain, end, business_unit=unit)
    targets = has_targets(dataset, metric.id)
    heat = Panel(
        title=f"{metric.label} by team and {grain}",
        help=metric.description,
        drawing=status_grid(
            view,
            number,
            decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month),
        )
        if view.height
        else None,
        caption="Colour and shape give each team's status against its own target; a period in "
        "progress is judged against the target for its days so far. With a mouse, point at a "
        "cell for its value and target; the Fix now list ranks the misses of every KPI.",
        info=() if targets else (no_targets(metric),),
    )
    action: list[Panel] = [heat]
    if targets and view.height:
        sign = 1 if metric.higher_is_better else -1
        worst = (
            latest(view, complete=True)
            .sort(pl.col("gap_pct") * sign, nulls_last=True)
            .head(WORST_TEAMS)
        )
        running = view.filter(pl.col("in_progress"))
        # a sum's teams differ in size: each is drawn against its own target (a rate is one scale)
        of_target = number.unit != "percent"
        action.append(
            Panel(
                title=f"Furthest from target: {metric.label}",
                caption=(
                    "Each team as a share of its own target (100%), so a small team's miss shows "
                    "as large as a big one's. "
                    if of_target
                    else ""
                )
                + "Whole periods only"
                + (
                    f": the {grain} in progress ({running.get_column('period_label')[0]}) is left "
                    "out until it ends."
                    if running.height
                    else "."
                ),
                figure=frontline_trends(
                    view, number, worst.get_column("team_id").to_list(), of_target=of_target
                ),
            )
        )
    action.append(fix_now_panel(dataset, registry, end, unit, grain))
    fed = ", ".join(registry.metric(m).label for m in feeds(registry, metric.id)) or "none"
    months = horizon(dataset, registry, metric.id, "month", end, periods=2)
    whole = latest(months, complete=True)
    if unit is not None:
        whole = whole.filter((pl.col("scope") == unit) | (pl.col("level") == "company"))
    units = whole.filter(pl.col("level") == "business_unit").sort("scope")
    label = whole.get_column("period_label")[0] if whole.height else "the last whole month"
    choice = (
        Panel(
            title=f"The same numbers for choice: {metric.label} by business unit",
            caption=f"{label}, the latest whole month, against the same month last year. These "
            f"team numbers feed: {fed}.",
            drawing=unit_bars(units, number, label, "the same month last year")
            if units.height
            else None,
            table=horizon_table(whole, number) if whole.height else None,
        ),
    )
    return Screen(
        title="Frontline", rows=(Row(choice=choice, action=tuple(action)),), first="action"
    )
