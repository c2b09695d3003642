"""Time horizons: one metric across periods and business units, like for like or marked otherwise."""

from __future__ import annotations

import polars as pl

from bridge.config.metrics import Metric, RatioMetric, SemiAdditiveMetric
from bridge.present.html_charts import HorizonScale, horizon_lines
from bridge.present.screens.common import (
    action_metrics_feeding,
    colours,
    decision_marks,
    drivers_panel,
    fmt,
    frontline_panel,
)
from bridge.present.screens.model import Inputs, Panel, Row, Screen
from bridge.present.tables import horizon_table, period_text
from bridge.translate.horizon import PACE_BY_DAYS, PACE_BY_PATTERN, horizon
from bridge.translate.request import HorizonRequest
from bridge.translate.windows import latest


def horizons_screen(inputs: Inputs, request: HorizonRequest) -> Screen:
    dataset, registry, decisions = inputs.dataset, inputs.registry, inputs.decisions
    metric, grain, unit, end = request.metric, request.grain, request.unit, request.data_end
    view = horizon(dataset, registry, metric.id, grain, end)
    if unit is not None:
        view = view.filter((pl.col("scope") == unit) | (pl.col("level") == "company"))
    last = latest(view)
    running = last.filter(pl.col("in_progress"))
    notes = _not_comparable_notes(last)
    caption = metric.description
    if running.height:
        r = running.row(0, named=True)
        caption += (
            f" {r['period_label']} is in progress ({r['days']} of {r['period_days']} days): "
            + _compared_text(running)
            + (
                f", and drawn at the whole period's pace ({PACE_BASIS[r['pace_basis']]}, ◇)."
                if r["pace_basis"] in PACE_BASIS
                else f", and drawn at its value so far (◇) — {_unscaled(metric)} needs no scaling."
            )
        )
    scale: HorizonScale = "shared" if metric.unit == "percent" else "ratio"
    choice = (
        Panel(
            title=f"{metric.label} by {grain}",
            help=f"Owner: {metric.owner}. "
            + (
                "Business units share one scale (to compare their rates); the company has its own."
                if scale == "shared"
                else "Every chart spans the same ratio from bottom to top, around its own level: "
                "a line as steep is growth as fast, whatever the size (a chart that moved more "
                "than fivefold, or below zero, keeps its own scale and says so)."
            ),
            caption=caption,
            drawing=horizon_lines(
                view,
                fmt(metric, registry),
                colours(dataset),
                decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month),
                scale=scale,
            ),
            notes=notes,
        ),
        Panel(
            title="Latest period, compared",
            caption=" · ".join(sorted({period_text(r) for r in last.iter_rows(named=True)})),
            table=horizon_table(last, fmt(metric, registry)),
        ),
        drivers_panel(dataset, registry, metric, grain, end, unit, teams=False, key="why-units"),
    )
    feeders = [metric] if "action" in metric.lenses else action_metrics_feeding(registry, metric.id)
    action = tuple(
        frontline_panel(dataset, registry, m, "week", end, unit, decisions) for m in feeders[:2]
    ) or (
        Panel(
            title="No frontline KPI feeds this metric",
            caption="It is built from executive-only measures (see Definitions & lineage).",
        ),
    )
    action += (
        drivers_panel(dataset, registry, metric, grain, end, unit, teams=True, key="why-teams"),
    )
    return Screen(title="Time horizons", rows=(Row(choice=choice, action=action),))


def _unscaled(metric: Metric) -> str:
    """What a metric that is not a sum is, in the caption of a period in progress."""
    if isinstance(metric, SemiAdditiveMetric):
        return "a snapshot"
    if isinstance(metric, RatioMetric) or metric.unit == "percent":
        return "a rate"
    return "a value that is not a sum"


#: How a sum's period in progress is paced to its whole period (the view's ``pace_basis``).
PACE_BASIS = {
    PACE_BY_PATTERN: "by last year's shape of the period",
    PACE_BY_DAYS: "by the days elapsed",
}


def _compared_text(running: pl.DataFrame) -> str:
    """What the periods in progress are compared with: the caption must not say "compared with the
    same days of last year" above a table and a warning that say they are not (6 of 31 days)."""
    reasons = {
        r["last_year_reason"] or "no value"
        for r in running.iter_rows(named=True)
        if not r["last_year_comparable"]
    }
    if not reasons:
        return "it is compared with the same days of last year"
    if len(reasons) == 1 and not running.get_column("last_year_comparable").any():
        return f"not compared with last year yet ({reasons.pop()})"
    return "compared with the same days of last year where like for like (○ marks the others)"


def _not_comparable_notes(last: pl.DataFrame) -> tuple[str, ...]:
    """Why a latest period is not comparable, each reason once: the scopes it applies to named
    together ("every scope" when it is all of them), the comparisons it breaks named together."""
    broken: dict[tuple[str, str, str], list[str]] = {}  # (period, reason, scope) -> comparisons
    for r in last.iter_rows(named=True):
        for what, reason in (
            ("the prior period", r["prior_reason"]),
            ("last year", r["last_year_reason"]),
        ):
            if reason:
                broken.setdefault((r["period_label"], reason, r["scope"]), []).append(what)
    grouped: dict[tuple[str, str, str], list[str]] = {}  # (period, reason, comparisons) -> scopes
    for (period, reason, scope), whats in broken.items():
        grouped.setdefault((period, reason, " and ".join(whats)), []).append(scope)
    everyone = set(last.get_column("scope")) if last.height > 1 else None
    return tuple(
        sorted(
            f"{'Every scope' if set(scopes) == everyone else ', '.join(scopes)} {period}: "
            f"not comparable with {whats} — {reason}"
            for (period, reason, whats), scopes in grouped.items()
        )
    )
