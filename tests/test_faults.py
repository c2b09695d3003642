"""Database faults in the app: a clear message and a Retry control, recovery when the database
returns, nothing hangs, and no password in anything shown. The faults are real: a dead port, a SQLite
file that disappears, and a PostgreSQL server of the test's own that is stopped and started again."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bridge.sample import generate
from tests.apptesting import charts, open_page, shown, tables
from tests.conftest import AS_OF


def test_unreachable_server_is_a_clear_message_without_the_password(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", "postgresql+psycopg://bob:s3cr3t-pw@127.0.0.1:1/sales")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    started = time.monotonic()
    at = open_page(app, "overview")
    assert time.monotonic() - started < 60  # bounded by the connect timeout, never a hang
    on_page = " ".join(shown(e.value) for e in at.error)
    assert on_page.startswith("Bridge cannot read its data")
    assert "bob:***@127.0.0.1:1/sales" in on_page
    everything = on_page + " ".join(str(el.value) for el in at.markdown) + str(at.session_state)
    assert "s3cr3t-pw" not in everything
    assert [b.label for b in at.button] == ["Retry"]


def test_the_app_recovers_when_the_database_returns(
    app: AppTest, tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = tmp_path / "later.sqlite"
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{later}")
    at = open_page(app, "overview")
    assert "no SQLite database at" in shown(at.error[0].value)
    assert not charts(at)
    shutil.copy(sample_db, later)  # the database comes back
    at = at.button[0].click().run()
    assert not at.error and not at.exception
    assert charts(at)


def test_a_database_lost_while_working_is_reported_then_recovered(
    app: AppTest, tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live.sqlite"
    shutil.copy(sample_db, live)
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{live}")
    monkeypatch.setenv("BRIDGE_CACHE_TTL_SECONDS", "1")
    at = open_page(app, "time-horizons")
    assert charts(at)
    away = tmp_path / "away.sqlite"
    live.rename(away)  # the database disappears...
    time.sleep(1.1)  # ...and the cached measures expire (cache_ttl_seconds, here 1 s)
    st.cache_data.clear()
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    assert at.error and "Bridge cannot read its data" in shown(at.error[0].value)
    away.rename(live)  # it is back
    at = at.button[0].click().run()
    assert not at.error and charts(at)


def test_an_unreachable_decision_store_leaves_the_pages_working(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_STATE_URL", "postgresql+psycopg://ann:hunter22@127.0.0.1:1/bridge")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    at = open_page(app, "trade-offs")
    assert charts(at)
    warning = " ".join(shown(w.value) for w in at.warning)
    assert "Decision records are unavailable" in warning
    assert "hunter22" not in warning and "ann:***@" in warning


TYPED = "Margin has fallen for three years; the stores cannot fund the online move."


def _fill_and_submit(at: AppTest, before_submit: Callable[[], None]) -> AppTest:
    at.text_area[0].set_value(TYPED)
    at.text_input[0].set_value("Dana Ortiz")
    before_submit()  # the store fails between typing and submitting
    return next(b for b in at.button if b.label == "Record the decision").click().run()


def _kept_and_told(at: AppTest, message: str) -> None:
    assert not at.exception
    errors = " ".join(shown(e.value) for e in at.error)
    assert message in errors, errors
    assert not at.success  # never "recorded"
    assert at.text_area[0].value == TYPED  # what the person typed is still there, to try again
    assert at.text_input[0].value == "Dana Ortiz"


def test_a_state_file_deleted_before_submit_keeps_the_typed_decision(
    app: AppTest, tmp_path: Path
) -> None:
    at = open_page(app, "decision_log", unit="Retail Stores", decision="stop")
    live = tmp_path / "state.sqlite"  # the app fixture's decision store
    at = _fill_and_submit(at, lambda: live.rename(tmp_path / "moved.sqlite"))
    _kept_and_told(at, f"Bridge's database file {live} is gone (deleted or moved")
    assert not live.exists()  # no new empty store took the decision


# --- a real PostgreSQL server, stopped and started again -----------------------------------------

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


class PrivateServer:
    """A PostgreSQL server of our own (initdb in a temporary folder, its own port), so a test can
    stop and restart it without touching the machine's shared server."""

    def __init__(self, folder: Path) -> None:
        assert PG_BIN is not None
        self.data = folder / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:  # the server will run as the postgres user: the folder is its own
            shutil.chown(folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        log = str(self.data / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _can_run_a_server() -> str | None:
    if PG_BIN is None:
        return "PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser, so the server cannot be started as postgres"
    return None


@pytest.fixture
def private_postgres() -> Iterator[PrivateServer]:
    reason = _can_run_a_server()
    if reason:
        pytest.skip(reason)
    # not under pytest's tmp_path: its parents are private to root, and the server runs as postgres
    folder = Path(tempfile.mkdtemp(prefix="bridge-pg-"))
    try:
        server = PrivateServer(folder)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
def test_a_real_server_stopped_while_working_then_restarted(
    app: AppTest, private_postgres: PrivateServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(private_postgres.url, as_of=AS_OF, events=20_000, history_years=2)
    monkeypatch.setenv("BRIDGE_SOURCE_URL", private_postgres.url)
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("BRIDGE_CACHE_TTL_SECONDS", "1")
    at = open_page(app, "time-horizons")
    assert not at.error and charts(at)

    private_postgres.stop()  # the server goes down while the user is working
    time.sleep(1.1)  # the cached measures expire (cache_ttl_seconds, here 1 s)...
    st.cache_data.clear()
    st.cache_resource.clear()  # ...and the app's connection pool is the one it had
    started = time.monotonic()
    at.run()
    assert time.monotonic() - started < 60  # a clear failure, not a hang
    assert not at.exception
    message = " ".join(shown(e.value) for e in at.error)
    assert message.startswith("Bridge cannot read its data")
    assert f"127.0.0.1:{private_postgres.port}/postgres" in message
    assert not charts(at)
    assert [b.label for b in at.button] == ["Retry"]
    at = at.button[0].click().run()  # Retry while it is still down: the same clear message
    assert at.error and not charts(at)

    private_postgres.start()  # the server is back
    at = at.button[0].click().run()
    assert not at.error and not at.exception
    assert charts(at)


@pytest.mark.postgres
def test_a_state_server_down_at_submit_keeps_the_typed_decision(
    app: AppTest, private_postgres: PrivateServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_STATE_URL", private_postgres.url)
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "3")
    at = open_page(app, "decision_log", unit="Retail Stores", decision="stop")
    assert not at.warning, [shown(w.value) for w in at.warning]
    at = _fill_and_submit(at, private_postgres.stop)
    _kept_and_told(at, f"could not store the decision in {private_postgres.url}")
    private_postgres.start()  # back: the same typed text is recorded with one click
    at = next(b for b in at.button if b.label == "Record the decision").click().run()
    assert not at.error, [shown(e.value) for e in at.error]
    table = tables(at)[0]
    assert table["Rationale"].to_list() == [TYPED]
