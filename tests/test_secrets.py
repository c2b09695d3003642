"""A password in a database URL never appears in settings output, errors, logs, the CLI or the UI."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from bridge.app.cli import main
from bridge.config.registry import Registry
from bridge.data.load import first_days, open_source
from bridge.data.urls import safe_url
from bridge.errors import SourceError
from bridge.settings import Settings
from tests.apptesting import open_page, shown

PASSWORD = "p@ss:w/rd-Zx9"
URL = "postgresql+psycopg://analyst:p%40ss%3Aw%2Frd-Zx9@127.0.0.1:1/sales"


def leaked(text: str) -> bool:
    return PASSWORD in text or "p%40ss%3Aw%2Frd-Zx9" in text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "postgresql+psycopg://analyst:***@127.0.0.1:1/sales"),
        ("mysql+pymysql://root:hunter2@db:3306/x", "mysql+pymysql://root:***@db:3306/x"),
        ("sqlite:///sample_data/sample.sqlite", "sqlite:///sample_data/sample.sqlite"),
        ("not a url at all", "?://<URL not shown>"),
        # Spark Connect: a token among the ';' parameters, the database before them
        ("sc://spark:15002/;token=Zx9;user_id=bi", "sc://spark:15002/;token=***;user_id=bi"),
        (
            "sc://spark:15002/sales;use_ssl=true;token=Zx9",
            "sc://spark:15002/sales;use_ssl=true;token=***",
        ),
        ("sc://127.0.0.1:15002", "sc://127.0.0.1:15002"),
    ],
)
def test_redaction(url: str, shown: str) -> None:
    assert safe_url(url) == shown


def test_settings_never_print_the_url(
    monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", URL)
    settings = Settings()
    assert not leaked(repr(settings)) and not leaked(str(settings))
    assert not leaked(settings.model_dump_json())


def test_errors_and_logs_hide_the_password(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = open_source(URL, timeout_seconds=2)
    with pytest.raises(SourceError) as info:
        first_days(engine, registry)
    assert not leaked(str(info.value)) and "analyst:***@" in str(info.value)
    assert not leaked(caplog.text)


@pytest.mark.parametrize("args", [["validate"], ["view", "horizon"], ["view", "tradeoff"]])
def test_cli_output_hides_the_password(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_settings: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", URL)
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert not leaked(out + err + caplog.text)
    assert "analyst:***@127.0.0.1:1/sales" in err


def test_ui_hides_the_password(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("BRIDGE_SOURCE_URL", URL)
    monkeypatch.setenv("BRIDGE_STATE_URL", URL.replace("/sales", "/bridge"))
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    at = open_page(app, "overview")
    on_page = " ".join(
        shown(str(e.value)) for e in [*at.error, *at.warning, *at.markdown, *at.caption]
    )
    assert at.error and not leaked(on_page) and not leaked(caplog.text)
