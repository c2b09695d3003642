"""The registry: every spec in ``config/`` parsed, validated together, and looked up by id.

:func:`load_registry` reads ``sources.toml``, ``metrics.toml`` and ``decisions.toml``, collects every
shape problem (:mod:`bridge.config.parse`) and every cross-file problem (:mod:`bridge.config.rules`),
and raises a single :class:`~bridge.errors.ConfigError` listing them all — or returns a
:class:`Registry`. The app's forgiving variant is :func:`bridge.config.partial.load_partial_registry`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bridge.config.decisions import Decision, DecisionsFile, Portfolio
from bridge.config.files import ConfigFiles, FileKind, ParsedConfig
from bridge.config.metrics import Calendar, Metric, MetricsFile
from bridge.config.parse import M, Raw, read_toml, validate
from bridge.config.rules import semantic_problems
from bridge.config.sources import Measure, Source, SourcesFile
from bridge.errors import ConfigError, Problem, RequestError
from bridge.money import CURRENCIES, Currency
from bridge.timezone import Zone


@dataclass(frozen=True)
class Registry:
    """All definitions, validated together. Lookups raise :class:`RequestError` for unknown ids."""

    files: ConfigFiles
    sources_file: SourcesFile
    calendar: Calendar
    currency: Currency
    metrics: Mapping[str, Metric]
    decisions: Mapping[str, Decision]
    portfolio: Portfolio

    @classmethod
    def of(cls, config: ParsedConfig) -> Registry:
        """The registry of three parsed files (validated together by the caller)."""
        return cls(
            files=config.files,
            sources_file=config.sources,
            calendar=config.metrics.calendar,
            currency=CURRENCIES[config.metrics.money.currency],
            metrics={m.id: m for m in config.metrics.metrics},
            decisions={d.id: d for d in config.decisions.decisions},
            portfolio=config.decisions.portfolio,
        )

    @property
    def config_dir(self) -> Path:
        return self.files.folder

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.sources_file.sources

    @property
    def measures(self) -> dict[str, tuple[Source, Measure]]:
        return {m.name: (s, m) for s in self.sources for m in s.measures}

    def today(self) -> dt.date:
        """Today where the company's day is cut: in the reporting time zone, if one is set."""
        name = self.calendar.timezone
        return dt.date.today() if name is None else Zone.named(name).today()

    @property
    def company(self) -> str:
        return self.sources_file.org.company_name

    def titled(self, top: str) -> Registry:
        """The same registry with its top level called ``top`` (a person who sees only some business
        units sees their total named after them, never the company's name)."""
        if top == self.company:
            return self
        org = self.sources_file.org.model_copy(update={"company_name": top})
        return replace(self, sources_file=self.sources_file.model_copy(update={"org": org}))

    def measure(self, name: str) -> tuple[Source, Measure]:
        try:
            return self.measures[name]
        except KeyError:
            raise RequestError(f"unknown measure {shown(name)}") from None

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            known = ", ".join(self.metrics)
            raise RequestError(
                f"unknown metric {shown(metric_id)}; expected one of: {known}"
            ) from None

    def decision(self, decision_id: str) -> Decision:
        try:
            return self.decisions[decision_id]
        except KeyError:
            known = ", ".join(self.decisions) or "(none configured)"
            raise RequestError(
                f"unknown decision {shown(decision_id)}; expected one of: {known}"
            ) from None

    def metrics_for_lens(self, lens: str) -> list[Metric]:
        return [m for m in self.metrics.values() if lens in m.lenses]


def shown(value: str) -> str:
    """A user-supplied value safe and short enough to echo back in a message."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def load_registry(config_dir: Path | str) -> Registry:
    """Parse and validate the config folder; raise one ConfigError listing every problem."""
    attempt = read_config(ConfigFiles(Path(config_dir)))
    if attempt.config is None or attempt.problems:
        raise ConfigError(attempt.problems)
    return Registry.of(attempt.config)


@dataclass(frozen=True)
class Attempt:
    """One reading of a config folder: each file's TOML data (``{}`` when an optional file is absent,
    None when unreadable), every problem found, and the parsed files when all three are valid in
    shape (their cross-file problems are in ``problems`` too)."""

    files: ConfigFiles
    raw: Mapping[FileKind, Raw]
    problems: tuple[Problem, ...]
    config: ParsedConfig | None


def read_config(files: ConfigFiles) -> Attempt:
    """Read the three files once, parse them, and run the cross-file rules when they parse."""
    problems: list[Problem] = []
    raw: dict[FileKind, Raw] = {
        "sources": read_toml(files.path("sources"), problems, required=True),
        "metrics": read_toml(files.path("metrics"), problems, required=True),
        "decisions": read_toml(files.path("decisions"), problems, required=False),
    }
    sources = _model(files, raw, "sources", SourcesFile, problems)
    metrics = _model(files, raw, "metrics", MetricsFile, problems)
    decisions = _model(files, raw, "decisions", DecisionsFile, problems)
    if sources is None or metrics is None or decisions is None:
        return Attempt(files, raw, tuple(problems), None)
    config = ParsedConfig(files, sources, metrics, decisions)
    problems.extend(semantic_problems(config))
    return Attempt(files, raw, tuple(problems), config)


def _model(
    files: ConfigFiles,
    raw: Mapping[FileKind, Raw],
    kind: FileKind,
    model: type[M],
    problems: list[Problem],
) -> M | None:
    data = raw[kind]
    return None if data is None else validate(files.path(kind), data, model, problems)
