"""Helpers for AppTest-based tests (the fixtures live in conftest.py: ``app``)."""

from __future__ import annotations

import json
import re
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


def open_folds(at: AppTest) -> AppTest:
    """Open every folded chart (as a click on its label would: the expander's state, then a rerun);
    fails when the page has none."""
    folds = [key for key in at.session_state.to_dict() if key.startswith("fold-")]
    assert folds, "no folded chart on the page"
    for key in folds:
        at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def drawings(at: AppTest) -> list[str]:
    """The page's static charts (:mod:`bridge.present.html_charts`): their HTML."""
    return [el.value for el in at.get("html") if 'class="bridge-chart"' in el.value]


def charts(at: AppTest) -> list[object]:
    """Every chart of the page: Plotly figures and static drawings alike."""
    return [*figures(at), *drawings(at)]


def shown(text: str) -> str:
    """What a person reads: the app escapes Markdown in every text from data or config."""
    return re.sub(r"\\(.)", r"\1", text)


def headings(at: AppTest) -> list[str]:
    """The panel headings of the page, in order."""
    return [shown(h.value) for h in at.subheader]


def page_text(at: AppTest) -> str:
    """Every sentence the page shows: headings, captions, notes, messages."""
    parts = [
        *(h.value for h in at.subheader),
        *(c.value for c in at.caption),
        *(m.value for m in at.markdown),
        *(i.value for i in at.info),
        *(w.value for w in at.warning),
        *(e.value for e in at.error),
    ]
    return "\n".join(shown(str(p)) for p in parts)
