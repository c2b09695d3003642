"""Small static bar charts as HTML: business units this period against last year, and teams by status.

These two charts have nothing to zoom, pan or select: a handful of bars with their values written on
them. Drawn by Plotly inside Streamlit each cost the browser 20–35 ms however small (its wrapper
draws every chart twice, #18), and the Overview showed five. Here the browser's own layout draws
them: boxes sized in per cent of the plot, text at the page's size on any screen (a phone wraps the
labels instead of shrinking them), a native tooltip on each bar, and the whole chart said in words
for a screen reader (``aria-label``). The numbers are those of the Plotly charts they replace: the
same :class:`~bridge.present.format.NumberFormat` writes the values and picks the ticks (no label
repeats), the same palette colours them.

Everything written comes from data or config and is escaped; the markup holds inline styles only (no
script, no class that depends on a stylesheet), so any HTML renderer shows it as it is.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import polars as pl

from bridge.present.format import Axis, NumberFormat, missing
from bridge.present.palette import OKABE_ITO, STATUSES

#: Height of a unit chart's plot area, in pixels (the labels below wrap as the width needs).
PLOT_PX = 220
#: Width kept for the value axis's tick labels, in pixels.
TICKS_PX = 52
#: Last year's bar and this period's.
BEFORE_COLOUR, NOW_COLOUR = "#BBBBBB", OKABE_ITO[0]
#: Grid lines and muted text: half-transparent, so they read on a light or a dark page.
GRID_CSS = "rgba(128,128,128,0.25)"
MUTED_CSS = "opacity:0.7"
#: Text on bars: 11 px in a wide column, down to 9 px in a narrow one (a phone, or a side column:
#: four pairs of bars share 300 px), in units of the chart's own width (a CSS container).
VALUE_FONT = "clamp(9px,2.6cqi,11px)"
#: A status chart's row of bars, in pixels.
ROW_PX = 22
#: The order statuses stack in, left to right, with the summary's column of each.
STATUS_COLUMNS = (
    ("on_track", "on track"),
    ("at_risk", "at risk"),
    ("off_track", "off track"),
    ("no_target", "no target"),
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _swatch(colour: str, name: str) -> str:
    return (
        f'<span style="white-space:nowrap"><span style="display:inline-block;width:10px;'
        f'height:10px;background:{colour};margin-right:5px;vertical-align:-1px"></span>'
        f"{_e(name)}</span>"
    )


def _legend(entries: Sequence[tuple[str, str]], indent: str) -> str:
    return (
        f'<div style="display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 10px {indent};'
        f'font-size:11px">{"".join(_swatch(c, n) for c, n in entries)}</div>'
    )


def _figure(label: str, kind: str, body: str) -> str:
    return (
        f'<figure class="bridge-bars" data-kind="{kind}" role="img" aria-label="{_e(label)}" '
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
    series = [(before, BEFORE_COLOUR, last_year)] if with_before else []
    series.append((now, NOW_COLOUR, current))
    axis = fmt.axis([*current, *last_year], zero=fmt.unit not in ("percent", "points"))
    scale = _Scale(axis)
    texts = [fmt.values(list(bars)) for _, _, bars in series]

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
        pair = []
        for (name, colour, bars), written in zip(series, texts, strict=True):
            value = bars[i]
            if value is None or missing(value):
                pair.append(f'<div data-series="{_e(name)}" style="flex:1;max-width:56px"></div>')
                continue
            top, base = scale(float(value)), scale.base
            low, high = min(top, base), max(top, base)
            label_at = (
                f"bottom:calc({high:.2f}% + 2px)"
                if float(value) >= 0 or top >= base
                else f"top:calc({100 - low:.2f}% + 2px)"
            )
            pair.append(
                f'<div data-series="{_e(name)}" style="position:relative;flex:1;max-width:56px">'
                f'<div title="{_e(scope)}: {_e(written[i])} ({_e(name)})" data-value="{value!r}" '
                f'style="position:absolute;left:0;right:0;bottom:{low:.2f}%;'
                f'height:{high - low:.2f}%;background:{colour}"></div>'
                f'<div style="position:absolute;left:-60%;right:-60%;{label_at};text-align:center;'
                f'white-space:nowrap;font-size:{VALUE_FONT};{MUTED_CSS}">{_e(written[i])}</div>'
                "</div>"
            )
        groups.append(
            f'<div data-scope="{_e(scope)}" style="flex:1;display:flex;justify-content:center;'
            f'gap:3px;padding:0 4%">{"".join(pair)}</div>'
        )
    labels = "".join(
        f'<div style="flex:1;text-align:center;padding:0 2px;overflow-wrap:anywhere;{MUTED_CSS}">'
        f"{_e(scope)}</div>"
        for scope in scopes
    )
    said = "; ".join(
        f"{scope}: "
        + ", ".join(
            f"{written[i]} {name}" for (name, _, _), written in zip(series, texts, strict=True)
        )
        for i, scope in enumerate(scopes)
    )
    body = (
        _legend([(c, n) for n, c, _ in series], f"{TICKS_PX}px")
        + f'<div style="display:flex;height:{PLOT_PX}px;margin-top:14px">'
        f'<div data-axis="y" style="position:relative;width:{TICKS_PX}px;flex:none">{ticks}</div>'
        f'<div style="position:relative;flex:1">{grid}'
        f'<div style="position:absolute;inset:0;display:flex">{"".join(groups)}</div></div></div>'
        f'<div style="display:flex;margin-left:{TICKS_PX}px;padding-top:6px">{labels}</div>'
    )
    return _figure(f"{now} against {before}, by business unit. {said}.", "units", body)


def status_bars(summary: pl.DataFrame) -> str:
    """Teams on track / at risk / off track / without target per unit and KPI, stacked: one row per
    ``business_unit`` · ``metric_label``, the counts in the summary's status columns."""
    rows = summary.select(
        "business_unit", "metric_label", *(c for c, _ in STATUS_COLUMNS)
    ).iter_rows()
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
            f'style="width:{at(n)};background:{STATUSES[name].colour}"></div>'
            for n, (_, name) in zip(counts, STATUS_COLUMNS, strict=True)
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
            + ", ".join(
                f"{n} {name}" for n, (_, name) in zip(counts, STATUS_COLUMNS, strict=True) if n
            )
        )
    axis = "".join(
        f'<div style="position:absolute;left:{at(t)};transform:translateX(-50%);font-size:11px;'
        f'{MUTED_CSS}">{t}</div>'
        for t in ticks
    )
    body = (
        _legend([(STATUSES[n].colour, n) for _, n in STATUS_COLUMNS], "calc(min(40%,14em) + 8px)")
        + '<div style="display:grid;grid-template-columns:min(40%,14em) 1fr;row-gap:8px;'
        f'align-items:center">{"".join(cells)}'
        f'<div></div><div data-axis="x" style="position:relative;height:16px">{axis}</div>'
        f'<div></div><div style="text-align:center;{MUTED_CSS}">teams</div></div>'
    )
    return _figure(f"Teams by status against their own targets. {'; '.join(said)}.", "status", body)
