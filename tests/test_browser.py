"""Real-browser tests: Debian's Chromium (through Playwright) against a real ``streamlit run`` server.

The server is started exactly as ``make run`` does, on the sample company generated for this test run.
These tests catch what AppTest cannot see: the frontend's query-parameter binding, clicks on Plotly
charts, links that are copied and reopened, and the ``pages/`` pitfall (STACK_NOTES.md) that loses a
fresh server's first interaction.

Every test saves a screenshot under ``test-artifacts/browser/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import CHROMIUM_ARGS, ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium, or `chromium` on PATH); "
        "install it with `make system-deps` (Debian's package) to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402  (only once Chromium is known to exist)
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

ARTIFACTS = ROOT / "test-artifacts" / "browser"
VIEWPORT: ViewportSize = {"width": 1440, "height": 1600}

#: The first load of a fresh server computes everything (2 shared cores): be generous.
FIRST_LOAD_MS = 90_000
#: A rerun after an interaction (mostly cached).
RERUN_MS = 45_000
SERVER_START_S = 60

#: The running server's log, quoted when a page shows an error.
SERVER_LOG: list[Path] = []

SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LIVE = '[data-testid="stElementContainer"]:not([data-stale="true"])'
PLOTLY = '.js-plotly-plot, [data-testid="stPlotlyChart"]'
ACTION_HEADING = "Action lens · frontline"
CHOICE_HEADING = "Choice lens · executive"
PAGES = {  # sidebar link text -> (URL path, page title)
    "Overview": ("overview", "Overview"),
    "Trade-offs": ("trade_offs", "Trade-offs"),
    "Time horizons": ("time_horizons", "Time horizons"),
    "Frontline": ("frontline", "Frontline"),
    "Decision log": ("decision_log", "Decision log"),
    "Definitions & lineage": ("definitions", "Definitions & lineage"),
    "Data health": ("data_health", "Data health"),
}


# --- the server and the browser ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and anything it started (its own process group); never leave it running."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(sample_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``make run``'s command on a free port, on the sample company; yields the base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("browser-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.update(
        BRIDGE_SOURCE_URL=sample_url,
        BRIDGE_CONFIG_DIR=str(ROOT / "config"),
        # Bridge's own database (decision records) goes to a temporary folder, not the repository.
        BRIDGE_STATE_URL=f"sqlite:///{folder / 'state.sqlite'}",
        BRIDGE_CACHE_DIR=str(folder / "cache"),
    )
    log_path = folder / "server.log"
    command = [
        str(ROOT / ".venv" / "bin" / "streamlit"),
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(base):
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit was not healthy after {SERVER_START_S} s:\n{log_path.read_text()}"
                )
            time.sleep(0.25)
        SERVER_LOG.append(log_path)
        yield base
    finally:
        SERVER_LOG.clear()
        _stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        expect.set_options(timeout=15_000)  # after settle(), what a test expects is there already
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
    """Opens pages, each in a fresh browser context (new cookies, so a new Streamlit session).

    If the test fails, every page it opened is saved as ``<test>-failed-<n>.png`` first.
    """
    contexts: list[BrowserContext] = []
    failed_before = request.session.testsfailed

    def open_page() -> Page:
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(RERUN_MS)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        yield open_page
    finally:
        failed = request.session.testsfailed > failed_before
        for n, ctx in enumerate(contexts):
            if failed:
                for page in ctx.pages:
                    # A screenshot must not hide the real failure.
                    with contextlib.suppress(Exception):
                        screenshot(page, f"{request.node.name}-failed-{n}")
            ctx.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


# --- helpers ----------------------------------------------------------------------------------------


def settle(page: Page, timeout: float = RERUN_MS) -> None:
    """Wait until the script has finished and no stale elements (left over from a rerun) remain.

    Checked twice, a moment apart, so a rerun that is just about to start is not mistaken for the end.
    """
    done = f"!!document.querySelector('{SCRIPT_DONE}') && " + (
        '!document.querySelector(\'[data-testid="stElementContainer"][data-stale="true"]\')'
    )
    deadline = time.monotonic() + timeout / 1000
    for _ in range(2):
        remaining = max(deadline - time.monotonic(), 1) * 1000
        page.wait_for_function(done, timeout=remaining)
        page.wait_for_timeout(300)
    page.wait_for_function(done, timeout=max(deadline - time.monotonic(), 1) * 1000)


def live(page: Page) -> Locator:
    """Elements of the current run only (a rerun leaves the previous run's elements, marked stale)."""
    return page.locator(LIVE)


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def heading(page: Page, text: str) -> Locator:
    return live(page).get_by_role("heading", name=text, exact=True)


def lens_button(page: Page, label: str) -> Locator:
    return (
        sidebar(page)
        .get_by_role("radiogroup", name="Lens")
        .get_by_role("radio", name=label, exact=True)
    )


def open_app(page: Page, url: str, title: str, timeout: float = FIRST_LOAD_MS) -> None:
    """Open a URL and wait for the page's title and the end of the script run."""
    page.goto(url, timeout=timeout)
    expect(main(page).locator(LIVE).get_by_role("heading", name=title, level=1)).to_be_visible(
        timeout=timeout
    )
    settle(page, timeout)


def assert_no_errors(page: Page) -> None:
    """No Streamlit exception box and no error alert on the page."""
    for selector, what in (
        ('[data-testid="stException"]', "exception"),
        ('[data-testid="stAlertContentError"]', "error message"),
    ):
        boxes = page.locator(selector)
        shown = [
            boxes.nth(i).inner_text() for i in range(boxes.count()) if boxes.nth(i).is_visible()
        ]
        if shown:
            log = SERVER_LOG[-1].read_text(errors="replace")[-4000:] if SERVER_LOG else ""
            pytest.fail(
                f"{page.url} shows a Streamlit {what}:\n"
                + "\n---\n".join(shown)
                + f"\n\nserver log (tail):\n{log}"
            )


def assert_has_chart(page: Page) -> None:
    expect(live(page).locator(PLOTLY).first).to_be_visible()


def chart_titles(page: Page) -> list[str]:
    return [t.strip() for t in live(page).locator(".js-plotly-plot .gtitle").all_text_contents()]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_lens(page: Page, lens: str) -> None:
    """The lens control shows ``lens`` selected, and the lens headings match it."""
    expect(lens_button(page, lens)).to_have_attribute("aria-checked", "true")
    both = lens == "Side by side"
    for text in (ACTION_HEADING, CHOICE_HEADING):
        if both:
            expect(heading(page, text)).to_be_visible()
        else:
            expect(heading(page, text)).to_have_count(0)


# --- tests ------------------------------------------------------------------------------------------


def test_first_session_keeps_its_first_interaction(page: Page, server: str) -> None:
    """Must stay the module's first test: the fresh server's first session, first click.

    Guards the pages/ pitfall (STACK_NOTES.md, ``ui.ensure_navigation_mode``): with the legacy
    multipage flag set, this first click on the sidebar lens control was lost.
    """
    open_app(page, server, "Overview")
    assert_no_errors(page)
    assert_lens(page, "Side by side")

    lens_button(page, "Choice").click()
    expect(page).to_have_url(re.compile(r"[?&]lens=choice(&|$)"), timeout=RERUN_MS)
    expect(heading(page, ACTION_HEADING)).to_have_count(0, timeout=RERUN_MS)
    settle(page)
    assert_lens(page, "Choice")
    # Only the executive panels: the per-unit bars, and no frontline "Fix now" list.
    assert any("by business unit vs the same part of last year" in t for t in chart_titles(page))
    expect(heading(page, "Fix now")).to_have_count(0)
    expect(main(page).get_by_role("heading", name="Overview", level=1)).to_be_visible()
    assert_no_errors(page)
    screenshot(page, "first_session_choice")


def test_every_page_through_the_sidebar(page: Page, server: str) -> None:
    open_app(page, server, "Overview")
    for link, (path, title) in PAGES.items():
        sidebar(page).get_by_test_id("stSidebarNavLink").filter(has_text=link).click()
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


def test_lens_switch_shows_the_matching_panels(page: Page, server: str) -> None:
    open_app(page, f"{server}/frontline", "Frontline")
    choice_panel = live(page).get_by_role(
        "heading", name=re.compile(r"^The same numbers for choice")
    )
    action_panel = heading(page, "Furthest from target")

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
    expect(heading(page, CHOICE_HEADING)).to_be_visible(timeout=RERUN_MS)
    settle(page)
    assert_lens(page, "Side by side")
    expect(action_panel).to_be_visible()
    expect(choice_panel.first).to_be_visible()
    assert "lens=" not in page.url  # the default lens is not written
    assert_no_errors(page)
    screenshot(page, "lens_side_by_side")


#: The centre (viewport pixels) of one business unit's bubble in the trade-off chart.
BUBBLE_CENTRE_JS = """(gd, unit) => {
  const i = gd._fullData.findIndex(trace => trace.name === unit);
  if (i < 0) return null;
  const trace = gd.querySelectorAll('g.scatterlayer g.trace')[i];
  const point = trace && trace.querySelector('path.point');
  if (!point) return null;
  const box = point.getBoundingClientRect();
  return {x: box.x + box.width / 2, y: box.y + box.height / 2};
}"""


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
    page.mouse.move(centre["x"], centre["y"])
    page.wait_for_timeout(200)  # let Plotly register the hover before the click
    page.mouse.click(centre["x"], centre["y"])

    expect(heading(page, "Retail Stores: its teams in the action lens")).to_be_visible(
        timeout=RERUN_MS
    )
    expect(page).to_have_url(re.compile(r"[?&]unit=Retail(\+|%20)Stores(&|$)"))
    settle(page)
    expect(sidebar(page).get_by_role("combobox", name="Business unit")).to_have_value(
        "Retail Stores"
    )
    assert_no_errors(page)
    screenshot(page, "tradeoff_drill_down")


def _assert_deep_linked_view(page: Page) -> None:
    assert_no_errors(page)
    expect(main(page).get_by_role("combobox", name="Metric")).to_have_value("Contribution margin")
    grain = main(page).get_by_role("radiogroup", name="Grain")
    expect(grain.get_by_role("radio", name="month", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(sidebar(page).get_by_role("combobox", name="Business unit")).to_have_value(
        "Retail Stores"
    )
    assert_lens(page, "Choice")
    assert_has_chart(page)
    titles = chart_titles(page)
    assert any(t.startswith("Contribution margin by period") for t in titles), titles
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
