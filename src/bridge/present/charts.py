"""Chart builders: a view (a Polars frame) and a presentation spec in, a Plotly ``Figure`` out.

Charts know no metric, decision or database: what to write on an axis comes as a
:class:`~bridge.present.format.NumberFormat`, what the lines of a decision are as a
:class:`TradeoffSpec`, colours and marks from :mod:`bridge.present.palette`. Every axis gets its ticks
from the format (no label repeats), every mark has a legend entry, and a period in progress is never
drawn as if it were a whole period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from bridge.present.format import MISSING, SHARE, Axis, NumberFormat, missing, reads_zero
from bridge.present.palette import (
    COMPANY,
    DECISION,
    FRONTIER,
    GRID,
    MUTED,
    OKABE_ITO,
    STATUSES,
    TARGET,
    THRESHOLD,
)


def plain(text: object) -> str:
    """A name from data or config as Plotly shows it literally: Plotly reads ``<b>``, ``<br>``,
    ``<a href>`` and a few other tags in every text, tick, hover and legend, and decodes ``&lt;``,
    ``&gt;`` and ``&amp;``. Every string a chart did not write itself passes through here (not
    ``customdata``, which the app reads back raw)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plains(texts: Sequence[object]) -> list[str]:
    return [plain(t) for t in texts]


#: Trace names of the legend-only entries that explain a chart's marks.
LEGEND_ONLY = "legend"


#: A light veil behind labels drawn over data, so a bubble under them does not hide them.
VEIL = "rgba(255,255,255,0.8)"


def _layout(
    fig: go.Figure,
    height: int,
    *,
    legend: bool = True,
    left: float | None = None,
    bottom: float = 0,
    turnable: bool = False,
) -> go.Figure:
    """Bridge's layout of every chart. ``left`` and ``bottom``: the pixels the tick labels need
    beside and below the plot, so Plotly need not measure them (see "margins sized from the labels"
    below); None leaves the measuring to Plotly. ``turnable``: Plotly picks the angle of the x labels
    (they turn when they crowd, and a turned last label reaches past the right edge), so it keeps
    measuring them; ``bottom`` has room for them upright, so it rarely has to draw again."""
    sized = left is not None
    fig.update_layout(
        height=height,
        margin={
            "l": round((left or 0) + EDGE_PX) if sized else 8,
            "r": 8,
            "t": 48 if legend else 24,
            "b": round(bottom + EDGE_PX) if sized else 8,
        },
        showlegend=legend,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "font": {"size": 11},
            "entrywidthmode": "pixels",
        },
        hoverlabel={"align": "left"},
        font={"size": 12},
    )
    if sized:
        fig.update_xaxes(automargin=turnable)
        fig.update_yaxes(automargin=False)
    return fig


# --- margins sized from the labels ---------------------------------------------------------------
#
# Left to itself ("automargin"), Plotly draws a chart, measures every tick label, widens the margins
# and draws it again: for Bridge's small charts that was a third of the browser's drawing time (the
# Overview's charts in Chromium, #18). The tick labels are Bridge's own text, so a chart sizes its
# margins from them and turns automargin off. The estimate is generous (a label's characters at the
# width of the widest common ones); a legend may still widen the top margin (``autoexpand``).

#: Pixels per character of a 12 px tick label, generous: Source Sans's digits are 6 px, its average
#: letter about 5 px ("Enterprise Software · On-time delivery rate": 215 px).
CHAR_PX = 6.2
#: Height of one line of tick text, and of an axis title.
LINE_PX = 16
#: Degrees a bridge chart's step labels are turned (they are long: "2025 Q4, 66 days").
TURN = 30
#: An axis title's line and the gap between it and the tick labels.
TITLE_PX = 26
#: Room between the labels and the edge, and the plot's padding (Streamlit's theme: 8 px).
EDGE_PX = 10 + 8


def _text_px(texts: Sequence[str]) -> float:
    """The width of the longest line of ``texts`` (lines split at ``<br>``)."""
    return max((len(line) for t in texts for line in str(t).split("<br>")), default=0) * CHAR_PX


def _turned_px(texts: Sequence[str], degrees: float, font_px: float = 12) -> float:
    """Room below an axis whose labels are turned by ``degrees``: the longest label's drop, and the
    line's own height turned with it."""
    angle = math.radians(degrees)
    scale = font_px / 12
    return (_text_px(texts) * math.sin(angle) + LINE_PX * math.cos(angle)) * scale + 4


def _apply_axis(fig: go.Figure, axis: Axis, which: str, **where: int) -> None:
    update = fig.update_yaxes if which == "y" else fig.update_xaxes
    if axis.tickvals:
        update(
            tickmode="array",
            tickvals=list(axis.tickvals),
            ticktext=list(axis.ticktext),
            range=list(axis.range) if axis.range else None,
            **where,
        )


def _legend_entry(fig: go.Figure, name: str, **marker: object) -> None:
    """A legend line explaining a mark (no data of its own)."""
    symbol = marker.pop("symbol", "circle")
    dash = marker.pop("dash", None)
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines" if dash else "markers",
            name=name,
            legendgroup=LEGEND_ONLY,
            marker={"symbol": symbol, "size": 10, "color": marker.pop("color", MUTED), **marker},
            line={"dash": dash, "color": MUTED} if dash else None,
            hoverinfo="skip",
        )
    )


# --- trade-offs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quadrants:
    """Two thresholds and the names of the four quadrants they make."""

    x: float
    y: float
    high_x_high_y: str
    high_x_low_y: str
    low_x_high_y: str
    low_x_low_y: str


@dataclass(frozen=True)
class Diagonal:
    """y against x: above the diagonal by more than ``band``, on it, or below it."""

    band: float
    above: str
    on: str
    below: str


@dataclass(frozen=True)
class TradeoffSpec:
    """What a trade-off chart writes: axis names and formats, bubble size, the decision's rule."""

    x_label: str
    y_label: str
    x_format: NumberFormat
    y_format: NumberFormat
    size_label: str
    size_format: NumberFormat
    rule: Quadrants | Diagonal
    #: Units with a decision recorded for this question: starred.
    decided: Mapping[str, str] = field(default_factory=dict)


QUADRANT_FILLS = ("rgba(0,158,115,0.07)", "rgba(230,159,0,0.07)", "rgba(86,180,233,0.07)", "rgba(213,94,0,0.07)")  # fmt: skip


def tradeoff_bubbles(
    view: pl.DataFrame, spec: TradeoffSpec, colours: Mapping[str, str]
) -> go.Figure:
    """Business units on the decision's axes, bubble area ∝ size, the rule's lines, areas and names.

    One trace per unit (so colours match every other chart); ``customdata[0]`` is the unit's name,
    which the app reads back from a click to drill down.
    """
    fig = go.Figure()
    placed = view.drop_nulls(["x", "y"])
    xs, ys = placed.get_column("x").to_list(), placed.get_column("y").to_list()
    x_axis = spec.x_format.axis([*xs, *_rule_xs(spec.rule)], min_span=_span(xs))
    y_axis = spec.y_format.axis([*ys, *_rule_ys(spec.rule)], min_span=_span(ys))
    _rule_marks(fig, spec, x_axis, y_axis, xs, ys)
    sizes = [abs(s or 0.0) for s in placed.get_column("size").to_list()]
    biggest = max([*sizes, 1e-9])
    for row, size in zip(placed.iter_rows(named=True), sizes, strict=True):
        unit = row["business_unit"]
        name = plain(unit)
        hover = (
            f"<b>{name}</b><br>{plain(spec.x_label)}: {spec.x_format.value(row['x'])}"
            f"<br>{plain(spec.y_label)}: {spec.y_format.value(row['y'])}"
            f"<br>{plain(spec.size_label)}: {spec.size_format.value(row['size'])}"
            f"<br>quadrant: {plain(row['quadrant'] or MISSING)}"
        )
        if unit in spec.decided:
            hover += f"<br>{DECISION.glyph} {plain(spec.decided[unit])}"
        fig.add_trace(
            go.Scatter(
                x=[row["x"]],
                y=[row["y"]],
                mode="markers+text",
                name=name,
                text=[f"{name} {DECISION.glyph}" if unit in spec.decided else name],
                textposition="top center",
                customdata=[[unit, row["quadrant"]]],
                marker={
                    "size": [16 + 48 * (size / biggest) ** 0.5],
                    "color": colours.get(unit, COMPANY),
                    "line": {"width": 3 if row["on_frontier"] else 0, "color": "#000000"},
                    "opacity": 0.85,
                },
                hovertext=[hover],
                hoverinfo="text",
            )
        )
    x_axis, y_axis = _padded(x_axis), _padded(y_axis)
    _apply_axis(fig, x_axis, "x")
    _apply_axis(fig, y_axis, "y")
    fig.update_xaxes(title=plain(spec.x_label), zeroline=False, showgrid=True)
    fig.update_yaxes(title=plain(spec.y_label), zeroline=False, showgrid=True)
    _legend_entry(fig, f"bubble area ∝ {plain(spec.size_label)}", symbol="circle", color="#BBBBBB")
    _legend_entry(fig, FRONTIER.text, symbol="circle-open", color="#000000", size=12)
    _legend_entry(fig, THRESHOLD.text, dash=THRESHOLD.symbol)
    if spec.decided:
        _legend_entry(fig, DECISION.text, symbol=DECISION.symbol, color="#000000")
    return _layout(
        fig, height=500, left=_text_px(y_axis.ticktext) + TITLE_PX, bottom=LINE_PX + TITLE_PX
    )


def _padded(axis: Axis, share: float = 0.1) -> Axis:
    """The axis with room on both sides, so a big bubble at the edge is not cut."""
    if axis.range is None:
        return axis
    lo, hi = axis.range
    room = (hi - lo) * share
    return Axis(axis.tickvals, axis.ticktext, (lo - room, hi + room))


def _span(values: Sequence[float]) -> float | None:
    """A minimum span for a decision axis: a fifth of the largest magnitude (never a dot)."""
    finite = [abs(v) for v in values if not missing(v)]
    return 0.4 * max(finite) if finite and max(finite) > 0 else None


def _rule_xs(rule: Quadrants | Diagonal) -> list[float]:
    return [rule.x] if isinstance(rule, Quadrants) else [0.0]


def _rule_ys(rule: Quadrants | Diagonal) -> list[float]:
    return [rule.y] if isinstance(rule, Quadrants) else [0.0]


def _rule_marks(
    fig: go.Figure,
    spec: TradeoffSpec,
    x_axis: Axis,
    y_axis: Axis,
    xs: Sequence[float],
    ys: Sequence[float],
) -> None:
    rule = spec.rule
    (x0, x1) = _padded(x_axis).range or (min([*xs, 0.0]), max([*xs, 1.0]))
    (y0, y1) = _padded(y_axis).range or (min([*ys, 0.0]), max([*ys, 1.0]))
    if isinstance(rule, Quadrants):
        # Each area shaded to the plot's edges; its name in the plot's corner on a veil, and the
        # threshold values on the lines at the plot's edges, so no bubble or its name hides them.
        areas = (
            (rule.x, x1, rule.y, y1, rule.high_x_high_y, 1, 1),
            (rule.x, x1, y0, rule.y, rule.high_x_low_y, 1, 0),
            (x0, rule.x, rule.y, y1, rule.low_x_high_y, 0, 1),
            (x0, rule.x, y0, rule.y, rule.low_x_low_y, 0, 0),
        )
        for (ax0, ax1, ay0, ay1, name, corner_x, corner_y), fill in zip(
            areas, QUADRANT_FILLS, strict=True
        ):
            fig.add_shape(
                type="rect", x0=ax0, x1=ax1, y0=ay0, y1=ay1, fillcolor=fill, line_width=0,
                layer="below",
            )  # fmt: skip
            fig.add_annotation(
                xref="x domain", yref="y domain", x=corner_x, y=corner_y,
                xanchor="right" if corner_x else "left", yanchor="top" if corner_y else "bottom",
                text=f"<b>{plain(name)}</b>", showarrow=False, font={"color": MUTED, "size": 13},
                bgcolor=VEIL,
            )  # fmt: skip
        # the threshold values alone (the axes name them), on the side with more room
        right_room = rule.x <= (x0 + x1) / 2
        fig.add_vline(x=rule.x, line_dash=THRESHOLD.symbol, line_color=GRID)
        fig.add_hline(y=rule.y, line_dash=THRESHOLD.symbol, line_color=GRID)
        fig.add_annotation(
            x=rule.x, xshift=4 if right_room else -4, xanchor="left" if right_room else "right",
            yref="y domain", y=0.01, yanchor="bottom", showarrow=False,
            font={"size": 11, "color": MUTED}, bgcolor=VEIL,
            text=spec.x_format.value(rule.x),
        )  # fmt: skip
        fig.add_annotation(
            xref="x domain", x=0.01, xanchor="left", y=rule.y, yanchor="bottom", yshift=2,
            showarrow=False, font={"size": 11, "color": MUTED}, bgcolor=VEIL,
            text=spec.y_format.value(rule.y),
        )  # fmt: skip
        return
    top = max(x1, y1)
    low = min(x0, y0)
    fig.add_trace(
        go.Scatter(
            x=[low, top],
            y=[low + rule.band, top + rule.band],
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[low, top],
            y=[low - rule.band, top - rule.band],
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(136,136,136,0.12)",
            line={"width": 0},
            name=f"{plain(rule.on)} (within ±{SHARE.value(rule.band)} of y = x)",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[low, top],
            y=[low, top],
            mode="lines",
            line={"dash": THRESHOLD.symbol, "color": GRID},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for text, x, y in ((rule.above, x0, y1), (rule.below, x1, y0)):
        fig.add_annotation(
            x=x, y=y, text=f"<b>{plain(text)}</b>", showarrow=False,
            xanchor="left" if x == x0 else "right", yanchor="top" if y == y1 else "bottom",
            font={"color": MUTED, "size": 13},
        )  # fmt: skip


# --- frontline ------------------------------------------------------------------------------------


def short_labels(labels: Sequence[str]) -> dict[str, str]:
    """``2026-W48`` → ``W48``, ``2026-11-29`` → ``11-29``; the first label of each year is written
    in full (``2026-W38``), as every caption and table writes it, so the axis says its year."""
    out: dict[str, str] = {}
    year = None
    for label in labels:
        if not (label[:4].isdigit() and label[4:5] == "-"):
            out[label] = label
            continue
        out[label] = label[5:] if label[:4] == year else label
        year = label[:4]
    return out


def frontline_trends(
    view: pl.DataFrame, fmt: NumberFormat, teams: Sequence[str], *, of_target: bool = False
) -> go.Figure:
    """Value and target over recent whole periods for a few teams (a period in progress is left out:
    a partial week is not a fall). Each team's target is dashed in its colour, under one legend
    line; the periods are labelled short ("2026-W38", "W39", …) and named in full on hover.

    ``of_target``: each value is drawn as a share of its own target, 100 % the one dashed line —
    for a sum, whose teams differ in size: on one axis of amounts a small team's miss of a sixth
    looked flat beside a large team's line. The hover says the value, the target and the share."""
    fig = go.Figure()
    whole = view.filter(~pl.col("in_progress"))
    ordered = whole.sort("period_start").get_column("period_label").unique(maintain_order=True)
    short = short_labels(ordered.to_list())  # "W39" upright, not "2026-W39" turned; hover: in full
    values: list[float | None] = [1.0] if of_target else []
    for i, team in enumerate(teams):
        part = whole.filter(pl.col("team_id") == team).sort("period_start")
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        name = plain(part.get_column("team_name")[0] if part.height else team)
        labels = part.get_column("period_label").to_list()
        ys, targets = part.get_column("value").to_list(), part.get_column("target").to_list()
        xs = [short[p] for p in labels]
        written = list(zip(labels, fmt.values(ys), fmt.values(targets), strict=True))
        if of_target:
            shares = [_share(y, t) for y, t in zip(ys, targets, strict=True)]
            hover = [
                f"{name} · {p}: {v}, {SHARE.value(r) if r is not None else MISSING} of its "
                f"target {t}"
                for (p, v, t), r in zip(written, shares, strict=True)
            ]
            ys, values = shares, values + shares
        else:
            hover = [f"{name} · {p}: {v} (target {t})" for p, v, t in written]
            values += ys + targets
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name=name,
                mode="lines+markers",
                line={"color": colour},
                legendgroup=name,
                hovertext=hover,
                hoverinfo="text",
            )
        )
        if not of_target:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=targets,
                    name=f"{name}: target",
                    mode="lines",
                    line={"color": colour, "dash": TARGET.symbol, "width": 1},
                    legendgroup=name,
                    showlegend=False,
                    hovertext=[f"{name} · {p}: target {t}" for p, _, t in written],
                    hoverinfo="text",
                )
            )
    if teams:  # one legend line for every team's target (its colour is the team's): one row
        _legend_entry(
            fig, "each team's own target (100%)" if of_target else TARGET.text, dash=TARGET.symbol
        )
    if of_target and teams:  # every team's target is 100 %: one line
        fig.add_hline(y=1.0, line={"color": MUTED, "dash": TARGET.symbol, "width": 1})
    axis = (SHARE if of_target else fmt).axis(values)
    _apply_axis(fig, axis, "y")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(short.values()))
    return _layout(
        fig,
        height=360,
        left=_text_px(axis.ticktext),
        bottom=_turned_px(list(short.values()), 90),
        turnable=True,
    )


def _share(value: float | None, target: float | None) -> float | None:
    """A value as a share of its target (None without a positive target or a value)."""
    if value is None or target is None or missing(value) or missing(target) or target <= 0:
        return None
    return value / target


# --- overview and lineage -------------------------------------------------------------------------


#: Half the width of a level mark, in categories: a bar's (:func:`_levels`).
LEVEL_HALF = 0.4


def _levels(fig: go.Figure, levels: Sequence[float | None], line: Mapping[str, object]) -> None:
    """A horizontal line as wide as a bar at each category's level (None: none there)."""
    for at, level in enumerate(levels):
        if level is not None:
            fig.add_shape(
                type="line", xref="x", yref="y", x0=at - LEVEL_HALF, x1=at + LEVEL_HALF,
                y0=level, y1=level, line=dict(line),
            )  # fmt: skip


def driver_bridge(
    start: tuple[str, float],
    steps: Sequence[tuple[str, float, str]],
    end: tuple[str, float],
    fmt: NumberFormat,
    delta: NumberFormat,
    *,
    higher_is_better: bool = True,
) -> go.Figure:
    """A bridge (waterfall) from the comparison value to the current one: one step per driver
    (``label``, ``effect``, the business unit a click opens, or ""), the rest as one step. A step
    that helps is green, one that hurts orange (by the metric's direction); ``customdata[0]`` is
    the unit, which the app reads back from a click to drill down."""
    labels = [start[0], *(s[0] for s in steps), end[0]]
    said = delta.values([s[1] for s in steps])
    # A step written "0.00 pts" neither helped nor hurt: drawn flat, not as a green or orange
    # sliver (its few thousandths of a point are no height at the chart's scale either). What it
    # held goes to the largest step (as written, unchanged), so the drawn steps still add up to
    # the change exactly.
    moves = [0.0 if reads_zero(t) else s[1] for s, t in zip(steps, said, strict=True)]
    if moves:
        largest = max(range(len(moves)), key=lambda i: abs(moves[i]))
        moves[largest] += math.fsum(s[1] for s in steps) - math.fsum(moves)
    values = [start[1], *moves, end[1]]
    texts = [fmt.value(start[1]), *said, fmt.value(end[1])]
    good, bad = STATUSES["on track"].colour, STATUSES["off track"].colour
    up, down = (good, bad) if higher_is_better else (bad, good)
    fig = go.Figure(
        go.Waterfall(
            x=plains(labels),
            y=values,
            measure=["absolute", *["relative"] * len(steps), "total"],
            text=texts,
            textposition="outside",
            customdata=[[""], *([s[2]] for s in steps), [""]],
            hovertext=[f"{plain(lab)}: {t}" for lab, t in zip(labels, texts, strict=True)],
            hoverinfo="text",
            increasing={"marker": {"color": up}},
            decreasing={"marker": {"color": down}},
            totals={"marker": {"color": COMPANY}},
            connector={"line": {"color": GRID, "width": 1}},
            showlegend=False,
        )
    )
    running, levels = start[1], [start[1]]
    for _, value, _ in steps:
        running += value
        levels.append(running)
    levels.append(end[1])
    span = (max(levels) - min(levels)) or abs(end[1]) * 0.1 or 1.0
    low, high = min(levels) - span * 0.35, max(levels) + span * 0.35
    axis = fmt.axis([low, high], min_span=high - low)
    _apply_axis(fig, axis, "y")
    fig.update_yaxes(range=[low, high])
    if low > 0 or high < 0:
        # The axis leaves zero out (the steps are what the chart is for), so a bar for the start
        # and the end would be drawn from the axis's floor: 22.6 % as 2.5 times 20.6 %. They are
        # levels instead: a mark at each value, its number above, the steps between them.
        fig.update_traces(
            totals={"marker": {"color": "rgba(0,0,0,0)"}}, selector={"type": "waterfall"}
        )
        _levels(fig, [start[1], *[None] * len(steps), end[1]], {"color": COMPANY, "width": 3})
    fig.update_xaxes(type="category", tickangle=-TURN)
    _legend_entry(fig, "helped", symbol="square", color=good)
    _legend_entry(fig, "hurt", symbol="square", color=bad)
    # Labels turned by TURN degrees hang below the axis, the first one also left of its step.
    shown = plains(labels)
    return _layout(
        fig,
        height=380,
        left=max(_text_px(axis.ticktext), _text_px(shown[:1]) * math.cos(math.radians(TURN))),
        bottom=_turned_px(shown, TURN),
    )


def method_bars(view: pl.DataFrame, fmt: NumberFormat) -> go.Figure:
    """The canonical value of a rate against the shortcuts teams use (consistency view)."""
    names = plains(view.get_column("label").to_list())
    values = view.get_column("value").to_list()
    safe = view.get_column("safely_aggregable").to_list()
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            marker={"color": [OKABE_ITO[0] if ok else OKABE_ITO[1] for ok in safe]},
            text=fmt.values(values),
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    _legend_entry(fig, "the definition (sum / sum)", symbol="square", color=OKABE_ITO[0])
    _legend_entry(fig, "a shortcut (not safely aggregable)", symbol="square", color=OKABE_ITO[1])
    _apply_axis(fig, fmt.axis(values), "y")
    return _layout(fig, height=340)


def freshness_bars(sources: pl.DataFrame) -> go.Figure:
    """Days since each source's latest row, coloured by freshness, against the days it may fall
    behind before it is stale (its ``freshness_days``, a line as wide as its bar): a source loaded
    monthly 5 days behind reads as within its 31, not as the tallest bar of the chart. Each says
    ``5 of 31`` above the higher of the two (its hover: ``fresh · 5 of 31 days``)."""
    colours = {"fresh": STATUSES["on track"].colour, "stale": STATUSES["at risk"].colour}
    names = plains(sources.get_column("source").to_list())
    behind = sources.get_column("days_behind").fill_null(0).to_list()
    allowed = sources.get_column("freshness_days").to_list()
    status = sources.get_column("status").to_list()
    said = [f"{s} · {b} of {a} days" for s, b, a in zip(status, behind, allowed, strict=True)]
    most = max([*behind, *allowed, 1])
    fig = go.Figure(
        go.Bar(
            x=names,
            y=behind,
            marker={"color": [colours.get(s, STATUSES["off track"].colour) for s in status]},
            customdata=said,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            # short enough for a phone's bar; the hover and the colour say fresh or stale
            y=[max(b, a) + most * 0.03 for b, a in zip(behind, allowed, strict=True)],
            text=[f"{b} of {a}" for b, a in zip(behind, allowed, strict=True)],
            mode="text",
            textposition="top center",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    _levels(fig, allowed, {"color": MUTED, "width": 2, "dash": TARGET.symbol})
    _legend_entry(fig, "days allowed before stale (freshness_days)", dash=TARGET.symbol)
    fig.update_yaxes(
        title="days behind",
        tickmode="linear",
        dtick=max(1, (most + 3) // 4),
        range=[0, most * 1.3 + 0.5],
    )
    return _layout(fig, height=300)


def warm_up() -> str:
    """One tiny figure of every trace kind Bridge draws, serialised as the app sends it.

    Plotly imports a trace kind's validators (and numpy) the first time such a figure is built; the
    app calls this once at start-up, under a lock (:mod:`bridge.app.warm`), so concurrent first
    sessions never race those imports.
    """
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=[1, 2], y=[1, 2], mode="lines+markers+text", text=["a", "b"]), 1, 1)
    fig.add_trace(go.Bar(x=[1, 2], y=[1, 2], orientation="v"), 1, 2)
    fig.add_trace(go.Heatmap(z=[[1, 2], [3, 4]]))
    fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1)
    fig.add_annotation(x=1, y=1, text="a")
    fig.add_trace(go.Waterfall(x=["a", "b"], y=[1, 2], measure=["absolute", "total"]))
    return str(fig.to_json())
