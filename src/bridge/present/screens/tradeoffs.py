"""Trade-offs: business units on a decision's axes, shares of investment and contribution, drill-down."""

from __future__ import annotations

import dataclasses

import polars as pl

from bridge.config.decisions import Decision
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import tradeoff_bubbles
from bridge.present.decisions import axis_format, axis_label, rule_text, tradeoff_spec
from bridge.present.format import SHARE, yes_no
from bridge.present.html_charts import share_bars, status_bars
from bridge.present.screens.common import (
    HOW_PORTFOLIO,
    action_metrics_feeding,
    colours,
    fix_now_panel,
    frontline_panel,
    has_targets,
    no_targets,
)
from bridge.present.screens.model import Inputs, Panel, Row, Screen
from bridge.present.tables import Table, table
from bridge.translate.frontline import status_summary
from bridge.translate.request import TradeoffRequest
from bridge.translate.tradeoff import tradeoff

BUBBLES_KEY = "tradeoff_bubbles"


def tradeoffs_screen(inputs: Inputs, request: TradeoffRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    decision, unit = request.decision, request.unit
    view = tradeoff(dataset, registry, decision.id, request.data_end)
    mine = decisions.filter(pl.col("decision_id") == decision.id)
    decided = {
        r["scope"]: f"{r['choice']} (decided {r['decided_on']})"
        for r in mine.sort("decided_on").iter_rows(named=True)
    }
    notes = tuple(f"{u}: {n}" for u, n in view.select("business_unit", "note").iter_rows() if n)
    bubbles = Panel(
        title=decision.question,
        select_key=BUBBLES_KEY,
        help=f"Owner: {decision.owner}. {decision.description}",
        caption=f"Rule: {rule_text(decision, registry)} Trailing twelve months to "
        f"{request.data_end}. Click a bubble to see that unit's teams.",
        figure=tradeoff_bubbles(view, tradeoff_spec(decision, registry, decided), colours(dataset)),
        table=_placement_table(view, decision, registry),
        notes=notes,
    )
    if registry.portfolio.investment is None or registry.portfolio.contribution is None:
        shares = Panel(
            title="Investment vs contribution",
            info=(f"No portfolio is configured, so shares cannot be compared: {HOW_PORTFOLIO}.",),
        )
    else:
        shares = Panel(
            title="Investment vs contribution",
            # a person who sees only some units sees shares of their units' total
            drawing=share_bars(view, colours(dataset), total=f"the total of {registry.company}"),
            caption="Units whose share of contribution is below their share of investment "
            "receive more than they earn.",
        )
    drill = _drill_down(dataset, registry, decision, request)
    recorded = _recorded(mine, unit)
    row = Row(
        choice=(bubbles, shares, recorded), action=drill, choice_alone=_choice_drill(drill, unit)
    )
    placements = {u: q for u, q in view.select("business_unit", "quadrant").iter_rows() if q}
    return Screen(title="Trade-offs", rows=(row,), placements=placements)


def _choice_drill(drill: tuple[Panel, ...], unit: str | None) -> tuple[Panel, ...]:
    """The drill-down is visible in the Choice lens too, once a unit is picked (its first panel)."""
    return drill[:2] if unit is not None else ()


def _placement_table(view: pl.DataFrame, decision: Decision, registry: Registry) -> Table:
    fx, fy = axis_format(decision.x, registry), axis_format(decision.y, registry)
    fs = axis_format(decision.size, registry)
    x, y, size = (axis_label(a, registry) for a in (decision.x, decision.y, decision.size))
    rows, raw = [], []
    for r in view.iter_rows(named=True):
        rows.append(
            {
                "Business unit": r["business_unit"],
                x: fx.value(r["x"]),
                y: fy.value(r["y"]),
                size: fs.value(r["size"]),
                "Quadrant": r["quadrant"] or "not placed",
                "Efficient frontier": yes_no(r["on_frontier"], "yes", "no", "not placed"),
                "Share of investment": SHARE.value(r["investment_share"]),
                "Share of contribution": SHARE.value(r["contribution_share"]),
                "Why not placed": r["note"] or "—",
            }
        )
        raw.append({**rows[-1], x: r["x"], y: r["y"], size: r["size"]})
    columns = [
        "Business unit",
        x,
        y,
        size,
        "Quadrant",
        "Efficient frontier",
        "Share of investment",
        "Share of contribution",
        "Why not placed",
    ]
    # the shares have their own chart, and a note only where a unit could not be placed
    columns = [c for c in columns if not c.startswith("Share of")]
    if all(r["note"] is None for r in view.iter_rows(named=True)):
        columns.remove("Why not placed")
    return table(rows, columns, raw)


def _recorded(mine: pl.DataFrame, unit: str | None) -> Panel:
    if unit is not None:
        mine = mine.filter(pl.col("scope") == unit)
    if mine.is_empty():
        return Panel(
            title="Choices recorded",
            caption="No choice recorded for this question"
            + (f" and {unit}" if unit else "")
            + " yet. Pick a unit (click its bubble) to record one.",
        )
    rows = [
        {
            "Decided on": r["decided_on"],
            "Business unit": r["scope"],
            "Choice": r["choice"],
            "Rationale": r["rationale"],
            "Decided by": r["author"],
            "Review on": r["review_on"],
        }
        for r in mine.iter_rows(named=True)
    ]
    columns = ("Decided on", "Business unit", "Choice", "Rationale", "Decided by", "Review on")
    return Panel(title="Choices recorded", table=table(rows, columns, rows))


def _feeding(registry: Registry, decision: Decision) -> list[str]:
    """Frontline KPIs feeding the decision's axes, then the other frontline KPIs."""
    ids: list[str] = []
    for axis in (decision.x, decision.y, decision.size):
        ids += [m.id for m in action_metrics_feeding(registry, axis.metric) if m.id not in ids]
    return ids + [m.id for m in registry.metrics_for_lens("action") if m.id not in ids]


def _drill_down(
    dataset: Dataset, registry: Registry, decision: Decision, request: TradeoffRequest
) -> tuple[Panel, ...]:
    # KPIs with team targets first: a team's number only says "fix now" against its own target
    feeding = _feeding(registry, decision)
    kpis = [k for k in feeding if has_targets(dataset, k)]
    unit, end = request.unit, request.data_end
    if unit is None:
        if not kpis:
            return (
                Panel(
                    title="Teams feeding each unit",
                    info=tuple(no_targets(registry.metric(k)) for k in feeding[:3]),
                ),
            )
        summary = status_summary(dataset, registry, kpis, end)
        return (
            Panel(
                title="Teams feeding each unit",
                caption="Teams against their own targets in the latest complete week. Click a "
                "bubble (or pick a business unit in the sidebar) to see one unit's teams.",
                drawing=status_bars(summary),
            ),
        )
    shown = kpis or feeding
    panels = [
        frontline_panel(dataset, registry, registry.metric(mid), "week", end, unit)
        for mid in shown[:3]
    ]
    # The first KPI's heatmap drawn, the others folded under their headings (the fix-now list
    # below ranks the misses): each heatmap costs the browser about as much as the rest of a page.
    panels[1:] = [
        dataclasses.replace(p, fold="Heatmap: each team, week by week") if p.drawing else p
        for p in panels[1:]
    ]
    return (
        Panel(
            title=f"{unit}: its teams in the action lens",
            caption=f"How {unit}'s teams stand against their own targets.",
        ),
        *panels,
        fix_now_panel(dataset, registry, end, unit),
    )
