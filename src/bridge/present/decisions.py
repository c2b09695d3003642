"""A decision as people see it: its axes' formats, the chart spec, and its rule in words.

The rule's wording is generated from the rule itself (thresholds and quadrant names), so a caption can
never disagree with where the rule puts a business unit.
"""

from __future__ import annotations

from collections.abc import Mapping

from bridge.config.decisions import Axis, Decision, DiagonalRule
from bridge.config.registry import Registry
from bridge.present.charts import Diagonal, Quadrants, TradeoffSpec
from bridge.present.format import SHARE, NumberFormat, of


def axis_format(axis: Axis, registry: Registry) -> NumberFormat:
    """How an axis's numbers read, from its metric and transform."""
    metric = registry.metric(axis.metric)
    if axis.transform == "share":
        return SHARE
    if axis.transform in ("growth_yoy", "growth_multi_year"):
        return NumberFormat(
            "percent", 1, signed=True, suffix="/yr" if axis.transform == "growth_multi_year" else ""
        )
    if axis.transform == "trend_multi_year":
        if metric.unit == "percent":
            return NumberFormat("points", 1, signed=True, suffix="/yr")
        base = of(metric, registry.currency)
        return NumberFormat(base.unit, base.decimals, base.currency, signed=True, suffix="/yr")
    return of(metric, registry.currency)


def axis_label(axis: Axis, registry: Registry) -> str:
    return axis.label or registry.metric(axis.metric).label


def tradeoff_spec(
    decision: Decision, registry: Registry, decided: Mapping[str, str] | None = None
) -> TradeoffSpec:
    rule = decision.rule
    lines: Quadrants | Diagonal
    if isinstance(rule, DiagonalRule):
        lines = Diagonal(rule.band, rule.above, rule.on, rule.below)
    else:
        lines = Quadrants(
            rule.x_threshold,
            rule.y_threshold,
            rule.high_x_high_y,
            rule.high_x_low_y,
            rule.low_x_high_y,
            rule.low_x_low_y,
        )
    return TradeoffSpec(
        x_label=axis_label(decision.x, registry),
        y_label=axis_label(decision.y, registry),
        x_format=axis_format(decision.x, registry),
        y_format=axis_format(decision.y, registry),
        size_label=axis_label(decision.size, registry),
        size_format=axis_format(decision.size, registry),
        rule=lines,
        decided=dict(decided or {}),
    )


def rule_text(decision: Decision, registry: Registry) -> str:
    """The rule in words, e.g. ``bet: growth ≥ +5.0% and margin ≥ 10.0%; fix: …``."""
    rule = decision.rule
    x, y = axis_label(decision.x, registry), axis_label(decision.y, registry)
    if isinstance(rule, DiagonalRule):
        band = SHARE.value(rule.band)
        return (
            f"{rule.above}: {y} more than {band} above {x}; {rule.below}: more than {band} below; "
            f"{rule.on}: within {band}."
        )
    fx, fy = axis_format(decision.x, registry), axis_format(decision.y, registry)
    tx, ty = fx.value(rule.x_threshold), fy.value(rule.y_threshold)
    return (
        f"{rule.high_x_high_y}: {x} ≥ {tx} and {y} ≥ {ty}; "
        f"{rule.high_x_low_y}: {x} ≥ {tx}, {y} below {ty}; "
        f"{rule.low_x_high_y}: {x} below {tx}, {y} ≥ {ty}; "
        f"{rule.low_x_low_y}: both below."
    )


def choices(decision: Decision) -> tuple[str, ...]:
    """What can be chosen for this decision: the names its rule gives."""
    rule = decision.rule
    if isinstance(rule, DiagonalRule):
        return (rule.above, rule.on, rule.below)
    return (rule.high_x_high_y, rule.high_x_low_y, rule.low_x_high_y, rule.low_x_low_y)
