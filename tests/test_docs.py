"""The docs keep up with the code: every config key, setting, allowed value, metric and decision."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

from bridge.config.decisions import (
    Axis,
    Decision,
    DecisionsFile,
    DiagonalRule,
    Portfolio,
    QuadrantRule,
)
from bridge.config.metrics import (
    Calendar,
    DerivedMetric,
    MetricsFile,
    RatioMetric,
    SemiAdditiveMetric,
    SimpleMetric,
)
from bridge.config.registry import Registry
from bridge.config.sources import Condition, Measure, Org, Plan, Source, SourcesFile, Targets
from bridge.settings import Settings
from bridge.translate.lineage import formula

DOCS = Path(__file__).resolve().parents[1] / "docs"
SPEC_MODELS: list[type[BaseModel]] = [
    SourcesFile, Org, Targets, Plan, Source, Measure, Condition,
    MetricsFile, Calendar, SimpleMetric, RatioMetric, DerivedMetric, SemiAdditiveMetric,
    DecisionsFile, Portfolio, Decision, Axis, QuadrantRule, DiagonalRule,
]  # fmt: skip


@pytest.fixture(scope="module")
def config_doc() -> str:
    return (DOCS / "config.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def metrics_doc() -> str:
    return (DOCS / "metrics.md").read_text(encoding="utf-8")


def config_keys() -> list[tuple[str, str]]:
    """(model, key as written in TOML) for every field of every spec model."""
    return [
        (model.__name__, field.alias or name)
        for model in SPEC_MODELS
        for name, field in model.model_fields.items()
    ]


@pytest.mark.parametrize(("model", "key"), config_keys(), ids=lambda v: v)
def test_every_config_key_is_documented(config_doc: str, model: str, key: str) -> None:
    assert f"`{key}`" in config_doc, f"docs/config.md does not mention {model}.{key} as `{key}`"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(config_doc: str, name: str) -> None:
    assert f"`BRIDGE_{name.upper()}`" in config_doc
    assert f"`{name}`" in config_doc  # its key in config/settings.toml


def test_settings_file_variable_is_documented(config_doc: str) -> None:
    assert "`BRIDGE_SETTINGS_FILE`" in config_doc
    assert "`config/settings.toml`" in config_doc


def _literal_values(annotation: Any) -> list[str]:
    """Every string of every ``Literal`` inside an annotation (through unions, tuples, Optional)."""
    if get_origin(annotation) is Literal:
        return [v for v in get_args(annotation) if isinstance(v, str)]
    return [v for arg in get_args(annotation) for v in _literal_values(arg)]


def allowed_values() -> list[tuple[str, str]]:
    found = {
        (f"{model.__name__}.{name}", value)
        for model in SPEC_MODELS
        for name, field in model.model_fields.items()
        for value in _literal_values(field.annotation)
    }
    return sorted(found)


@pytest.mark.parametrize(("field", "value"), allowed_values(), ids=lambda v: v)
def test_every_allowed_value_is_documented(config_doc: str, field: str, value: str) -> None:
    """Closed sets (kinds, units, ops, aggregations, transforms…) list every value they accept."""
    assert f"`{value}`" in config_doc or f'"{value}"' in config_doc, f"{field} = {value!r}"


def _sections(doc: str) -> dict[str, str]:
    """``## heading`` -> the text up to the next ``## `` heading."""
    parts = re.split(r"^## (.+)$", doc, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_metric_has_a_section(registry: Registry, metrics_doc: str) -> None:
    missing = set(registry.metrics) - set(_sections(metrics_doc))
    assert not missing, f"docs/metrics.md has no '## <id>' section for {sorted(missing)}"


def test_every_decision_has_a_section(registry: Registry, metrics_doc: str) -> None:
    headings = set(_sections(metrics_doc))
    missing = {d for d in registry.decisions if f"decision: {d}" not in headings}
    assert not missing, f"docs/metrics.md has no '## decision: <id>' section for {sorted(missing)}"


def test_no_section_for_something_not_configured(registry: Registry, metrics_doc: str) -> None:
    configured = set(registry.metrics) | {f"decision: {d}" for d in registry.decisions}
    stale = {h for h in _sections(metrics_doc) if h not in configured}
    assert not stale, f"docs/metrics.md documents what config/ no longer has: {sorted(stale)}"


def test_metric_sections_match_the_config(registry: Registry, metrics_doc: str) -> None:
    """Label, kind, formula, unit, direction, owner and description are those of config/."""
    sections = _sections(metrics_doc)
    for metric in registry.metrics.values():
        section = sections[metric.id]
        for fact in (
            metric.label,
            metric.kind,
            formula(registry, metric.id),
            metric.unit,
            metric.direction,
            metric.owner,
            metric.description,
            *metric.lenses,
            *metric.decisions,
        ):
            assert fact in section, f"## {metric.id}: {fact!r} is not in its section"


def test_decision_sections_match_the_config(registry: Registry, metrics_doc: str) -> None:
    sections = _sections(metrics_doc)
    for decision in registry.decisions.values():
        section = sections[f"decision: {decision.id}"]
        for fact in (
            decision.question,
            decision.owner,
            decision.x.metric,
            decision.y.metric,
            decision.size.metric,
            decision.x.transform,
            decision.y.transform,
            decision.rule.kind,
        ):
            assert fact in section, f"## decision: {decision.id}: {fact!r} is not in its section"
