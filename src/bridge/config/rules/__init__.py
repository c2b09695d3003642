"""Rules across the config files, one family per module; each rule *returns* the problems it finds.

:func:`semantic_problems` runs them all, so every mistake is reported in one pass. Rules read a
:class:`~bridge.config.files.ParsedConfig` (three files valid in shape) and locate each problem in its
file as data (:class:`~bridge.errors.Location`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bridge.config.files import ParsedConfig
from bridge.config.rules import decisions, metrics, sources
from bridge.errors import Problem

Rule = Callable[[ParsedConfig], Iterable[Problem]]

RULES: tuple[Rule, ...] = (
    sources.duplicate_sources,
    sources.duplicate_measures,
    metrics.duplicate_metrics,
    metrics.unknown_measures,
    metrics.unknown_metric_references,
    metrics.derived_cycles,
    metrics.derived_depth,
    decisions.duplicate_decisions,
    decisions.unknown_axis_metrics,
    metrics.unknown_metric_decisions,
    decisions.unknown_portfolio_metrics,
    decisions.thresholds_in_range,
)


def semantic_problems(config: ParsedConfig) -> list[Problem]:
    """Every cross-reference problem in the three files."""
    return [problem for rule in RULES for problem in rule(config)]
