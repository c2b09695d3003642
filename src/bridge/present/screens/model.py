"""The render-ready content of a page: cards, charts and tables grouped by lens, and what a screen is
built from. ``bridge.app.ui`` renders it; nothing here draws."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.tables import Table
from bridge.translate.request import Lens

#: What the lens control shows for each lens (the URL holds the lens id: ``?lens=choice``).
LENS_LABELS: dict[Lens, str] = {"action": "Action", "choice": "Choice", "both": "Side by side"}
LENS_HEADINGS: dict[Lens, str] = {
    "action": "Action lens · frontline",
    "choice": "Choice lens · executive",
    "both": "",
}


@dataclass(frozen=True)
class Inputs:
    """Everything a screen is built from besides its request — plain data, no connection.

    ``decisions`` are the recorded choices (a frame of ``RECORDS_SCHEMA``); ``queries`` the SQL each
    source runs, by source name, as the source database's dialect writes it.
    """

    dataset: Dataset
    registry: Registry
    decisions: pl.DataFrame
    queries: Mapping[str, str] = field(default_factory=dict)
    dialect: str = "sqlite"


#: Whether a line is good or bad news.
Tone = Literal["good", "bad"]


@dataclass(frozen=True)
class Card:
    """One headline number: its value, one like-for-like comparison, a sparkline of whole periods."""

    label: str
    value: str
    delta: str | None = None
    #: What the delta compares with, e.g. "vs the same 63 days last year".
    versus: str | None = None
    help: str | None = None
    #: "normal": up is good; "inverse": down is good; "off": a delta that is not like for like.
    delta_color: Literal["normal", "inverse", "off"] = "normal"
    arrow: Literal["auto", "up", "down", "off"] = "auto"
    spark: tuple[float, ...] = ()
    #: What the sparkline shows, in words (read out, and shown on pointing at it).
    spark_title: str = ""
    #: A line under the card, e.g. how the value stands against plan.
    note: str | None = None
    #: Whether that line is good or bad news (drawn in the delta's green or red), or neither.
    note_tone: Tone | None = None


@dataclass(frozen=True)
class Panel:
    """One block on a page: a heading, then any of cards, a chart (a Plotly figure or a static
    drawing), a table, notes, a query.

    ``notes`` are warnings (something is not comparable or left out); ``info`` says what is missing
    from the configuration and how to add it.
    """

    title: str
    caption: str | None = None
    help: str | None = None
    cards: tuple[Card, ...] = ()
    figure: go.Figure | None = None
    #: A small static chart as HTML (:mod:`bridge.present.html_charts`): drawn by the browser's layout,
    #: where a Plotly figure would cost the page 20–60 ms however few its marks.
    drawing: str | None = None
    table: Table | None = None
    notes: tuple[str, ...] = ()
    info: tuple[str, ...] = ()
    code: str | None = None
    #: When set, the chart is selectable and this is its widget key (drill-down).
    select_key: str | None = None
    #: When set, the chart (or the query) sits folded under this label and is drawn only once
    #: opened: a detail behind a sentence that already says it (every chart and highlighted query
    #: on a page costs the browser time).
    fold: str | None = None


@dataclass(frozen=True)
class Row:
    """An executive panel and the frontline panels that feed it, shown on the same row."""

    choice: tuple[Panel, ...] = ()
    action: tuple[Panel, ...] = ()
    #: Shown after ``choice`` in the Choice lens only (side by side, the action column has them).
    choice_alone: tuple[Panel, ...] = ()


@dataclass(frozen=True)
class Screen:
    """A page's content: lens-free panels first, then rows pairing choice with action panels.

    In the Choice or Action lens a row shows only its side; side by side, the executive (choice)
    column comes first and each row lines up with the frontline numbers that feed it.
    """

    title: str
    rows: tuple[Row, ...] = ()
    common: tuple[Panel, ...] = ()
    #: Which column leads (left and wider) side by side: the executive one, except on pages for
    #: the frontline.
    first: Literal["choice", "action"] = "choice"
    #: Where the decision in view places each business unit (to pre-fill a choice).
    placements: Mapping[str, str] = field(default_factory=dict)
