"""Data health: freshness per source, row counts, gaps and rejected or flagged rows with reasons."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from bridge.present.screens.model import Kpi, Panel, Screen

STATUS_COLOURS = {"fresh": "#009E73", "stale": "#E69F00", "empty": "#D55E00"}


def data_health_screen(sources: pl.DataFrame, findings: pl.DataFrame, as_of: dt.date) -> Screen:
    """Freshness and row counts per source (``SOURCES_SCHEMA`` of :mod:`bridge.data.health`) and the
    findings (``FINDINGS_SCHEMA``) as of a day."""
    stale = sources.filter(pl.col("status") != "fresh").height
    excluded = findings.filter(pl.col("effect") == "excluded")
    kpis = (
        Kpi("Sources", str(sources.height), help="Tables configured in sources.toml"),
        Kpi(
            "Fresh",
            f"{sources.height - stale} of {sources.height}",
            help="A source is stale when its latest row is older than its freshness_days",
        ),
        Kpi("Rows excluded from views", f"{int(excluded.get_column('rows').sum() or 0):,}"),
        Kpi("Findings", str(findings.height)),
    )
    figure = go.Figure(
        go.Bar(
            x=sources.get_column("source").to_list(),
            y=sources.get_column("days_behind").fill_null(0).to_list(),
            marker={
                "color": [STATUS_COLOURS.get(s, "#888888") for s in sources.get_column("status")]
            },
            text=sources.get_column("status").to_list(),
            textposition="outside",
        )
    )
    figure.update_layout(
        title="Days since the latest row, per source",
        height=320,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    findings_panel = (
        Panel(
            title="Findings",
            caption="Every problem found in the source rows and what the views "
            "do about it: excluded rows are in no number; flagged rows are counted and named here.",
            table=findings,
        )
        if findings.height
        else Panel(title="Findings", caption="No problem found in the source rows.")
    )
    return Screen(
        title="Data health",
        common=(
            Panel(title=f"Sources as of {as_of}", kpis=kpis, figure=figure, table=sources),
            findings_panel,
        ),
    )
