"""Pieces the screen builders share: formats, colours, decision marks, frontline panels, empty states."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from bridge.calendar import ExecutiveGrain, FrontlineGrain, Grain, period_label, period_start
from bridge.config.metrics import Metric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.attribution import delta_format, sentence, steps
from bridge.present.charts import driver_bridge
from bridge.present.format import NumberFormat, of
from bridge.present.html_charts import status_grid
from bridge.present.palette import STATUSES, unit_colours
from bridge.present.screens.model import Panel
from bridge.present.tables import fix_now_table
from bridge.translate.drivers import Attribution, attribute
from bridge.translate.evaluate import Level
from bridge.translate.frontline import fix_now, frontline
from bridge.translate.lineage import feeds
from bridge.translate.windows import latest

TOP_FIXES = 8
#: Where a new user reads how to add what a page says is missing.
HOW_TARGETS = "add rows to the targets table named by [targets] in sources.toml (docs/config.md)"
HOW_PLAN = "add rows to the plan table named by [plan] in sources.toml (docs/config.md)"
HOW_PORTFOLIO = (
    "name an investment and a contribution metric under [portfolio] in decisions.toml "
    "(docs/config.md)"
)
HOW_DECISIONS = "add a [[decisions]] entry to decisions.toml (docs/config.md)"


def fmt(metric: Metric, registry: Registry) -> NumberFormat:
    """The number format of a metric."""
    return of(metric, registry.currency)


def colours(dataset: Dataset) -> dict[str, str]:
    return unit_colours(dataset.units)


def has_targets(dataset: Dataset, metric_id: str) -> bool:
    return not dataset.targets.filter(pl.col("metric_id") == metric_id).is_empty()


def action_metrics_feeding(registry: Registry, metric_id: str) -> list[Metric]:
    """Frontline (action-lens) metrics whose numbers feed ``metric_id``."""
    return [m for m in registry.metrics_for_lens("action") if metric_id in feeds(registry, m.id)]


def no_targets(metric: Metric) -> str:
    """Said where a KPI has no targets — beside others' statuses too, so it names the KPI twice
    ("no team is on or off track" alone read as contradicting the bars under it)."""
    return (
        f"No team targets are set for {metric.label}, so no team is on or off track for "
        f"{metric.label}: {HOW_TARGETS}."
    )


def no_targets_beside(metric: Metric, fed: Metric) -> str:
    """Said where a KPI feeding ``fed`` has no targets while other KPIs' teams are drawn: which
    teams the bars leave out, and why."""
    return (
        f"{metric.label} also feeds {fed.label} but has no team targets, so its teams are not in "
        f"these bars: {HOW_TARGETS}."
    )


def status_counts(view: pl.DataFrame) -> str:
    """``12 ● on track, 3 ▲ at risk, 5 ■ off track`` for the latest complete period."""
    counts = dict(latest(view, complete=True).group_by("status").len().iter_rows())
    return ", ".join(
        f"{counts[name]} {status.glyph} {name}"
        for name, status in STATUSES.items()
        if counts.get(name)
    )


def decision_marks(decisions: pl.DataFrame, grain: Grain, fiscal_start: int) -> pl.DataFrame:
    """Where each recorded decision falls on a chart of ``grain``: scope, period label, hover text."""
    rows = [
        {
            "scope_level": r["scope_level"],
            "scope": r["scope"],
            "period_label": period_label(
                period_start(r["decided_on"], grain, fiscal_start), grain, fiscal_start
            ),
            "text": f"★ Decision {r['decided_on']}: {r['choice']} — {r['rationale'][:120]} · "
            f"{r['author']}",
        }
        for r in decisions.iter_rows(named=True)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "scope_level": pl.String,
            "scope": pl.String,
            "period_label": pl.String,
            "text": pl.String,
        },
    )


def frontline_panel(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    grain: FrontlineGrain,
    end: dt.date,
    unit: str | None,
    decisions: pl.DataFrame | None = None,
) -> Panel:
    """Team × period status against target for one frontline metric (decisions starred)."""
    view = frontline(dataset, registry, metric.id, grain, end, business_unit=unit)
    if view.is_empty():
        return Panel(
            title=f"{metric.label} by team",
            info=(f"No team has {metric.label} data before {end} in this scope.",),
        )
    targets = has_targets(dataset, metric.id)
    complete = latest(view, complete=True)
    caption = (
        f"Latest complete {grain} ({complete.get_column('period_label')[0]}): {status_counts(view)}."
        if targets and complete.height
        else None
    )
    marks = None
    if decisions is not None:
        marks = decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month)
    return Panel(
        title=f"{metric.label} by team and {grain}",
        caption=caption,
        help=metric.description,
        drawing=status_grid(view, fmt(metric, registry), marks),
        info=() if targets else (no_targets(metric),),
    )


def fix_now_panel(
    dataset: Dataset,
    registry: Registry,
    end: dt.date,
    unit: str | None,
    grain: FrontlineGrain = "week",
) -> Panel:
    """The ranked misses of the latest complete period — or what is missing to rank any."""
    kpis = [m for m in registry.metrics_for_lens("action") if has_targets(dataset, m.id)]
    if not kpis:
        return Panel(
            title="Fix now",
            info=(
                "No team targets are set for any frontline KPI, so nothing can be ranked: "
                f"{HOW_TARGETS}.",
            ),
        )
    ranked = fix_now(dataset, registry, end, grain, business_unit=unit)
    if ranked.is_empty():
        return Panel(
            title="Fix now",
            caption=f"No team missed its target in the latest complete {grain} "
            f"({', '.join(m.label for m in kpis)}).",
        )
    formats = {m.id: fmt(m, registry) for m in registry.metrics.values()}
    labels = {m.id: m.label for m in registry.metrics.values()}
    every = fix_now_table(ranked, formats, labels)
    misses = (
        f"The {TOP_FIXES} biggest of {ranked.height} misses (the CSV lists all)"
        if ranked.height > TOP_FIXES
        else "Misses"
    )
    return Panel(
        title="Fix now",
        # the first ones on the page, every one in the CSV
        table=dataclasses.replace(every, shown=every.shown.head(TOP_FIXES)),
        # every KPI with targets, whichever metric the page shows (on Frontline it sits under one
        # metric's grid: a reader took its first row for a miss of that metric)
        caption=f"{misses} in the latest complete {grain} ({ranked.item(0, 'period_label')}), "
        "across every frontline KPI with targets, ranked by shortfall × the team's share of "
        "volume; “Feeds” names the executive metrics each one moves.",
    )


#: The label the bridge chart sits folded under.
#: Its steps are amounts of the metric (money, points), not shares: "share" read as percentages.
BRIDGE_FOLD = "Bridge chart: the change, step by step"


def drivers_panel(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    grain: ExecutiveGrain,
    end: dt.date,
    unit: str | None,
    *,
    teams: bool,
    key: str,
) -> Panel:
    """Why ``metric`` moved against the same days last year: a sentence, and under it a folded
    bridge chart, by business unit (``teams`` False) or by team; a click on a step opens its unit."""
    children: Level = "team" if teams or unit is not None else "business_unit"
    found, said = why_moved(dataset, registry, metric, grain, end, unit, children)
    title = f"Why {metric.label} moved" + (", team by team" if children == "team" else "")
    if found.view.is_empty() or found.then is None:
        return Panel(
            title=title,
            caption=f"Not compared with the same days last year, so nothing to explain: "
            f"{found.reason}."
            if found.reason
            else f"No {metric.label} for {unit or registry.company} in this period or the same "
            "days last year: nothing to explain.",
        )
    fiscal = registry.calendar.fiscal_year_start_month
    number = fmt(metric, registry)
    labels, status_note = dataset.team_names, ""
    if children == "team":  # each team with its status on its own frontline KPI
        marks, status_note = _team_status(dataset, registry, metric, end, unit)
        labels = {t: f"{marks[t]} {n}" if t in marks else n for t, n in labels.items()}
    shown = steps(found.view, labels, dataset.team_units | {u: u for u in dataset.units})
    return Panel(
        title=title,
        help="Each step is what a unit (or team) added to the change or took from it, in the "
        "metric's own unit (an amount, or points of a rate), so the steps add up to it. "
        "For a rate: its own rate changed (rate), or its share of the volume did (mix). "
        "Click a step to open that unit. See docs/views.md, drivers.",
        caption=said + status_note,
        figure=driver_bridge(
            (
                f"{period_label(found.then.start, grain, fiscal)}, {found.then.days} days",
                found.comparison or 0.0,
            ),
            [(s.label, s.value, s.unit) for s in shown],
            (f"{period_label(found.now.start, grain, fiscal)} so far", found.current or 0.0),
            number,
            delta_format(number),
            higher_is_better=metric.direction == "higher_is_better",
        ),
        select_key=key,
        # The label names no level: Streamlit keys an expander by its label too, and a drill-down
        # (units → teams) must leave an opened chart open.
        fold=BRIDGE_FOLD,
    )


def _team_status(
    dataset: Dataset, registry: Registry, metric: Metric, end: dt.date, unit: str | None
) -> tuple[dict[str, str], str]:
    """Each team's status glyph on its own frontline KPI (the metric, or the first KPI with
    targets that feeds it) in the latest complete week, and the sentence saying so."""
    kpis = [metric, *action_metrics_feeding(registry, metric.id)]
    kpi = next((m for m in kpis if "action" in m.lenses and has_targets(dataset, m.id)), None)
    if kpi is None:
        return {}, ""
    weeks = frontline(dataset, registry, kpi.id, "week", end, periods=2, business_unit=unit)
    whole = weeks.filter(~pl.col("in_progress"))
    if whole.is_empty():
        return {}, ""
    last = whole.filter(pl.col("period_start") == pl.col("period_start").max())
    marks = {t: STATUSES[st].glyph for t, st in last.select("team_id", "status").iter_rows()}
    legend = ", ".join(f"{s.glyph} {s.name}" for s in STATUSES.values())
    week = last.get_column("period_label")[0]
    return marks, (
        f" In the bridge chart, each team is marked with its status against its own {kpi.label} "
        f"target in {week} "
        f"({legend}): was the team that moved the number off target on its own KPI?"
    )


def why_moved(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    grain: ExecutiveGrain,
    end: dt.date,
    unit: str | None,
    children: Level | None = None,
) -> tuple[Attribution, str]:
    """The drivers of ``metric``'s change against the same days last year, and the sentence that
    says them ("" when there is nothing to explain)."""
    found = attribute(dataset, registry, metric.id, grain, end, "last_year", unit, children)
    who = "units" if children in (None, "business_unit") and unit is None else "teams"
    said = sentence(
        found.view, metric.label, delta_format(fmt(metric, registry)),
        f"the same {found.now.days} days last year", dataset.team_names, who,
    )  # fmt: skip
    return found, said
