"""The render-ready content of a page: panels grouped by lens, and the request that built them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl
from pydantic import Field

from bridge.config.base import Spec

Lens = Literal["action", "choice", "both"]
LENSES: tuple[Lens, ...] = ("action", "choice", "both")
#: What the lens control shows — and what the URL holds (``?lens=Choice``).
LENS_LABELS: dict[Lens, str] = {"action": "Action", "choice": "Choice", "both": "Side by side"}


class PageRequest(Spec):
    """Everything a page's state can hold (all of it lives in the URL). Checked by each builder."""

    metric: str | None = Field(default=None, max_length=64)
    decision: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=200)
    grain: str | None = Field(default=None, max_length=16)
    as_of: dt.date
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
    notes: tuple[str, ...] = field(default=())
