"""Static charts as HTML: business units this period against last year, teams by status, each
team's status period by period (the frontline grid), the time horizons' lines, and a metric's
lineage from source tables to decisions.

These charts have nothing to zoom, pan or select: a handful of bars with their values written on
them, or a grid of coloured cells. Drawn by Plotly inside Streamlit each cost the browser 20–60 ms
however small (its wrapper draws every chart twice, #18): the Overview showed five, and the grid was
the costliest chart of Frontline, Time horizons and a Trade-offs drill-down. Here the browser's own
layout draws them: boxes sized in per cent, text at the page's size on any screen (a phone wraps
the labels instead of shrinking them), a native tooltip on each bar and cell, and what the chart
says in words for a screen reader (``aria-label``; the grid is a table to it, row by row). The
numbers are those of the Plotly charts they replace: the same
:class:`~bridge.present.format.NumberFormat` writes the values and picks the ticks (no label
repeats), the same palette colours and shapes them.

Everything written comes from data or config and is escaped; the markup holds inline styles (no
script, no class that depends on a stylesheet; the bars' one container query travels in the chart's
own ``<style>``), so any HTML renderer shows it as it is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from bridge.present.charts import short_labels
from bridge.present.format import SHARE, Axis, NumberFormat, missing
from bridge.present.palette import (
    COMPANY,
    DECISION,
    LAST_YEAR,
    NOT_COMPARABLE,
    OKABE_ITO,
    STATUSES,
    TO_DATE,
)
from bridge.translate.horizon import PACE_SO_FAR

#: Height of a unit chart's plot area, in pixels (the labels below wrap as the width needs).
PLOT_PX = 220
#: Width kept for the value axis's tick labels, in pixels.
TICKS_PX = 52
#: A value drawn as a dot (on an axis that does not start at zero): its diameter, in pixels.
DOT_PX = 12
#: Last year's bar and this period's.
BEFORE_COLOUR, NOW_COLOUR = "#BBBBBB", OKABE_ITO[0]
#: Grid lines and muted text: half-transparent, so they read on a light or a dark page.
GRID_CSS = "rgba(128,128,128,0.25)"
MUTED_CSS = "opacity:0.7"
#: A bar's value is not written smaller than this (in pixels) where fewer values can be bigger.
MIN_LABEL_PX = 9
#: A status chart's row of bars, in pixels.
ROW_PX = 22


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _column(status: str) -> str:
    """The status summary's column of a status (``on track`` → ``on_track``)."""
    return status.replace(" ", "_")


def _swatch(paint: str, name: str, *, round_: bool = False) -> str:
    """A legend entry: a square of ``paint`` (a CSS background) — a disc for a chart of dots —
    then the name."""
    disc = "border-radius:50%;" if round_ else ""
    return (
        f'<span style="white-space:nowrap"><span style="display:inline-block;width:10px;'
        f'height:10px;{disc}background:{paint};margin-right:5px;vertical-align:-1px"></span>'
        f"{_e(name)}</span>"
    )


def _shape(glyph: str, name: str, colour: str = "inherit") -> str:
    """A legend entry: a mark's shape in its colour, then the name."""
    return (
        f'<span style="white-space:nowrap"><span style="color:{colour};margin-right:4px;'
        f'font-size:14px">{glyph}</span>{_e(name)}</span>'
    )


def _legend(entries: Sequence[str], indent: str = "0") -> str:
    return (
        f'<div style="display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 10px {indent};'
        f'font-size:11px">{"".join(entries)}</div>'
    )


def _figure(kind: str, body: str, label: str | None = None) -> str:
    """The chart's frame; ``label`` says the whole chart in words to a screen reader (a chart
    without one reads as its own structure: the grid is a table)."""
    said = f' role="img" aria-label="{_e(label)}"' if label is not None else ""
    return (
        f'<figure class="bridge-chart" data-kind="{kind}"{said} '
        f'style="margin:0 0 8px 0;font-size:12px;line-height:1.25;container-type:inline-size">'
        f"{body}</figure>"
    )


class _Scale:
    """Per cent of the plot's height (or width) for a value on ``axis``'s range."""

    def __init__(self, axis: Axis) -> None:
        self.lo, self.hi = axis.range or (0.0, 1.0)

    def __call__(self, value: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return min(max((value - self.lo) / span * 100, 0.0), 100.0)

    @property
    def base(self) -> float:
        """Where bars start: zero when the range holds it, else the range's near end."""
        return self(min(max(0.0, self.lo), self.hi))


@dataclass(frozen=True)
class _Series:
    """One bar of each group: its name, its paint (a CSS background) per scope, its values."""

    name: str
    paints: Sequence[str]
    values: Sequence[float | None]
    swatch: str


def _hatched(colour: str) -> str:
    return (
        f"repeating-linear-gradient(135deg,{colour} 0 2px,transparent 2px 6px);"
        f"box-shadow:inset 0 0 0 1.5px {colour}"
    )


def _grouped_bars(
    scopes: Sequence[str],
    series: Sequence[_Series],
    texts: Sequence[Sequence[str]],
    axis: Axis,
    *,
    kind: str,
    said_as: str,
    axis_title: str | None = None,
) -> str:
    """Bars side by side per scope, from zero, each value written on its bar, a tooltip on each;
    the value axis's ticks and grid from ``axis``. An axis without zero (a rate between 80 % and
    100 %) gets a dot at each value instead: a bar from 80 % would draw 84 % as a fifth of 95 %."""
    scale = _Scale(axis)
    dots = not scale.lo <= 0.0 <= scale.hi
    # Each value written on its bar, at most as wide as its bar's slot: the font shrinks with the
    # chart's width, the number of bars and the longest value ("-$276.8K" needs more than "$2.1M").
    longest = max((len(t) for written in texts for t in written), default=1)
    bars_in_row = max(len(scopes) * len(series), 1)
    font = (
        f"clamp(7px,calc((100cqi - {TICKS_PX}px) * 0.9 / {bars_in_row * longest * 0.7:.1f}),11px)"
    )
    # Where every bar's value would be written smaller than MIN_LABEL_PX (Frontline's side
    # column: 7 px), only the last series' values are written, each as wide as its group (the
    # others stay in the tooltips and the words for a screen reader).
    narrow = (
        math.ceil(MIN_LABEL_PX * bars_in_row * longest * 0.7 / 0.9) + TICKS_PX
        if len(series) > 1
        else 0
    )
    roomy = (
        f"clamp(7px,calc((100cqi - {TICKS_PX}px) * 0.9 / "
        f"{max(len(scopes), 1) * longest * 0.7:.1f}),11px)"
    )
    fewer = (
        f"<style>@container (max-width: {narrow}px) {{"
        f'[data-narrow="{narrow}"] [data-label="earlier"] {{display:none}}'
        f'[data-narrow="{narrow}"] [data-label="last"] {{font-size:{roomy} !important;'
        "left:-110% !important;right:-110% !important}}}}</style>"
        if narrow
        else ""
    )
    grid = "".join(
        f'<div style="position:absolute;left:0;right:0;bottom:{scale(v):.2f}%;'
        f'border-top:1px solid {GRID_CSS}"></div>'
        for v in axis.tickvals
    )
    ticks = "".join(
        f'<div style="position:absolute;right:6px;bottom:{scale(v):.2f}%;transform:translateY(50%);'
        f'font-size:11px;white-space:nowrap;{MUTED_CSS}">{_e(t)}</div>'
        for v, t in zip(axis.tickvals, axis.ticktext, strict=True)
    )
    groups = []
    for i, scope in enumerate(scopes):
        bars = []
        for n, (one, written) in enumerate(zip(series, texts, strict=True)):
            which = "last" if n == len(series) - 1 else "earlier"
            value = one.values[i]
            if value is None or missing(value):
                bars.append(
                    f'<div data-series="{_e(one.name)}" style="flex:1;max-width:56px"></div>'
                )
                continue
            top, base = scale(float(value)), scale.base
            low, high = min(top, base), max(top, base)
            label_at = (
                f"bottom:calc({high:.2f}% + {DOT_PX // 2 + 2 if dots else 2}px)"
                if float(value) >= 0 or top >= base
                else f"top:calc({100 - low:.2f}% + 2px)"
            )
            tip = f'title="{_e(scope)}: {_e(written[i])} ({_e(one.name)})" data-value="{value!r}"'
            mark = (
                f'<div {tip} data-mark="dot" style="position:absolute;left:50%;'
                f"bottom:calc({top:.2f}% - {DOT_PX / 2}px);width:{DOT_PX}px;height:{DOT_PX}px;"
                f'margin-left:-{DOT_PX / 2}px;border-radius:50%;background:{one.paints[i]}"></div>'
                if dots
                else f'<div {tip} style="position:absolute;left:0;right:0;bottom:{low:.2f}%;'
                f'height:{high - low:.2f}%;background:{one.paints[i]}"></div>'
            )
            bars.append(
                f'<div data-series="{_e(one.name)}" style="position:relative;flex:1;max-width:56px">'
                f"{mark}"
                f'<div data-label="{which}" style="position:absolute;left:-60%;right:-60%;'
                f'{label_at};text-align:center;white-space:nowrap;font-size:{font};{MUTED_CSS}">'
                f"{_e(written[i])}</div>"
                "</div>"
            )
        groups.append(
            f'<div data-scope="{_e(scope)}" style="flex:1;display:flex;justify-content:center;'
            f'gap:3px;padding:0 4%">{"".join(bars)}</div>'
        )
    labels = "".join(
        f'<div style="flex:1;text-align:center;padding:0 2px;overflow-wrap:anywhere;{MUTED_CSS}">'
        f"{_e(scope)}</div>"
        for scope in scopes
    )
    said = "; ".join(
        f"{scope}: "
        + ", ".join(f"{written[i]} {one.name}" for one, written in zip(series, texts, strict=True))
        for i, scope in enumerate(scopes)
    )
    title = (
        f'<div style="margin:0 0 0 {TICKS_PX}px;font-size:11px;{MUTED_CSS}">{_e(axis_title)}</div>'
        if axis_title
        else ""
    )
    body = (
        fewer
        + _legend([_swatch(one.swatch, one.name, round_=dots) for one in series], f"{TICKS_PX}px")
        + title
        + f'<div data-narrow="{narrow}" style="display:flex;height:{PLOT_PX}px;margin-top:14px">'
        f'<div data-axis="y" style="position:relative;width:{TICKS_PX}px;flex:none">{ticks}</div>'
        f'<div style="position:relative;flex:1">{grid}'
        f'<div style="position:absolute;inset:0;display:flex">{"".join(groups)}</div></div></div>'
        f'<div style="display:flex;margin-left:{TICKS_PX}px;padding-top:6px">{labels}</div>'
    )
    return _figure(kind, body, f"{said_as}. {said}.")


def unit_bars(
    values: pl.DataFrame,
    fmt: NumberFormat,
    now: str = "this period so far",
    before: str = "the same days last year",
) -> str:
    """One bar pair per scope (``scope``, ``value``, ``last_year_value``): a period (or the part of
    it so far) against the same span last year — never a part against a whole. A scope with no
    number in either (a unit whose teams had no rows then) takes no place, and with no number last
    year at all (the data starts later) the legend promises no grey bar."""
    values = values.filter(pl.col("value").is_not_null() | pl.col("last_year_value").is_not_null())
    scopes = [str(s) for s in values.get_column("scope").to_list()]
    current = values.get_column("value").to_list()
    last_year = values.get_column("last_year_value").to_list()
    with_before = any(v is not None and not missing(v) for v in last_year)
    series = [_Series(before, [BEFORE_COLOUR] * len(scopes), last_year, BEFORE_COLOUR)]
    series = series if with_before else []
    series.append(_Series(now, [NOW_COLOUR] * len(scopes), current, NOW_COLOUR))
    axis = fmt.axis([*current, *last_year], zero=fmt.unit not in ("percent", "points"))
    texts = [fmt.values(list(one.values)) for one in series]
    what = f"{now} against {before}" if with_before else now
    return _grouped_bars(
        scopes, series, texts, axis, kind="units", said_as=f"{what}, by business unit"
    )


def share_bars(
    view: pl.DataFrame, colours: Mapping[str, str], total: str = "the company total"
) -> str:
    """Share of investment (hatched) against share of contribution (solid) per business unit, in
    the unit's colour, as shares of ``total`` (what the units shown add up to)."""
    units = [str(u) for u in view.get_column("business_unit").to_list()]
    paint = [colours.get(u, COMPANY) for u in units]
    series = [
        _Series(
            "share of investment (hatched)",
            [_hatched(c) for c in paint],
            view.get_column("investment_share").to_list(),
            _hatched(COMPANY),
        ),
        _Series(
            "share of contribution (solid)",
            paint,
            view.get_column("contribution_share").to_list(),
            COMPANY,
        ),
    ]
    axis = SHARE.axis([v for one in series for v in one.values], zero=True, min_span=0.2)
    texts = [SHARE.values(list(one.values)) for one in series]
    return _grouped_bars(
        units,
        series,
        texts,
        axis,
        kind="shares",
        said_as=f"Share of investment and of contribution, by business unit, of {total}",
        axis_title=f"share of {total}",
    )


def status_bars(summary: pl.DataFrame) -> str:
    """Teams on track / at risk / off track / without target per unit and KPI, stacked: one row per
    ``business_unit`` · ``metric_label``, the counts in the summary's status columns."""
    rows = summary.select("business_unit", "metric_label", *map(_column, STATUSES)).iter_rows()
    parsed = [(f"{u} · {k}", [int(n or 0) for n in counts]) for u, k, *counts in rows]
    most = max((sum(counts) for _, counts in parsed), default=0) or 1
    step = max(1, (most + 4) // 5)
    span = most + 0.5
    ticks = list(range(0, most + 1, step))

    def at(n: float) -> str:
        return f"{n / span * 100:.2f}%"

    grid = "".join(
        f'<div style="position:absolute;top:0;bottom:0;left:{at(t)};'
        f'border-left:1px solid {GRID_CSS}"></div>'
        for t in ticks
    )
    cells = []
    said = []
    for label, counts in parsed:
        segments = "".join(
            f'<div title="{_e(label)}: {n} teams {name}" data-status="{name}" data-count="{n}" '
            f'style="width:{at(n)};background:{STATUSES[name].colour};color:#fff;font-size:11px;'
            f'display:flex;align-items:center;justify-content:center;overflow:hidden">{n}</div>'
            for n, name in zip(counts, STATUSES, strict=True)
            if n
        )
        cells.append(
            f'<div data-row="{_e(label)}" style="text-align:right;padding-right:8px;'
            f'overflow-wrap:anywhere;{MUTED_CSS}">{_e(label)}</div>'
            f'<div style="position:relative;height:{ROW_PX}px">{grid}'
            f'<div style="position:absolute;inset:0;display:flex">{segments}</div></div>'
        )
        said.append(
            f"{label}: "
            + ", ".join(f"{n} {name}" for n, name in zip(counts, STATUSES, strict=True) if n)
        )
    axis = "".join(
        f'<div style="position:absolute;left:{at(t)};transform:translateX(-50%);font-size:11px;'
        f'{MUTED_CSS}">{t}</div>'
        for t in ticks
    )
    body = (
        _legend([_swatch(s.colour, s.name) for s in STATUSES.values()], "calc(min(40%,14em) + 8px)")
        + '<div style="display:grid;grid-template-columns:min(40%,14em) 1fr;row-gap:8px;'
        f'align-items:center">{"".join(cells)}'
        f'<div></div><div data-axis="x" style="position:relative;height:16px">{axis}</div>'
        f'<div></div><div style="text-align:center;{MUTED_CSS}">teams</div></div>'
    )
    return _figure("status", body, f"Teams by status against their own targets. {'; '.join(said)}.")


#: A heatmap cell's height, in pixels; its width shares the row with the other periods.
CELL_PX = 20
#: Up to this many columns every period is labelled; beyond, every n-th (the first of a year always).
EVERY_LABEL = 16
#: A cell's shape: 12 px, smaller in a narrow cell (35 days on a phone) so shapes never overlap
#: (in units of the cell's own width: each cell is a CSS container).
GLYPH_FONT = "min(12px,80cqi)"


def _labelled_columns(periods: Sequence[str], short: Mapping[str, str]) -> set[int]:
    """The columns whose period is written under the grid: every one up to :data:`EVERY_LABEL`;
    beyond, the first of each year (it says the year), the latest, and every n-th counted back from
    the latest, but none within n columns of a year's label (turned labels would touch)."""
    n = len(periods)
    if n <= EVERY_LABEL:
        return set(range(n))
    every = -(-n // EVERY_LABEL)
    years = {i for i, p in enumerate(periods) if short[p] == p}  # written in full: says its year
    regular = {
        i for i in range(n) if (n - 1 - i) % every == 0 and all(abs(i - y) >= every for y in years)
    }
    return years | regular | {n - 1}


def status_grid(view: pl.DataFrame, fmt: NumberFormat, marks: pl.DataFrame | None = None) -> str:
    """Teams × periods, each cell coloured *and* marked (● ▲ ■ ○) by the team's status against its
    own target; a cell's tooltip (and what a screen reader says of it) gives the value, the target
    and the status. A period in progress is labelled "so far" (its target is prorated to the days
    so far). ``marks`` puts a ★ where a recorded decision changed a team's context (its unit's
    period), named in the tooltip. A table in structure (rows of cells under period headers), a
    grid in looks: no chart library needed for colour and shape. A row is a team (two teams of the
    same name in different units are two rows, each named with its unit)."""
    teams = view.select("team_id", "team_name", "business_unit").unique()
    twice = set(teams.group_by("team_name").len().filter(pl.col("len") > 1).get_column("team_name"))
    rows_of = sorted(
        (f"{name} · {unit}" if name in twice else str(name), team)
        for team, name, unit in teams.iter_rows()
    )
    ordered = view.sort("period_start").unique("period_label", keep="first", maintain_order=True)
    periods = ordered.get_column("period_label").to_list()
    short = short_labels(periods)
    running = dict(ordered.select("period_label", "in_progress").iter_rows())
    index = {(r["team_id"], r["period_label"]): r for r in view.iter_rows(named=True)}
    starred: dict[tuple[str, str], list[str]] = {}
    if marks is not None and not marks.is_empty():
        for mark in marks.filter(pl.col("period_label").is_in(periods)).iter_rows(named=True):
            key = "business_unit" if mark["scope_level"] == "business_unit" else "team_id"
            for team in teams.filter(pl.col(key) == mark["scope"]).get_column("team_id"):
                if (team, mark["period_label"]) in index:  # a star only on a cell that is drawn
                    starred.setdefault((team, mark["period_label"]), []).append(str(mark["text"]))
    labelled = _labelled_columns(periods, short)
    cells = []
    for label, team in rows_of:
        row = [
            f'<div role="rowheader" style="text-align:right;padding-right:8px;font-size:11px;'
            f'overflow-wrap:anywhere;{MUTED_CSS}">{_e(label)}</div>'
        ]
        for p in periods:
            r = index.get((team, p))
            if r is None:
                row.append('<div role="cell" aria-label="no data"></div>')
                continue
            status = STATUSES[r["status"]]
            when = f"{p} so far" if running[p] else p
            said = (
                f"{label} · {when}: {fmt.value(r['value'])} vs target {fmt.value(r['target'])}, "
                f"{status.glyph} {status.name}"
            )
            decided = starred.get((team, p), [])
            star = ""
            if decided:  # each mark's text names it (it starts with the star)
                said += "; " + "; ".join(decided)
                star = (
                    f'<span data-decision="{_e("; ".join(decided))}" style="position:absolute;'
                    "top:-5px;right:-3px;font-size:12px;color:#000;"
                    f'text-shadow:0 0 2px #fff,0 0 2px #fff">{DECISION.glyph}</span>'
                )
            row.append(
                f'<div role="cell" title="{_e(said)}" aria-label="{_e(said)}" '
                f'data-status="{status.name}" style="position:relative;height:{CELL_PX}px;'
                f"background:{status.colour};color:rgba(255,255,255,0.9);"
                "container-type:inline-size;"
                f'display:flex;align-items:center;justify-content:center">'
                f'<span style="font-size:{GLYPH_FONT}">{status.glyph}</span>{star}</div>'
            )
        cells.append(f'<div role="row" style="display:contents">{"".join(row)}</div>')

    def column_label(i: int, p: str) -> str:
        if i not in labelled:
            return ""
        return _e(f"{short[p]} so far" if running[p] else short[p])

    headers = ['<div role="columnheader"></div>'] + [
        f'<div role="columnheader" aria-label="{_e(p)}" style="justify-self:center;'
        "writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-size:10px;"
        f'padding-top:4px;{MUTED_CSS}">{column_label(i, p)}</div>'
        for i, p in enumerate(periods)
    ]
    legend = [_shape(s.glyph, s.name, s.colour) for s in STATUSES.values()]
    if starred:
        legend.append(_shape(DECISION.glyph, DECISION.text))
    body = (
        _legend(legend)
        + f'<div role="table" aria-label="Each team\'s status by period" style="display:grid;'
        f"grid-template-columns:fit-content(40%) repeat({len(periods)},minmax(0,1fr));"
        f'gap:2px;align-items:center">{"".join(cells)}'
        f'<div role="row" data-axis="x" style="display:contents">{"".join(headers)}</div></div>'
    )
    return _figure("heatmap", body)


# --- time horizons ---------------------------------------------------------------------------------

#: A small multiple's drawing in SVG units: it scales with its cell (about a unit a pixel in a
#: desktop's two columns, a third larger on a phone, where each scope takes the full width).
LINE_W, LINE_H = 270, 170
#: Room above and right of the plot (the diamond of a period in progress), and below it (labels).
LINE_TOP, LINE_RIGHT, LINE_BOTTOM = 10, 12, 24
#: Text in the drawing, in SVG units; a tick label's width per character.
LINE_FONT, CHAR_W = 10.5, 6.0
#: Cells narrower than this share no row: each scope takes the width (a phone).
MULTIPLE_MIN_PX = 240
#: Text in a drawing with lines is written as character references wherever HTML or Markdown could
#: read it as syntax: such a drawing is shown through Markdown's raw HTML (see ``ui._drawing``).
_AS_TEXT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_[]!$~|#"})


def _t(text: object) -> str:
    return str(text).translate(_AS_TEXT)


def _drawn(part: pl.DataFrame) -> list[float | None]:
    """The values a horizon chart draws: whole periods, last year's line (on to last year's whole
    period beside a period in progress), and the paces."""
    whole, running = part.filter(~pl.col("in_progress")), part.filter(pl.col("in_progress"))
    return [
        *whole.get_column("value").to_list(),
        *whole.get_column("last_year_value").to_list(),
        *running.get_column("pace").to_list(),
        *running.get_column("last_year_whole").to_list(),
    ]


#: How the small multiples of Time horizons are scaled: each its own axis; one axis shared by
#: the business units (a rate: the company keeps its own); or every chart spanning the same ratio
#: of top to bottom around its own level (a sum: a line as steep is growth as fast).
HorizonScale = Literal["own", "shared", "ratio"]
#: The least ratio of top to bottom a "ratio" chart spans (about ±5 % around its level, the least
#: span of an axis of its own too), and the most: a scope that moved by more than this keeps an
#: axis of its own (saying so), rather than flattening every other chart.
MIN_RATIO, MAX_RATIO = 1.1, 5.0
#: Room above and below the values, as a ratio.
RATIO_PAD = 1.06


def horizon_lines(
    view: pl.DataFrame,
    fmt: NumberFormat,
    colours: Mapping[str, str],
    marks: pl.DataFrame | None = None,
    *,
    scale: HorizonScale = "own",
) -> str:
    """One small line chart per scope (company first): whole periods as a line, last year dotted.

    A period in progress is an open diamond at its pace — the whole period at the pace so far
    (``pace``, see docs/views.md) — joined by a dashed segment: never a cliff. Periods not
    comparable with last year are open circles; a recorded decision is a star. Each point's tooltip
    gives its value and its change on last year (or why there is none). ``scale``: see
    :data:`HorizonScale`. Two across where there is room, one per row on a phone; each chart says
    its scope's story in words to a screen reader.
    """
    scopes = list(dict.fromkeys(view.sort("level", descending=True).get_column("scope").to_list()))
    parts = {s: view.filter(pl.col("scope") == s).sort("period_start") for s in scopes}
    drawn = {s: _drawn(p) for s, p in parts.items()}
    spans = _ratio_spans(drawn) if scale == "ratio" else {}
    if scale == "shared":
        units = [
            v for s, p in parts.items() if p.get_column("level")[0] != "company" for v in drawn[s]
        ]
        unit_axis = fmt.axis(units)
    cells, starred = [], False
    for scope, part in parts.items():
        own = ""
        if scope in spans:
            axis = fmt.axis_between(*spans[scope])
        elif scale == "shared" and part.get_column("level")[0] != "company":
            axis = unit_axis
        else:
            axis = fmt.axis(drawn[scope])
            own = " (own scale)" if scale == "ratio" and len(parts) > 1 else ""
        cell, stars = _horizon_cell(
            part, str(scope), axis, fmt, colours.get(scope, COMPANY), marks, note=own
        )
        cells.append(cell)
        starred = starred or stars
    running = view.filter(pl.col("in_progress"))
    so_far = not running.is_empty() and set(running.get_column("pace_basis")) == {PACE_SO_FAR}
    legend = [
        # a rate's period in progress is drawn at its value so far (nothing to scale), a sum's at pace
        _shape(
            TO_DATE.glyph, "period in progress, at its value so far" if so_far else TO_DATE.text
        ),
        _shape(NOT_COMPARABLE.glyph, NOT_COMPARABLE.text),
        _shape(LAST_YEAR.glyph * 3, LAST_YEAR.text),
    ]
    if starred:
        legend.append(_shape(DECISION.glyph, DECISION.text))
    body = _legend(legend) + (
        '<div style="display:grid;gap:14px 20px;grid-template-columns:'
        f'repeat(auto-fill,minmax(min(100%,{MULTIPLE_MIN_PX}px),1fr))">{"".join(cells)}</div>'
    )
    return _figure("horizon", body)


def _ratio_spans(drawn: Mapping[str, Sequence[float | None]]) -> dict[str, tuple[float, float]]:
    """Each scope's bottom and top for a "ratio" scale: the same ratio of top to bottom for every
    scope (the largest any scope needs, within :data:`MIN_RATIO` and :data:`MAX_RATIO`), its
    middle at the middle of the scope's values: a change of a given share of a scope's level then
    takes the same height in every chart. Only scopes whose values are all above zero and move by
    at most ``MAX_RATIO`` get one (a ratio of a loss means nothing); none when fewer than two do.
    With ``R`` the ratio, ``m`` a scope's middle, ``2m / (1 + R)`` to ``R`` times that holds its
    values whenever ``R`` is at least its own top over bottom."""
    values = {
        s: [float(v) for v in d if v is not None and not missing(v)] for s, d in drawn.items()
    }
    fits = {
        s: (min(v), max(v))
        for s, v in values.items()
        if v and min(v) > 0 and max(v) / min(v) <= MAX_RATIO
    }
    if len(fits) < 2:
        return {}
    ratio = max(MIN_RATIO, *(hi / lo for lo, hi in fits.values())) * RATIO_PAD**2
    bottoms = {s: (lo + hi) / (1 + ratio) for s, (lo, hi) in fits.items()}
    return {s: (bottom, bottom * ratio) for s, bottom in bottoms.items()}


def _horizon_cell(
    part: pl.DataFrame,
    scope: str,
    axis: Axis,
    fmt: NumberFormat,
    colour: str,
    marks: pl.DataFrame | None,
    *,
    note: str = "",
) -> tuple[str, bool]:
    """One scope's chart (and whether it drew a decision's star); ``note`` follows its title."""
    rows = list(part.iter_rows(named=True))
    whole = [r for r in rows if not r["in_progress"]]
    lo, hi = axis.range or (0.0, 1.0)
    left = max((len(t) for t in axis.ticktext), default=1) * CHAR_W + 8
    x0, x1, y0, y1 = left, LINE_W - LINE_RIGHT, LINE_TOP, LINE_H - LINE_BOTTOM
    step = (x1 - x0) / max(len(rows), 1)
    # a point's dot, and the circle around it a pointer finds: smaller when periods crowd
    # (two dozen months: dots small enough that last year's line still shows between them)
    dot, reach = min(3.5, max(step * 0.18, 1.3)), min(9.0, step / 2)

    def x(i: int) -> float:
        return x0 + (i + 0.5) * step

    def y(v: float) -> float:
        return y1 - (v - lo) / ((hi - lo) or 1.0) * (y1 - y0)

    text = f'font-size="{LINE_FONT}" fill="currentColor" fill-opacity="0.7"'
    out: list[str] = []
    # the value axis: its grid lines, then its labels (a group of labels only, for the tick checks)
    out += [
        f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="{GRID_CSS}" stroke-width="1"/>'
        for v in axis.tickvals
    ]
    out.append(
        '<g data-axis="y">'
        + "".join(
            f'<text x="{x0 - 5:.1f}" y="{y(v):.1f}" text-anchor="end" dominant-baseline="central" '
            f"{text}>{_t(t)}</text>"
            for v, t in zip(axis.tickvals, axis.ticktext, strict=True)
        )
        + "</g>"
    )
    # periods: as many labels as fit side by side, counted back from the latest
    labels = [str(r["period_label"]) for r in rows]
    room = max(int((x1 - x0) // (max(map(len, labels), default=1) * CHAR_W * 0.95 + 8)), 1)
    every = -(-len(labels) // room)
    out.append(
        '<g data-axis="x">'
        + "".join(
            f'<text x="{x(i):.1f}" y="{y1 + 15:.1f}" text-anchor="middle" {text}>{_t(p)}</text>'
            for i, p in enumerate(labels)
            if (len(labels) - 1 - i) % every == 0
        )
        + "</g>"
    )
    # last year dotted, this year solid: each a line through the periods that have a value; last
    # year's goes on to its whole period beside a period in progress (what the diamond's pace
    # compares with: a seasonal rise is last year's too)
    last_year = [(i, r["last_year_value"]) for i, r in enumerate(whole)] + [
        (i, r["last_year_whole"]) for i, r in enumerate(rows) if r["in_progress"]
    ]
    for points_of, line, dash, width in (
        (last_year, "last year", ' stroke-dasharray="2 3"', 1.2),
        ([(i, r["value"]) for i, r in enumerate(whole)], "value", "", 2),
    ):
        for run in _runs(points_of):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            out.append(
                f'<polyline data-line="{line}" points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="{width}"{dash} stroke-linejoin="round"/>'
            )
    said = []
    for i, r in enumerate(whole):
        if r["value"] is None or missing(r["value"]):
            continue
        value = fmt.value(r["value"])
        ok = bool(r["last_year_comparable"])
        tip = (
            f"{r['period_label']}: {value} · vs last year "
            f"{fmt.change(r['last_year_change'], r['change_kind'])}"
            if ok
            else f"{r['period_label']}: {value} · not comparable with last year: "
            f"{r['last_year_reason']}"
        )
        fill = colour if ok else "#fff"
        out.append(
            f'<g data-period="{_t(r["period_label"])}" data-shape="'
            f'{"circle" if ok else "circle-open"}" data-value="{float(r["value"])!r}">'
            f"<title>{_t(tip)}</title>"
            f'<circle cx="{x(i):.1f}" cy="{y(r["value"]):.1f}" r="{dot:.1f}" fill="{fill}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<circle cx="{x(i):.1f}" cy="{y(r["value"]):.1f}" r="{reach:.1f}" fill="transparent"/></g>'
        )
        said.append(f"{r['period_label']} {value}")
    for i, r in enumerate(rows):
        if r["in_progress"] and r["pace"] is not None and not missing(r["pace"]):
            out.append(_pace_mark(r, i, whole, x, y, fmt, colour))
            said.append("; ".join(_pace_text(r, fmt)))
    stars = _horizon_stars(rows, scope, marks, x, y)
    out += stars
    words = f"{scope}: " + (
        f"{said[0]}, then to {'; '.join(said[-2:])}" if len(said) > 2 else "; ".join(said)
    )
    return (
        f'<div data-scope="{_t(scope)}" role="img" aria-label="{_t(words)}">'
        f'<div style="text-align:center;font-size:12px;{MUTED_CSS}">{_t(scope + note)}</div>'
        f'<svg viewBox="0 0 {LINE_W} {LINE_H}" style="display:block;width:100%;height:auto;'
        f'overflow:visible">{"".join(out)}</svg></div>',
        bool(stars),
    )


def _runs(points: Sequence[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Consecutive points with a value: a line never bridges a period without one."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in points:
        if v is None or missing(v):
            runs.append([])
        else:
            runs[-1].append((i, float(v)))
    return [r for r in runs if r]


def _pace_text(r: Mapping[str, Any], fmt: NumberFormat) -> tuple[str, ...]:
    """A period in progress in words: its value so far, and, for a sum, the whole period's pace."""
    label = r["period_label"]
    so_far = f"{label} so far ({r['days']} of {r['period_days']} days): {fmt.value(r['value'])}"
    whole = r["last_year_whole"]
    last_year = (
        ()
        if whole is None or missing(whole)
        else (f"last year's whole period: {fmt.value(whole)}",)
    )
    if r["pace_basis"] == PACE_SO_FAR:
        return (so_far, *last_year)
    pace = f"whole {label} at this pace ({r['pace_basis']}): {fmt.value(r['pace'])}"
    return (so_far, pace, *last_year)


def _pace_mark(
    r: Mapping[str, Any],
    i: int,
    whole: Sequence[Mapping[str, Any]],
    x: Callable[[int], float],
    y: Callable[[float], float],
    fmt: NumberFormat,
    colour: str,
) -> str:
    """The period in progress: an open diamond at its pace, joined to the last whole period (when
    it has a value) by a dashed segment; the tooltip says the days so far and the basis."""
    pace = float(r["pace"])
    versus = (
        f"vs the same {r['days']} days last year "
        f"{fmt.change(r['last_year_change'], r['change_kind'])}"
        if r["last_year_comparable"]
        else f"not comparable with last year: {r['last_year_reason']}"
    )
    so_far, *projection = _pace_text(r, fmt)
    tip = "\n".join([f"{so_far} · {versus}", *projection])
    segment = ""
    last = whole[-1]["value"] if whole else None
    if last is not None and not missing(last):
        # dashed, where last year's line is dotted: the way to the diamond, not last year going on
        segment = (
            f'<line data-segment="pace" x1="{x(len(whole) - 1):.1f}" y1="{y(float(last)):.1f}" '
            f'x2="{x(i):.1f}" y2="{y(pace):.1f}" stroke="{colour}" stroke-width="1.5" '
            'stroke-dasharray="5 3"/>'
        )
    cx, cy, d = x(i), y(pace), 6
    return (
        f'{segment}<g data-period="{_t(r["period_label"])}" data-shape="diamond-open" '
        f'data-pace="{pace!r}"><title>{_t(tip)}</title>'
        f'<path d="M{cx:.1f} {cy - d:.1f} L{cx + d:.1f} {cy:.1f} L{cx:.1f} {cy + d:.1f} '
        f'L{cx - d:.1f} {cy:.1f} Z" fill="#fff" stroke="{colour}" stroke-width="1.5"/></g>'
    )


def _horizon_stars(
    rows: Sequence[Mapping[str, Any]],
    scope: str,
    marks: pl.DataFrame | None,
    x: Callable[[int], float],
    y: Callable[[float], float],
) -> list[str]:
    """A ★ on each period where a recorded decision concerns the scope (every decision on the
    company's chart), at the period's value (its pace while in progress), named in its tooltip."""
    if marks is None or marks.is_empty() or not rows:
        return []
    mine = marks if rows[0]["level"] == "company" else marks.filter(pl.col("scope") == scope)
    at = {str(r["period_label"]): i for i, r in enumerate(rows)}
    out = []
    for mark in mine.filter(pl.col("period_label").is_in(list(at))).iter_rows(named=True):
        i = at[mark["period_label"]]
        r = rows[i]
        height = r["pace"] if r["in_progress"] and r["pace"] is not None else r["value"]
        if height is None or missing(height):
            continue
        out.append(
            f'<g data-decision="{_t(mark["text"])}"><title>{_t(mark["text"])}</title>'
            f'<text x="{x(i):.1f}" y="{y(float(height)) - 9:.1f}" text-anchor="middle" '
            f'font-size="15" fill="#000" stroke="#fff" stroke-width="0.8" paint-order="stroke">'
            f"{DECISION.glyph}</text></g>"
        )
    return out


#: Below this width (pixels) the lineage's steps stand one under the other, joined by ↓.
LINEAGE_NARROW_PX = 560


def _steps(links: Sequence[tuple[str, str]]) -> list[list[str]]:
    """The lineage's nodes in steps: each node one step after the furthest node that feeds it
    (tables first), the decisions in the last step, in the order the links name them."""
    nodes = list(dict.fromkeys(n for link in links for n in link))
    feeders: dict[str, list[str]] = {n: [] for n in nodes}
    for source, target in links:
        feeders[target].append(source)
    step: dict[str, int] = {}

    def of(node: str, seen: frozenset[str]) -> int:
        if node not in step:
            earlier = [of(f, seen | {node}) for f in feeders[node] if f not in seen]
            step[node] = 1 + max(earlier, default=-1)
        return step[node]

    for node in nodes:
        of(node, frozenset())
    last = max((s for n, s in step.items() if not n.startswith("decision: ")), default=-1) + 1
    step |= {n: last for n in nodes if n.startswith("decision: ")}  # what is decided, last
    out: list[list[str]] = [[] for _ in range(max(step.values(), default=-1) + 1)]
    for node in nodes:
        out[step[node]].append(node)
    return out


def _reach(start: str, edges: Mapping[str, Sequence[str]]) -> set[str]:
    """Every node reached from ``start`` along ``edges`` (``start`` itself left out)."""
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def lineage_flow(links: Sequence[tuple[str, str]], focus: str) -> str:
    """Where a metric comes from and what reads it, as steps of named boxes: source tables, their
    measures, the metrics it is built from, the metric (``focus``, outlined), what is built on it,
    the decisions that read it. Other metrics built from the same measures are named under the
    steps, not in them (an arrow from them to the metric's decisions would say they feed it).

    Each box says its kind ("table", "measure", …) above its name, and its tooltip what it feeds.
    Side by side with → on a wide screen; below :data:`LINEAGE_NARROW_PX` one step under the
    other with ↓ (a Sankey drawn in a phone's width laid its labels over one another). ``links``:
    (source, target) pairs, each node written ``"kind: name"``."""
    pairs = list(links)
    feeds_into: dict[str, list[str]] = {}
    fed_by: dict[str, list[str]] = {}
    for source, target in pairs:
        feeds_into.setdefault(source, []).append(target)
        fed_by.setdefault(target, []).append(source)
    chain = {focus} | _reach(focus, fed_by) | _reach(focus, feeds_into)
    beside = [n for n in dict.fromkeys(t for _, t in pairs) if n not in chain]

    def tip(node: str) -> str:
        onward = feeds_into.get(node, [])
        return f"{node} feeds " + ", ".join(onward) if onward else node

    def box(node: str) -> str:
        kind, _, name = node.partition(": ")
        edge = f"2px solid {NOW_COLOUR}" if node == focus else f"1px solid {GRID_CSS}"
        weight = "font-weight:600;" if node == focus else ""
        return (
            f'<div data-node="{_e(node)}" title="{_e(tip(node))}" style="border:{edge};'
            f'border-radius:4px;padding:4px 8px;overflow-wrap:anywhere;{weight}">'
            f'<div style="font-size:10px;{MUTED_CSS}">{_e(kind)}</div>{_e(name or kind)}</div>'
        )

    arrow = (
        '<div data-arrow="" style="align-self:center;font-size:16px;line-height:1;'
        f'{MUTED_CSS}"><span data-way="right">→</span>'
        '<span data-way="down" style="display:none">↓</span></div>'
    )
    main = [(s, t) for s, t in pairs if s in chain and t in chain]
    steps = [
        f'<div data-step="{i}" style="flex:1 1 0;min-width:0;display:flex;flex-direction:column;'
        f'justify-content:center;gap:6px">{"".join(box(n) for n in nodes)}</div>'
        for i, nodes in enumerate(_steps(main) if main else [[focus]])
    ]
    narrow = (
        f"<style>@container (max-width: {LINEAGE_NARROW_PX}px) {{"
        "[data-flow] {flex-direction:column !important}"
        '[data-flow] [data-way="right"] {display:none}'
        '[data-flow] [data-way="down"] {display:inline !important}}}</style>'
    )
    also = ""
    if beside:
        names = ", ".join(
            f'<span data-beside="{_e(n)}" title="{_e(", ".join(fed_by.get(n, [])))} feeds '
            f'{_e(n)}">{_e(n.partition(": ")[2] or n)}</span>'
            for n in beside
        )
        also = (
            f'<div style="margin-top:10px;{MUTED_CSS}">Built from the same measures too, not '
            f"from this metric: {names}.</div>"
        )
    body = (
        f'{narrow}<div data-flow="" style="display:flex;gap:8px;align-items:stretch">'
        f"{arrow.join(steps)}</div>{also}"
    )
    said = "; ".join(f"{source} feeds {target}" for source, target in pairs)
    return _figure("lineage", body, f"Lineage of {focus}: {said}.")
