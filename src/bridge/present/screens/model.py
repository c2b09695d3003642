"""The render-ready content of a page: panels grouped by lens, and what a screen is built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.request import Lens

#: What the lens control shows for each lens (the URL holds the lens id: ``?lens=choice``).
LENS_LABELS: dict[Lens, str] = {"action": "Action", "choice": "Choice", "both": "Side by side"}


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


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    #: "normal": up is good; "inverse": down is good; "off": a delta that is not like for like.
    delta_color: Literal["normal", "inverse", "off"] = "normal"


@dataclass(frozen=True)
class Panel:
    """One block on a page: a heading, then any of KPIs, a chart, a table, notes."""

    title: str
    caption: str | None = None
    help: str | None = None
    kpis: tuple[Kpi, ...] = ()
    figure: go.Figure | None = None
    table: pl.DataFrame | None = None
    notes: tuple[str, ...] = ()
    code: str | None = None
    #: When set, the chart is selectable and this is its widget key (drill-down).
    select_key: str | None = None


@dataclass(frozen=True)
class Screen:
    """A page's content: frontline (action) panels, executive (choice) panels, and lens-free ones."""

    title: str
    action: tuple[Panel, ...] = ()
    choice: tuple[Panel, ...] = ()
    common: tuple[Panel, ...] = ()
    notes: tuple[str, ...] = ()
