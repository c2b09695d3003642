"""Numbers as people read them: units, K/M/B, percentages, signed changes, "n/a" for unknowns."""

from __future__ import annotations

import math

from bridge.config.metrics import MetricBase

CURRENCY = "$"
MISSING = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def compact(value: float, decimals: int = 1) -> str:
    """1234 → 1.2K, 2_500_000 → 2.5M; small numbers keep ``decimals``."""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= limit:
            return f"{value / limit:,.{max(decimals, 1)}f}{suffix}"
    return f"{value:,.{decimals}f}"


def format_value(value: float | None, metric: MetricBase) -> str:
    """A metric value with its unit: ``$1.2M``, ``87.8%``, ``12.3K``, ``n/a``."""
    if _missing(value):
        return MISSING
    assert value is not None
    if metric.unit == "percent":
        return f"{value * 100:.{metric.decimals}f}%"
    if metric.unit == "currency":
        sign = "-" if value < 0 else ""
        return f"{sign}{CURRENCY}{compact(abs(value), metric.decimals)}"
    return compact(value, metric.decimals)


def format_change(change: float | None, kind: str) -> str:
    """A comparison: ``+4.1%`` (relative) or ``+1.2 pts`` (difference of two percentages)."""
    if _missing(change):
        return MISSING
    assert change is not None
    if kind == "points":
        return f"{change * 100:+.1f} pts"
    return f"{change * 100:+.1f}%"


def format_share(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value * 100:.1f}%"  # type: ignore[operator]
