"""Real-browser tests: Debian's Chromium (through Playwright) against a real ``streamlit run`` server.

The server is started exactly as ``make run`` does, on the sample company generated for this test run.
These tests catch what AppTest cannot see: the frontend's query-parameter binding, clicks on Plotly
charts, links that are copied and reopened, and the ``pages/`` pitfall (``ui.ensure_navigation_mode`` explains it) that loses a
fresh server's first interaction.

Every test saves a screenshot under ``test-artifacts/browser/`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.browser

from tests.browsing import CHROMIUM, NO_CHROMIUM  # noqa: E402

if CHROMIUM is None:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402

from bridge.present.html_charts import MIN_LABEL_PX  # noqa: E402
from tests.browsing import (  # noqa: E402
    ACTION_HEADING,
    CHOICE_HEADING,
    LIVE,
    RERUN_MS,
    assert_has_chart,
    assert_lens,
    assert_no_errors,
    click_until,
    heading,
    headings_shown,
    lens_button,
    lens_heading,
    live,
    main,
    open_app,
    open_folds,
    screenshot,
    settle,
    sidebar,
)
from tests.servers import (  # noqa: E402
    BUBBLE_CENTRE_JS,
    CHART_CODE_ELEMENT,
    CHART_CODE_PENDING,
    PAGES,
    STEP_CENTRE_JS,
    UNDRAWN,
)

# --- tests ------------------------------------------------------------------------------------------


def test_first_session_keeps_its_first_interaction(page: Page, server: str) -> None:
    """Must stay the module's first test: the fresh server's first session, first click.

    Guards the pages/ pitfall (explained at ``ui.ensure_navigation_mode``): with the legacy
    multipage flag set, this first click on the sidebar lens control was lost.
    """
    open_app(page, server, "Overview")
    assert_no_errors(page)
    assert_lens(page, "Side by side")

    lens_button(page, "Choice").click()
    expect(page).to_have_url(re.compile(r"[?&]lens=choice(&|$)"), timeout=RERUN_MS)
    expect(lens_heading(page, ACTION_HEADING)).to_have_count(0, timeout=RERUN_MS)
    settle(page)
    assert_lens(page, "Choice")
    # Only the executive panels: the scorecards, and no frontline "Fix now" list.
    expect(live(page).locator('[data-testid="stMetric"]').first).to_be_visible()
    expect(heading(page, "Fix now")).to_have_count(0)
    expect(main(page).get_by_role("heading", name="Overview", level=1)).to_be_visible()
    assert_no_errors(page)
    screenshot(page, "first_session_choice")


def test_every_page_through_the_sidebar(page: Page, server: str) -> None:
    open_app(page, server, "Overview")
    for link, (path, title) in PAGES.items():
        sidebar(page).get_by_test_id("stPageLink-NavLink").filter(has_text=link).click()
        expect(page).to_have_url(
            re.compile(rf"/({path})?(\?|$)" if path == "overview" else rf"/{path}(\?|$)")
        )
        expect(main(page).locator(LIVE).get_by_role("heading", name=title, level=1)).to_be_visible(
            timeout=RERUN_MS
        )
        settle(page)
        assert_no_errors(page)
        if path != "decision_log":  # a table of records (none yet) and a form, no chart
            assert_has_chart(page)
        screenshot(page, f"page_{path}")


def test_the_chart_code_loads_while_the_first_page_is_read(page: Page, server: str) -> None:
    """The Overview draws no Plotly chart (its bars are HTML), so Plotly's code would load only on
    the first click to a chart page (~0.8 s there): it loads with the first page instead, from
    the URL Streamlit's own loader uses, so the chart page finds it loaded. The element that loads
    it takes no place: the sidebar starts with Bridge's title, as without it."""
    open_app(page, server, "Overview")
    expect(live(page).locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
    tops = page.evaluate(
        "() => ['[data-testid=stSidebarUserContent]', '[data-testid=stSidebar] h1']"
        ".map(s => document.querySelector(s).getBoundingClientRect().top)"
    )
    assert tops[0] == tops[1], f"a gap above the sidebar's title: {tops}"
    # The benchmark's sign that the code has run names the element that loads it.
    expect(page.locator(CHART_CODE_ELEMENT)).to_have_count(1)
    page.wait_for_function(f"() => !{CHART_CODE_PENDING}", timeout=RERUN_MS)
    assert page.evaluate("() => window.bridgeChartCode") == "loaded"
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource').map(r => r.name)"
        ".filter(n => /static[/]js[/]PlotlyChart[.]/.test(n))"
    )
    assert len(loaded) == 1, loaded
    sidebar(page).get_by_test_id("stPageLink-NavLink").filter(has_text="Trade-offs").click()
    expect(
        main(page).locator(LIVE).get_by_role("heading", name="Trade-offs", level=1)
    ).to_be_visible(timeout=RERUN_MS)
    settle(page)
    assert_has_chart(page)
    again = page.evaluate(
        "() => performance.getEntriesByType('resource').map(r => r.name)"
        ".filter(n => /static[/]js[/]PlotlyChart[.]/.test(n))"
    )
    assert again == loaded, "the chart page used the module already loaded, not a second copy"


def test_lens_switch_shows_the_matching_panels(page: Page, server: str) -> None:
    open_app(page, f"{server}/frontline", "Frontline")
    choice_panel = live(page).get_by_role(
        "heading", name=re.compile(r"^The same numbers for choice")
    )
    action_panel = heading(page, "Furthest from target: Revenue")

    lens_button(page, "Action").click()
    expect(page).to_have_url(re.compile(r"[?&]lens=action(&|$)"), timeout=RERUN_MS)
    expect(choice_panel).to_have_count(0, timeout=RERUN_MS)
    settle(page)
    assert_lens(page, "Action")
    expect(action_panel).to_be_visible()
    assert_has_chart(page)
    assert_no_errors(page)
    screenshot(page, "lens_action")

    lens_button(page, "Side by side").click()
    expect(lens_heading(page, CHOICE_HEADING)).to_be_visible(timeout=RERUN_MS)
    settle(page)
    assert_lens(page, "Side by side")
    expect(action_panel).to_be_visible()
    expect(choice_panel.first).to_be_visible()
    assert "lens=" not in page.url  # the default lens is not written
    assert_no_errors(page)
    screenshot(page, "lens_side_by_side")


def test_clicking_a_bubble_drills_down_to_the_unit(page: Page, server: str) -> None:
    open_app(page, f"{server}/trade_offs?lens=action", "Trade-offs")
    assert_lens(page, "Action")
    # Action lens: the bubble chart is a choice panel, so switch to both to click it.
    lens_button(page, "Side by side").click()
    # The widget key is a class of the element's own container.
    chart = page.locator(f"{LIVE}.st-key-tradeoff_bubbles .js-plotly-plot")
    expect(chart).to_be_visible(timeout=RERUN_MS)
    settle(page)
    chart.scroll_into_view_if_needed()
    centre = chart.evaluate(BUBBLE_CENTRE_JS, "Retail Stores")
    assert centre, "no 'Retail Stores' bubble in the trade-off chart"
    click_until(page, centre, heading(page, "Retail Stores: its teams in the action lens"))
    expect(page).to_have_url(re.compile(r"[?&]unit=Retail(\+|%20)Stores(&|$)"))
    settle(page)
    expect(sidebar(page).get_by_role("combobox", name="Business unit")).to_have_value(
        "Retail Stores"
    )
    assert_no_errors(page)
    screenshot(page, "tradeoff_drill_down")


BRIDGES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(gd => gd.querySelector('g.waterfalllayer g.point, g.waterfalllayer path.point'))
  .map(gd => ({y: gd.data[0].y, bars: gd.querySelectorAll('g.waterfalllayer .point').length}))"""


@pytest.mark.parametrize("path", ["overview", "time_horizons"])
def test_the_bridge_chart_is_drawn_in_every_lens(page: Page, server: str, path: str) -> None:
    for lens, charts in (("choice", 1), ("action", 1), ("both", 2)):
        title = "Overview" if path == "overview" else "Time horizons"
        open_app(page, f"{server}/{path}?lens={lens}", title)
        assert_no_errors(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        settle(page)
        # Folded: the sentence says why; the chart is drawn only once opened.
        assert page.evaluate(BRIDGES_JS) == [], lens
        per_metric = 3 if path == "overview" else 1  # one per headline metric on the Overview
        assert open_folds(page) == charts * per_metric, lens
        drawn = page.evaluate(BRIDGES_JS)
        assert len(drawn) == charts * per_metric, (lens, drawn)
        for chart in drawn:
            first, *moves, last = chart["y"]
            assert chart["bars"] == len(chart["y"])  # every step drawn
            assert sum(moves) == pytest.approx(last - first, rel=1e-9, abs=1e-12)


#: Every chart's tick labels and axis titles that leave the chart, or a title lying over its ticks:
#: the charts size their own margins (Plotly's automargin is off), so nothing else keeps them in.
CLIPPED_LABELS_JS = """() => [...Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd => {
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const boxes = sel => Array.from(gd.querySelectorAll(sel))
    .map(t => [t.textContent, t.getBoundingClientRect()]).filter(([, b]) => b.width > 0);
  const ticks = boxes('.xaxislayer-above text, .yaxislayer-above text');
  const titles = boxes('g[class^="g-x"][class$="title"] text, g[class^="g-y"][class$="title"] text');
  const out = [...ticks, ...titles]
    .filter(([, b]) => b.left < svg.left - 1 || b.right > svg.right + 1 || b.top < svg.top - 1
      || b.bottom > svg.bottom + 1)
    .map(([text]) => 'outside the chart: ' + text);
  for (const [title, a] of titles)
    for (const [tick, b] of ticks)
      if (a.right > b.left + 1 && a.left < b.right - 1 && a.bottom > b.top + 1 && a.top < b.bottom - 1)
        out.push('title ' + title + ' over tick ' + tick);
  return out;
}), ...Array.from(document.querySelectorAll('figure.bridge-chart svg')).flatMap(svg => {
  // Bridge's own line charts: every label inside its chart's cell, period labels never touching
  const cell = svg.parentElement.getBoundingClientRect();
  const boxes = sel => Array.from(svg.querySelectorAll(sel))
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  const out = boxes('[data-axis] text')
    .filter(([, b]) => b.left < cell.left - 1 || b.right > cell.right + 1)
    .map(([text]) => 'outside its chart: ' + text);
  const periods = boxes('[data-axis="x"] text');
  for (let i = 1; i < periods.length; i++)
    if (periods[i][1].left < periods[i - 1][1].right + 2)
      out.push('period labels touch: ' + periods[i - 1][0] + ' and ' + periods[i][0]);
  return out;
})]"""
DRAWN_JS = f"() => !({UNDRAWN})"


#: The tables wider than their box (scrolled sideways, their last columns cut at the edge).
#: Bar values (each bar's second child, after its mark) shown smaller than MIN_LABEL_PX: their
#: text and size.
SMALL_VALUES_JS = """(least) => [...document.querySelectorAll('.bridge-chart [data-series] > div + div')]
  .filter(label => label.offsetParent !== null)
  .map(label => [label.textContent, parseFloat(getComputedStyle(label).fontSize)])
  .filter(([, px]) => px < least - 0.01)"""

CUT_TABLES_JS = """() => [...document.querySelectorAll('.bridge-table')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => box.querySelector('table').getAttribute('aria-label'))"""


@pytest.mark.parametrize("width", [1440, 390])
def test_every_chart_and_table_keeps_its_text_inside(page: Page, server: str, width: int) -> None:
    """No chart's label is clipped, and no table is cut at its box's edge: Frontline's side
    column cut its horizon table's last column at 1440 px ("+3", "-1" showing of "+38.3%/yr",
    "-11.2%/yr"); a table in too narrow a box now lays each row out as a block. No bar's value
    is written smaller than MIN_LABEL_PX (Frontline's side column wrote them at 7 px)."""
    page.set_viewport_size({"width": width, "height": 1000})
    for path, title in (
        ("overview", "Overview"),
        ("trade_offs", "Trade-offs"),
        ("time_horizons", "Time horizons"),
        ("frontline", "Frontline"),
    ):
        open_app(page, f"{server}/{path}", title)
        open_folds(page)
        page.wait_for_function(DRAWN_JS, timeout=RERUN_MS)
        assert page.locator(".js-plotly-plot").count() > 0, path
        assert page.evaluate(CLIPPED_LABELS_JS) == [], (path, width)
        assert page.evaluate(CUT_TABLES_JS) == [], (path, width)
        assert page.evaluate(SMALL_VALUES_JS, MIN_LABEL_PX) == [], (path, width)
        assert_no_errors(page)


def test_the_export_buttons_sit_together(page: Page, server: str) -> None:
    """The Decision log's two export buttons stood a half page apart (two wide columns), so the
    second read as belonging to something else: they sit side by side at their own widths."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    open_app(page, f"{server}/decision_log", "Decision log")
    brief, png = (
        live(page).get_by_role("button", name=name).bounding_box()
        for name in ("Prepare the executive brief", "Prepare a PNG of the trade-off chart")
    )
    assert brief is not None and png is not None
    assert abs(brief["y"] - png["y"]) < 2  # one row
    assert 0 < png["x"] - (brief["x"] + brief["width"]) < 40, (brief, png)
    screenshot(page, "decision-log-export")


@pytest.mark.parametrize(
    ("path", "title", "key", "metric"),
    [
        ("time_horizons?metric=on_time_rate&lens=choice", "Time horizons", "why-units",
         "On-time delivery rate"),
        ("overview?lens=choice", "Overview", "why-revenue-units", "Revenue"),
    ],
)  # fmt: skip
def test_clicking_a_bridge_step_drills_down_to_the_unit(
    page: Page, server: str, path: str, title: str, key: str, metric: str
) -> None:
    open_app(page, f"{server}/{path}", title)
    open_folds(page)
    chart = page.locator(f"{LIVE}.st-key-{key} .js-plotly-plot")
    expect(chart).to_be_visible(timeout=RERUN_MS)
    settle(page)
    chart.scroll_into_view_if_needed()
    centre = chart.evaluate(STEP_CENTRE_JS, "Marketplace")
    assert centre, "no 'Marketplace' step in the bridge chart"
    click_until(page, centre, heading(page, f"Why {metric} moved, team by team"))
    expect(page).to_have_url(re.compile(r"[?&]unit=Marketplace(&|$)"))
    settle(page)
    assert_no_errors(page)
    # the opened chart stays open through the drill-down, now team by team
    expect(page.locator(f"{LIVE}.st-key-{key} .js-plotly-plot")).to_be_visible()
    screenshot(page, f"bridge_drill_down_{key}")


def _assert_deep_linked_view(page: Page) -> None:
    assert_no_errors(page)
    expect(main(page).get_by_role("combobox", name="Metric")).to_have_value("Contribution margin")
    assert "metric=contribution_margin" in page.url
    grain = main(page).get_by_role("radiogroup", name="Grain")
    expect(grain.get_by_role("radio", name="month", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(sidebar(page).get_by_role("combobox", name="Business unit")).to_have_value(
        "Retail Stores"
    )
    assert_lens(page, "Choice")
    assert_has_chart(page)
    titles = headings_shown(page)
    assert any(t.startswith("Contribution margin by month") for t in titles), titles
    assert_no_errors(page)


def test_a_copied_link_restores_the_view(new_page: Callable[[], Page], server: str) -> None:
    query = urlencode(
        {
            "lens": "choice",
            "metric": "contribution_margin",
            "grain": "month",
            "unit": "Retail Stores",
        }
    )
    page = new_page()
    open_app(page, f"{server}/time_horizons?{query}", "Time horizons")
    _assert_deep_linked_view(page)
    screenshot(page, "deep_link")
    copied = page.url
    page.context.close()
    assert "/time_horizons?" in copied

    page = new_page()
    open_app(page, copied, "Time horizons")
    _assert_deep_linked_view(page)
    screenshot(page, "deep_link_copied")
