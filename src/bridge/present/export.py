"""Taking a view out of the app: the executive brief (one self-contained HTML file), CSV and PNG.

The brief embeds plotly.js once, inline, and references nothing outside the file, so it opens offline
and can be mailed to a board. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import io

import plotly.graph_objects as go
import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import BridgeError
from bridge.present.charts import horizon_multiples, horizon_table, tradeoff_bubbles, unit_colours
from bridge.translate.horizon import horizon
from bridge.translate.lineage import formula
from bridge.translate.tradeoff import tradeoff

RECENT_DECISIONS = 10
_PLOT_CONFIG = {"displaylogo": False, "responsive": True}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem}h1{margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}td,th{border:1px solid #ddd;
padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f5f5f5}.muted{color:#666}
"""


class ExportUnavailable(BridgeError):
    """An export format cannot be produced on this machine (the message says what is missing)."""


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A view table as UTF-8 CSV."""
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


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
    palette = unit_colours(dataset.org.get_column("business_unit").to_list())
    return tradeoff_bubbles(tradeoff(dataset, registry, decision.id, end), decision, palette)


def brief_html(
    dataset: Dataset,
    registry: Registry,
    as_of: dt.date,
    decisions: pl.DataFrame,
    reviews: pl.DataFrame,
    *,
    grain: str = "quarter",
) -> str:
    """The executive brief: trade-offs, time horizons of the headline metrics, the definitions of
    every metric shown, and the recent decisions with their review status."""
    company = registry.sources_file.org.company_name
    palette = unit_colours(dataset.org.get_column("business_unit").to_list())
    shown: list[str] = []
    parts: list[str] = []
    first_chart = True

    def chart(figure: go.Figure) -> str:
        nonlocal first_chart
        text = figure.to_html(full_html=False, include_plotlyjs=first_chart, config=_PLOT_CONFIG)
        first_chart = False
        return str(text)

    parts.append("<h2>Trade-offs</h2>")
    for decision in registry.decisions.values():
        view = tradeoff(dataset, registry, decision.id, as_of)
        parts.append(
            f"<h3>{_e(decision.question)}</h3><p class='muted'>Owner: {_e(decision.owner)}. "
            f"{_e(decision.description)}</p>"
        )
        parts.append(chart(tradeoff_bubbles(view, decision, palette)))
        parts.append(
            _table(
                view.select(
                    "business_unit",
                    "quadrant",
                    "investment_share",
                    "contribution_share",
                    "on_frontier",
                )
            )
        )
        shown += [a.metric for a in (decision.x, decision.y, decision.size)]
    parts.append("<h2>Time horizons</h2>")
    for metric in [m for m in registry.metrics.values() if m.headline]:
        view = horizon(dataset, registry, metric.id, grain, as_of)  # type: ignore[arg-type]
        parts.append(f"<h3>{_e(metric.label)}</h3>")
        parts.append(chart(horizon_multiples(view, metric, palette)))
        parts.append(_table(horizon_table(view, metric)))
        shown.append(metric.id)
    parts.append("<h2>Recent decisions</h2>")
    parts.append(_decisions(decisions, reviews))
    parts.append("<h2>Definitions</h2>")
    rows = [
        {
            "metric": m.label,
            "id": m.id,
            "formula": formula(registry, m.id),
            "definition": m.description,
            "owner": m.owner,
            "version": f"{m.version} (since {m.effective_from})",
        }
        for m in (registry.metric(i) for i in dict.fromkeys(shown))
    ]
    parts.append(_table(pl.DataFrame(rows)))
    head = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(company)} — executive brief, {as_of}</title><style>{_STYLE}</style></head>"
    )
    intro = (
        f"<h1>{_e(company)} — executive brief</h1><p class='muted'>Data before {as_of}. "
        "Every rate is a ratio of sums; comparisons that are not like for like say so.</p>"
    )
    return head + "<body>" + intro + "".join(parts) + "</body></html>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "<p class='muted'>Nothing to show.</p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _decisions(decisions: pl.DataFrame, reviews: pl.DataFrame) -> str:
    if decisions.is_empty():
        return "<p class='muted'>No decision recorded yet.</p>"
    recent = decisions.head(RECENT_DECISIONS).join(reviews, on="id", how="left")
    return _table(
        recent.select(
            "decided_on",
            "decision_id",
            "scope",
            "choice",
            "rationale",
            "author",
            "metric_id",
            "expected",
            "review_on",
            "status",
            "value_at_decision",
            "value_now",
        )
    )
