"""Taking Bridge out of the app: the executive brief (a board memo in one HTML file), and PNG.

The brief is written for print: a summary first (headline metrics with their like-for-like changes,
decisions due for review, where each unit stands on each decision), then the headline metrics by
business unit, the trade-offs, recent decisions and the definitions of every metric shown. Charts are
small inline SVG (:mod:`bridge.present.svg`), so the file weighs tens of KiB, opens offline, prints
on a few A4 pages and needs no browser to be written. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go
import polars as pl

from bridge.config.metrics import Metric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import BridgeError
from bridge.money import Currency
from bridge.present import svg
from bridge.present.charts import tradeoff_bubbles
from bridge.present.decisions import rule_text, tradeoff_spec
from bridge.present.format import of
from bridge.present.palette import unit_colours
from bridge.present.screens.common import why_moved
from bridge.present.screens.overview import headline_metrics
from bridge.present.tables import Table, comparison, period_text, table
from bridge.translate.horizon import horizon
from bridge.translate.lineage import formula
from bridge.translate.tradeoff import tradeoff

RECENT_DECISIONS = 8
_STYLE = """
@page{size:A4;margin:14mm 12mm}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:9.5pt;line-height:1.35;
color:#222;margin:0 auto;max-width:190mm}
h1{font-size:16pt;margin:0 0 2pt}h2{font-size:12pt;margin:12pt 0 4pt;border-bottom:1px solid #ccc}
h3{font-size:10pt;margin:8pt 0 2pt}p{margin:2pt 0 4pt}.muted{color:#666}
table{border-collapse:collapse;margin:3pt 0 6pt;font-size:8.5pt;width:100%}
td,th{border:1px solid #ddd;padding:2pt 4pt;text-align:left;vertical-align:top}th{background:#f3f3f3}
.summary{border:1px solid #bbb;padding:4pt 8pt;background:#fafafa}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:6pt}.chart{width:100%;height:auto}
section{break-inside:avoid-page}figure{margin:0;break-inside:avoid}figcaption{font-size:8.5pt;color:#444}
"""


class ExportUnavailable(BridgeError):
    """An export format cannot be produced on this machine (the message says what is missing)."""


def png_bytes(figure: go.Figure, *, width: int = 1200, height: int = 700) -> bytes:
    """A chart as PNG, rendered by kaleido with the machine's Chromium — or a clear refusal."""
    try:
        return bytes(figure.to_image(format="png", width=width, height=height))
    except Exception as exc:  # kaleido missing, or no Chromium it can drive
        raise ExportUnavailable(
            "PNG export needs the kaleido package and a Chromium browser on the server "
            f"(on Debian: apt-get install chromium); it failed with: {str(exc).splitlines()[0][:200]}"
        ) from None


def tradeoff_png_figure(dataset: Dataset, registry: Registry, end: dt.date) -> go.Figure | None:
    """The first decision's bubble chart (for a PNG), or None when no decision is configured."""
    decision = next(iter(registry.decisions.values()), None)
    if decision is None:
        return None
    view = tradeoff(dataset, registry, decision.id, end)
    return tradeoff_bubbles(view, tradeoff_spec(decision, registry), unit_colours(dataset.units))


def brief_html(
    dataset: Dataset,
    registry: Registry,
    end: dt.date,
    decisions: pl.DataFrame,
    reviews: pl.DataFrame,
) -> str:
    """The executive brief for data before ``end``: summary, headline metrics by unit, trade-offs,
    recent decisions, definitions."""
    company = registry.company
    palette = unit_colours(dataset.units)
    headline = headline_metrics(registry)
    views = {m.id: horizon(dataset, registry, m.id, "quarter", end, periods=2) for m in headline}
    tradeoffs = {d.id: tradeoff(dataset, registry, d.id, end) for d in registry.decisions.values()}
    through = dataset.last_day_until(end - dt.timedelta(days=1))
    parts = [
        f"<h1>{_e(company)} — executive brief</h1>",
        f"<p class='muted'>Data through {through} (before {end}). Every rate is a ratio of sums; "
        "a period in progress is compared with the same days of last year's; comparisons that are "
        "not like for like say so.</p>",
        _summary(
            registry,
            headline,
            views,
            tradeoffs,
            decisions,
            reviews,
            end,
            [why_moved(dataset, registry, m, "quarter", end, None)[1] for m in headline],
        ),
        "<h2>Headline metrics by business unit</h2><div class='grid'>",
    ]
    for metric in headline:
        parts.append(_unit_figure(metric, views[metric.id], registry.currency))
    parts.append("</div><h2>Trade-offs</h2><div class='grid'>")
    for decision in registry.decisions.values():
        spec = tradeoff_spec(decision, registry)
        view = tradeoffs[decision.id]
        chart = svg.bubbles(view.to_dicts(), spec, palette, decision.question)
        parts.append(
            f"<figure><h3>{_e(decision.question)}</h3>{chart}<figcaption>{_e(rule_text(decision, registry))} "
            f"Owner: {_e(decision.owner)}.</figcaption></figure>"
        )
    parts.append("</div>")
    parts.append("<h2>Recent decisions</h2>")
    parts.append(_decisions(decisions, reviews, registry))
    parts.append("<h2>Definitions</h2>")
    shown = dict.fromkeys(
        [m.id for m in headline]
        + [a.metric for d in registry.decisions.values() for a in (d.x, d.y, d.size)]
    )
    rows = [
        {
            "Metric": m.label,
            "Formula": formula(registry, m.id),
            "Owner": m.owner,
            "Version": f"{m.version} (since {m.effective_from})",
        }
        for m in (registry.metric(i) for i in shown)
    ]
    parts.append(_table(table(rows, ("Metric", "Formula", "Owner", "Version"))))
    head = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(company)} — executive brief, data through {through}</title>"
        f"<style>{_STYLE}</style></head>"
    )
    return head + "<body>" + "".join(parts) + "</body></html>"


def _summary(
    registry: Registry,
    headline: list[Metric],
    views: dict[str, pl.DataFrame],
    tradeoffs: dict[str, pl.DataFrame],
    decisions: pl.DataFrame,
    reviews: pl.DataFrame,
    end: dt.date,
    why: list[str],
) -> str:
    company = registry.company
    rows = []
    for metric in headline:
        view = views[metric.id].filter(pl.col("level") == "company").sort("period_start")
        if view.is_empty():
            continue
        r = view.row(-1, named=True)
        number = of(metric, registry.currency)
        rows.append(
            {
                "Metric": metric.label,
                "Period": period_text(r),
                company: number.value(r["value"]),
                "vs same period last year": comparison(
                    r["last_year_change"],
                    r["change_kind"],
                    r["last_year_comparable"],
                    r["last_year_reason"],
                ),
                "vs plan": "no plan set"
                if r["plan_value"] is None
                else comparison(r["plan_change"], r["change_kind"], True, None),
            }
        )
    columns = ("Metric", "Period", company, "vs same period last year", "vs plan")
    placements = "".join(
        f"<li><b>{_e(d.question)}</b> "
        + _e(
            "; ".join(
                f"{q}: {', '.join(units)}" for q, units in _by_quadrant(tradeoffs[d.id]).items()
            )
        )
        + "</li>"
        for d in registry.decisions.values()
    )
    due = decisions.join(reviews, on="id", how="left").filter(pl.col("review_on") <= end)
    due_text = (
        "<p>No decision is due for review.</p>"
        if due.is_empty()
        else "<ul>"
        + "".join(
            f"<li>{_e(r['scope'])}: {_e(r['choice'])} (decided {r['decided_on']}, review "
            f"{r['review_on']}) — {_e(r['status'])}</li>"
            for r in due.iter_rows(named=True)
        )
        + "</ul>"
    )
    return (
        "<section class='summary'><h2>Summary</h2>"
        + _table(table(rows, columns))
        + "".join(f"<p class='why'>{_e(said)}</p>" for said in why if said)
        + "<h3>Where each unit stands</h3><ul>"
        + placements
        + "</ul><h3>Decisions due for review</h3>"
        + due_text
        + "</section>"
    )


def _by_quadrant(view: pl.DataFrame) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for unit, quadrant in view.select("business_unit", "quadrant").iter_rows():
        groups.setdefault(quadrant or "not placed", []).append(unit)
    return groups


def _unit_figure(metric: Metric, view: pl.DataFrame, currency: Currency) -> str:
    units = view.filter(pl.col("level") == "business_unit")
    latest = units.filter(pl.col("period_start") == pl.col("period_start").max()).sort("scope")
    if latest.is_empty():
        return f"<figure><h3>{_e(metric.label)}</h3><p class='muted'>No data.</p></figure>"
    first = latest.row(0, named=True)
    running = bool(first["in_progress"])
    names = (
        f"{first['period_label']} so far" if running else str(first["period_label"]),
        f"the same {first['days']} days last year" if running else "the same period last year",
    )
    chart = svg.bars(
        latest.get_column("scope").to_list(),
        latest.get_column("value").to_list(),
        latest.get_column("last_year_value").to_list(),
        of(metric, currency),
        names,
        f"{metric.label} by business unit",
    )
    return f"<figure><h3>{_e(metric.label)}</h3>{chart}</figure>"


def _decisions(decisions: pl.DataFrame, reviews: pl.DataFrame, registry: Registry) -> str:
    if decisions.is_empty():
        return "<p class='muted'>No decision recorded yet.</p>"
    recent = decisions.head(RECENT_DECISIONS).join(
        reviews, on="id", how="left", maintain_order="left"
    )
    rows = [
        {
            "Decided on": r["decided_on"],
            "Question": registry.decisions[r["decision_id"]].question
            if r["decision_id"] in registry.decisions
            else r["decision_id"],
            "Business unit": r["scope"],
            "Choice": r["choice"],
            "Rationale": r["rationale"],
            "Decided by": r["author"],
            "Review": f"{r['review_on']}: {r['status']}",
        }
        for r in recent.iter_rows(named=True)
    ]
    columns = (
        "Decided on",
        "Question",
        "Business unit",
        "Choice",
        "Rationale",
        "Decided by",
        "Review",
    )
    return _table(table(rows, columns))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(shown: Table) -> str:
    if shown.shown.is_empty():
        return "<p class='muted'>Nothing to show.</p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.shown.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
        for row in shown.shown.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
