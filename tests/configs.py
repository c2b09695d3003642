"""Editing a copy of the shipped config in one place (the ``config_copy`` fixture gives the copy).

An :data:`Edit` is ``(file name, text -> text)``; the tests of the registry, the validation rules,
the partial registry and the app build edits with :func:`replace` or :func:`append_copy` and write
them with :func:`apply_edits`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace as replace_
from pathlib import Path

import pytest

from bridge.config.registry import load_registry
from bridge.errors import ConfigError, Location, Problem, Step

Edit = tuple[str, Callable[[str], str]]


def replace(file: str, old: str, new: str) -> Edit:
    """An edit replacing the first ``old`` in ``file`` (which must contain it) by ``new``."""

    def apply(text: str) -> str:
        assert old in text, f"{old!r} is not in the shipped {file}: update this test case"
        return text.replace(old, new, 1)

    return file, apply


def append_copy(file: str, header: str, index: int) -> Edit:
    """An edit appending a copy of the ``index``-th ``[[header]]`` block of ``file`` to its end."""

    def apply(text: str) -> str:
        blocks = text.split(f"[[{header}]]")
        assert len(blocks) > index + 1, f"{file} has fewer than {index + 1} [[{header}]] blocks"
        return text.rstrip("\n") + f"\n\n[[{header}]]" + blocks[index + 1]

    return file, apply


def apply_edits(config_dir: Path, *edits: Edit) -> None:
    for file, change in edits:
        path = config_dir / file
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def problems_of(config_dir: Path, *, relative: bool = True) -> tuple[Problem, ...]:
    """The problems load_registry reports for ``config_dir`` (it must refuse the config).

    With ``relative`` (the default) each file is named from the config folder's parent, e.g.
    ``config/metrics.toml``, so cases can be written independently of the temporary folder.
    """
    with pytest.raises(ConfigError) as info:
        load_registry(config_dir)
    if not relative:
        return info.value.problems
    return tuple(relative_to(p, config_dir.parent) for p in info.value.problems)


def relative_to(problem: Problem, parent: Path) -> Problem:
    """The problem with files named from ``parent`` (in its location and in what it says)."""
    prefix = f"{parent}/"
    return replace_(
        problem,
        location=Location(problem.location.where.removeprefix(prefix), problem.location.steps),
        expected=problem.expected.replace(prefix, ""),
        found=problem.found.replace(prefix, ""),
    )


_TOKEN = re.compile(
    r"\.?(?P<key>[A-Za-z_]\w*|\(\w+\))|\[(?P<index>\d+)\]|"
    r" \((?P<ident>id|name)='(?P<name>[^']*)'\)"
)


def P(file: str, entry: str, expected: str, found: str, example: str | None = None) -> Problem:
    """A problem as a case writes it: the file, the entry as people read it (parsed into steps)."""
    steps: list[Step] = []
    if entry != "(file)":
        for match in _TOKEN.finditer(entry):
            if match["name"] is not None:
                steps[-1] = Step(steps[-1].key, match["name"], match["ident"])
            elif match["index"] is not None:
                steps.append(Step(int(match["index"])))
            else:
                steps.append(Step(match["key"]))
    problem = Problem(Location(file, tuple(steps)), expected, found, example)
    assert problem.entry == entry, f"{entry!r} parsed as {problem.entry!r}"
    return problem
