"""The registry: every spec in ``config/`` parsed, validated together, and looked up by id.

:func:`load_registry` reads ``sources.toml``, ``metrics.toml`` and ``decisions.toml``, collects every
shape problem (from pydantic) and every semantic problem (from :mod:`bridge.validation`), and raises a
single :class:`~bridge.errors.ConfigError` listing them all — or returns a :class:`Registry`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bridge.errors import ConfigError, Problem, RequestError
from bridge.spec.decisions import Decision, DecisionsFile, Portfolio
from bridge.spec.metrics import Calendar, Metric, MetricsFile
from bridge.spec.sources import Measure, Source, SourcesFile

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
    from bridge.validation import semantic_problems  # validation imports Registry's parts

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
    return Registry(
        config_dir=folder,
        sources_file=sources,
        calendar=metrics.calendar,
        metrics={m.id: m for m in metrics.metrics},
        decisions={d.id: d for d in decisions.decisions},
        portfolio=decisions.portfolio,
    )


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
