"""Hypothesis breaks the shipped config in many ways; every break is a located ConfigError, never a
traceback: wrong types, unknown references, cycles, missing files, invalid TOML. The app's partial
registry of the same config reports the same problems and keeps only a consistent remainder."""

from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.config.decisions import DecisionsFile
from bridge.config.files import ParsedConfig
from bridge.config.metrics import MetricsFile
from bridge.config.partial import load_partial_registry
from bridge.config.registry import Registry, load_registry
from bridge.config.rules import semantic_problems
from bridge.errors import ConfigError
from tests.conftest import CONFIG_DIR

FILES = ("sources.toml", "metrics.toml", "decisions.toml")
ORIGINAL = {name: tomllib.loads((CONFIG_DIR / name).read_text()) for name in FILES}


def dump(data: dict[str, Any]) -> str:
    """A small TOML writer for the shapes Bridge's config uses (tables, arrays of tables, inline)."""
    lines: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(value, list):
            return "[" + ", ".join(scalar(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {scalar(v)}" for k, v in value.items()) + "}"
        raise TypeError(type(value))

    def table(prefix: str, body: dict[str, Any]) -> None:
        nested: list[tuple[str, Any]] = []
        for key, value in body.items():
            if (isinstance(value, dict) and prefix == "") or (
                isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            ):
                nested.append((key, value))
            else:
                lines.append(f"{key} = {scalar(value)}")
        for key, value in nested:
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                lines.append(f"[{name}]")
                table(name, value)
            else:
                for item in value:
                    lines.append(f"[[{name}]]")
                    table(name, item)

    table("", data)
    return "\n".join(lines) + "\n"


def test_the_writer_round_trips_the_shipped_config() -> None:
    for name, data in ORIGINAL.items():
        assert tomllib.loads(dump(data)) == data, name


WRONG_VALUES = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    # a new table each time: one shared dict, set at two paths, once nested itself into a cycle
    st.builds(dict, nested=st.just(1)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@st.composite
def broken_configs(draw: st.DrawFn) -> dict[str, str | None]:
    """The three files as text (None = missing), with one to three breakages."""
    import copy

    data = copy.deepcopy(ORIGINAL)
    texts: dict[str, str | None] = {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILES))
        kind = draw(
            st.sampled_from(["wrong_value", "unknown_ref", "cycle", "drop_key", "extra_key"])
        )
        paths = [p for p in _paths(data[name]) if not isinstance(p[-1], int)]
        if not paths:  # earlier breakages left nothing in this file to break
            continue
        if kind == "wrong_value":
            _set(data[name], draw(st.sampled_from(paths)), draw(WRONG_VALUES))
        elif kind == "unknown_ref":
            refs = [
                p
                for p in paths
                if p[-1]
                in (
                    "measure",
                    "numerator",
                    "denominator",
                    "metric",
                    "investment",
                    "contribution",
                    "expression",
                )
            ]
            if refs:
                _set(
                    data[name],
                    draw(st.sampled_from(refs)),
                    draw(st.sampled_from(["nope", "revenue_x", "(revenue - nope) / revenue"])),
                )
        elif kind == "cycle":
            metrics = data["metrics.toml"].get("metrics")
            # an earlier breakage may have replaced the list (or an entry) by another value, or
            # by a shorter list (all() of an empty slice is true)
            if (
                isinstance(metrics, list)
                and len(metrics) >= 4
                and all(isinstance(m, dict) for m in metrics[2:4])
            ):
                metrics[2]["expression"] = "contribution_margin - cost"
                metrics[3]["expression"] = "(contribution - cost) / revenue"
        elif kind == "drop_key":
            path = draw(st.sampled_from(paths))
            parent = data[name]
            for key in path[:-1]:
                parent = parent[key]
            parent.pop(path[-1], None)
        else:
            path = draw(st.sampled_from([p for p in paths if len(p) > 1] or paths))
            parent = data[name]
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict):
                parent["colour"] = "blue"
    for name in FILES:
        texts[name] = dump(data[name])
    fate = draw(st.sampled_from(["none", "missing", "invalid_toml"]))
    victim = draw(st.sampled_from(FILES))
    if fate == "missing":
        texts[victim] = None
    elif fate == "invalid_toml":
        texts[victim] = (texts[victim] or "") + draw(
            st.sampled_from(["[[", "x = ", "= 1", "a = 'b"])
        )
    return texts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_configs())
def test_every_broken_config_is_a_located_config_error(texts: dict[str, str | None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "config"
        folder.mkdir()
        for name, text in texts.items():
            if text is not None:
                (folder / name).write_text(text, encoding="utf-8")
        problems: tuple[object, ...] = ()
        try:
            load_registry(folder)
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.file.startswith(f"{folder}/") or problem.file == "database"
                assert problem.entry and problem.expected and problem.found
            assert str(exc).startswith(f"{len(exc.problems)} problem")
            problems = exc.problems
        # a breakage can happen to be valid (e.g. a new description): then it simply loads
        partial = load_partial_registry(folder)
        assert partial.problems == problems
        if partial.registry is not None:
            assert_consistent(partial.registry, texts)
        else:
            assert problems, "a valid config always gives a registry"


def assert_consistent(registry: Registry, texts: dict[str, str | None]) -> None:
    """What a partial registry keeps passes every cross-reference rule and was written in the files."""
    metrics = MetricsFile(calendar=registry.calendar, metrics=tuple(registry.metrics.values()))
    decisions = DecisionsFile(
        portfolio=registry.portfolio, decisions=tuple(registry.decisions.values())
    )
    config = ParsedConfig(registry.files, registry.sources_file, metrics, decisions)
    assert semantic_problems(config) == []
    written = texts["metrics.toml"] or ""
    for metric_id in registry.metrics:
        assert f'"{metric_id}"' in written
    for decision_id in registry.decisions:
        assert f'"{decision_id}"' in (texts["decisions.toml"] or "")


def test_a_config_folder_that_is_not_there() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            load_registry(Path(tmp) / "absent")
        except ConfigError as exc:
            assert {p.file for p in exc.problems} == {
                f"{tmp}/absent/sources.toml",
                f"{tmp}/absent/metrics.toml",
            }
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("a missing folder must be a ConfigError")


def test_copy_of_config_is_untouched() -> None:
    """The fuzzing never writes into the shipped folder."""
    for name in FILES:
        assert tomllib.loads((CONFIG_DIR / name).read_text()) == ORIGINAL[name]
