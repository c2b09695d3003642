"""Helpers for AppTest-based tests (the fixtures live in conftest.py: ``app``)."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = {
    "overview": "pages/overview.py",
    "trade-offs": "pages/trade_offs.py",
    "time-horizons": "pages/time_horizons.py",
    "frontline": "pages/frontline.py",
    "definitions": "pages/definitions.py",
    "decision_log": "pages/decision_log.py",
    "data_health": "pages/data_health.py",
}


def open_page(at: AppTest, page: str, **params: str) -> AppTest:
    """Run ``page`` as a browser opening a deep link: the first run is on it, with ``params``.

    (Before a first run AppTest finds a page by its file name, so url_path = file stem in app.py.)
    """
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    out = []
    for fig in figures(at):
        title = fig.get("layout", {}).get("title", {})
        out.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return out


def unit_bar_charts(at: AppTest) -> list[dict[str, Any]]:
    """Executive bar charts (one bar per business unit), not the horizontal team-status bars."""
    return [
        f
        for f in figures(at)
        if f["data"][0]["type"] == "bar" and f["data"][0].get("orientation") != "h"
    ]


def headings(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader] + [m.value for m in at.markdown]
