"""Small static SVG charts for the printed brief: crisp on paper, a few KiB each, no browser needed.

The app draws with Plotly; a board memo needs charts that print, weigh little and render anywhere, so
the brief draws its two kinds of chart — bubbles on a decision's axes, and bars of business units —
as plain SVG with the same formats, palette and tick rules (:meth:`NumberFormat.axis`). The app's
headline cards draw their trend line here too (:func:`sparkline`): no axes, no hover, nothing for a
chart library to do.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.present.charts import Diagonal, Quadrants, TradeoffSpec
from bridge.present.format import Axis, NumberFormat, missing
from bridge.present.palette import COMPANY, GRID, MUTED, OKABE_ITO

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 16, 48


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class _Scale:
    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.start + (value - self.lo) / span * (self.end - self.start)


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{_e(title)}" class="chart" font-family="sans-serif" font-size="11">'
        f"<title>{_e(title)}</title>{''.join(body)}</svg>"
    )


def _y_axis(axis: Axis, scale: _Scale, body: list[str]) -> None:
    for value, text in zip(axis.tickvals, axis.ticktext, strict=True):
        y = scale(value)
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        body.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_e(text)}</text>'
        )


def _x_axis(axis: Axis, scale: _Scale, body: list[str]) -> None:
    for value, text in zip(axis.tickvals, axis.ticktext, strict=True):
        x = scale(value)
        body.append(
            f'<line y1="{TOP}" y2="{HEIGHT - BOTTOM}" x1="{x:.1f}" x2="{x:.1f}" stroke="#e5e5e5"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" fill="{MUTED}">{_e(text)}</text>'
        )


def _scales(x_axis: Axis, y_axis: Axis) -> tuple[_Scale, _Scale]:
    x_lo, x_hi = x_axis.range or (0.0, 1.0)
    y_lo, y_hi = y_axis.range or (0.0, 1.0)
    return (
        _Scale(x_lo, x_hi, LEFT, WIDTH - RIGHT),
        _Scale(y_lo, y_hi, HEIGHT - BOTTOM, TOP),
    )


def bubbles(
    points: Sequence[Mapping[str, Any]], spec: TradeoffSpec, colours: Mapping[str, str], title: str
) -> str:
    """Business units on a decision's axes (``business_unit``, ``x``, ``y``, ``size``, ``quadrant``)."""
    placed = [p for p in points if not missing(p["x"]) and not missing(p["y"])]
    xs = [float(p["x"]) for p in placed]
    ys = [float(p["y"]) for p in placed]
    rule = spec.rule
    extra_x = [rule.x] if isinstance(rule, Quadrants) else []
    extra_y = [rule.y] if isinstance(rule, Quadrants) else []
    x_axis = spec.x_format.axis([*xs, *extra_x], min_span=0.4 * max([abs(v) for v in xs] + [1e-9]))
    y_axis = spec.y_format.axis([*ys, *extra_y], min_span=0.4 * max([abs(v) for v in ys] + [1e-9]))
    sx, sy = _scales(x_axis, y_axis)
    body: list[str] = []
    _y_axis(y_axis, sy, body)
    _x_axis(x_axis, sx, body)
    if isinstance(rule, Quadrants):
        x0, y0 = sx(rule.x), sy(rule.y)
        body.append(
            f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="{GRID}" stroke-dasharray="5 4"/>'
        )
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y0:.1f}" y2="{y0:.1f}" stroke="{GRID}" stroke-dasharray="5 4"/>'
        )
        corners: tuple[tuple[str, float, float, str], ...] = (
            (rule.high_x_high_y, WIDTH - RIGHT - 4, TOP + 12, "end"),
            (rule.high_x_low_y, WIDTH - RIGHT - 4, HEIGHT - BOTTOM - 6, "end"),
            (rule.low_x_high_y, LEFT + 4, TOP + 12, "start"),
            (rule.low_x_low_y, LEFT + 4, HEIGHT - BOTTOM - 6, "start"),
        )
        for text, x, y, anchor in corners:
            body.append(
                f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-weight="bold" fill="{MUTED}">{_e(text)}</text>'
            )
    elif isinstance(rule, Diagonal):
        lo = max(sx.lo, sy.lo)
        hi = min(sx.hi, sy.hi)
        body.append(
            f'<line x1="{sx(lo):.1f}" y1="{sy(lo):.1f}" x2="{sx(hi):.1f}" y2="{sy(hi):.1f}" stroke="{GRID}" stroke-dasharray="5 4"/>'
        )
        body.append(
            f'<text x="{LEFT + 4}" y="{TOP + 12}" font-weight="bold" fill="{MUTED}">{_e(rule.above)}</text>'
        )
        body.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{HEIGHT - BOTTOM - 6}" text-anchor="end" font-weight="bold" fill="{MUTED}">{_e(rule.below)}</text>'
        )
    sizes = [abs(float(p["size"] or 0.0)) for p in placed]
    biggest = max([*sizes, 1e-9])
    for point, x, y, size in zip(placed, xs, ys, sizes, strict=True):
        unit = str(point["business_unit"])
        radius: float = 6 + 18 * (size / biggest) ** 0.5
        body.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{radius:.1f}" fill="{colours.get(unit, COMPANY)}" fill-opacity="0.8"/>'
        )
        body.append(
            f'<text x="{sx(x):.1f}" y="{sy(y) - radius - 3:.1f}" text-anchor="middle">{_e(unit)}</text>'
        )
    body.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 10}" text-anchor="middle">{_e(spec.x_label)} (bubble area ∝ {_e(spec.size_label)})</text>'
    )
    body.append(
        f'<text transform="translate(12 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">{_e(spec.y_label)}</text>'
    )
    return _frame(title, body)


def bars(
    labels: Sequence[str],
    now: Sequence[float | None],
    before: Sequence[float | None],
    fmt: NumberFormat,
    names: tuple[str, str],
    title: str,
) -> str:
    """Grouped bars per business unit: ``now`` against ``before`` (same span), values written on top."""
    zero = fmt.unit not in ("percent", "points")
    axis = fmt.axis([*now, *before], zero=zero)
    y_lo, y_hi = axis.range or (0.0, 1.0)
    sy = _Scale(y_lo, y_hi, HEIGHT - BOTTOM, TOP)
    body: list[str] = []
    _y_axis(axis, sy, body)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    base = sy(max(y_lo, 0.0) if zero else y_lo)
    now_text, before_text = fmt.values(list(now)), fmt.values(list(before))
    for i, label in enumerate(labels):
        x = LEFT + i * slot + slot * 0.15
        width = slot * 0.33
        for j, (value, text, colour) in enumerate(
            ((before[i], before_text[i], "#BBBBBB"), (now[i], now_text[i], OKABE_ITO[0]))
        ):
            if value is None or missing(value):
                continue
            top = sy(value)
            left = x + j * width
            body.append(
                f'<rect x="{left:.1f}" y="{min(top, base):.1f}" width="{width - 2:.1f}" height="{abs(base - top):.1f}" fill="{colour}"/>'
            )
            body.append(
                f'<text x="{left + width / 2:.1f}" y="{min(top, base) - 3:.1f}" text-anchor="middle" font-size="10">{_e(text)}</text>'
            )
        body.append(
            f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{_e(label)}</text>'
        )
    legend_y = HEIGHT - 12
    for j, (name, colour) in enumerate(((names[1], "#BBBBBB"), (names[0], OKABE_ITO[0]))):
        x = LEFT + j * 220
        body.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="{legend_y}">{_e(name)}</text>')
    return _frame(title, body)


#: A card's sparkline: its drawing box (stretched to the card's width) and the room above and
#: below the line.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 240, 44, 4


def sparkline(values: Sequence[float], title: str) -> str:
    """A headline card's trend as one line, stretched to the card's width ("" for fewer than two
    values). Static SVG, not a chart: a card's trend needs no axes or hover, and a browser draws
    this in a fraction of a millisecond, where a chart library's sparkline cost 25 ms a card (#18).
    ``title`` is what a screen reader says and a pointer shows. A value that is no number (NaN,
    infinite) is left out of the line, never drawn as a cliff."""
    values = [v for v in values if math.isfinite(v)]
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    y = _Scale(lo, hi, SPARK_HEIGHT - SPARK_PAD, SPARK_PAD) if hi > lo else None
    step = SPARK_WIDTH / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{y(v) if y else SPARK_HEIGHT / 2:.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" '
        f'width="100%" height="{SPARK_HEIGHT}" preserveAspectRatio="none" role="img" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
        f'<polyline points="{points}" fill="none" stroke="{COMPANY}" stroke-width="2" '
        'stroke-linejoin="round" vector-effect="non-scaling-stroke"/></svg>'
    )
