"""The registry: every spec in ``config/`` parsed, validated together, and looked up by id.

:func:`load_registry` reads ``sources.toml``, ``metrics.toml`` and ``decisions.toml``, collects every
shape problem (from pydantic) and every semantic problem (from :mod:`bridge.config.validation`), and raises a
single :class:`~bridge.errors.ConfigError` listing them all — or returns a :class:`Registry`.

:func:`load_partial_registry` is the app's forgiving variant: it reports the same problems but keeps
every entry that does not depend on a broken one, so the pages that do not need it still work.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bridge.config.decisions import Decision, DecisionsFile, Portfolio
from bridge.config.metrics import Calendar, Metric, MetricsFile
from bridge.config.sources import Measure, Source, SourcesFile
from bridge.errors import ConfigError, Problem, RequestError

SOURCES_FILE = "sources.toml"
METRICS_FILE = "metrics.toml"
DECISIONS_FILE = "decisions.toml"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Registry:
    """All definitions, validated together. Lookups raise :class:`RequestError` for unknown ids."""

    config_dir: Path
    sources_file: SourcesFile
    calendar: Calendar
    metrics: Mapping[str, Metric]
    decisions: Mapping[str, Decision]
    portfolio: Portfolio

    @classmethod
    def of(
        cls, folder: Path, sources: SourcesFile, metrics: MetricsFile, decisions: DecisionsFile
    ) -> Registry:
        """The registry of three parsed files (validated together by the caller)."""
        return cls(
            config_dir=folder,
            sources_file=sources,
            calendar=metrics.calendar,
            metrics={m.id: m for m in metrics.metrics},
            decisions={d.id: d for d in decisions.decisions},
            portfolio=decisions.portfolio,
        )

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.sources_file.sources

    @property
    def measures(self) -> dict[str, tuple[Source, Measure]]:
        return {m.name: (s, m) for s in self.sources for m in s.measures}

    def measure(self, name: str) -> tuple[Source, Measure]:
        try:
            return self.measures[name]
        except KeyError:
            raise RequestError(f"unknown measure '{name}'") from None

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            known = ", ".join(self.metrics)
            raise RequestError(
                f"unknown metric {_show(metric_id)}; expected one of: {known}"
            ) from None

    def decision(self, decision_id: str) -> Decision:
        try:
            return self.decisions[decision_id]
        except KeyError:
            known = ", ".join(self.decisions) or "(none configured)"
            raise RequestError(
                f"unknown decision {_show(decision_id)}; expected one of: {known}"
            ) from None

    def metrics_for_lens(self, lens: str) -> list[Metric]:
        return [m for m in self.metrics.values() if lens in m.lenses]


def _show(value: str) -> str:
    """A user-supplied value safe and short enough to echo back in a message."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def load_registry(config_dir: Path | str) -> Registry:
    """Parse and validate the config folder; raise one ConfigError listing every problem."""
    from bridge.config.validation import semantic_problems  # validation imports Registry's parts

    folder = Path(config_dir)
    problems: list[Problem] = []
    sources = _parse(folder / SOURCES_FILE, SourcesFile, problems, required=True)
    metrics = _parse(folder / METRICS_FILE, MetricsFile, problems, required=True)
    decisions = _parse(folder / DECISIONS_FILE, DecisionsFile, problems, required=False)
    if decisions is None and not (folder / DECISIONS_FILE).exists():
        decisions = DecisionsFile()
    if sources is None or metrics is None or decisions is None:
        raise ConfigError(problems)
    problems.extend(semantic_problems(sources, metrics, decisions, folder.name or "config"))
    if problems:
        raise ConfigError(problems)
    return Registry.of(folder, sources, metrics, decisions)


@dataclass(frozen=True)
class PartialRegistry:
    """What the app can use of a config with problems.

    ``registry`` holds every entry that neither is broken nor depends on a broken one (None when
    nothing usable is left: a core file unreadable, or no valid source); ``problems`` are exactly
    what :func:`load_registry` reports; ``left_out`` names the entries dropped, e.g. ``metric 'margin'``.
    """

    registry: Registry | None
    problems: tuple[Problem, ...] = ()
    left_out: tuple[str, ...] = ()


#: Top-level keys whose broken value can be dropped on its own (the rest of the file still holds).
_OPTIONAL_KEYS = {"portfolio", "targets", "plan"}
#: Top-level lists whose broken items can be dropped one by one.
_ENTRY_LISTS = {"sources", "metrics", "decisions"}
#: The entry a semantic problem names, e.g. ``metrics[3] (id='margin').expression`` -> metrics, margin.
_NAMED = re.compile(r"^(sources|measures|metrics|decisions)(?:\[\d+\])? \((?:id|name)='([^']*)'\)")

Raw = dict[str, Any] | None  # a file's TOML data: {} when the file is absent, None when unreadable


def load_partial_registry(config_dir: Path | str) -> PartialRegistry:
    """Like :func:`load_registry`, but keep what does not depend on a broken entry (for the app).

    A broken source, metric or decision is left out together with everything built on it (a derived
    metric referring to a dropped metric, a decision whose axis uses it); a broken portfolio, targets
    or plan table is left out alone. Only an unreadable ``sources.toml`` or ``metrics.toml`` (or no
    valid source at all) leaves nothing to show.
    """
    from bridge.config.validation import semantic_problems

    try:
        return PartialRegistry(load_registry(config_dir))
    except ConfigError as exc:
        problems = exc.problems
    folder = Path(config_dir)
    raw = {name: _read_raw(folder / name) for name in (SOURCES_FILE, METRICS_FILE, DECISIONS_FILE)}
    sources = _parse_lenient(raw[SOURCES_FILE], SourcesFile)
    metrics = _parse_lenient(raw[METRICS_FILE], MetricsFile)
    decisions = _parse_lenient(raw[DECISIONS_FILE], DecisionsFile) or DecisionsFile()
    if sources is None or metrics is None:
        return PartialRegistry(None, problems)
    # A metric only *serving* a decision dropped as broken stays: the decision leaves its list
    # (all the decisions it serves when decisions.toml cannot be read at all).
    written = _ids(raw[DECISIONS_FILE], "decisions", "id")
    if raw[DECISIONS_FILE] is None:
        written = {d for m in metrics.metrics for d in m.decisions}
    metrics = _without_decisions(metrics, written - {d.id for d in decisions.decisions})
    # Drop what the rules name, then look again: a dropped entry can break the entries built on it.
    while found := semantic_problems(sources, metrics, decisions, folder.name or "config"):
        pruned = _prune(found, sources, metrics, decisions)
        if pruned is None or pruned == (sources, metrics, decisions):
            return PartialRegistry(None, problems)  # a problem no dropped entry can remove
        sources, metrics, decisions = pruned
    if not sources.sources:
        return PartialRegistry(None, problems)
    left_out = _left_out(raw, sources, metrics, decisions)
    return PartialRegistry(Registry.of(folder, sources, metrics, decisions), problems, left_out)


def _read_raw(path: Path) -> Raw:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


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


def _prune(
    found: Sequence[Problem], sources: SourcesFile, metrics: MetricsFile, decisions: DecisionsFile
) -> tuple[SourcesFile, MetricsFile, DecisionsFile] | None:
    """The three files without the entries ``found`` names; None when a problem names no entry."""
    named: dict[str, set[str]] = {k: set() for k in ("sources", "measures", "metrics", "decisions")}
    portfolio_keys: set[str] = set()
    for problem in found:
        match = _NAMED.match(problem.entry)
        if match:
            named[match.group(1)].add(match.group(2))
        elif problem.entry.startswith("portfolio."):
            portfolio_keys.add(problem.entry.removeprefix("portfolio."))
        else:
            return None
    kept_sources = tuple(
        s
        for s in sources.sources
        if s.name not in named["sources"] and not {m.name for m in s.measures} & named["measures"]
    )
    kept_decisions = tuple(d for d in decisions.decisions if d.id not in named["decisions"])
    kept_metrics = tuple(m for m in metrics.metrics if m.id not in named["metrics"])
    portfolio = decisions.portfolio.model_copy(update=dict.fromkeys(portfolio_keys))
    return (
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


def _ids(raw: Raw, key: str, ident: str) -> set[str]:
    """The names written in a file's ``key`` list, valid entries or not."""
    items = (raw or {}).get(key)
    return {
        item[ident]
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get(ident), str)
    }


def _left_out(
    raw: Mapping[str, Raw], sources: SourcesFile, metrics: MetricsFile, decisions: DecisionsFile
) -> tuple[str, ...]:
    """Names of the entries written in the files that the partial registry does not hold."""
    out: list[str] = []
    for file, key, ident, kept, what in (
        (SOURCES_FILE, "sources", "name", {s.name for s in sources.sources}, "source"),
        (METRICS_FILE, "metrics", "id", {m.id for m in metrics.metrics}, "metric"),
        (DECISIONS_FILE, "decisions", "id", {d.id for d in decisions.decisions}, "decision"),
    ):
        data = raw[file]
        if data is None:
            out.append(f"everything in {file} (it cannot be read)")
            continue
        items = data.get(key)
        for i, item in enumerate(items if isinstance(items, list) else []):
            name = item.get(ident) if isinstance(item, dict) else None
            if not isinstance(name, str) or name not in kept:
                out.append(f"{what} {name!r}" if isinstance(name, str) else f"{what} #{i + 1}")
    written = _parse_lenient((raw[DECISIONS_FILE] or {}).get("portfolio", {}), Portfolio)
    if decisions.portfolio != (written or Portfolio()):
        out.append("portfolio (part of it)")
    return tuple(dict.fromkeys(out))


def _parse(path: Path, model: type[M], problems: list[Problem], *, required: bool) -> M | None:
    """Read one TOML file into ``model``; append its problems and return None when it is invalid."""
    name = _display(path)
    if not path.exists():
        if required:
            problems.append(
                Problem(
                    name,
                    "(file)",
                    f"a TOML file at {path}",
                    "no such file",
                    "copy the shipped config/ folder and edit it",
                )
            )
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(name, "(file)", "valid TOML", f"a syntax error: {exc}"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, "(file)", "a readable UTF-8 text file", str(exc)))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(name, exc, data))
        return None


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


_EXAMPLES = {
    "id": "on_time_rate",
    "name": "revenue",
    "agg": 'agg = "sum"',
    "unit": 'unit = "currency"',
    "direction": 'direction = "higher_is_better"',
    "effective_from": "effective_from = 2024-01-01",
    "kind": 'kind = "ratio"',
}


def problems_from_validation(
    file: str, exc: ValidationError, data: Mapping[str, Any]
) -> list[Problem]:
    """Turn pydantic's errors into located problems, e.g. ``metrics[2] (id='margin').unit``."""
    found: list[Problem] = []
    errors = exc.errors(include_url=False)
    item_locs = [tuple(e["loc"]) for e in errors]
    for err in errors:
        loc = tuple(err["loc"])
        # "at least 1 item ... not 0" only echoes that every item was invalid: the items say why.
        if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o in item_locs):
            continue
        if err["type"] == "union_tag_invalid":
            loc = (*loc, "kind")
            err = {**err, "loc": loc, "input": err.get("ctx", {}).get("tag")}
        entry = _entry(loc, data)
        expected, shown = _expected_found(err)
        last = next((p for p in reversed(err["loc"]) if isinstance(p, str)), "")
        found.append(Problem(file, entry, expected, shown, _EXAMPLES.get(last)))
    return found


def _entry(loc: Sequence[int | str], data: Any) -> str:
    parts: list[str] = []
    node = data
    for i, key in enumerate(loc):
        final = i == len(loc) - 1
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            label = ""
            if isinstance(node, dict):
                for ident in ("id", "name"):
                    if isinstance(node.get(ident), str):
                        label = f" ({ident}={node[ident]!r})"
                        break
            parts.append(f"[{key}]{label}")
        elif isinstance(key, str) and isinstance(node, dict) and key in node:
            node = node[key]
            parts.append(f".{key}")
        elif isinstance(key, str) and not final and isinstance(node, dict):
            continue  # a discriminated-union tag (e.g. 'ratio'), not a key of the data
        else:
            parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    text = "".join(parts).lstrip(".")
    return text or "(top level)"


def _expected_found(err: Mapping[str, Any]) -> tuple[str, str]:
    kind, msg, value = err["type"], str(err["msg"]), err.get("input")
    shown = _short(value)
    if kind == "missing":
        return "this key (it is required)", "nothing"
    if kind == "extra_forbidden":
        return "only known keys (check the spelling)", f"an unknown key with value {shown}"
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        if pattern.startswith("^[A-Za-z_]"):
            return "a table or column name of letters, digits, _ or $ (no spaces or quotes)", shown
        return "an id of lowercase letters, digits and underscores starting with a letter", shown
    if kind == "union_tag_invalid":
        tags = err.get("ctx", {}).get("expected_tags", "")
        return f"kind to be one of {tags}", shown
    if kind == "union_tag_not_found":
        return "a 'kind' key naming the variant", "no 'kind' key"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, "), shown
    if msg.startswith("Input should be "):
        return msg.removeprefix("Input should be "), shown
    return msg[0].lower() + msg[1:], shown


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
