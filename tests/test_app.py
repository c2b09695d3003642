"""AppTest for every page: renders without exception, shows the expected charts, follows the controls
and the URL. Runs the real app on the sample company (SQLite, generated once per test run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptesting import PAGES, figures, headings, open_page, titles, unit_bar_charts
from tests.configs import apply_edits, replace


@pytest.mark.parametrize("page", [p for p in PAGES if p != "decision_log"])
def test_every_page_renders_in_every_lens(app: AppTest, page: str) -> None:
    for lens in ("action", "choice", "both"):
        at = open_page(app, page, lens=lens)
        assert not at.error, [e.value for e in at.error]
        assert figures(at), f"{page} in {lens} lens shows no chart"


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
    at = open_page(app, "decision_log", unit="Retail Stores")
    assert not at.error
    assert "No decision recorded" in " ".join(c.value for c in at.caption)
    at = record_retail_stop(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert table["scope"].to_list() == ["Retail Stores"]
    assert table["rationale"].to_list() == ["Revenue and margin fall year after year."]
    assert table["status"].to_list() == ["pending review"]
    # the decision shows as a star on the time-horizon chart, in both lenses
    at.switch_page(PAGES["time-horizons"]).run()
    stars = [t for f in figures(at) for t in f["data"] if t.get("name") == "decision"]
    assert len(stars) >= 3  # Retail Stores' and the company's chart, and the frontline heatmap
    assert any("stop" in " ".join(t["hovertext"]) for t in stars)


def test_decision_form_refuses_bad_input_and_writes_nothing(app: AppTest) -> None:
    at = open_page(app, "decision_log", unit="Retail Stores")
    at = record_retail_stop(at, rationale="   ")
    assert at.error and "rationale" in at.error[0].value
    assert "No decision recorded" in " ".join(c.value for c in at.caption)


def test_tradeoffs_offers_to_record_for_the_selected_unit(app: AppTest) -> None:
    at = open_page(app, "trade-offs", unit="Retail Stores")
    assert [e.label for e in at.expander] == ["Record a decision for Retail Stores"]
    at = record_retail_stop(at)
    assert not at.error
    assert "Choices recorded" in headings(at)


def test_overview_pairs_headline_metrics_with_feeding_kpis(app: AppTest) -> None:
    at = open_page(app, "overview")
    bars = unit_bar_charts(at)
    assert len(bars) == 3  # revenue, contribution margin, on-time rate (headline = true)
    for fig in bars:
        assert fig["data"][1]["x"] == [
            "Enterprise Software",
            "Logistics Services",
            "Marketplace",
            "Retail Stores",
        ]
    assert any(h.startswith("Feeding Revenue") for h in headings(at))
    assert "Fix now" in headings(at)
    assert at.metric[0].label.startswith("Northwind Group")


def test_lens_toggle_changes_what_is_shown(app: AppTest) -> None:
    both = open_page(app, "overview")
    assert "#### Action lens · frontline" in headings(both)
    assert "#### Choice lens · executive" in headings(both)
    at = both.sidebar.segmented_control(key="lens").set_value("choice").run()
    assert not at.exception
    assert "#### Action lens · frontline" not in headings(at)
    assert "Fix now" not in headings(at)
    at = at.sidebar.segmented_control(key="lens").set_value("action").run()
    assert "Fix now" in headings(at)
    assert not unit_bar_charts(at)
    assert figures(at), "the action lens shows the team status chart"


def test_tradeoffs_bubbles_quadrants_and_shares(app: AppTest) -> None:
    at = open_page(app, "trade-offs", lens="choice")
    bubbles, shares = figures(at)[:2]
    units = [t["name"] for t in bubbles["data"] if t.get("mode") == "markers+text"]
    assert units == ["Enterprise Software", "Logistics Services", "Marketplace", "Retail Stores"]
    quadrant = {t["name"]: t["customdata"][0][1] for t in bubbles["data"] if "customdata" in t}
    assert quadrant["Retail Stores"] == "stop" and quadrant["Marketplace"] == "fix"
    labels = {a["text"] for a in bubbles["layout"]["annotations"]}
    assert {"<b>bet</b>", "<b>fix</b>", "<b>harvest</b>", "<b>stop</b>"} <= labels
    assert [t["name"] for t in shares["data"]] == ["Share of investment", "Share of contribution"]
    at = at.selectbox(key="decision").set_value("invest").run()
    assert titles(at)[0] == "Where do we concentrate investment?"


def test_tradeoffs_drill_down_into_a_unit(app: AppTest) -> None:
    at = open_page(app, "trade-offs", lens="action")
    assert "Teams behind each unit" in headings(at)
    at = at.sidebar.selectbox(key="unit").set_value("Retail Stores").run()
    assert "Retail Stores: its teams in the action lens" in headings(at)
    heat = [f for f in figures(at) if f["data"][0]["type"] == "heatmap"]
    assert heat, "the drill-down shows the unit's teams"
    retail = set(at.session_state["unit"] and heat[0]["data"][0]["y"])
    assert len(retail) == 5 and "Checkout" in retail


def test_time_horizons_metric_and_grain_change_the_chart(app: AppTest) -> None:
    at = open_page(app, "time-horizons", lens="choice")
    fig = figures(at)[0]
    assert fig["layout"]["title"]["text"].startswith("Revenue by period")
    scopes = [t["name"] for t in fig["data"] if " · " not in t["name"]]
    assert scopes[0] == "Northwind Group" and len(scopes) == 5
    assert fig["data"][0]["x"][-1] == "2026 Q3"  # the last complete quarter ends the line
    to_date = next(t for t in fig["data"] if t["name"] == "Northwind Group · to date")
    assert to_date["x"] == ["2026 Q4"] and to_date["marker"]["symbol"] == "diamond-open"
    assert "to date (60 days)" in to_date["hovertext"][0]
    assert "vs the same days last year +" in to_date["hovertext"][0]
    at = at.selectbox(key="metric").set_value("on_time_rate").run()
    at = at.segmented_control(key="grain").set_value("month").run()
    fig = figures(at)[0]
    assert fig["layout"]["title"]["text"].startswith("On-time delivery rate by period")
    assert fig["data"][0]["x"][-1] == "2026-10"
    assert next(t for t in fig["data"] if t["name"].endswith("to date"))["x"] == ["2026-11"]
    table = at.dataframe[0].value
    assert "not comparable" not in " ".join(str(v) for v in table["vs last year"].to_list())


def test_time_horizons_marks_not_comparable(app: AppTest) -> None:
    at = open_page(app, "time-horizons", lens="choice", grain="year", metric="revenue")
    fig = figures(at)[0]
    company = fig["data"][0]
    assert company["x"][0] == "2022"
    assert company["marker"]["symbol"][0] == "circle-open"  # 2022 has no last year to compare with
    assert "not comparable" in company["hovertext"][0]


def test_frontline_heatmap_and_fix_now(app: AppTest) -> None:
    at = open_page(app, "frontline", lens="action", metric="on_time_rate", grain="day")
    heat = figures(at)[0]
    assert heat["data"][0]["type"] == "heatmap"
    assert len(heat["data"][0]["y"]) == 20
    assert heat["data"][0]["x"][-1] == "2026-11-29"
    assert "Fix now" in headings(at)


def test_definitions_show_formula_query_and_lineage(app: AppTest) -> None:
    at = open_page(app, "definitions", metric="on_time_rate")
    sankey = figures(at)[0]
    assert sankey["data"][0]["type"] == "sankey"
    labels = sankey["data"][0]["node"]["label"]
    assert "table: orders" in labels and "measure: orders_on_time" in labels
    assert "metric: On-time delivery rate" in labels
    code = at.code[0].value
    assert "GROUP BY" in code and "orders" in code
    definition = at.dataframe[0].value
    assert "sum(orders_on_time) / sum(orders)" in definition["value"].to_list()
    # journey 2: the consistency view names why team averages and the definition differ
    assert "Why do these numbers differ?" in headings(at)
    methods = next(d.value for d in at.dataframe if "method" in d.value.columns)
    rows = dict(zip(methods["method"], methods["gap"], strict=True))
    assert rows["canonical"] == "+0.0 pts"
    assert float(rows["average_of_team_rates"].split()[0]) >= 4.0  # at least 4 points apart
    causes = " ".join(methods["cause"])
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
    fig = figures(at)[0]
    assert fig["layout"]["title"]["text"].startswith("Contribution margin by period")
    scopes = {t["name"] for t in fig["data"]}
    assert scopes == {
        "Northwind Group",
        "Northwind Group · last year",
        "Northwind Group · to date",
        "Retail Stores",
        "Retail Stores · last year",
        "Retail Stores · to date",
    }
    assert fig["data"][0]["x"][-1] == "2026-05"  # as of June 30: June is still in progress
    assert "#### Action lens · frontline" not in headings(at)


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
    assert figures(at)  # fell back to defaults


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
    warning = at.warning[0].value
    assert "metrics.toml" in warning and "orders_late" in warning  # file, entry, what was found
    assert "leaves out metric 'on_time_rate'" in warning
    # the headline metrics that do not depend on it are still drawn
    panel_titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert any("Revenue" in t for t in panel_titles)
    assert not any("On-time" in t for t in panel_titles)
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
    assert "decision 'invest'" in at.warning[0].value
    assert at.selectbox(key="decision").options == [
        "Which business do we bet on?",
        "What do we stop?",
    ]
    assert figures(at)
    at = open_page(app, "time-horizons")
    assert not at.exception and not at.error and figures(at)


def test_an_unreadable_metrics_file_stops_every_page_with_the_problem(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_copy / "metrics.toml").write_text("[[metrics]\nid = ")
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    for page in ("overview", "data_health", "decision_log"):
        at = open_page(app, page)
        assert not at.exception
        assert at.error, f"{page}: a broken config must be reported"
        assert "metrics.toml" in at.error[0].value and "valid TOML" in at.error[0].value
        assert not figures(at)


def test_data_health_shows_freshness_and_findings(app: AppTest) -> None:
    at = open_page(app, "data_health")
    assert not at.error
    sources = at.dataframe[0].value
    assert sources["source"].to_list() == ["orders", "tickets", "spend", "headcount", "kpi_sheet"]
    assert set(sources["status"].to_list()) == {"fresh"}
    findings = at.dataframe[1].value
    assert findings["check"].to_list() == ["empty sla_rate"]
    assert figures(at)[0]["layout"]["title"]["text"] == "Days since the latest row, per source"
