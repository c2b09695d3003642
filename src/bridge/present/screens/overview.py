"""Overview: the headline executive metrics per business unit, each next to the frontline KPIs feeding it."""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.calendar import ExecutiveGrain
from bridge.config.metrics import Metric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import status_bars, unit_bars
from bridge.present.format import format_change, format_value
from bridge.present.screens.common import action_metrics_feeding, colours, fix_now_panel
from bridge.present.screens.model import Inputs, Kpi, Panel, Screen
from bridge.translate.frontline import status_summary
from bridge.translate.horizon import horizon
from bridge.translate.request import OverviewRequest


def overview_screen(inputs: Inputs, request: OverviewRequest) -> Screen:
    dataset, registry = inputs.dataset, inputs.registry
    grain, unit, end = request.grain, request.unit, request.data_end
    headline = [m for m in registry.metrics.values() if m.headline] or registry.metrics_for_lens(
        "choice"
    )[:3]
    choice = [_executive_panel(dataset, registry, m, grain, end, unit) for m in headline]
    action: list[Panel] = []
    for metric in headline:
        feeders = [m.id for m in action_metrics_feeding(registry, metric.id)]
        if not feeders:
            action.append(
                Panel(
                    title=f"Feeding {metric.label}: no frontline KPI",
                    caption="It is computed from executive-only measures.",
                )
            )
            continue
        summary = status_summary(dataset, registry, feeders, end, business_unit=unit)
        action.append(
            Panel(
                title=f"Feeding {metric.label}",
                caption="Teams against their own targets in the latest complete week, per business "
                "unit, for each frontline KPI built from the same numbers.",
                figure=status_bars(summary, f"Teams against target, feeding {metric.label}"),
                table=summary.select(
                    pl.col("business_unit").alias("business unit"),
                    pl.col("metric_label").alias("KPI"),
                    pl.col("period_label").alias("week"),
                    pl.col("on_track").alias("on track"),
                    pl.col("at_risk").alias("at risk"),
                    pl.col("off_track").alias("off track"),
                ),
            )
        )
    action.append(fix_now_panel(dataset, registry, end, unit))
    return Screen(title="Overview", action=tuple(action), choice=tuple(choice))


def _executive_panel(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    grain: ExecutiveGrain,
    end: dt.date,
    unit: str | None,
) -> Panel:
    view = horizon(dataset, registry, metric.id, grain, end, periods=1)
    if unit is not None:
        view = view.filter((pl.col("scope") == unit) | (pl.col("level") == "company"))
    company = view.filter(pl.col("level") == "company")
    kpis = []
    for row in company.iter_rows(named=True):
        ok = row["last_year_comparable"]
        kpis.append(
            Kpi(
                label=f"{row['scope']} · {row['period_label']}"
                + (" to date" if row["in_progress"] else ""),
                value=format_value(row["value"], metric),
                delta=(format_change(row["last_year_change"], row["change_kind"]) + " vs last year")
                if ok
                else f"not comparable: {row['last_year_reason']}",
                delta_color=("normal" if metric.higher_is_better else "inverse") if ok else "off",
                help=metric.description,
            )
        )
    units = view.filter(pl.col("level") == "business_unit").sort("scope")
    figure = unit_bars(
        units,
        metric,
        colours(dataset),
        f"{metric.label} by business unit vs the same part of last year",
    )
    notes = tuple(
        f"{r['scope']}: not comparable with last year — {r['last_year_reason']}"
        for r in units.iter_rows(named=True)
        if not r["last_year_comparable"]
    )
    return Panel(
        title=metric.label,
        help=f"{metric.description} Owner: {metric.owner}.",
        kpis=tuple(kpis),
        figure=figure,
        notes=notes,
    )
