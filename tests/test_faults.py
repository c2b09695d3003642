"""Database faults in the app: a clear message and a Retry control, recovery when the database
returns, nothing hangs, and no password in anything shown."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.apptesting import figures, open_page


def test_unreachable_server_is_a_clear_message_without_the_password(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", "postgresql+psycopg://bob:s3cr3t-pw@127.0.0.1:1/sales")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    started = time.monotonic()
    at = open_page(app, "overview")
    assert time.monotonic() - started < 60  # bounded by the connect timeout, never a hang
    shown = " ".join(e.value for e in at.error)
    assert shown.startswith("Bridge cannot read its data")
    assert "bob:***@127.0.0.1:1/sales" in shown
    everything = shown + " ".join(str(el.value) for el in at.markdown) + str(at.session_state)
    assert "s3cr3t-pw" not in everything
    assert [b.label for b in at.button] == ["Retry"]


def test_the_app_recovers_when_the_database_returns(
    app: AppTest, tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = tmp_path / "later.sqlite"
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{later}")
    at = open_page(app, "overview")
    assert "no SQLite database at" in at.error[0].value
    assert not figures(at)
    shutil.copy(sample_db, later)  # the database comes back
    at = at.button[0].click().run()
    assert not at.error and not at.exception
    assert figures(at)


def test_a_database_lost_while_working_is_reported_then_recovered(
    app: AppTest, tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live.sqlite"
    shutil.copy(sample_db, live)
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{live}")
    at = open_page(app, "time-horizons")
    assert figures(at)
    away = tmp_path / "away.sqlite"
    live.rename(away)  # the database disappears...
    st.cache_data.clear()  # ...and the cached measures expire (cache_ttl_seconds)
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    assert at.error and "Bridge cannot read its data" in at.error[0].value
    away.rename(live)  # it is back
    at = at.button[0].click().run()
    assert not at.error and figures(at)


def test_an_unreachable_decision_store_leaves_the_pages_working(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_STATE_URL", "postgresql+psycopg://ann:hunter22@127.0.0.1:1/bridge")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    at = open_page(app, "trade-offs")
    assert figures(at)
    warning = " ".join(w.value for w in at.warning)
    assert "Decision records are unavailable" in warning
    assert "hunter22" not in warning and "ann:***@" in warning
