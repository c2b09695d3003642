"""AppTest for every page: renders without exception, shows the expected charts, follows the controls
and the URL, and says only what the data shows. Runs the real app on the sample company (SQLite,
generated once per test run, as of 2026-11-30)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.format import of
from bridge.present.palette import STATUSES
from bridge.translate.horizon import horizon
from tests.apptesting import (
    PAGES,
    charts,
    drawings,
    figures,
    headings,
    open_folds,
    open_page,
    page_text,
    shown,
    tables,
)
from tests.configs import apply_edits, replace
from tests.conftest import AS_OF

UNITS = ["Enterprise Software", "Logistics Services", "Marketplace", "Retail Stores"]


@pytest.mark.parametrize("page", [p for p in PAGES if p != "decision_log"])
def test_every_page_renders_in_every_lens(app: AppTest, page: str) -> None:
    for lens in ("action", "choice", "both"):
        at = open_page(app, page, lens=lens)
        assert not at.error, [shown(e.value) for e in at.error]
        # a chart: a Plotly figure, or a static drawing of bars (bridge.present.html_charts)
        assert figures(at) or drawings(at), f"{page} in {lens} lens shows no chart"


def _grid(markup: str) -> dict[str, list]:  # type: ignore[type-arg]
    """A status grid's rows (team names), column labels (as shown) and cells (status, colour,
    glyph)."""
    return {
        "teams": [
            shown(html.unescape(t)) for t in re.findall(r'role="rowheader"[^>]*>([^<]*)<', markup)
        ],
        "columns": [
            html.unescape(c)
            for c in re.findall(r'role="columnheader" aria-label="[^"]*"[^>]*>([^<]*)<', markup)
        ],
        "cells": re.findall(
            r'data-status="([^"]+)" style="[^"]*background:([^;]+);[^"]*"><span[^>]*>([^<]+)',
            markup,
        ),
    }


def record_retail_stop(
    at: AppTest, rationale: str = "Revenue and margin fall year after year."
) -> AppTest:
    at.text_area[0].set_value(rationale)
    at.text_input[0].set_value("Dana Ortiz")
    next(s for s in at.selectbox if s.label == "Choice").set_value("stop")
    next(d for d in at.date_input if d.label == "Decided on").set_value(dt.date(2026, 11, 18))
    form = next(b for b in at.button if b.label == "Record the decision")
    return form.click().run()


def test_decision_log_records_lists_and_marks_a_decision(app: AppTest) -> None:
    at = open_page(app, "decision_log", unit="Retail Stores", decision="stop")
    assert not at.error
    assert "No decision recorded" in " ".join(shown(c.value) for c in at.caption)
    at = record_retail_stop(at)
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    table = tables(at)[0]
    assert table["Business unit"].to_list() == ["Retail Stores"]
    assert table["Rationale"].to_list() == ["Revenue and margin fall year after year."]
    assert table["Status"].to_list() == ["pending review"]
    assert table["Decided on"].to_list() == ["2026-11-18"]  # a day, no time
    # the decision shows as a star on the time-horizon chart, with a legend entry saying so
    at.switch_page(PAGES["time-horizons"]).run()
    lines = _multiples(at)
    stars = {scope: chart["stars"] for scope, chart in lines.items() if chart["stars"]}
    assert set(stars) == {"Northwind Group", "Retail Stores"}  # the unit's and the company's chart
    assert all("stop" in star for marks in stars.values() for star in marks)
    horizon = next(d for d in drawings(at) if 'data-kind="horizon"' in d)
    assert "decision recorded" in horizon  # its legend says what the star means
    grid = next(d for d in drawings(at) if 'data-kind="heatmap"' in d)  # and the teams' grid
    starred = re.findall(r'data-decision="([^"]+)"', grid)
    assert starred and all("stop" in s for s in starred)
    assert "decision recorded" in grid


def test_date_pickers_write_days_as_the_pages_do(app: AppTest) -> None:
    """ISO days ("2026-11-30") in the pickers, as in every caption and table; Streamlit's default
    format is "2026/11/30"."""
    at = open_page(app, "decision_log", unit="Retail Stores", decision="stop")
    pickers = {d.label: d.proto.format for d in at.date_input}
    assert pickers == {"As of": "YYYY-MM-DD", "Decided on": "YYYY-MM-DD", "Review on": "YYYY-MM-DD"}


def test_decision_form_refuses_bad_input_and_writes_nothing(app: AppTest) -> None:
    at = open_page(app, "decision_log", unit="Retail Stores", decision="stop")
    at = record_retail_stop(at, rationale="   ")
    assert at.error and "rationale" in shown(at.error[0].value)
    assert "No decision recorded" in " ".join(shown(c.value) for c in at.caption)


def test_tradeoffs_offers_the_decisions_own_choices_for_the_selected_unit(app: AppTest) -> None:
    at = open_page(app, "trade-offs", unit="Retail Stores", decision="stop")
    labels = [shown(e.label) for e in at.expander]
    # the unit's second and third heatmaps are folded; one form to record a decision
    assert labels == [
        *["Heatmap: each team, week by week"] * 2,
        "Record a decision for Retail Stores",
    ]
    choice = next(s for s in at.selectbox if s.label == "Choice")
    assert choice.options == ["keep", "watch margin", "harvest", "stop"]
    assert choice.value == "stop"  # pre-filled with the unit's quadrant
    at = record_retail_stop(at)
    assert not at.error
    assert "Choices recorded" in headings(at)


def test_overview_is_a_scorecard_paired_with_the_teams_behind(app: AppTest) -> None:
    at = open_page(app, "overview")
    names = headings(at)
    for metric in ("Revenue", "Contribution margin", "On-time delivery rate"):
        at_card = names.index(metric)  # one row: the card and why it moved, the teams behind it
        assert names[at_card : at_card + 4] == [
            metric, f"Why {metric} moved", f"Teams feeding {metric}",
            f"Why {metric} moved, team by team",
        ]  # fmt: skip
    assert "Fix now" in names
    # Revenue's teams feed Contribution margin too: drawn once, named on the second row.
    status = [d for d in drawings(at) if 'data-kind="status"' in d]
    assert len(status) == 2, "one status chart per distinct set of frontline KPIs"
    assert "The same frontline KPI (Revenue) as Revenue's row above" in page_text(at)
    cards = at.metric
    assert len(cards) == 3
    assert shown(cards[0].label).startswith("Northwind Group · 2026 Q4 so far (60 of 92 days)")
    assert re.fullmatch(r"\$\d+\.\dM", cards[0].value)
    assert cards[2].value.endswith("%")
    # Each card's trend: the last 8 whole quarters (never the quarter in progress), named.
    sparks = [m.value for m in at.markdown if m.value.startswith("<svg")]
    assert len(sparks) == 3
    assert 'aria-label="Revenue by whole quarter, 2024 Q4 to 2026 Q3"' in sparks[0]
    assert len(re.search(r'points="([^"]+)"', sparks[0]).group(1).split()) == 8  # type: ignore[union-attr]


def test_overview_cards_follow_the_business_unit_filter(
    app: AppTest, sample_dataset: Dataset, registry: Registry
) -> None:
    """With Business unit = X, every card shows X's number — the horizon view's value for X."""
    at = open_page(app, "overview", unit="Marketplace")
    cards = at.metric
    assert len(cards) == 3
    headline = [m for m in registry.metrics.values() if m.headline]
    for card, metric in zip(cards, headline, strict=True):
        view = horizon(sample_dataset, registry, metric.id, "quarter", AS_OF, periods=1)
        value = view.filter(pl.col("scope") == "Marketplace").get_column("value")[0]
        assert shown(card.label).startswith("Marketplace · 2026 Q4 so far")
        assert card.value == of(metric).value(value)


def test_lens_toggle_changes_what_is_shown(app: AppTest) -> None:
    both = open_page(app, "overview")
    assert "**Choice lens · executive**" in [c.value for c in both.caption]
    assert "**Action lens · frontline**" in [c.value for c in both.caption]
    at = both.sidebar.segmented_control(key="lens").set_value("choice").run()
    assert not at.exception
    assert "Fix now" not in headings(at) and "Teams feeding Revenue" not in headings(at)
    assert at.metric, "the choice lens shows the scorecards"
    at = at.sidebar.segmented_control(key="lens").set_value("action").run()
    assert "Fix now" in headings(at)
    assert not at.metric
    assert [d for d in drawings(at) if 'data-kind="status"' in d], "the team status chart"


def test_a_page_without_lenses_says_so(app: AppTest) -> None:
    at = open_page(app, "definitions", lens="choice")
    assert not at.sidebar.get("button_group")
    assert "Lens: this page reads the same in every lens." in [c.value for c in at.sidebar.caption]


def test_tradeoffs_bubbles_quadrants_thresholds_and_shares(app: AppTest) -> None:
    at = open_page(app, "trade-offs", lens="choice")
    bubbles = figures(at)[0]
    shares = next(d for d in drawings(at) if 'data-kind="shares"' in d)
    units = [t["name"] for t in bubbles["data"] if t.get("mode") == "markers+text"]
    assert units == UNITS
    quadrant = {t["name"]: t["customdata"][0][1] for t in bubbles["data"] if "customdata" in t}
    assert quadrant["Retail Stores"] == "stop" and quadrant["Marketplace"] == "fix"
    labels = {a["text"] for a in bubbles["layout"]["annotations"]}
    assert {"<b>bet</b>", "<b>fix</b>", "<b>harvest</b>", "<b>stop</b>"} <= labels
    # thresholds labelled with their values on their own lines (the axes name the metrics)
    notes = {a["text"]: a for a in bubbles["layout"]["annotations"]}
    assert notes["+5.0%"]["x"] == pytest.approx(0.05) and notes["+5.0%"].get("xref", "x") == "x"
    assert notes["10.0%"]["y"] == pytest.approx(0.10) and notes["10.0%"].get("yref", "y") == "y"
    assert len(bubbles["layout"]["shapes"]) >= 4  # quadrants shaded
    legend = [t["name"] for t in bubbles["data"] if t.get("legendgroup") == "legend"]
    assert "bubble area ∝ Revenue (last 12 months)" in legend
    assert any(name.startswith("black ring: efficient frontier") for name in legend)
    assert re.findall(r'data-series="([^"]+)"', shares)[:2] == [
        "share of investment (hatched)",
        "share of contribution (solid)",
    ]
    assert "share of the total of Northwind Group" in shares  # what the shares are of
    caption = " ".join(shown(c.value) for c in at.caption)
    assert (
        "Rule: bet: Revenue growth vs last year ≥ +5.0% and Contribution margin ≥ 10.0%" in caption
    )
    at = at.selectbox(key="decision").set_value("invest").run()
    assert headings(at)[0] == "Where do we concentrate investment?"


def test_tradeoffs_drill_down_into_a_unit_in_both_lenses(app: AppTest) -> None:
    at = open_page(app, "trade-offs", lens="action")
    assert "Teams feeding each unit" in headings(at)
    at = at.sidebar.selectbox(key="unit").set_value("Retail Stores").run()
    assert "Retail Stores: its teams in the action lens" in headings(at)
    heat = [d for d in drawings(at) if 'data-kind="heatmap"' in d]
    assert heat, "the drill-down shows the unit's teams"
    retail = set(_grid(heat[0])["teams"])
    assert len(retail) == 5 and "Checkout" in retail
    at = at.sidebar.segmented_control(key="lens").set_value("choice").run()
    assert "Retail Stores: its teams in the action lens" in headings(at)  # visible in Choice too


def test_time_horizons_draw_the_period_in_progress_at_its_pace(app: AppTest) -> None:
    at = open_page(app, "time-horizons", lens="choice")
    assert headings(at)[0] == "Revenue by quarter"
    lines = _multiples(at)
    # five scopes, the company first, each its own chart with its periods written under it
    assert next(iter(lines)) == "Northwind Group" and len(lines) == 5
    assert all("2026 Q4" in chart["labels"] for chart in lines.values())
    company = lines["Northwind Group"]
    whole = [p for p in company["points"] if p["shape"] != "diamond-open"]
    assert whole[-1]["period"] == "2026 Q3"  # the last whole quarter ends the line
    running = company["points"][-1]
    assert running["period"] == "2026 Q4" and running["shape"] == "diamond-open"
    assert company["joined"]  # a dotted segment from 2026 Q3 to the diamond
    assert running["value"] > 0.9 * whole[-1]["value"]  # on the scale of a whole quarter
    hover = running["tip"]
    assert "2026 Q4 so far (60 of 92 days)" in hover and "vs the same 60 days last year +" in hover
    assert "whole 2026 Q4 at this pace (last year's pattern)" in hover
    at = at.selectbox(key="metric").set_value("on_time_rate").run()
    at = at.segmented_control(key="grain").set_value("month").run()
    assert headings(at)[0] == "On-time delivery rate by month"
    company = _multiples(at)["Northwind Group"]
    assert [p["period"] for p in company["points"] if p["shape"] != "diamond-open"][-1] == "2026-10"
    assert company["points"][-1]["period"] == "2026-11"
    assert company["points"][-1]["shape"] == "diamond-open"
    table = tables(at)[0]
    # every scope shares the period: said once, above the table (the CSV keeps it on every row)
    assert "Period" not in table.columns
    assert "2026-11 so far (29 of 30 days)" in " ".join(shown(c.value) for c in at.caption)
    assert "not comparable" not in " ".join(table["vs same period last year"].to_list())
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "drawn at its value so far (◇) — a rate needs no scaling" in captions
    # a snapshot is not a rate (the caption said "a rate" for headcount)
    at = at.selectbox(key="metric").set_value("headcount").run()
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "drawn at its value so far (◇) — a snapshot needs no scaling" in captions


def test_an_early_period_is_not_compared(app: AppTest) -> None:
    """Two days into a month: no percentage from two days, the reason instead (on chart and table)."""
    at = open_page(app, "time-horizons", lens="choice", grain="month", as_of="2026-11-03")
    table = tables(at)[0]
    assert set(table["vs same period last year"].to_list()) == {
        "not comparable: partial period: only 2 of 30 days so far"
    }
    notes = [shown(w.value) for w in at.warning]
    # one reason, said once for every scope and both comparisons (not a warning per scope)
    assert notes == [
        "Every scope 2026-11: not comparable with the prior period and last year — partial "
        "period: only 2 of 30 days so far"
    ]
    # the chart's caption says so too: it said "compared with the same days of last year" above
    # that warning and that table (a second reader), and names how the pace is drawn
    captions = " ".join(shown(c.value) for c in at.caption)
    assert (
        "2026-11 is in progress (2 of 30 days): not compared with last year yet (partial period: "
        "only 2 of 30 days so far), and drawn at the whole period's pace (by last year's shape "
        "of the period, ◇)." in captions
    )
    assert "compared with the same days of last year" not in captions
    at = open_page(app, "time-horizons", lens="choice", grain="quarter", as_of="2026-11-30")
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "is in progress (60 of 92 days): it is compared with the same days of last year" in (
        captions
    )


def test_time_horizons_mark_not_comparable(app: AppTest) -> None:
    at = open_page(app, "time-horizons", lens="choice", grain="year", metric="revenue")
    first = _multiples(at)["Northwind Group"]["points"][0]
    assert first["period"] == "2022"
    assert first["shape"] == "circle-open"  # 2022 has no last year to compare with
    assert "not comparable" in first["tip"]
    horizon = next(d for d in drawings(at) if 'data-kind="horizon"' in d)
    assert html.escape("not comparable with last year (hover for why)") in horizon  # the legend


def test_frontline_heatmap_trends_and_fix_now(app: AppTest) -> None:
    at = open_page(app, "frontline", lens="action", metric="on_time_rate", grain="day")
    heat = next(d for d in drawings(at) if 'data-kind="heatmap"' in d)
    grid = _grid(heat)
    assert len(grid["teams"]) == 20
    shown_labels = [c for c in grid["columns"] if c]
    assert shown_labels[-1] == "11-29"  # the year only where it starts (first label)
    assert re.fullmatch(r"2026-\d\d-\d\d", shown_labels[0])  # in full, as captions write it
    cells = grid["cells"]  # every cell with a status shows its shape in its colour, too
    assert {s for s, _, _ in cells} >= {"on track", "at risk", "off track"}
    assert all(
        glyph == STATUSES[s].glyph and colour == STATUSES[s].colour for s, colour, glyph in cells
    )
    assert len(cells) == len(re.findall(r'role="cell" title=', heat))
    for status in STATUSES.values():  # the legend shows each status's colour and shape
        assert f'color:{status.colour};margin-right:4px;font-size:14px">{status.glyph}' in heat
    assert 'title="Checkout · 2026-11-29: ' in heat  # a cell's tooltip: value vs target, status
    trends = figures(at)[0]  # one legend line per team and one for every target; short periods
    legend = [t["name"] for t in trends["data"] if t.get("showlegend", True)]
    assert legend[-1] == "target" and len(legend) == len(trends["data"]) // 2 + 1
    periods = trends["data"][0]["x"]
    assert re.fullmatch(r"2026-\d\d-\d\d", periods[0]) and re.fullmatch(r"\d\d-\d\d", periods[1])
    assert not any(x.startswith("2026-") for x in periods[1:])  # the year once, where it starts
    assert "Fix now" in headings(at)
    fixes = next(d for d in tables(at) if "Rank" in d.columns)
    assert "feeds" not in " ".join(fixes.columns).lower() or "Feeds" in fixes.columns
    assert not any("_" in v for v in fixes["Feeds"].to_list())  # names, never ids
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "share of its own target" not in captions  # a rate: its teams on one scale
    # a sum: each team against its own target (teams differ in size), one line at 100 %
    at = open_page(app, "frontline", lens="action", metric="revenue")
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "Each team as a share of its own target (100%)" in captions
    trends = figures(at)[0]
    assert [s["y0"] for s in trends["layout"]["shapes"]] == [1.0]
    assert all(t.endswith("%") for t in trends["layout"]["yaxis"]["ticktext"])


def test_frontline_choice_lens_compares_whole_months(app: AppTest) -> None:
    at = open_page(app, "frontline", lens="choice", metric="revenue")
    table = tables(at)[0]
    assert "Period" not in table.columns  # one period for every scope: named in the caption
    caption = " ".join(shown(c.value) for c in at.caption)
    assert "so far" not in caption  # the latest whole month, not 29 days
    assert "2026-10, the latest whole month, against the same month last year" in caption


def test_definitions_show_formula_query_and_lineage(app: AppTest) -> None:
    at = open_page(app, "definitions", metric="on_time_rate")
    flow = next(d for d in drawings(at) if 'data-kind="lineage"' in d)
    steps = [re.findall(r'data-node="([^"]+)"', step) for step in flow.split("data-step=")[1:]]
    assert steps[0] == ["table: orders"]  # source tables first, each step what the last feeds
    assert set(steps[1]) == {"measure: orders_on_time", "measure: orders"}
    assert steps[2] == ["metric: On-time delivery rate"] and len(steps) == 3  # no decision
    # Orders shares the rate's denominator: fed by that measure, named beside the steps
    assert re.findall(r'data-beside="([^"]+)"', flow) == ["metric: Orders"]
    assert 'title="measure: orders feeds metric: On-time delivery rate, metric: Orders"' in flow
    # Contribution (revenue - cost) and the others are built on Revenue: a step after it
    revenue = open_page(app, "definitions", metric="revenue")
    built = next(d for d in drawings(revenue) if 'data-kind="lineage"' in d)
    on = [re.findall(r'data-node="([^"]+)"', step) for step in built.split("data-step=")[1:]]
    assert on[2] == ["metric: Revenue"]
    assert set(on[3]) == {
        "metric: Contribution",
        "metric: Contribution margin",
        "metric: Revenue per head",
    }
    assert "data-beside=" not in built
    fields = dict(zip(tables(revenue)[0]["Field"], tables(revenue)[0]["Value"], strict=True))
    assert "Feeds executive metrics" not in fields  # Contribution margin "fed" Revenue
    assert fields["Executive metrics built from the same numbers"] == (
        "Revenue, Contribution, Contribution margin, Revenue per head"
    )
    at = open_page(app, "definitions", metric="on_time_rate")
    assert not any(f["data"][0]["type"] == "sankey" for f in figures(at))
    assert not at.code  # folded under "SQL: …", written only once opened
    code = open_folds(at).code[0].value
    assert "GROUP BY" in code and "orders" in code
    definition = tables(at)[0]
    assert "sum(orders_on_time) / sum(orders)" in definition["Value"].to_list()
    # journey 2: the consistency view names why team averages and the definition differ
    assert "Why do these numbers differ?" in headings(at)
    methods = next(d for d in tables(at) if "Way of computing" in d.columns)
    rows = dict(zip(methods["Way of computing"], methods["Gap to the definition"], strict=True))
    assert rows["The definition (sum ÷ sum)"] == "0.0 pts"
    assert float(rows["Average of team rates"].split()[0]) >= 4.0  # at least 4 points apart
    causes = " ".join(methods["Why"])
    assert "mkt-fulfillment" in causes and "log-lastmile" in causes


def test_definitions_for_a_non_rate_skip_the_consistency_panel(app: AppTest) -> None:
    at = open_page(app, "definitions", metric="revenue")
    assert "Why do these numbers differ?" not in headings(at)


def test_query_parameters_restore_a_view(app: AppTest) -> None:
    at = open_page(
        app,
        "time-horizons",
        lens="choice",
        metric="contribution_margin",
        grain="month",
        unit="Retail Stores",
        as_of="2026-06-30",
    )
    assert headings(at)[0] == "Contribution margin by month"
    lines = _multiples(at)
    assert list(lines) == ["Northwind Group", "Retail Stores"]
    for chart in lines.values():  # each with last year's line and June so far at its pace
        assert chart["last_year"] and chart["points"][-1]["period"] == "2026-06"
        assert chart["points"][-1]["shape"] == "diamond-open"
    company = [p["period"] for p in lines["Northwind Group"]["points"]]
    assert company[-2] == "2026-05"  # as of June 30: June is still in progress
    assert "**Action lens · frontline**" not in [shown(c.value) for c in at.caption]
    assert at.query_params["metric"] == "contribution_margin"


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "x" * 5000, "ünïcødé 🚀", "../../etc/passwd"])
def test_hostile_query_parameters_are_harmless(app: AppTest, hostile: str) -> None:
    at = open_page(
        app,
        "time-horizons",
        metric=hostile,
        grain=hostile,
        unit=hostile,
        lens=hostile,
        decision=hostile,
    )
    assert not at.exception
    assert len(_multiples(at)) == 5  # fell back to defaults: revenue for every unit
    assert (
        len(at.error) == 1 and len(shown(at.error[0].value)) < 2000
    )  # named once, not echoed whole


# --- what is missing is said, never claimed away -------------------------------------------------


def _without(config_copy: Path, key: str) -> None:
    path = config_copy / "sources.toml"
    text = path.read_text(encoding="utf-8")
    block = re.search(rf"^\[{key}\]\n(?:(?!\[).*\n?)*", text, flags=re.MULTILINE)
    assert block, f"sources.toml has no [{key}] table"
    path.write_text(text.replace(block.group(0), ""), encoding="utf-8")


def test_no_targets_configured_says_so(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(config_copy, "targets")
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    at = open_page(app, "overview")
    assert not at.exception and not at.error
    text = page_text(at)
    assert "on target" not in text.replace("No team targets", "")  # no claim about targets
    assert "No team targets are set for any frontline KPI, so nothing can be ranked" in text
    assert "No team targets are set for Revenue, so no team is on or off track for Revenue" in text
    at = open_page(app, "frontline", metric="on_time_rate")
    assert "No team targets are set for On-time delivery rate" in page_text(at)


def test_no_plan_configured_says_so(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(config_copy, "plan")
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    at = open_page(app, "overview")
    assert not at.exception and not at.error
    text = page_text(at)
    assert "No plan is set for Revenue in Northwind Group: add rows to the plan table" in text
    assert "plan:" not in " ".join(shown(c.value) for c in at.caption)
    at = open_page(app, "time-horizons", lens="choice")
    assert set(tables(at)[0]["vs plan"].to_list()) == {"no plan set"}


def test_no_portfolio_configured_says_so(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_edits(
        config_copy,
        replace(
            "decisions.toml",
            '[portfolio]\ninvestment = "investment"\ncontribution = "contribution"\n',
            "",
        ),
    )
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    at = open_page(app, "trade-offs", lens="choice")
    assert not at.exception and not at.error
    assert "No portfolio is configured, so shares cannot be compared" in page_text(at)
    assert all(
        t.get("type") != "bar" for f in figures(at) for t in f["data"]
    )  # no chart full of n/a


def test_no_decision_recorded_says_so(app: AppTest) -> None:
    at = open_page(app, "overview", lens="choice")
    assert "No decision is recorded yet" in page_text(at)


# --- a broken config ---------------------------------------------------------------------------


def test_a_broken_metric_is_reported_and_the_rest_still_works(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_edits(
        config_copy,
        replace("metrics.toml", 'numerator = "orders_on_time"', 'numerator = "orders_late"'),
    )
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    at = open_page(app, "overview")
    assert not at.exception and not at.error
    warning = shown(at.warning[0].value)
    assert "metrics.toml" in warning and "orders_late" in warning  # file, entry, what was found
    assert "leaves out metric 'on_time_rate'" in warning
    # the headline metrics that do not depend on it are still shown
    names = headings(at)
    assert "Revenue" in names and "On-time delivery rate" not in names
    # a page built on other metrics works; the broken metric is not offered
    at = open_page(app, "frontline")
    assert not at.exception and not at.error and figures(at)
    assert "on_time_rate" not in at.selectbox(key="metric").options
    at = open_page(app, "trade-offs")
    assert not at.exception and not at.error and figures(at)


def test_a_broken_decision_leaves_the_other_decisions_and_pages(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_edits(
        config_copy, replace("decisions.toml", 'transform = "share", label', "transform = 3, label")
    )
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    at = open_page(app, "trade-offs")
    assert not at.exception and not at.error
    assert "decision 'invest'" in shown(at.warning[0].value)
    assert at.selectbox(key="decision").options == [
        "Which business do we bet on?",
        "What do we stop?",
    ]
    assert figures(at)
    at = open_page(app, "time-horizons")
    assert not at.exception and not at.error and charts(at)


def test_an_unreadable_metrics_file_stops_every_page_with_the_problem(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_copy / "metrics.toml").write_text("[[metrics]\nid = ")
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    for page in ("overview", "data_health", "decision_log"):
        at = open_page(app, page)
        assert not at.exception
        assert at.error, f"{page}: a broken config must be reported"
        assert "metrics.toml" in shown(at.error[0].value) and "valid TOML" in shown(
            at.error[0].value
        )
        assert not figures(at)


def test_data_health_shows_freshness_and_findings(app: AppTest) -> None:
    at = open_page(app, "data_health")
    assert not at.error
    sources = tables(at)[0]
    assert sources["Source"].to_list() == ["orders", "tickets", "spend", "headcount", "kpi_sheet"]
    assert set(sources["Status"].to_list()) == {"fresh"}
    assert sources["Last day"].to_list()[0] == "2026-11-29"  # a day, no time
    assert sources["Rows"].to_list()[0].count(",") >= 1  # 1,2xx,xxx
    findings = tables(at)[1]
    assert findings["Check"].to_list() == ["empty sla_rate"]
    assert figures(at)[0]["data"][0]["type"] == "bar"


def test_a_mistyped_setting_stops_the_app_with_its_name(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_DATABASE_URL", "postgresql+psycopg://me:hunter2@db:5432/shop")
    at = open_page(app, "overview")
    errors = " ".join(shown(e.value) for e in at.error)
    assert "unknown setting BRIDGE_DATABASE_URL in the environment: did you mean" in errors
    assert "hunter2" not in page_text(at)
    assert not at.exception


def _multiples(at: AppTest) -> dict[str, dict[str, Any]]:
    """The Time horizons page's small multiples (an HTML chart), by scope in the order drawn: each
    point's period, shape, value (its pace for a period in progress) and tooltip; its decision stars;
    its period labels; whether it draws last year's line and the dotted segment to a pace."""
    markup = next(d for d in drawings(at) if 'data-kind="horizon"' in d)
    found: dict[str, dict[str, Any]] = {}
    for scope, svg in re.findall(
        r'<div data-scope="([^"]+)" role="img".*?<svg(.*?)</svg>', markup, re.S
    ):
        points = [
            {"period": html.unescape(p), "shape": shape, "value": float(v), "tip": html.unescape(t)}
            for p, shape, v, t in re.findall(
                r'<g data-period="([^"]+)" data-shape="([^"]+)" data-(?:value|pace)="([^"]+)">'
                r"<title>([^<]*)</title>",
                svg,
            )
        ]
        found[html.unescape(scope)] = {
            "points": points,
            "stars": [html.unescape(s) for s in re.findall(r'data-decision="([^"]+)"', svg)],
            "labels": re.findall(
                r">([^<>]+)</text>", svg.split('data-axis="x"')[1].split("</g>")[0]
            ),
            "last_year": 'data-line="last year"' in svg,
            "joined": 'data-segment="pace"' in svg,
        }
    return found


def test_the_plan_line_is_good_or_bad_news_in_colour(app: AppTest) -> None:
    """'+8.4%' in green above a grey '▼ behind plan: -5.5%' read as 'revenue up, fine' (a second
    reader): the plan line is in the delta's red when behind, green when ahead."""
    at = open_page(app, "overview", lens="choice")
    lines = [c.value for c in at.caption if "plan:" in shown(c.value)]
    assert lines, "no plan line on the Overview"
    for line in lines:
        said = re.sub(r"^:(?:red|green)\[(.*)\]$", r"\1", shown(line))
        colour = "red" if said.startswith("▼ behind") else "green"
        assert said.startswith(("▼ behind", "▲ ahead")) and line.startswith(f":{colour}["), line
