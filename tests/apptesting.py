"""Helpers for AppTest-based tests (the fixtures live in conftest.py: ``app``)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from bridge.app.ui import JOINER
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
    found = [*at.get("html"), *at.markdown]  # a drawing with lines (SVG) is shown as Markdown
    return [el.value for el in found if 'class="bridge-chart"' in el.value]


def charts(at: AppTest) -> list[object]:
    """Every chart of the page: Plotly figures and static drawings alike."""
    return [*figures(at), *drawings(at)]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table of the page in order, as its cells read: Streamlit's grids (a large table) and
    Bridge's plain HTML tables (a small one, :func:`bridge.present.tables.static_html`) alike."""
    found = []
    for node in at._tree:
        if node.type == "dataframe":
            found.append(node.value)
        elif node.type == "html" and 'class="bridge-table"' in node.value:
            found.append(read_html_table(node.value))
    return found


def read_html_table(markup: str) -> pd.DataFrame:
    """A Bridge HTML table's header and body cells (unescaped text) as a frame of strings."""

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.head: list[str] = []
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None
            self.spanning = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag in ("th", "td"):
                self.cell = []
                self.spanning = self.spanning or any(name == "colspan" for name, _ in attrs)

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag in ("th", "td") and self.cell is not None:
                text = "".join(self.cell)
                (self.head if tag == "th" else self.rows[-1]).append(text)
                self.cell = None

    cells = Cells()
    cells.feed(markup)
    body = [row for row in cells.rows if row]
    if cells.spanning:  # "No rows." across every column
        body = []
    return pd.DataFrame(body, columns=cells.head, dtype=object)


def shown(text: str) -> str:
    """What a person reads: the app escapes Markdown in every text from data or config, and
    breaks web addresses with an invisible word joiner (``ui.literal``)."""
    return re.sub(r"\\(.)", r"\1", text).replace(JOINER, "")


def headings(at: AppTest) -> list[str]:
    """The panel headings of the page, in order."""
    return [shown(h.value) for h in at.subheader]


def page_text(at: AppTest) -> str:
    """Every sentence the page shows: headings, captions, notes, messages."""
    parts = [
        *(h.value for h in at.subheader),
        *(c.value for c in at.caption),
        *(m.value for m in at.markdown if 'class="bridge-chart"' not in m.value),
        *(i.value for i in at.info),
        *(w.value for w in at.warning),
        *(e.value for e in at.error),
    ]
    return "\n".join(shown(str(p)) for p in parts)
