"""Overview: an executive scorecard — one row per headline metric, the frontline KPIs feeding it beside.

Each card follows the business-unit filter: the value so far, compared like for like with last year,
against plan where a plan exists, a sparkline of whole periods, and a status told by the arrow's shape
and colour. On the same row, the teams behind it against their own targets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from bridge.calendar import ExecutiveGrain
from bridge.config.metrics import Metric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.format import change_text, day_text, flat
from bridge.present.html_charts import status_bars, unit_bars
from bridge.present.screens.common import (
    HOW_PLAN,
    action_metrics_feeding,
    drivers_panel,
    fix_now_panel,
    fmt,
    has_targets,
    no_targets,
    no_targets_beside,
)
from bridge.present.screens.model import Card, Inputs, Panel, Row, Screen, Tone
from bridge.present.tables import kind_of, period_text
from bridge.translate.evaluate import accumulates
from bridge.translate.frontline import status_summary
from bridge.translate.horizon import horizon
from bridge.translate.request import OverviewRequest
from bridge.translate.review import review

#: Whole periods in a card's sparkline.
SPARK_PERIODS = 8


def _spark_title(metric: Metric, grain: str, drawn: pl.DataFrame) -> str:
    """``Revenue by whole quarter, 2024 Q4 to 2026 Q3`` (what a card's sparkline draws)."""
    labels = drawn.get_column("period_label")
    if labels.len() < 2:
        return ""
    return f"{metric.label} by whole {grain}, {labels[0]} to {labels[-1]}"


def headline_metrics(registry: Registry) -> list[Metric]:
    """The metrics marked ``headline``, else the first three of the choice lens."""
    marked = [m for m in registry.metrics.values() if m.headline]
    return marked or registry.metrics_for_lens("choice")[:3]


def overview_screen(inputs: Inputs, request: OverviewRequest) -> Screen:
    dataset, registry = inputs.dataset, inputs.registry
    shown: dict[tuple[str, ...], Metric] = {}  # the frontline KPIs drawn, by the row drawing them
    rows = [
        Row(
            choice=(
                _card_panel(dataset, registry, metric, request),
                _why(dataset, registry, metric, request, teams=False),
            ),
            action=(
                _feeding_panel(dataset, registry, metric, request, shown),
                _why(dataset, registry, metric, request, teams=True),
            ),
        )
        for metric in headline_metrics(registry)
    ]
    rows.append(
        Row(
            choice=(_reviews_panel(inputs, request),),
            action=(fix_now_panel(dataset, registry, request.data_end, request.unit),),
        )
    )
    return Screen(title="Overview", rows=tuple(rows))


def _card_panel(
    dataset: Dataset, registry: Registry, metric: Metric, request: OverviewRequest
) -> Panel:
    grain: ExecutiveGrain = request.grain
    scope = request.unit or registry.company
    view = horizon(dataset, registry, metric.id, grain, request.data_end, periods=SPARK_PERIODS + 1)
    mine = view.filter(pl.col("scope") == scope).sort("period_start")
    number = fmt(metric, registry)
    if mine.is_empty() or mine.get_column("value").is_null().all():
        return Panel(
            title=metric.label,
            info=(f"No {metric.label} data for {scope} before {request.data_end}.",),
        )
    current = mine.row(-1, named=True)
    # the sparkline's periods: the last whole ones with a value (its line and its title)
    drawn = mine.filter(~pl.col("in_progress")).tail(SPARK_PERIODS).drop_nulls("value")
    comparable = bool(current["last_year_comparable"])
    # a change written "0.0 pts" is no rise and no fall: no arrow, no colour (-0.03 pts once read
    # as a green arrow up)
    directed = comparable and not flat(current["last_year_change"])
    days = f"the same {current['days']} days" if current["in_progress"] else "the same period"
    plan_note, tone, info = _plan(registry, metric, current, scope)
    card = Card(
        label=f"{scope} · {period_text(current)}",
        value=number.value(current["value"]),
        delta=number.change(current["last_year_change"], current["change_kind"])
        if comparable
        else "not comparable",
        versus=f"vs {days} last year" if comparable else str(current["last_year_reason"]),
        delta_color=("normal" if metric.higher_is_better else "inverse") if directed else "off",
        arrow="auto" if directed else "off",
        help=f"{metric.description} Owner: {metric.owner}.",
        spark=tuple(float(v) for v in drawn.get_column("value")),
        spark_title=_spark_title(metric, grain, drawn),
        note=plan_note,
        note_tone=tone,
    )
    drawing = None
    if request.unit is None:
        units = view.filter(
            (pl.col("level") == "business_unit")
            & (pl.col("period_start") == current["period_start"])
        ).sort("scope")
        if units.height:
            running = bool(current["in_progress"])
            drawing = unit_bars(
                units,
                number,
                f"{current['period_label']} so far" if running else str(current["period_label"]),
                f"the same {current['days']} days last year"
                if running
                else "the same period last year",
            )
    return Panel(
        title=metric.label,
        help=f"{metric.description} Owner: {metric.owner}.",
        cards=(card,),
        drawing=drawing,
        info=info,
    )


def _plan(
    registry: Registry, metric: Metric, current: dict[str, Any], scope: str
) -> tuple[str | None, Tone | None, tuple[str, ...]]:
    """The card's line about plan and whether it is good or bad news (a change written "0.0%" is
    neither), or what is missing to have one (nothing for a rate). In colour: "+8.4%" in green
    above a grey "behind plan: -5.5%" read as "revenue up, fine" (a second reader)."""
    plan = current["plan_value"]
    if plan is None:
        if accumulates(registry, metric.id):
            return None, None, (f"No plan is set for {metric.label} in {scope}: {HOW_PLAN}.",)
        return None, None, ()
    ahead = (current["value"] - plan) * (1 if metric.higher_is_better else -1) >= 0
    kind = kind_of(current["change_kind"])
    change = change_text(current["plan_change"], kind)
    days = "these days" if current["in_progress"] else "the period"
    number = fmt(metric, registry)
    # The card's value and this plan, as written, must give back the change: the plan is written
    # as precisely as that needs, and the value again here where the card's is too coarse.
    own, plans = number.pair_places(current["value"], plan, current["plan_change"], kind)
    against = "" if own == number.decimals else f", against {number.value(current['value'], own)}"
    tone: Tone | None = None if flat(current["plan_change"]) else "good" if ahead else "bad"
    return (
        f"{'▲ ahead of' if ahead else '▼ behind'} plan: {change} "
        f"(plan for {days} {number.value(plan, plans)}{against})",
        tone,
        (),
    )


def _why(
    dataset: Dataset, registry: Registry, metric: Metric, request: OverviewRequest, *, teams: bool
) -> Panel:
    """Why the card's number moved, by unit (choice) or team by team (action)."""
    key = f"why-{metric.id}-{'teams' if teams else 'units'}"
    return drivers_panel(
        dataset, registry, metric, request.grain, request.data_end, request.unit,
        teams=teams, key=key,
    )  # fmt: skip


def _feeding_panel(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    request: OverviewRequest,
    shown: dict[tuple[str, ...], Metric],
) -> Panel:
    """The teams behind ``metric`` against their own targets; the same KPIs as a row above are
    named, not drawn again (``shown``: the KPIs drawn so far, by the metric whose row drew them)."""
    feeders = action_metrics_feeding(registry, metric.id)
    title = f"Teams feeding {metric.label}"  # "behind" read as lagging, beside "behind plan"
    if not feeders:
        return Panel(
            title=title,
            caption="No frontline KPI feeds it: it is built from executive-only measures "
            "(see Definitions & lineage).",
        )
    with_targets = [m for m in feeders if has_targets(dataset, m.id)]
    if not with_targets:
        return Panel(title=title, info=tuple(no_targets(m) for m in feeders))
    # beside bars, a note in the caption (in a box it outweighed the bars it qualifies)
    missing = tuple(no_targets_beside(m, metric) for m in feeders if m not in with_targets)
    beside = "".join(f" {note}" for note in missing)
    kpis = tuple(m.id for m in with_targets)
    if kpis in shown:
        names = ", ".join(m.label for m in with_targets)
        return Panel(
            title=title,
            caption=f"The same frontline {'KPI' if len(kpis) == 1 else 'KPIs'} ({names}) as "
            f"{shown[kpis].label}'s row above: its teams against their targets are shown there."
            + beside,
        )
    summary = status_summary(
        dataset,
        registry,
        [m.id for m in with_targets],
        request.data_end,
        business_unit=request.unit,
    )
    if summary.is_empty():
        return Panel(title=title, info=(f"No team data before {request.data_end}.", *missing))
    shown[kpis] = metric  # drawn in this row: a later row with the same KPIs names it
    week = summary.get_column("period_label")[0]
    return Panel(
        title=title,
        caption=f"Teams against their own targets in the latest complete week ({week}), for each "
        f"frontline KPI built from the same numbers as {metric.label}." + beside,
        drawing=status_bars(summary),
    )


def _reviews_panel(inputs: Inputs, request: OverviewRequest) -> Panel:
    decisions = inputs.decisions
    if request.unit is not None:
        decisions = decisions.filter(pl.col("scope") == request.unit)
    title = "Decisions due for review"
    if decisions.is_empty():
        return Panel(
            title=title,
            caption="No decision is recorded yet: record one from Trade-offs or the Decision log.",
        )
    reviews = review(decisions, inputs.dataset, inputs.registry, request.data_end)
    due = decisions.join(reviews, on="id").filter(
        pl.col("review_on") <= request.as_of + dt.timedelta(days=30)
    )
    if due.is_empty():
        first = decisions.get_column("review_on").min()
        upcoming = day_text(first) if isinstance(first, dt.date) else "not set"
        return Panel(title=title, caption=f"None due in the next 30 days (next review {upcoming}).")
    lines = [
        f"{r['review_on']}: {r['choice']} for {r['scope']} — {r['status']}"
        for r in due.sort("review_on").iter_rows(named=True)
    ]
    return Panel(title=title, caption=" · ".join(lines))
