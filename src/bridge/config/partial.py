"""The app's forgiving registry: the same problems as :func:`~bridge.config.registry.load_registry`,
but every entry that neither is broken nor depends on a broken one is kept, so pages that do not need
the broken entry still work.

Which entry a problem is in comes from its :class:`~bridge.errors.Location` (data), never from its
message: a broken source, metric or decision is left out together with everything built on it (a
derived metric referring to a dropped metric, a decision whose axis uses it); a broken portfolio key,
targets or plan table is left out alone. Only an unreadable ``sources.toml`` or ``metrics.toml`` (or
no valid source, or no metric left) leaves nothing to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bridge.config.decisions import DecisionsFile, Portfolio
from bridge.config.files import ConfigFiles, FileKind, ParsedConfig
from bridge.config.metrics import MetricsFile
from bridge.config.registry import Registry, read_config
from bridge.config.rules import semantic_problems
from bridge.config.sources import SourcesFile
from bridge.errors import Problem

M = TypeVar("M", bound=BaseModel)

#: Top-level keys whose broken value can be dropped on its own (the rest of the file still holds).
_OPTIONAL_KEYS = {"portfolio", "targets", "plan"}
#: Top-level lists whose broken items can be dropped one by one.
_ENTRY_LISTS = {"sources", "metrics", "decisions"}


@dataclass(frozen=True)
class PartialRegistry:
    """What the app can use of a config with problems.

    ``registry`` holds every entry that neither is broken nor depends on a broken one (None when
    nothing usable is left); ``problems`` are exactly what ``load_registry`` reports; ``left_out``
    names the entries dropped, e.g. ``metric 'margin'``.
    """

    registry: Registry | None
    problems: tuple[Problem, ...] = ()
    left_out: tuple[str, ...] = ()


def load_partial_registry(config_dir: Path | str) -> PartialRegistry:
    """Like ``load_registry``, but keep what does not depend on a broken entry (for the app)."""
    attempt = read_config(ConfigFiles(Path(config_dir)))
    if attempt.config is not None and not attempt.problems:
        return PartialRegistry(Registry.of(attempt.config))
    problems, raw = attempt.problems, attempt.raw
    sources = _parse_lenient(raw["sources"], SourcesFile)
    metrics = _parse_lenient(raw["metrics"], MetricsFile)
    decisions = _parse_lenient(raw["decisions"], DecisionsFile) or DecisionsFile()
    if sources is None or metrics is None:
        return PartialRegistry(None, problems)
    # A metric only *serving* a decision dropped as broken stays: the decision leaves its list
    # (all the decisions it serves when decisions.toml cannot be read at all).
    written = _names(raw["decisions"], "decisions", "id")
    if raw["decisions"] is None:
        written = {d for m in metrics.metrics for d in m.decisions}
    metrics = _without_decisions(metrics, written - {d.id for d in decisions.decisions})
    config = ParsedConfig(attempt.files, sources, metrics, decisions)
    # Drop what the rules name, then look again: a dropped entry can break the entries built on it.
    while found := semantic_problems(config):
        pruned = _prune(found, config)
        if pruned is None or pruned == config:
            return PartialRegistry(None, problems)  # a problem no dropped entry can remove
        config = pruned
    if not config.sources.sources or not config.metrics.metrics:
        # no source, or every metric built on a broken entry: no view has anything to show
        return PartialRegistry(None, problems)
    return PartialRegistry(Registry.of(config), problems, _left_out(raw, config))


def _parse_lenient(raw: object, model: type[M]) -> M | None:
    """The file's valid part: broken list items and broken optional keys removed (None if unusable)."""
    if not isinstance(raw, dict):
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        locs = [tuple(e["loc"]) for e in exc.errors(include_url=False)]
    data = dict(raw)
    drop_items: dict[str, set[int]] = {}
    for loc in locs:
        if len(loc) >= 2 and loc[0] in _ENTRY_LISTS and isinstance(loc[1], int):
            drop_items.setdefault(str(loc[0]), set()).add(loc[1])
        elif loc and loc[0] in _OPTIONAL_KEYS:
            data.pop(str(loc[0]), None)
        else:
            return None  # a problem outside any entry (e.g. the calendar or org table)
    for key, indices in drop_items.items():
        data[key] = [item for i, item in enumerate(data[key]) if i not in indices]
    try:
        return model.model_validate(data)
    except ValidationError:
        return None  # e.g. no item left in a list that needs one


def _prune(found: Sequence[Problem], config: ParsedConfig) -> ParsedConfig | None:
    """The config without the entries ``found`` is in; None when a problem is in no entry."""
    named: dict[str, set[str]] = {k: set() for k in ("sources", "measures", "metrics", "decisions")}
    portfolio_keys: set[str] = set()
    for problem in found:
        entry = problem.location.named()
        steps = problem.location.steps
        if entry is not None and entry[0] in named:
            named[entry[0]].add(entry[1])
        elif len(steps) == 2 and steps[0].key == "portfolio":
            portfolio_keys.add(str(steps[1].key))
        else:
            return None
    sources, metrics, decisions = config.sources, config.metrics, config.decisions
    kept_sources = tuple(
        s
        for s in sources.sources
        if s.name not in named["sources"] and not {m.name for m in s.measures} & named["measures"]
    )
    kept_decisions = tuple(d for d in decisions.decisions if d.id not in named["decisions"])
    kept_metrics = tuple(m for m in metrics.metrics if m.id not in named["metrics"])
    portfolio = decisions.portfolio.model_copy(update=dict.fromkeys(portfolio_keys))
    return ParsedConfig(
        config.files,
        sources.model_copy(update={"sources": kept_sources}),
        _without_decisions(
            metrics.model_copy(update={"metrics": kept_metrics}), named["decisions"]
        ),
        decisions.model_copy(update={"decisions": kept_decisions, "portfolio": portfolio}),
    )


def _without_decisions(metrics: MetricsFile, dropped: set[str]) -> MetricsFile:
    """The metrics with ``dropped`` decision ids removed from the decisions each one serves."""
    if not dropped:
        return metrics
    kept = tuple(
        m.model_copy(update={"decisions": tuple(d for d in m.decisions if d not in dropped)})
        for m in metrics.metrics
    )
    return metrics.model_copy(update={"metrics": kept})


def _names(raw: Mapping[str, Any] | None, key: str, ident: str) -> set[str]:
    """The names written in a file's ``key`` list, valid entries or not."""
    items = (raw or {}).get(key)
    return {
        item[ident]
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get(ident), str)
    }


def _left_out(
    raw: Mapping[FileKind, Mapping[str, Any] | None], config: ParsedConfig
) -> tuple[str, ...]:
    """Names of the entries written in the files that the partial registry does not hold."""
    out: list[str] = []
    kinds: tuple[tuple[FileKind, str, set[str], str], ...] = (
        ("sources", "name", {s.name for s in config.sources.sources}, "source"),
        ("metrics", "id", {m.id for m in config.metrics.metrics}, "metric"),
        ("decisions", "id", {d.id for d in config.decisions.decisions}, "decision"),
    )
    for kind, ident, kept, what in kinds:
        data = raw[kind]
        if data is None:
            out.append(f"everything in {config.files.where(kind)} (it cannot be read)")
            continue
        items = data.get(kind)
        for i, item in enumerate(items if isinstance(items, list) else []):
            name = item.get(ident) if isinstance(item, dict) else None
            if not isinstance(name, str) or name not in kept:
                out.append(f"{what} {name!r}" if isinstance(name, str) else f"{what} #{i + 1}")
    written = _parse_lenient((raw["decisions"] or {}).get("portfolio", {}), Portfolio)
    if config.decisions.portfolio != (written or Portfolio()):
        out.append("portfolio (part of it)")
    return tuple(dict.fromkeys(out))
