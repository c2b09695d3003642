"""Shared fixtures: the shipped config parsed once, and one sample database generated per test run."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.config.registry import Registry, load_registry
from bridge.data.load import load_dataset, open_source
from bridge.dataset import Dataset

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


def sample_copy(sample_db: Path, path: Path) -> sqlite3.Connection:
    """A copy of the sample company at ``path``, opened for a test to break it (commit on close:
    use it as a context manager)."""
    with sqlite3.connect(sample_db) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return sqlite3.connect(path)


@pytest.fixture(scope="session")
def sample_url(sample_db: Path) -> str:
    return f"sqlite:///{sample_db}"


@pytest.fixture(scope="session")
def sample_dataset(sample_url: str, registry: Registry) -> Dataset:
    """Everything the views need, loaded once from the sample database through the real loader."""
    engine = open_source(sample_url)
    try:
        return load_dataset(engine, registry)
    finally:
        engine.dispose()


@pytest.fixture
def keep_navigation_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work around the pages/ pitfall (see ``ui.ensure_navigation_mode``): AppTest resets
    ``PagesManager.uses_pages_directory`` before each run, which sends later runs through the legacy
    multipage wrapper. Keep the flag False (the real server is handled by ui.ensure_navigation_mode)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="module")
def fresh_streamlit_caches() -> Iterator[None]:
    """st.cache_data/resource survive across AppTest instances in one process: clear per module."""
    import streamlit as st

    from bridge.data.refresh import MeasureCache

    st.cache_data.clear()
    st.cache_resource.clear()
    MeasureCache.drop_shared()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    MeasureCache.drop_shared()


@pytest.fixture
def app(
    tmp_path: Path,
    sample_url: str,
    monkeypatch: pytest.MonkeyPatch,
    clean_settings: None,
    keep_navigation_mode: None,
    fresh_streamlit_caches: None,
) -> Any:
    """The real app (AppTest) on the sample company, with its own decision store."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("BRIDGE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


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


# --- a Spark cluster on loopback (tests/spark_cluster.py) ---------------------------------------


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Master, two workers and a Spark Connect server on 127.0.0.1, started once per run and
    stopped at its end; skipped, with the reason, where Java or pyspark is missing."""
    from tests import spark_cluster

    try:
        spark_cluster.spark_home()
        spark_cluster.java_version()
    except spark_cluster.ClusterUnavailable as exc:
        pytest.skip(f"no Spark cluster here: {exc}")
    from tests.databases import SERVERS

    with spark_cluster.running(tmp_path_factory.mktemp("spark")) as cluster:
        SERVERS["spark"] = cluster.url  # scratch databases on it (tests.databases.SPARK)
        yield cluster
        del SERVERS["spark"]


@pytest.fixture(autouse=True)
def _spark_for_spark_tests(request: pytest.FixtureRequest) -> None:
    """A test marked ``spark`` has the cluster running before its own fixtures build tables."""
    if request.node.get_closest_marker("spark") is not None:
        request.getfixturevalue("spark_cluster")


# --- the real-browser tests' fixtures (tests/browsing.py; imported only where Chromium exists) ---


@pytest.fixture(scope="module")
def server(sample_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``make run``'s command on a free port, on the sample company; yields the base URL."""
    from tests.browsing import running_server

    with running_server(sample_url, tmp_path_factory.mktemp("browser-server")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.browsing import chromium

    with chromium() as opened:
        yield opened


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    from tests.browsing import page_opener

    with page_opener(browser, request) as opener:
        yield opener


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()
