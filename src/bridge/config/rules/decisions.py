"""Rules on ``decisions.toml``: unique ids, axes and portfolio on known metrics, sensible thresholds."""

from __future__ import annotations

from collections.abc import Iterator

from bridge.config.decisions import QuadrantRule
from bridge.config.files import ParsedConfig
from bridge.config.rules.common import repeated
from bridge.errors import Problem, Step


def duplicate_decisions(config: ParsedConfig) -> Iterator[Problem]:
    for name in repeated(decision.id for decision in config.decisions.decisions):
        yield Problem(
            config.files.at("decisions", Step("decisions", name)),
            "each decision id once",
            "it twice or more",
        )


def unknown_axis_metrics(config: ParsedConfig) -> Iterator[Problem]:
    known = {metric.id for metric in config.metrics.metrics}
    for i, decision in enumerate(config.decisions.decisions):
        for axis_name in ("x", "y", "size"):
            axis = getattr(decision, axis_name)
            if axis.metric not in known:
                yield Problem(
                    config.files.at(
                        "decisions", "decisions", Step(i, decision.id), axis_name, "metric"
                    ),
                    f"a metric id from {config.files.where('metrics')}",
                    repr(axis.metric),
                )


def unknown_portfolio_metrics(config: ParsedConfig) -> Iterator[Problem]:
    known = {metric.id for metric in config.metrics.metrics}
    for key in ("investment", "contribution"):
        name = getattr(config.decisions.portfolio, key)
        if name is not None and name not in known:
            yield Problem(
                config.files.at("decisions", "portfolio", key),
                f"a metric id from {config.files.where('metrics')}",
                repr(name),
            )


def thresholds_in_range(config: ParsedConfig) -> Iterator[Problem]:
    for i, decision in enumerate(config.decisions.decisions):
        if not isinstance(decision.rule, QuadrantRule):
            continue
        for axis_name, value in (
            ("x", decision.rule.x_threshold),
            ("y", decision.rule.y_threshold),
        ):
            axis = getattr(decision, axis_name)
            where = config.files.at(
                "decisions", "decisions", Step(i, decision.id), "rule", f"{axis_name}_threshold"
            )
            if axis.transform == "share" and not 0 <= value <= 1:
                yield Problem(
                    where,
                    f"a share between 0 and 1 (axis {axis_name} is a share of the company total)",
                    repr(value),
                    f"{axis_name}_threshold = 0.25",
                )
            if axis.transform.startswith("growth") and not -1 <= value <= 10:
                yield Problem(
                    where,
                    "a growth rate as a fraction between -1 and 10 (0.1 means +10%)",
                    repr(value),
                    f"{axis_name}_threshold = 0.1",
                )
