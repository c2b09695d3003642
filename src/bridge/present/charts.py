"""Chart builders: a view (a Polars frame) in, a ``plotly.graph_objects.Figure`` out.

No Streamlit, no loading, no caching. Colours come from the Okabe–Ito palette (colour-blind safe); each
business unit keeps one colour on every chart because colours are assigned by sorted unit name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from bridge.config.decisions import Decision, DiagonalRule, QuadrantRule
from bridge.config.metrics import MetricBase
from bridge.present.format import format_change, format_share, format_value

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
COMPANY_COLOUR = "#555555"
STATUS_COLOURS = {
    "on track": "#009E73",
    "at risk": "#E69F00",
    "off track": "#D55E00",
    "no target": "#BBBBBB",
}
STATUS_CODES = {"off track": 0, "at risk": 1, "on track": 2, "no target": 3}


def unit_colours(units: Iterable[str]) -> dict[str, str]:
    """One stable colour per business unit (by sorted name)."""
    return {u: OKABE_ITO[i % len(OKABE_ITO)] for i, u in enumerate(sorted(set(units)))}


def _axis_format(metric: MetricBase) -> str:
    return ".0%" if metric.unit == "percent" else "~s"


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


# --- trade-offs -----------------------------------------------------------------------------------


def tradeoff_bubbles(view: pl.DataFrame, decision: Decision, colours: dict[str, str]) -> go.Figure:
    """Business units on the decision's axes, bubble area ∝ size, with the rule's lines and labels.

    One trace per unit (so legend colours match every other chart); ``customdata`` holds the unit name,
    which the app reads back from a click to drill down.
    """
    fig = go.Figure()
    placed = view.drop_nulls(["x", "y"])
    sizes = placed.get_column("size").fill_null(0).to_list()
    biggest = max([abs(s) for s in sizes] + [1e-9])
    for row in placed.iter_rows(named=True):
        size = abs(row["size"] or 0.0)
        fig.add_trace(
            go.Scatter(
                x=[row["x"]],
                y=[row["y"]],
                mode="markers+text",
                name=row["business_unit"],
                text=[row["business_unit"]],
                textposition="top center",
                customdata=[[row["business_unit"], row["quadrant"]]],
                marker={
                    "size": [18 + 52 * (size / biggest) ** 0.5],
                    "color": colours.get(row["business_unit"]),
                    "line": {"width": 2 if row["on_frontier"] else 0, "color": "#000000"},
                    "opacity": 0.85,
                },
                hovertemplate=(
                    f"<b>%{{customdata[0]}}</b><br>{decision.x.label or decision.x.metric}: "
                    "%{x:.1%}<br>"
                    f"{decision.y.label or decision.y.metric}: %{{y:.1%}}<br>"
                    "quadrant: %{customdata[1]}<extra></extra>"
                ),
            )
        )
    _rule_shapes(fig, decision, placed)
    fig.update_xaxes(title=decision.x.label or decision.x.metric, tickformat=".0%", zeroline=False)
    fig.update_yaxes(title=decision.y.label or decision.y.metric, tickformat=".0%", zeroline=False)
    return _layout(fig, decision.question, height=480)


def _rule_shapes(fig: go.Figure, decision: Decision, placed: pl.DataFrame) -> None:
    xs, ys = placed.get_column("x").to_list(), placed.get_column("y").to_list()
    rule = decision.rule
    if isinstance(rule, QuadrantRule):
        fig.add_vline(x=rule.x_threshold, line_dash="dash", line_color="#888888")
        fig.add_hline(y=rule.y_threshold, line_dash="dash", line_color="#888888")
        lo_x, hi_x = min([*xs, rule.x_threshold]), max([*xs, rule.x_threshold])
        lo_y, hi_y = min([*ys, rule.y_threshold]), max([*ys, rule.y_threshold])
        pad_x, pad_y = (hi_x - lo_x) * 0.15 or 0.05, (hi_y - lo_y) * 0.15 or 0.05
        for label, x, y, anchor in (
            (rule.high_x_high_y, hi_x + pad_x, hi_y + pad_y, "right"),
            (rule.low_x_high_y, lo_x - pad_x, hi_y + pad_y, "left"),
            (rule.high_x_low_y, hi_x + pad_x, lo_y - pad_y, "right"),
            (rule.low_x_low_y, lo_x - pad_x, lo_y - pad_y, "left"),
        ):
            fig.add_annotation(
                x=x,
                y=y,
                text=f"<b>{label}</b>",
                showarrow=False,
                xanchor=anchor,
                font={"color": "#666666", "size": 13},
            )
    elif isinstance(rule, DiagonalRule):
        top = max([*xs, *ys, 0.01]) * 1.1
        fig.add_trace(
            go.Scatter(
                x=[0, top],
                y=[0, top],
                mode="lines",
                name="y = x",
                line={"dash": "dash", "color": "#888888"},
                hoverinfo="skip",
            )
        )
        fig.add_annotation(
            x=top * 0.2,
            y=top * 0.9,
            text=f"<b>{rule.above}</b>",
            showarrow=False,
            font={"color": "#666666"},
        )
        fig.add_annotation(
            x=top * 0.8,
            y=top * 0.1,
            text=f"<b>{rule.below}</b>",
            showarrow=False,
            font={"color": "#666666"},
        )


def share_bars(view: pl.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Share of investment against share of contribution, per business unit."""
    fig = go.Figure()
    units = view.get_column("business_unit").to_list()
    for column, name, pattern in (
        ("investment_share", "Share of investment", "/"),
        ("contribution_share", "Share of contribution", ""),
    ):
        values = view.get_column(column).to_list()
        fig.add_trace(
            go.Bar(
                x=units,
                y=values,
                name=name,
                marker={"color": [colours.get(u) for u in units], "pattern": {"shape": pattern}},
                text=[format_share(v) for v in values],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", title="share of company total")
    return _layout(fig, "Where investment goes vs where contribution comes from")


# --- time horizons --------------------------------------------------------------------------------


def horizon_multiples(
    view: pl.DataFrame,
    metric: MetricBase,
    colours: dict[str, str],
    marks: pl.DataFrame | None = None,
) -> go.Figure:
    """One small chart per scope: the value per period, with the same period last year dashed.

    Periods whose comparison is not like for like carry an open marker and say why on hover.
    ``marks`` (scope_level, scope, period_label, text) puts a star on the period of each recorded
    decision: in its unit's chart and in the company's.
    """
    scopes = list(dict.fromkeys(view.sort("level", descending=True).get_column("scope").to_list()))
    cols = min(len(scopes), 3) or 1
    rows = (len(scopes) + cols - 1) // cols or 1
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=scopes, shared_xaxes=True, vertical_spacing=0.12
    )
    for i, scope in enumerate(scopes):
        everything = view.filter(pl.col("scope") == scope).sort("period_start")
        # A period in progress is drawn apart (an open diamond, no line into it): a quarter 60 days
        # in must not look like a collapse against full quarters.
        part = everything.filter(~pl.col("in_progress"))
        current = everything.filter(pl.col("in_progress"))
        colour = colours.get(scope, COMPANY_COLOUR)
        r, c = i // cols + 1, i % cols + 1
        labels = part.get_column("period_label").to_list()
        comparable = part.get_column("last_year_comparable").to_list()
        hover = [
            f"{format_value(v, metric)} · vs last year {format_change(ch, k)}"
            if ok
            else f"{format_value(v, metric)} · not comparable: {why}"
            for v, ch, k, ok, why in part.select(
                "value",
                "last_year_change",
                "change_kind",
                "last_year_comparable",
                "last_year_reason",
            ).iter_rows()
        ]
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=part.get_column("value").to_list(),
                mode="lines+markers",
                name=scope,
                line={"color": colour},
                hovertext=hover,
                hoverinfo="text+x",
                legendgroup=scope,
                marker={
                    "symbol": ["circle" if ok else "circle-open" for ok in comparable],
                    "size": 7,
                },
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=part.get_column("last_year_value").to_list(),
                mode="lines",
                name=f"{scope} · last year",
                line={"color": colour, "dash": "dot", "width": 1},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=scope,
            ),
            row=r,
            col=c,
        )
        for row in current.iter_rows(named=True):
            versus = (
                f"vs the same days last year {format_change(row['last_year_change'], row['change_kind'])}"
                if row["last_year_comparable"]
                else f"not comparable: {row['last_year_reason']}"
            )
            fig.add_trace(
                go.Scatter(
                    x=[row["period_label"]],
                    y=[row["value"]],
                    mode="markers",
                    name=f"{scope} · to date",
                    marker={"symbol": "diamond-open", "size": 10, "color": colour},
                    hovertext=[
                        f"{row['period_label']} to date ({row['days']} days): "
                        f"{format_value(row['value'], metric)} · {versus}"
                    ],
                    hoverinfo="text",
                    showlegend=False,
                    legendgroup=scope,
                ),
                row=r,
                col=c,
            )
        _star_decisions(fig, everything, marks, scope, r, c)
    fig.update_yaxes(tickformat=_axis_format(metric))
    return _layout(
        fig,
        f"{metric.label} by period (dotted: same period last year; ◇: period to date)",
        height=260 * rows + 80,
    )


def _star_decisions(
    fig: go.Figure, part: pl.DataFrame, marks: pl.DataFrame | None, scope: str, row: int, col: int
) -> None:
    if marks is None or marks.is_empty() or part.is_empty():
        return
    is_company = part.get_column("level")[0] == "company"
    mine = marks if is_company else marks.filter(pl.col("scope") == scope)
    values = dict(zip(part.get_column("period_label"), part.get_column("value"), strict=True))
    mine = mine.filter(pl.col("period_label").is_in(list(values)))
    if mine.is_empty():
        return
    labels = mine.get_column("period_label").to_list()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[values[label] for label in labels],
            mode="markers",
            name="decision",
            marker={"symbol": "star", "size": 15, "color": "#000000"},
            hovertext=mine.get_column("text").to_list(),
            hoverinfo="text",
            showlegend=False,
        ),
        row=row,
        col=col,
    )


def horizon_table(view: pl.DataFrame, metric: MetricBase) -> pl.DataFrame:
    """The latest period per scope, formatted: never a bare delta where it is not like for like."""
    latest = view.filter(pl.col("period_start") == pl.col("period_start").max())

    def delta(change: float | None, kind: str, ok: bool, reason: str | None) -> str:
        return format_change(change, kind) if ok else f"not comparable — {reason}"

    rows = []
    for r in latest.iter_rows(named=True):
        rows.append(
            {
                "scope": r["scope"],
                "period": r["period_label"] + (" (to date)" if r["in_progress"] else ""),
                "value": format_value(r["value"], metric),
                "vs prior period": delta(
                    r["prior_change"], r["change_kind"], r["prior_comparable"], r["prior_reason"]
                ),
                "vs last year": delta(
                    r["last_year_change"],
                    r["change_kind"],
                    r["last_year_comparable"],
                    r["last_year_reason"],
                ),
                "trailing 12 months": format_value(r["ttm_value"], metric),
                "vs plan": "no plan"
                if r["plan_value"] is None
                else f"{format_change(r['plan_change'], r['change_kind'])} "
                f"(plan {format_value(r['plan_value'], metric)})",
                "3-year trend": (
                    f"{r['growth_3y'] * 100:+.1f}"
                    + (" pts/yr" if r["growth_3y_kind"] == "points_per_year" else "%/yr")
                )
                if r["growth_3y_comparable"] and r["growth_3y"] is not None
                else f"not comparable — {r['growth_3y_reason'] or 'no value'}",
            }
        )
    return pl.DataFrame(rows)


# --- frontline ------------------------------------------------------------------------------------


def frontline_heatmap(
    view: pl.DataFrame, metric: MetricBase, marks: pl.DataFrame | None = None
) -> go.Figure:
    """Teams × periods coloured by status against target; hover shows value, target and gap.

    ``marks`` puts a star where a recorded decision changed a team's context (the decision's week,
    on every team of its unit), so frontline teams see which choice affected them.
    """
    teams = sorted(view.get_column("team_name").unique().to_list(), reverse=True)
    periods = (
        view.sort("period_start").get_column("period_label").unique(maintain_order=True).to_list()
    )
    index = {(r["team_name"], r["period_label"]): r for r in view.iter_rows(named=True)}
    z, text = [], []
    for team in teams:
        z_row, t_row = [], []
        for p in periods:
            r = index.get((team, p))
            z_row.append(None if r is None else STATUS_CODES[r["status"]])
            t_row.append(
                ""
                if r is None
                else f"{team} · {p}<br>{format_value(r['value'], metric)} vs target "
                f"{format_value(r['target'], metric)}<br>{r['status']}"
            )
        z.append(z_row)
        text.append(t_row)
    scale = [
        [0.0, STATUS_COLOURS["off track"]],
        [0.33, STATUS_COLOURS["at risk"]],
        [0.66, STATUS_COLOURS["on track"]],
        [1.0, STATUS_COLOURS["no target"]],
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=periods,
            y=teams,
            text=text,
            hoverinfo="text",
            zmin=0,
            zmax=3,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    if marks is not None and not marks.is_empty():
        teams_of = view.select("team_id", "team_name", "business_unit").unique()
        xs, ys, texts = [], [], []
        for mark in marks.filter(pl.col("period_label").is_in(periods)).iter_rows(named=True):
            key = "business_unit" if mark["scope_level"] == "business_unit" else "team_id"
            for name in teams_of.filter(pl.col(key) == mark["scope"]).get_column("team_name"):
                xs.append(mark["period_label"])
                ys.append(name)
                texts.append(mark["text"])
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="markers",
                    name="decision",
                    marker={"symbol": "star", "size": 13, "color": "#000000"},
                    hovertext=texts,
                    hoverinfo="text",
                    showlegend=False,
                )
            )
    return _layout(
        fig,
        f"{metric.label}: status against target by team",
        height=max(300, 26 * len(teams) + 120),
    )


def frontline_trends(view: pl.DataFrame, metric: MetricBase, teams: Sequence[str]) -> go.Figure:
    """Value and target over recent periods for a few teams."""
    fig = go.Figure()
    for i, team in enumerate(teams):
        part = view.filter(pl.col("team_id") == team).sort("period_start")
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        name = part.get_column("team_name")[0] if part.height else team
        fig.add_trace(
            go.Scatter(
                x=part.get_column("period_label").to_list(),
                y=part.get_column("value").to_list(),
                name=name,
                mode="lines+markers",
                line={"color": colour},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part.get_column("period_label").to_list(),
                y=part.get_column("target").to_list(),
                name=f"{name} target",
                mode="lines",
                line={"color": colour, "dash": "dash", "width": 1},
            )
        )
    fig.update_yaxes(tickformat=_axis_format(metric))
    return _layout(fig, f"{metric.label}: recent trend against target")


# --- overview and lineage -------------------------------------------------------------------------


def unit_bars(
    values: pl.DataFrame, metric: MetricBase, colours: dict[str, str], title: str
) -> go.Figure:
    """One bar per scope (``scope``, ``value``, ``last_year_value``): this period against last year's."""
    fig = go.Figure()
    scopes = values.get_column("scope").to_list()
    fig.add_trace(
        go.Bar(
            x=scopes,
            y=values.get_column("last_year_value").to_list(),
            name="same period last year",
            marker={"color": "#CCCCCC"},
        )
    )
    fig.add_trace(
        go.Bar(
            x=scopes,
            y=values.get_column("value").to_list(),
            name="this period",
            marker={"color": [colours.get(s, COMPANY_COLOUR) for s in scopes]},
            text=[format_value(v, metric) for v in values.get_column("value").to_list()],
            textposition="outside",
        )
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=_axis_format(metric))
    return _layout(fig, title, height=340)


def lineage_sankey(links: pl.DataFrame, title: str) -> go.Figure:
    """A lineage picture from ``source``→``target`` links (with ``value`` widths)."""
    nodes = list(
        dict.fromkeys(links.get_column("source").to_list() + links.get_column("target").to_list())
    )
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            node={"label": nodes, "pad": 18, "thickness": 14, "color": "#56B4E9"},
            link={
                "source": [index[s] for s in links.get_column("source").to_list()],
                "target": [index[t] for t in links.get_column("target").to_list()],
                "value": links.get_column("value").to_list(),
                "color": "rgba(0,114,178,0.25)",
            },
        )
    )
    return _layout(fig, title, height=420)


def status_bars(summary: pl.DataFrame, title: str) -> go.Figure:
    """Teams on track / at risk / off track per business unit (stacked), from ``status_summary``."""
    fig = go.Figure()
    labels = [f"{u} · {k}" for u, k in summary.select("business_unit", "metric_label").iter_rows()]
    for column, status in (
        ("on_track", "on track"),
        ("at_risk", "at risk"),
        ("off_track", "off track"),
    ):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=summary.get_column(column).to_list(),
                name=status,
                orientation="h",
                marker={"color": STATUS_COLOURS[status]},
                hovertemplate="%{y}: %{x} teams " + status + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="teams", dtick=1)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(220, 30 * len(labels) + 120))
