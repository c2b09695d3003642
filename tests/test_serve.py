"""``make run``'s server start (:mod:`bridge.app.serve`): the measures are loaded into the process's
measure cache as the server starts, so the first page finds them in memory; never a failed start,
and never a business unit read before someone allowed to see it asks."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.app import warm
from bridge.config.registry import Registry
from bridge.data.refresh import MeasureCache
from bridge.settings import get_settings
from tests.access import PROXY, access_config
from tests.conftest import CONFIG_DIR, ROOT


class NoDatabase:
    """An engine a load must not touch: the first page's load is answered from memory."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was asked ({name}) though the measures were in memory")


@pytest.fixture
def served(
    tmp_path: Path, sample_url: str, monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> Iterator[Path]:
    """The environment ``make run`` gives the server (sample company, shipped config); returns
    the measure cache's folder. The process's shared caches are forgotten before and after."""
    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("BRIDGE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    MeasureCache.drop_shared()
    yield tmp_path / "cache"
    MeasureCache.drop_shared()


def test_the_start_loads_what_the_first_page_then_reads_from_memory(
    served: Path, sample_url: str, registry: Registry
) -> None:
    warm.measures()
    settings = get_settings()
    cache = MeasureCache.shared(served, settings.late_arriving_days)
    assert cache.last is not None and cache.last.mode == "full"
    first_page = cache.load(
        NoDatabase(),  # type: ignore[arg-type]
        registry,
        today=registry.today(),
        max_age=settings.cache_ttl_seconds,
        url=sample_url,
    )
    assert first_page.measures.height > 0
    assert list(served.rglob("*.parquet")), "and written to disk, as any load is"


def test_the_app_uses_the_same_cache_as_the_start(served: Path) -> None:
    from bridge.app import ui

    settings = get_settings()
    shared = MeasureCache.shared(served, settings.late_arriving_days)
    assert ui._measure_cache(str(served), settings.late_arriving_days) is shared


def test_with_an_access_policy_nothing_is_read_at_start(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = access_config(tmp_path / "config", PROXY.format(proxies="127.0.0.1"))
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config))
    warm.measures()
    assert MeasureCache.shared(served, get_settings().late_arriving_days).last is None
    assert not served.exists() or not list(served.rglob("*.parquet"))


def test_a_broken_source_does_not_stop_the_start(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{tmp_path / 'missing.sqlite'}")
    with caplog.at_level(logging.WARNING, logger="bridge"):
        warm.measures()  # no exception: the first page reports the problem in its own words
    assert "measures not loaded at start (the first page will load them)" in caplog.text


def test_make_run_starts_this_server() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m bridge.app.serve" in run


def test_the_load_waits_for_streamlit_to_have_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads importing one library at once is the first-load race: the load's thread starts
    with the server, but loads only once Streamlit's runtime has started (its imports done)."""
    from streamlit.runtime import Runtime, RuntimeState

    from bridge.app import serve

    looks: list[bool] = []
    started = iter([False, False, True, True])

    def exists() -> bool:
        looks.append(next(started))
        return looks[-1]

    class Started:
        state = RuntimeState.NO_SESSIONS_CONNECTED

    monkeypatch.setattr(serve, "POLL_SECONDS", 0)
    monkeypatch.setattr(Runtime, "exists", staticmethod(exists))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: Started()))
    monkeypatch.setattr(warm, "measures", lambda: looks.append("loaded"))  # type: ignore[arg-type]
    serve.load_once_started()
    assert looks == [False, False, True, "loaded"]


def test_the_server_starts_as_streamlit_run_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from streamlit.web import cli

    from bridge.app import serve

    events: list[str] = []

    class Thread:
        def __init__(self, target: Any, name: str, daemon: bool) -> None:
            events.append(f"thread {target.__name__} daemon={daemon}")

        def start(self) -> None:
            events.append("start")

    monkeypatch.setattr(threading, "Thread", Thread)
    monkeypatch.setattr(cli, "main", lambda **_: events.append(f"streamlit {sys.argv[1:3]}"))
    monkeypatch.setattr(sys, "argv", ["serve"])
    serve.main(["--server.port", "8599"])
    assert events == [
        "thread load_once_started daemon=True",
        "start",
        "streamlit ['run', 'app.py']",
    ]
    assert sys.argv[3:] == ["--server.port", "8599"]


def test_a_start_that_fails_says_why_without_a_traceback(tmp_path: Path) -> None:
    """Started where there is no app.py, Streamlit says so; the load beside it leaves no trace."""
    done = subprocess.run(
        [sys.executable, "-m", "bridge.app.serve", "--server.headless", "true"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "File does not exist: app.py" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
