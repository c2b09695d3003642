"""Data health: freshness per source, row counts, gaps and rejected or flagged rows with reasons."""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.present.charts import freshness_bars
from bridge.present.format import day_text
from bridge.present.screens.model import Card, Panel, Screen
from bridge.present.tables import table


def data_health_screen(sources: pl.DataFrame, findings: pl.DataFrame, as_of: dt.date) -> Screen:
    """Freshness and row counts per source (``SOURCES_SCHEMA`` of :mod:`bridge.data.health`) and the
    findings (``FINDINGS_SCHEMA``) as of a day."""
    stale = sources.filter(pl.col("status") != "fresh").height
    excluded = int(findings.filter(pl.col("effect") == "excluded").get_column("rows").sum() or 0)
    cards = (
        Card("Sources", str(sources.height), help="Tables configured in sources.toml"),
        Card(
            "Fresh",
            f"{sources.height - stale} of {sources.height}",
            help="A source is stale when its latest row is older than its freshness_days",
        ),
        Card("Rows excluded from views", f"{excluded:,}"),
        Card("Findings", str(findings.height)),
    )
    source_rows = [
        {
            "Source": r["source"],
            "Table": r["table"],
            "Rows": f"{r['rows']:,}",
            "First day": day_text(r["first_day"]),
            "Last day": day_text(r["last_day"]),
            "Days behind": "—" if r["days_behind"] is None else str(r["days_behind"]),
            "Days allowed": str(r["freshness_days"]),
            "Status": r["status"],
        }
        for r in sources.iter_rows(named=True)
    ]
    source_columns = (
        "Source", "Table", "Rows", "First day", "Last day", "Days behind", "Days allowed", "Status",
    )  # fmt: skip
    finding_rows = [
        {
            "Source": r["source"],
            "Check": r["check"],
            "Rows": f"{r['rows']:,}",
            "What the views do": r["effect"],
            "Detail": r["detail"],
        }
        for r in findings.iter_rows(named=True)
    ]
    finding_columns = ("Source", "Check", "Rows", "What the views do", "Detail")
    findings_panel = (
        Panel(
            title="Findings",
            caption="Every problem found in the source rows and what the views do about it: "
            "excluded rows are in no number; flagged rows are counted and named here.",
            table=table(finding_rows, finding_columns, _labelled(findings, finding_columns)),
        )
        if findings.height
        else Panel(title="Findings", caption="No problem found in the source rows.")
    )
    return Screen(
        title="Data health",
        common=(
            Panel(
                title=f"Sources as of {as_of}",
                cards=cards,
                figure=freshness_bars(sources),
                table=table(source_rows, source_columns, _labelled(sources, source_columns)),
            ),
            findings_panel,
        ),
    )


def _labelled(frame: pl.DataFrame, labels: tuple[str, ...]) -> list[dict[str, object]]:
    """The frame's rows with its columns renamed, in order, to ``labels`` (plain values, for CSV)."""
    names = frame.columns[: len(labels)]
    return [
        dict(zip(labels, (r[n] for n in names), strict=True)) for r in frame.iter_rows(named=True)
    ]
