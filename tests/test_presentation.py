"""What an executive sees, checked in a real browser: every page in every lens, desktop and phone.

Against ``make run``'s own server command (a fresh one for this module) on the sample company, with
Debian's Chromium. A page fails when it shows an exception box; when any Plotly axis repeats a tick
label (the rendered SVG texts, per axis); when a table cell shows a raw float, a timestamp of
midnight, ``None``, ``True``/``False`` or ``nan``; when the page is wider than a phone's screen; when a
typed URL path opens "Page not found"; or when any menu but Bridge's shows during the first seconds
after a server start. Screenshots of every page and lens land in ``test-artifacts/pages/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browsing import CHROMIUM, NO_CHROMIUM

pytestmark = pytest.mark.browser

if CHROMIUM is None:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

from playwright.sync_api import Browser, Page, expect  # noqa: E402

from tests.browsing import (  # noqa: E402
    FIRST_LOAD_MS,
    SCRIPT_DONE,
    assert_no_errors,
    main,
    open_app,
    running_server,
)
from tests.conftest import ROOT  # noqa: E402
from tests.servers import PAGES  # noqa: E402

SHOTS = ROOT / "test-artifacts" / "pages"
VIEWPORTS = {"desktop": (1440, 1000), "phone": (390, 844)}
LENSES = ("action", "choice", "both")
#: Pages that read the same in every lens (the lens control says so instead of showing).
SAME_IN_EVERY_LENS = {"decision_log", "definitions", "data_health"}

#: Every axis of every chart: its tick label texts, per subplot and axis — Plotly's, and those of
#: the static bar charts (bridge.present.html_charts).
AXIS_TICKS_JS = """() => [
  ...Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap((plot, p) =>
    Array.from(plot.querySelectorAll('.xaxislayer-above, .yaxislayer-above')).map((layer, a) => ({
      where: `chart ${p + 1}, axis ${a + 1} (${layer.getAttribute('class')})`,
      ticks: Array.from(layer.querySelectorAll('text')).map(t => t.textContent.trim()).filter(t => t),
    }))),
  ...Array.from(document.querySelectorAll('figure.bridge-chart [data-axis]')).map((axis, a) => ({
    where: `bar chart axis ${a + 1} (${axis.closest('figure').dataset.kind})`,
    ticks: Array.from(axis.children).map(t => t.textContent.trim()).filter(t => t),
  })),
]"""
#: Every table cell: Streamlit's grids (their accessible table) and Bridge's plain HTML tables.
CELLS_JS = """() => Array.from(document.querySelectorAll(
  '[data-testid=stDataFrame] table td, .bridge-table td')).map(td => td.innerText.trim())"""
#: What a table cell must never show (a raw float has decimals and no unit; midnight is a date).
RAW = [
    (re.compile(r"^-?[\d,]*\.\d+$"), "a raw float"),
    (re.compile(r"00:00:00"), "a timestamp of midnight"),
    (re.compile(r"^(None|True|False|nan|NaN|null)$"), "a raw value"),
]


def full_height(page: Page, width: int, height: int) -> None:
    """Make the viewport as tall as the page, so every element renders (and is screenshotted)."""
    tall = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], section'))"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 14000)})
    page.wait_for_timeout(800)


def problems_on(page: Page, width: int) -> list[str]:
    found: list[str] = []
    for axis in page.evaluate(AXIS_TICKS_JS):
        ticks = axis["ticks"]
        repeated = sorted({t for t in ticks if ticks.count(t) > 1})
        if repeated:
            found.append(f"{axis['where']} repeats tick labels {repeated}: {ticks}")
    for cell in page.evaluate(CELLS_JS):
        for pattern, what in RAW:
            if pattern.search(cell):
                found.append(f"a table cell shows {what}: {cell!r}")
    if width < 500:
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width + 1:
            found.append(f"the page is {wide} px wide on a {width} px screen")
    return found


@pytest.fixture(scope="module")
def fresh(sample_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server just started (not yet healthy): the menu watch below is its first visitor."""
    with running_server(sample_url, tmp_path_factory.mktemp("fresh-server"), wait=False) as base:
        yield base


def test_no_foreign_menu_after_a_server_start(browser: Browser, fresh: str) -> None:
    """Must stay the module's first test: screenshots every 0.5 s for the first 8 s of a fresh
    server's first visit show Bridge's page links only — never Streamlit's automatic pages menu."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    deadline = time.monotonic() + 60
    while True:  # the server answers within seconds; the watch starts with its first page
        try:
            page.goto(fresh, timeout=5_000)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    seen_ours = False
    for n in range(16):
        page.screenshot(path=str(SHOTS / f"first-visit-{n:02d}.png"))
        automatic = page.locator('[data-testid="stSidebarNav"]').count()
        assert automatic == 0, (
            f"Streamlit's automatic menu shows {n * 0.5:.1f} s into the first visit"
        )
        seen_ours = seen_ours or page.locator('[data-testid="stPageLink-NavLink"]').count() > 0
        page.wait_for_timeout(500)
    expect(page.locator(SCRIPT_DONE)).to_be_visible(timeout=FIRST_LOAD_MS)
    assert seen_ours or page.locator('[data-testid="stPageLink-NavLink"]').count() == 7
    context.close()


@pytest.mark.parametrize(
    "path", ["", "overview", *(p for p, _ in PAGES.values() if p != "overview")]
)
def test_every_typed_url_path_opens_its_page(browser: Browser, fresh: str, path: str) -> None:
    titles = {p: t for p, t in PAGES.values()}
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    open_app(page, f"{fresh}/{path}?lens=choice", titles.get(path or "overview", "Overview"))
    assert "Page not found" not in page.locator("body").inner_text()
    assert_no_errors(page)
    context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_page_in_every_lens_reads_right(browser: Browser, fresh: str, size: str) -> None:
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: list[str] = []
    for path, title in PAGES.values():
        for lens in ("both",) if path in SAME_IN_EVERY_LENS else LENSES:
            open_app(page, f"{fresh}/{'' if path == 'overview' else path}?lens={lens}", title)
            expect(main(page).get_by_role("heading", name=title, level=1)).to_be_visible()
            assert_no_errors(page)
            full_height(page, width, height)
            page.screenshot(path=str(SHOTS / f"{path}-{lens}-{size}.png"), full_page=True)
            found += [f"{path} ({lens}, {size}): {p}" for p in problems_on(page, width)]
            page.set_viewport_size({"width": width, "height": height})
    context.close()
    assert not found, "\n".join(found)


#: Links and images a page holds (HTML and the charts' SVG), by where they point.
LINKS_JS = """() => Array.from(document.querySelectorAll('a, img, image')).map(e =>
  e.getAttribute('href') || e.getAttribute('xlink:href') || e.getAttribute('src') || '')"""


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a small company with every SQLite fault of the fault suite at once."""
    from tests.test_fault_suite import broken_company

    folder = tmp_path_factory.mktemp("broken-server")
    with running_server(broken_company(folder / "broken.sqlite"), folder) as base:
        yield base


def test_a_broken_company_reads_without_a_traceback(browser: Browser, broken: str) -> None:
    """Times that are no date, with a UTC offset or none, an order in 2099, infinite and text
    revenue, negative revenue, orders of a team in no org table, a team without a unit and one in
    two, a unit and a team named in Markdown and HTML: every page in every lens (desktop) and every
    page on a phone shows no exception, no error, no link or image from the data, and reads right."""
    found: list[str] = []
    for size, lenses in (("desktop", LENSES), ("phone", ("both",))):
        width, height = VIEWPORTS[size]
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for path, title in PAGES.values():
            for lens in ("both",) if path in SAME_IN_EVERY_LENS else lenses:
                open_app(page, f"{broken}/{'' if path == 'overview' else path}?lens={lens}", title)
                assert_no_errors(page)
                assert "Traceback" not in page.locator("body").inner_text()
                from_data = [h for h in page.evaluate(LINKS_JS) if "127.0.0.1:9" in h]
                assert not from_data, f"{path} ({lens}, {size}) links to {from_data}"
                full_height(page, width, height)
                page.screenshot(path=str(SHOTS / f"broken-{path}-{lens}-{size}.png"))
                found += [f"{path} ({lens}, {size}): {p}" for p in problems_on(page, width)]
                page.set_viewport_size({"width": width, "height": height})
        context.close()
    assert not found, "\n".join(found)


def test_the_checks_can_fail(browser: Browser, tmp_path: Path) -> None:
    """A page with a repeated tick, a raw float and a too-wide body is caught on each count."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content(
        """<div class='js-plotly-plot'><g class='yaxislayer-above'><text>41%</text><text>41%</text>
        </g></div><div data-testid='stDataFrame'><table><tr><td>0.7784</td><td>2026-12-03 00:00:00
        </td><td>None</td><td>$1.2M</td></tr></table></div><div style='width:900px'>wide</div>
        <figure class='bridge-chart' data-kind='units'><div data-axis='y'><div>$2.0M</div>
        <div>$2.0M</div></div></figure><div class='bridge-table'><table><tr><td>0.125</td>
        </tr></table></div>"""
    )
    found = problems_on(page, 390)
    page.close()
    assert any("repeats tick labels ['41%']" in f for f in found)
    assert any("bar chart axis 1 (units) repeats tick labels ['$2.0M']" in f for f in found)
    assert any("a raw float: '0.7784'" in f for f in found)
    assert any("a raw float: '0.125'" in f for f in found)  # in an HTML table too
    assert any("midnight" in f for f in found) and any("'None'" in f for f in found)
    assert any("px wide on a 390 px screen" in f for f in found)
    assert not any("$1.2M" in f for f in found)
