"""Editing a copy of the shipped config in one place (the ``config_copy`` fixture gives the copy).

An :data:`Edit` is ``(file name, text -> text)``; the tests of the registry, the validation rules,
the partial registry and the app build edits with :func:`replace` or :func:`append_copy` and write
them with :func:`apply_edits`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.config.registry import load_registry
from bridge.errors import ConfigError, Problem

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


def problems_of(config_dir: Path) -> tuple[Problem, ...]:
    """The problems load_registry reports for ``config_dir`` (it must refuse the config)."""
    with pytest.raises(ConfigError) as info:
        load_registry(config_dir)
    return info.value.problems
