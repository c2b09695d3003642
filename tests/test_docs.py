"""The docs keep up with the code: every config key, setting, allowed value, metric and decision."""

from __future__ import annotations

import argparse
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


# --- README: how it is built, and the links ---------------------------------------------------------

README = DOCS.parent / "README.md"
SRC = DOCS.parent / "src" / "bridge"


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    following = re.search(r"^#{2,3} ", text[start + len(title) :], flags=re.MULTILINE)
    return text[start : start + len(title) + (following.start() if following else len(text))]


def _modules() -> list[str]:
    """Every module of the package, as ``bridge.x.y`` (packages by their own name)."""
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] in ("__init__", "__main__"):
            parts = parts[:-1]
        names.append(".".join(parts))
    return sorted(set(names) - {"bridge"})


@pytest.mark.parametrize("module", _modules())
def test_every_module_has_a_home_in_the_readme(module: str) -> None:
    """``bridge.config.rules.metrics`` may be written ``bridge.config.rules`` (`metrics`, …) and
    ``bridge.translate.horizon`` as ``.horizon`` after its package in the same row."""
    section = _readme_section("## How it is built")
    parent, _, leaf = module.rpartition(".")
    rows = [line for line in section.splitlines() if line.startswith("|")]
    package = (SRC / module.removeprefix("bridge.").replace(".", "/")).is_dir()
    named = f"`{module}" in section if package else f"`{module}`" in section
    named = named or any(
        f"`{parent}" in row and (f"`.{leaf}`" in row or f"`{leaf}`" in row) for row in rows
    )
    assert named, f"README 'How it is built' does not name {module}"


def test_the_readme_names_no_module_that_is_gone() -> None:
    section = _readme_section("## How it is built")
    modules = set(_modules())
    for name in re.findall(r"`(bridge(?:\.\w+)+)", section):
        # a module, or a name defined in one (``bridge.app.ui.start_page``)
        owner = name if name in modules else name.rpartition(".")[0]
        assert owner in modules or any(m.startswith(name + ".") for m in modules), name


def test_every_url_parameter_and_page_path_is_documented() -> None:
    from bridge.translate.request import RawRequest

    section = _readme_section("### Links and URL parameters")
    for name in RawRequest.model_fields:
        assert f"| `{name}` |" in section, f"URL parameter {name} is not in the README's table"
    app = (DOCS.parent / "app.py").read_text(encoding="utf-8")
    for path in re.findall(r'url_path="(\w+)"', app):
        assert f"`/{path}`" in section, f"page path /{path} is not in the README"


def test_config_limits_are_documented(config_doc: str) -> None:
    from bridge.config.expression import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_NODES
    from bridge.config.parse import MAX_FILE_BYTES, MAX_NESTING
    from bridge.config.rules.metrics import MAX_DERIVED_DEPTH

    assert f"at most {MAX_FILE_BYTES:,} bytes" in config_doc
    assert f"at most {MAX_NESTING} deep" in config_doc
    assert (
        f"at most {MAX_EXPRESSION_CHARS} characters and {MAX_EXPRESSION_NODES} terms" in config_doc
    )
    assert f"is at most {MAX_DERIVED_DEPTH} deep" in config_doc


def _cli_options() -> dict[str, set[str]]:
    from bridge.app.cli import parser

    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {o for a in sub._actions for o in a.option_strings if o.startswith("--")} - {"--help"}
        for name, sub in commands.choices.items()
    }


def _docs_text() -> str:
    return README.read_text() + "".join(p.read_text() for p in sorted(DOCS.glob("*.md")))


@pytest.mark.parametrize(
    ("command", "option"),
    [(c, o) for c, options in _cli_options().items() for o in sorted(options)],
)
def test_every_cli_option_is_documented(command: str, option: str) -> None:
    text = _docs_text()
    assert f"bridge {command}" in text, f"`bridge {command}` is in no doc"
    assert option in text, f"`bridge {command} {option}` is in no doc"


def test_every_documented_cli_option_exists() -> None:
    known = set().union(*_cli_options().values())
    for line in _docs_text().splitlines():
        if "bridge " in line:
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]+", line):
                assert option in known, f"documented, but no command takes {option}: {line.strip()}"


def test_the_docs_say_how_a_long_history_is_sliced() -> None:
    """What docs/config.md and docs/scaling.md tell a user about slices is what the loader does."""
    from bridge.data import load

    words = {2: "two", 3: "three", 4: "four"}
    config_doc, scaling = (DOCS / "config.md").read_text(), (DOCS / "scaling.md").read_text()
    assert f"up to {words[load.SLICES]} slices of days" in config_doc
    assert f"up to {words[load.SLICES]}\n  slices of days" in scaling
    assert f"`MIN_SLICE_DAYS`, {load.MIN_SLICE_DAYS} days" in scaling
    # "more than six months": two slices' worth of days
    assert 180 <= 2 * load.MIN_SLICE_DAYS <= 186 and "more than six months" in config_doc
    # the Definitions page says so under the SQL it shows
    screen = Path(__file__).resolve().parents[1] / "src/bridge/present/screens/definitions.py"
    assert f"up to {words[load.SLICES]} slices of days" in screen.read_text().replace('"\n', "")
    # the databases the docs name are the ones sliced
    assert {"sqlite", "postgresql", "mariadb", "mysql"} == load.SLICED_DIALECTS
    for doc in (config_doc, scaling):
        assert "SQLite, PostgreSQL, MariaDB and MySQL" in doc.replace("\n  ", " ").replace(
            "\n", " "
        )
