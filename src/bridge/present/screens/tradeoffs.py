"""Trade-offs: business units on a decision's axes, shares of investment and contribution, drill-down."""

from __future__ import annotations

import polars as pl

from bridge.config.decisions import Axis, Decision
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import share_bars, status_bars, tradeoff_bubbles
from bridge.present.format import format_share, format_value
from bridge.present.screens.common import (
    action_metrics_feeding,
    colours,
    fix_now_panel,
    frontline_panel,
    has_targets,
)
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.translate.frontline import status_summary
from bridge.translate.request import TradeoffRequest
from bridge.translate.tradeoff import tradeoff

BUBBLES_KEY = "tradeoff_bubbles"


def _axis_text(axis: Axis, value: float | None, registry: Registry) -> str:
    if axis.transform == "value":
        return format_value(value, registry.metric(axis.metric))
    if axis.transform == "trend_multi_year" and registry.metric(axis.metric).unit == "percent":
        return "n/a" if value is None else f"{value * 100:+.1f} pts/yr"
    return (
        format_share(value)
        if axis.transform == "share"
        else ("n/a" if value is None else f"{value * 100:+.1f}%")
    )


def tradeoffs_screen(inputs: Inputs, request: TradeoffRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    decision, unit = request.decision, request.unit
    view = tradeoff(dataset, registry, decision.id, request.data_end)
    palette = colours(dataset)
    table = view.select(
        pl.col("business_unit").alias("business unit"),
        pl.col("x")
        .map_elements(lambda v: _axis_text(decision.x, v, registry), return_dtype=pl.String)
        .alias(decision.x.label or decision.x.metric),
        pl.col("y")
        .map_elements(lambda v: _axis_text(decision.y, v, registry), return_dtype=pl.String)
        .alias(decision.y.label or decision.y.metric),
        pl.col("size")
        .map_elements(lambda v: _axis_text(decision.size, v, registry), return_dtype=pl.String)
        .alias(decision.size.label or "size"),
        "quadrant",
        pl.col("on_frontier").alias("efficient frontier"),
        "note",
    )
    notes = tuple(f"{u}: {n}" for u, n in view.select("business_unit", "note").iter_rows() if n)
    choice = (
        Panel(
            title=decision.question,
            select_key=BUBBLES_KEY,
            caption=f"Owner: {decision.owner}. {decision.description} Trailing twelve months to "
            f"{request.data_end}. Click a bubble to see that unit's teams; a black ring marks "
            "the efficient frontier.",
            figure=tradeoff_bubbles(view, decision, palette),
            table=table,
            notes=notes,
        ),
        Panel(
            title="Investment vs contribution",
            figure=share_bars(view, palette),
            caption="Units whose share of contribution is below their share of investment "
            "receive more than they earn.",
        ),
        _recorded(decisions, decision, unit),
    )
    return Screen(
        title="Trade-offs",
        choice=choice,
        action=_drill_down(dataset, registry, decision, request, unit),
    )


def _recorded(decisions: pl.DataFrame, decision: Decision, unit: str | None) -> Panel:
    mine = decisions.filter(pl.col("decision_id") == decision.id)
    if unit is not None:
        mine = mine.filter(pl.col("scope") == unit)
    if mine.is_empty():
        return Panel(title="Choices recorded", caption="No choice recorded for this question yet.")
    return Panel(
        title="Choices recorded",
        table=mine.select("decided_on", "scope", "choice", "rationale", "author", "review_on"),
    )


def _feeding(registry: Registry, decision: Decision) -> list[str]:
    """Frontline KPIs feeding the decision's axes, then the other frontline KPIs."""
    ids: list[str] = []
    for axis in (decision.x, decision.y, decision.size):
        ids += [m.id for m in action_metrics_feeding(registry, axis.metric) if m.id not in ids]
    return ids + [m.id for m in registry.metrics_for_lens("action") if m.id not in ids]


def _drill_down(
    dataset: Dataset,
    registry: Registry,
    decision: Decision,
    request: TradeoffRequest,
    unit: str | None,
) -> tuple[Panel, ...]:
    # KPIs with team targets first: a team's number only says "fix now" against its own target
    feeding = _feeding(registry, decision)
    kpis = [k for k in feeding if has_targets(dataset, k)] or feeding
    if unit is None:
        summary = status_summary(dataset, registry, kpis, request.data_end)
        return (
            Panel(
                title="Teams behind each unit",
                caption="Teams against their own targets in the latest complete week. Click a "
                "bubble (or pick a business unit in the sidebar) to see one unit's teams.",
                figure=status_bars(summary, "Teams on and off target, by unit and KPI"),
            ),
        )
    panels = [
        frontline_panel(dataset, registry, registry.metric(mid), "week", request.data_end, unit)
        for mid in kpis[:3]
    ]
    panels.append(fix_now_panel(dataset, registry, request.data_end, unit))
    return (
        Panel(
            title=f"{unit}: its teams in the action lens",
            caption=f"How {unit}'s teams stand against their own targets.",
        ),
        *panels,
    )
