"""The import contract: the allowed arrows between Bridge's stages, written down once and enforced.

Stages, in the direction data flows (README, "How it is built")::

    foundation (errors, settings, calendar, timezone, dataset, records, output)
      → config (specs, registry, rules)  → data (databases)    ┐
                                         → translate (pure)    ├→ app (CLI, the Streamlit boundary)
                                            → present (formats, charts, screens, brief)  ┘
    sample (the demo company's generator) stands apart: foundation, and data's URL handling.

Every ``import`` in ``src/bridge`` (module level and inside functions alike) is read with ``ast`` and
checked against :data:`ALLOWED`; third-party libraries with a home are checked against
:data:`LIBRARY_HOMES`. The pages and ``app.py`` only compose: they import the UI boundary, screen
builders and request types. A self-test feeds the checker a module that breaks an arrow, so this file
can fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "bridge"

#: Which stage each module belongs to: the longest matching prefix wins.
STAGES = {
    "bridge": "foundation",
    "bridge.errors": "foundation",
    "bridge.settings": "foundation",
    "bridge.calendar": "foundation",
    "bridge.timezone": "foundation",
    "bridge.dataset": "foundation",
    "bridge.records": "foundation",
    "bridge.output": "foundation",
    "bridge.config": "config",
    "bridge.data": "data",
    "bridge.translate": "translate",
    "bridge.present": "present",
    "bridge.present.charts": "charts",
    "bridge.sample": "sample",
    "bridge.app": "app",
    "bridge.__main__": "app",
}

#: The arrows: a stage may import itself and the stages listed (nothing else of Bridge).
ALLOWED = {
    "foundation": {"foundation"},
    "config": {"foundation", "config"},
    "data": {"foundation", "config", "data"},
    "translate": {"foundation", "config", "translate"},
    # charts receive data and a presentation spec (formats, palette, marks), nothing else
    "charts": {"foundation", "charts", "present.spec"},
    "present": {"foundation", "config", "translate", "present", "charts", "present.spec"},
    "present.spec": {"foundation", "present.spec"},
    # the generator writes through SQLAlchemy and reports a refused URL the way data does
    "sample": {"foundation", "data", "sample"},
    "app": {"foundation", "config", "data", "translate", "present", "charts", "present.spec", "app", "sample"},
}  # fmt: skip

#: The presentation spec charts may use (formats and the marks' palette): a stage of its own.
SPEC_MODULES = {"bridge.present.format", "bridge.present.palette"}

#: Libraries with a home: only these stages (or exact modules) may import them.
LIBRARY_HOMES = {
    # ui draws; serve only starts Streamlit's server (make run), drawing nothing
    "streamlit": {"bridge.app.ui", "bridge.app.serve"},
    "sqlalchemy": {"data", "sample"},
    "plotly": {"charts", "present"},
    "kaleido": {"present"},
    # warm imports them once, under a lock, before a session draws (no first-load race)
    "numpy": {"sample", "bridge.app.warm"},
    "pyarrow": {"bridge.app.warm"},
    "pandas": {"bridge.app.warm"},
}

#: What a page may import: Streamlit, the UI boundary, screen builders and request types.
PAGE_IMPORTS = (
    "__future__",
    "streamlit",
    "bridge.app.ui",
    "bridge.app",
    "bridge.present.screens",
    "bridge.translate.request",
)


def stage_of(module: str) -> str:
    if module in SPEC_MODULES:
        return "present.spec"
    best = max((p for p in STAGES if module == p or module.startswith(p + ".")), key=len)
    return STAGES[best]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import statement, relative ones resolved."""
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            if base == "bridge" or (node.level and not node.module):
                # ``from bridge import ui``: each name is a module of its own
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}"
            else:
                yield node.lineno, base


def violations(source: str, module: str) -> list[str]:
    """Every import of ``module`` that breaks an arrow or a library's home."""
    found = []
    mine = stage_of(module)
    for line, imported in imports(source, module):
        top = imported.split(".")[0]
        if top == "bridge":
            theirs = stage_of(imported)
            if theirs != mine and theirs not in ALLOWED[mine]:
                found.append(f"{module}:{line} imports {imported} ({mine} -> {theirs})")
        elif top in LIBRARY_HOMES:
            homes = LIBRARY_HOMES[top]
            if module not in homes and mine not in homes:
                found.append(f"{module}:{line} imports {top} (only {sorted(homes)} may)")
    return found


def bridge_modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", bridge_modules(), ids=lambda p: module_name(p))
def test_every_module_keeps_to_its_arrows(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), module_name(path)) == []


@pytest.mark.parametrize(
    "path", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))], ids=lambda p: p.name
)
def test_pages_only_compose(path: Path) -> None:
    for line, imported in imports(path.read_text(encoding="utf-8"), "pages"):
        assert imported.startswith(PAGE_IMPORTS), f"{path.name}:{line} imports {imported}"


def test_every_stage_is_known() -> None:
    stages = {stage_of(module_name(p)) for p in bridge_modules()}
    assert stages <= set(ALLOWED), stages - set(ALLOWED)
    assert {"foundation", "config", "data", "translate", "present", "charts", "app"} <= stages


# --- the checker itself can fail ------------------------------------------------------------------

BROKEN = [
    ("bridge.translate.horizon", "from bridge.data.load import load_dataset\n", "translate -> data"),
    ("bridge.translate.horizon", "import sqlalchemy\n", "imports sqlalchemy"),
    ("bridge.config.registry", "def f():\n    from bridge.translate import evaluate\n", "config -> translate"),
    ("bridge.present.screens.overview", "from bridge.data.state import list_records\n", "present -> data"),
    ("bridge.present.charts", "from bridge.config.metrics import MetricBase\n", "charts -> config"),
    ("bridge.data.load", "import streamlit as st\n", "imports streamlit"),
    ("bridge.present.export", "from ..data import load\n", "present -> data"),
    ("bridge.dataset", "from bridge.config.registry import Registry\n", "foundation -> config"),
]  # fmt: skip


@pytest.mark.parametrize(("module", "source", "broken"), BROKEN)
def test_a_broken_arrow_is_caught(module: str, source: str, broken: str) -> None:
    found = violations(source, module)
    assert found and broken in found[0]


def test_allowed_arrows_pass() -> None:
    assert violations("from bridge.config.registry import Registry\n", "bridge.data.load") == []
    assert violations("from bridge.present.format import Fmt\n", "bridge.present.charts") == []
