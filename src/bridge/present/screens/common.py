"""Shared pieces of the screen builders: unit colours, decision marks, frontline panels."""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.calendar import FrontlineGrain, Grain, period_label, period_start
from bridge.config.metrics import Metric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import frontline_heatmap, unit_colours
from bridge.present.format import format_value
from bridge.present.screens.model import Panel
from bridge.translate.frontline import fix_now, frontline
from bridge.translate.lineage import feeds
from bridge.translate.windows import latest

TOP_FIXES = 8


def colours(dataset: Dataset) -> dict[str, str]:
    return unit_colours(dataset.org.get_column("business_unit").to_list())


def has_targets(dataset: Dataset, metric_id: str) -> bool:
    return not dataset.targets.filter(pl.col("metric_id") == metric_id).is_empty()


def action_metrics_feeding(registry: Registry, metric_id: str) -> list[Metric]:
    """Frontline (action-lens) metrics whose numbers feed ``metric_id``."""
    return [m for m in registry.metrics_for_lens("action") if metric_id in feeds(registry, m.id)]


def decision_marks(decisions: pl.DataFrame, grain: Grain, fiscal_start: int) -> pl.DataFrame:
    """Where each recorded decision falls on a chart of ``grain``: scope, period label, hover text."""
    rows = [
        {
            "scope_level": r["scope_level"],
            "scope": r["scope"],
            "period_label": period_label(
                period_start(r["decided_on"], grain, fiscal_start), grain, fiscal_start
            ),
            "text": f"Decision {r['decided_on']}: {r['choice']} ({r['decision_id']}) — "
            f"{r['rationale'][:120]} · {r['author']}",
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
    as_of: dt.date,
    unit: str | None,
    decisions: pl.DataFrame | None = None,
) -> Panel:
    """Team × period status against target for one frontline metric (decisions starred)."""
    view = frontline(dataset, registry, metric.id, grain, as_of, business_unit=unit)
    if view.is_empty():
        return Panel(title=f"{metric.label} by team", notes=("No team data in this scope.",))
    counts = latest(view, complete=True).group_by("status").len().sort("status")
    summary = ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
    caption = f"Latest complete {grain}: {summary}." + (
        "" if has_targets(dataset, metric.id) else " No team targets are set for this metric."
    )
    return Panel(
        title=f"{metric.label} by team ({grain})",
        caption=caption,
        help=metric.description,
        figure=frontline_heatmap(
            view,
            metric,
            None
            if decisions is None
            else decision_marks(decisions, grain, registry.calendar.fiscal_year_start_month),
        ),
    )


def fix_now_panel(
    dataset: Dataset,
    registry: Registry,
    as_of: dt.date,
    unit: str | None,
    grain: FrontlineGrain = "week",
) -> Panel:
    ranked = fix_now(dataset, registry, as_of, grain, business_unit=unit)
    if ranked.is_empty():
        return Panel(
            title="Fix now", caption="Every team is on target in the latest complete period."
        )
    table = (
        ranked.head(TOP_FIXES)
        .with_columns(
            value=pl.struct("metric_id", "value").map_elements(
                lambda r: format_value(r["value"], registry.metric(r["metric_id"])),
                return_dtype=pl.String,
            ),
            target=pl.struct("metric_id", "target").map_elements(
                lambda r: format_value(r["target"], registry.metric(r["metric_id"])),
                return_dtype=pl.String,
            ),
        )
        .select(
            "rank",
            "team_name",
            "business_unit",
            "metric_label",
            "period_label",
            "value",
            "target",
            "status",
            "feeds",
        )
    )
    return Panel(
        title="Fix now",
        table=table,
        caption="Misses in the latest complete period, ranked by shortfall × the team's "
        "share of volume; 'feeds' names the executive metrics each one moves.",
    )
