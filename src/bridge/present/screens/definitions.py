"""Definitions & lineage: every metric's definition, the SQL it runs, and where its numbers come from."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from bridge.config.metrics import DerivedMetric, Metric, RatioMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import method_bars
from bridge.present.format import SHARE, NumberFormat, change_text, compact, yes_no
from bridge.present.html_charts import lineage_flow
from bridge.present.screens.common import fmt
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.present.tables import Table, table
from bridge.translate.consistency import consistency
from bridge.translate.evaluate import measures_of
from bridge.translate.lineage import builds_on, feeds, formula, lineage, measure_text
from bridge.translate.request import DefinitionsRequest
from bridge.translate.windows import trailing_year

#: The consistency view's methods, as people call them.
METHODS = {
    "canonical": "The definition (sum ÷ sum)",
    "average_of_daily_team_rates": "Average of daily team rates",
    "average_of_team_rates": "Average of team rates",
    "average_of_reported_rates": "Average of self-reported rates",
}


def definitions_screen(inputs: Inputs, request: DefinitionsRequest) -> Screen:
    dataset, registry = inputs.dataset, inputs.registry
    metric, unit = request.metric, request.unit
    window = trailing_year(request.data_end)
    sources = dict.fromkeys(registry.measure(m)[0].name for m in measures_of(registry, metric.id))
    sql = "\n\n".join(
        f"-- source {name}\n" + inputs.queries.get(name, "(not available)") for name in sources
    )
    span = f"{window.start} – {window.end - dt.timedelta(days=1)}"
    common = (
        Panel(
            title=metric.label,
            caption=metric.description,
            table=_definition_table(registry, metric),
        ),
        Panel(
            title="Lineage: from source tables to decisions",
            drawing=lineage_flow(_links(registry, metric), f"metric: {metric.label}"),
        ),
        Panel(
            title="The query it runs",
            code=sql,
            caption=f"One GROUP BY day × team per source ({inputs.dialect} dialect), shown over "
            "every day: a full load runs it on up to three slices of days at once where the table's "
            "time column leads an index, an incremental refresh from a recent day; Bridge never "
            "reads raw events into the app.",
            # one label for every metric: Streamlit keys an expander by its label too
            fold="SQL, as the source database runs it",
        ),
        Panel(
            title="Frontline components of the executive value" + (f" — {unit}" if unit else ""),
            caption=f"Each team's share of every measure over {span}; the executive value is "
            "computed from these sums, never from team ratios.",
            table=_components(dataset, registry, metric, window.start, window.end, unit),
        ),
        *_consistency(dataset, registry, metric, window.start, window.end, unit),
        Panel(title="All metrics", table=_catalog(registry)),
    )
    return Screen(title="Definitions & lineage", common=common)


def _components(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    start: dt.date,
    end: dt.date,
    unit: str | None,
) -> Table:
    parts = lineage(dataset, registry, metric.id, start, end, unit)
    number = fmt(metric, registry)
    alone = f"{metric.label} (team alone)"
    # A metric that is its one measure's sum (Revenue = sum(revenue)): each team's value is its
    # amount, so the amount is written as the metric is ("$14.7M") and not repeated beside it.
    itself = all(
        a is not None and v is not None and math.isclose(a, v, rel_tol=1e-12)
        for a, v in parts.select("amount", "team_value").iter_rows()
    )
    rows, raw = [], []
    for r in parts.iter_rows(named=True):
        rows.append(
            {
                "Team": r["team_name"] or r["team_id"],
                "Business unit": r["business_unit"] or "Unassigned",
                "Measure": r["measure"],
                # whole numbers from 100 up (as the K and M beside them): never a bare "515.6"
                "Amount": number.value(r["amount"])
                if itself
                else compact(r["amount"], 0 if abs(r["amount"]) >= 100 else 1),
                "Share of the measure": SHARE.value(r["share"]),
                alone: number.value(r["team_value"]),
            }
        )
        raw.append(
            {
                **rows[-1],
                "Amount": r["amount"],
                "Share of the measure": r["share"],
                alone: r["team_value"],
            }
        )
    columns = ("Team", "Business unit", "Measure", "Amount", "Share of the measure")
    return table(rows, columns if itself else (*columns, alone), raw)


def _consistency(
    dataset: Dataset,
    registry: Registry,
    metric: Metric,
    start: dt.date,
    end: dt.date,
    unit: str | None,
) -> tuple[Panel, ...]:
    """For a rate: the canonical value against the usual frontline shortcuts, and why they differ."""
    if not isinstance(metric, RatioMetric):
        return ()
    view = consistency(dataset, registry, metric.id, start, end)
    view = (
        view.filter(pl.col("scope") == unit) if unit else view.filter(pl.col("level") == "company")
    ).with_columns(label=pl.col("method").replace_strict(METHODS, default=pl.col("method")))
    number: NumberFormat = fmt(metric, registry)
    values = number.values(view.get_column("value").to_list())
    rows, raw = [], []
    for r, value in zip(view.iter_rows(named=True), values, strict=True):
        rows.append(
            {
                "Way of computing": r["label"],
                "Value": value,
                "Gap to the definition": change_text(r["gap"], "points"),
                "Safely aggregable": yes_no(r["safely_aggregable"]),
                "Why": r["cause"],
            }
        )
        raw.append({**rows[-1], "Value": r["value"], "Gap to the definition": r["gap"]})
    columns = ("Way of computing", "Value", "Gap to the definition", "Safely aggregable", "Why")
    return (
        Panel(
            title="Why do these numbers differ?",
            caption=f"{unit or 'The company'}, {start} – {end - dt.timedelta(days=1)}: the "
            "canonical rate (sum of numerator ÷ sum of denominator) against the ways teams often "
            "compute it.",
            figure=method_bars(view, number),
            table=table(rows, columns, raw),
        ),
    )


def _definition_table(registry: Registry, metric: Metric) -> Table:
    fed = [registry.metric(m).label for m in feeds(registry, metric.id)]
    served = [registry.decision(d).question for d in metric.decisions if d in registry.decisions]
    rows = [
        ("Formula", formula(registry, metric.id)),
        ("Kind", metric.kind.replace("_", "-")),
        ("Unit", metric.unit),
        ("Better", "higher" if metric.higher_is_better else "lower"),
        ("Owner", metric.owner),
        (
            "Version",
            f"{metric.version}, in effect since {metric.effective_from}"
            + (f" — {metric.changelog}" if metric.changelog else ""),
        ),
        ("Lenses", ", ".join(metric.lenses)),
        ("Decisions served", "; ".join(served) or "—"),
        # built from its measures, not always from it: the lineage below tells which build on it
        ("Executive metrics built from the same numbers", ", ".join(fed) or "—"),
        ("Id in config and links", metric.id),
    ]
    for name in measures_of(registry, metric.id):
        source, measure = registry.measure(name)
        rows.append((f"Measure {name}", measure_text(source, measure)))
    return table([{"Field": f, "Value": v} for f, v in rows], ("Field", "Value"))


def _catalog(registry: Registry) -> Table:
    rows = [
        {
            "Metric": m.label,
            "Kind": m.kind.replace("_", "-"),
            "Formula": formula(registry, m.id),
            "Owner": m.owner,
            "Version": m.version,
            "Lenses": ", ".join(m.lenses),
        }
        for m in registry.metrics.values()
    ]
    return table(rows, ("Metric", "Kind", "Formula", "Owner", "Version", "Lenses"), rows)


def _links(registry: Registry, metric: Metric) -> list[tuple[str, str]]:
    """The lineage's (source, target) pairs, each node written "kind: name"."""
    links: list[tuple[str, str]] = []

    def add(src: str, dst: str) -> None:
        if (src, dst) not in links:
            links.append((src, dst))

    def visit(m: Metric) -> None:
        if isinstance(m, DerivedMetric):
            for ref in m.refs:
                child = registry.metric(ref)
                visit(child)
                add(f"metric: {child.label}", f"metric: {m.label}")
            return
        for name in measures_of(registry, m.id):
            source, _ = registry.measure(name)
            origin = f"table: {source.table}" if source.table else f"query: {source.name}"
            add(origin, f"measure: {name}")
            add(f"measure: {name}", f"metric: {m.label}")

    visit(metric)
    # a metric built on this one is fed by it (Contribution = Revenue - Direct cost); one that only
    # shares its measures is fed by them (On-time delivery rate shares its denominator with Orders)
    mine = measures_of(registry, metric.id)
    for other in feeds(registry, metric.id):
        if other == metric.id:
            continue
        label = f"metric: {registry.metric(other).label}"
        if builds_on(registry, other, metric.id):
            add(f"metric: {metric.label}", label)
            continue
        theirs = set(measures_of(registry, other))
        for name in (n for n in mine if n in theirs):
            add(f"measure: {name}", label)
    for decision in registry.decisions.values():
        if metric.id in (decision.x.metric, decision.y.metric, decision.size.metric):
            add(f"metric: {metric.label}", f"decision: {decision.question}")
    return links
