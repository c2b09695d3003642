"""Definitions & lineage: every metric's definition, the SQL it runs, and where its numbers come from."""

from __future__ import annotations

import polars as pl

from bridge.charts import lineage_sankey
from bridge.dataset import Dataset
from bridge.evaluate import measures_of
from bridge.format import format_share
from bridge.load import source_sql
from bridge.registry import Registry
from bridge.screens.common import pick_metric, pick_unit
from bridge.screens.model import PageRequest, Panel, Screen
from bridge.spec.metrics import DerivedMetric, Metric
from bridge.translate.lineage import feeds, formula, lineage, measure_text
from bridge.translate.windows import trailing_year


def definitions_screen(
    dataset: Dataset, registry: Registry, request: PageRequest, decisions: pl.DataFrame
) -> Screen:
    metric = pick_metric(registry, request.metric, "choice")
    unit = pick_unit(dataset, request.unit)
    window = trailing_year(request.as_of)
    sources = {
        registry.measure(m)[0].name: registry.measure(m)[0]
        for m in measures_of(registry, metric.id)
    }
    sql = "\n\n".join(
        f"-- source {name}\n" + source_sql(src, request.dialect, window.start, window.end)
        for name, src in sources.items()
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
            caption=f"One GROUP BY day × team per source ({request.dialect} dialect), here for the "
            "trailing twelve months; Bridge never reads raw events into the app.",
        ),
        Panel(
            title="Frontline components of the executive value" + (f" — {unit}" if unit else ""),
            caption=f"Each team's share of every measure over {window.start} – {window.end}; "
            "the executive value is computed from these sums, never from team ratios.",
            table=components.with_columns(
                share=pl.col("share").map_elements(format_share, return_dtype=pl.String)
            ),
        ),
        Panel(title="All metrics", table=_catalog(registry)),
    )
    return Screen(title="Definitions & lineage", common=common)


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
