"""Shared fixtures: the shipped config parsed once, and one sample database generated per test run."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.dataset import Dataset
from bridge.load import load_dataset, open_source
from bridge.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "config"
#: Every test sees the demo company as of this day (a Monday, inside a quarter in progress).
AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The shipped config, parsed once (the golden config)."""
    return load_registry(CONFIG_DIR)


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped config folder, to break one thing in."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company (default seed, full size) as a SQLite file, generated once per run."""
    from bridge.sample import generate

    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    generate(f"sqlite:///{path}", as_of=AS_OF)
    return path


@pytest.fixture(scope="session")
def sample_url(sample_db: Path) -> str:
    return f"sqlite:///{sample_db}"


@pytest.fixture(scope="session")
def sample_dataset(sample_url: str, registry: Registry) -> Dataset:
    """Everything the views need, loaded once from the sample database through the real loader."""
    engine = open_source(sample_url)
    try:
        return load_dataset(engine, registry, dt.date(2022, 1, 1), AS_OF)
    finally:
        engine.dispose()


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No BRIDGE_* variables from the developer's shell leak into a test."""
    import os

    from bridge.settings import get_settings

    for key in list(os.environ):
        if key.startswith("BRIDGE_"):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
