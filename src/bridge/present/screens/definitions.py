"""Definitions & lineage: every metric's definition, the SQL it runs, and where its numbers come from."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from bridge.config.metrics import DerivedMetric, Metric, RatioMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import lineage_sankey
from bridge.present.format import format_change, format_share, format_value
from bridge.present.screens.model import Inputs, Panel, Screen
from bridge.translate.consistency import consistency
from bridge.translate.evaluate import measures_of
from bridge.translate.lineage import feeds, formula, lineage, measure_text
from bridge.translate.request import DefinitionsRequest
from bridge.translate.windows import trailing_year


def definitions_screen(inputs: Inputs, request: DefinitionsRequest) -> Screen:
    dataset, registry = inputs.dataset, inputs.registry
    metric, unit = request.metric, request.unit
    window = trailing_year(request.data_end)
    sources = dict.fromkeys(registry.measure(m)[0].name for m in measures_of(registry, metric.id))
    sql = "\n\n".join(
        f"-- source {name}\n" + inputs.queries.get(name, "(not available)") for name in sources
    )
    components = lineage(dataset, registry, metric.id, window.start, window.end, unit)
    common = (
        Panel(
            title=f"{metric.label} ({metric.id})",
            caption=metric.description,
            table=_definition_table(registry, metric),
        ),
        Panel(title="Lineage: from source tables to decisions", figure=_sankey(registry, metric)),
        Panel(
            title="The query it runs",
            code=sql,
            caption=f"One GROUP BY day × team per source ({inputs.dialect} dialect), for every day "
            "on a full load (from a recent day on an incremental refresh); Bridge never reads raw "
            "events into the app.",
        ),
        Panel(
            title="Frontline components of the executive value" + (f" — {unit}" if unit else ""),
            caption=f"Each team's share of every measure over {window.start} – {window.end}; "
            "the executive value is computed from these sums, never from team ratios.",
            table=components.with_columns(
                share=pl.col("share").map_elements(format_share, return_dtype=pl.String)
            ),
        ),
        *_consistency(dataset, registry, metric, window.start, window.end, unit),
        Panel(title="All metrics", table=_catalog(registry)),
    )
    return Screen(title="Definitions & lineage", common=common)


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
    )
    figure = go.Figure(
        go.Bar(
            x=view.get_column("method").str.replace_all("_", " ").to_list(),
            y=view.get_column("value").to_list(),
            marker={
                "color": [
                    "#0072B2" if safe else "#E69F00"
                    for safe in view.get_column("safely_aggregable")
                ]
            },
            text=[format_value(v, metric) for v in view.get_column("value")],
            textposition="outside",
        )
    )
    figure.update_layout(
        title=f"{metric.label}: the definition (blue) against the shortcuts",
        height=340,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    figure.update_yaxes(tickformat=".0%")
    table = view.select(
        "method",
        pl.col("value").map_elements(lambda v: format_value(v, metric), return_dtype=pl.String),
        pl.col("gap").map_elements(lambda g: format_change(g, "points"), return_dtype=pl.String),
        "safely_aggregable",
        "cause",
    )
    return (
        Panel(
            title="Why do these numbers differ?",
            caption=f"{unit or 'The company'}, {start} – {end}: the canonical rate (sum of numerator "
            "/ sum of denominator) against the ways teams often compute it.",
            figure=figure,
            table=table,
        ),
    )


def _definition_table(registry: Registry, metric: Metric) -> pl.DataFrame:
    rows = [
        ("formula", formula(registry, metric.id)),
        ("kind", metric.kind),
        ("unit", metric.unit),
        ("better", "higher" if metric.higher_is_better else "lower"),
        ("owner", metric.owner),
        (
            "version",
            f"{metric.version}, in effect since {metric.effective_from}"
            + (f" — {metric.changelog}" if metric.changelog else ""),
        ),
        ("lenses", ", ".join(metric.lenses)),
        ("decisions served", ", ".join(metric.decisions) or "—"),
        ("feeds executive metrics", ", ".join(feeds(registry, metric.id)) or "—"),
    ]
    for name in measures_of(registry, metric.id):
        source, measure = registry.measure(name)
        rows.append((f"measure {name}", measure_text(source, measure)))
    return pl.DataFrame(rows, schema=["field", "value"], orient="row")


def _catalog(registry: Registry) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "id": m.id,
                "label": m.label,
                "kind": m.kind,
                "formula": formula(registry, m.id),
                "owner": m.owner,
                "version": m.version,
                "lenses": ", ".join(m.lenses),
            }
            for m in registry.metrics.values()
        ]
    )


def _sankey(registry: Registry, metric: Metric) -> object:
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
            add(f"table: {source.table}", f"measure: {name}")
            add(f"measure: {name}", f"metric: {m.label}")

    visit(metric)
    for other in feeds(registry, metric.id):
        if other != metric.id:
            add(f"metric: {metric.label}", f"metric: {registry.metric(other).label}")
    for decision in registry.decisions.values():
        if metric.id in (decision.x.metric, decision.y.metric, decision.size.metric):
            add(f"metric: {metric.label}", f"decision: {decision.question}")
    frame = pl.DataFrame(links, schema=["source", "target"], orient="row").with_columns(
        value=pl.lit(1.0)
    )
    return lineage_sankey(frame, f"Where {metric.label} comes from and what it informs")
