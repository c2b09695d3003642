"""Rules on ``metrics.toml``: unique ids, known measures and metrics, no cycles, known decisions."""

from __future__ import annotations

from collections.abc import Iterator

from bridge.config.files import ParsedConfig
from bridge.config.metrics import DerivedMetric
from bridge.config.rules.common import repeated
from bridge.errors import Location, Problem, Step

#: The longest chain of derived metrics built on derived metrics (a bound on evaluation depth).
MAX_DERIVED_DEPTH = 32


def _metric_at(config: ParsedConfig, index: int, metric_id: str, *keys: str) -> Location:
    return config.files.at("metrics", "metrics", Step(index, metric_id), *keys)


def duplicate_metrics(config: ParsedConfig) -> Iterator[Problem]:
    for name in repeated(metric.id for metric in config.metrics.metrics):
        yield Problem(
            config.files.at("metrics", Step("metrics", name)),
            "each metric id once",
            "it twice or more",
        )


def unknown_measures(config: ParsedConfig) -> Iterator[Problem]:
    known = {m.name for source in config.sources.sources for m in source.measures}
    listing = ", ".join(sorted(known))
    for i, metric in enumerate(config.metrics.metrics):
        for field in ("measure", "numerator", "denominator", "reported_measure"):
            name = getattr(metric, field, None)
            if name is not None and name not in known:
                yield Problem(
                    _metric_at(config, i, metric.id, field),
                    f"a measure defined in {config.files.where('sources')} ({listing})",
                    repr(name),
                )


def unknown_metric_references(config: ParsedConfig) -> Iterator[Problem]:
    known = {metric.id for metric in config.metrics.metrics}
    for i, metric in enumerate(config.metrics.metrics):
        if isinstance(metric, DerivedMetric):
            for ref in metric.refs:
                if ref not in known:
                    yield Problem(
                        _metric_at(config, i, metric.id, "expression"),
                        "only ids of metrics defined in this file",
                        f"unknown metric {ref!r}",
                        "(revenue - cost) / revenue",
                    )


def _derived_graph(config: ParsedConfig) -> dict[str, tuple[str, ...]]:
    return {m.id: m.refs for m in config.metrics.metrics if isinstance(m, DerivedMetric)}


def derived_cycles(config: ParsedConfig) -> Iterator[Problem]:
    graph = _derived_graph(config)
    reported: set[frozenset[str]] = set()
    for start in graph:
        path = _cycle_from(start, graph)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            yield Problem(
                config.files.at("metrics", Step("metrics", start), "expression"),
                "derived metrics that do not refer to themselves, directly or through others",
                "a cycle " + " -> ".join(path),
            )


def _cycle_from(start: str, graph: dict[str, tuple[str, ...]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in path:
                stack.append((nxt, [*path, nxt]))
    return None


def derived_depth(config: ParsedConfig) -> Iterator[Problem]:
    """A derived metric may build on derived metrics, but not more than MAX_DERIVED_DEPTH deep."""
    graph = _derived_graph(config)
    depth: dict[str, int] = {}

    def depth_of(metric_id: str, seen: frozenset[str]) -> int:
        # iterative in spirit: memoised, and a cycle (reported by derived_cycles) counts as 0
        if metric_id in depth:
            return depth[metric_id]
        if metric_id not in graph or metric_id in seen:
            return 0
        if len(seen) > MAX_DERIVED_DEPTH:
            return len(seen)
        value = 1 + max((depth_of(r, seen | {metric_id}) for r in graph[metric_id]), default=0)
        depth[metric_id] = value
        return value

    for i, metric in enumerate(config.metrics.metrics):
        if isinstance(metric, DerivedMetric):
            found = depth_of(metric.id, frozenset())
            if found > MAX_DERIVED_DEPTH:
                yield Problem(
                    _metric_at(config, i, metric.id, "expression"),
                    f"derived metrics built on at most {MAX_DERIVED_DEPTH} levels of derived "
                    "metrics",
                    f"a chain more than {MAX_DERIVED_DEPTH} levels deep",
                )


def unknown_metric_decisions(config: ParsedConfig) -> Iterator[Problem]:
    known = {decision.id for decision in config.decisions.decisions}
    listing = ", ".join(sorted(known)) or "none defined"
    for i, metric in enumerate(config.metrics.metrics):
        for decision in metric.decisions:
            if decision not in known:
                yield Problem(
                    _metric_at(config, i, metric.id, "decisions"),
                    f"ids of decisions in {config.files.where('decisions')} ({listing})",
                    repr(decision),
                )
