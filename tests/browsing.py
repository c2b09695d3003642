"""What the real-browser tests share: ``make run``'s server on the sample company, Debian's Chromium,
and helpers that wait for a Streamlit run to settle and read what a page shows.

Import it only once Chromium is known to exist (the test modules skip themselves otherwise).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from bridge.present.screens.common import BRIDGE_FOLD
from tests.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE,
    ROOT,
    SCRIPT_DONE,
    UNDRAWN,
    bridge_env,
    free_port,
    start,
    stop,
    streamlit_command,
    wait_healthy,
)

NO_CHROMIUM = (
    "Chromium is not installed (/usr/bin/chromium, or `chromium` on PATH); "
    "install it with `make system-deps` (Debian's package) to run the browser tests"
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

#: A chart: a Plotly figure, or one of the static bar charts drawn as HTML (bridge.present.html_charts).
CHART = '.js-plotly-plot, [data-testid="stPlotlyChart"], figure.bridge-chart'
ACTION_HEADING = "Action lens · frontline"
CHOICE_HEADING = "Choice lens · executive"


# --- the server and the browser ---------------------------------------------------------------------


@contextlib.contextmanager
def running_server(
    sample_url: str, folder: Path, *, wait: bool = True, cache_dir: Path | None = None
) -> Iterator[str]:
    """Start ``make run``'s command on a free port (yields as soon as it is healthy, or at once
    with ``wait=False``); stop it and everything it started when done. The measure cache lives in
    ``folder`` unless ``cache_dir`` is given (servers that share one load from the source once)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = folder / "server.log"
    process = start(
        streamlit_command(port), ROOT, bridge_env(sample_url, folder, cache_dir), log_path
    )
    try:
        if wait:
            try:
                wait_healthy(process, base, log_path, SERVER_START_S)
            except RuntimeError as exc:
                pytest.fail(str(exc))
        SERVER_LOG.append(log_path)
        yield base
    finally:
        SERVER_LOG.clear()
        stop(process)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (closed when done)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        expect.set_options(timeout=15_000)  # after settle(), what a test expects is there already
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def page_opener(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
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


#: True once the page has held still for ``quiet`` milliseconds: nothing is waiting to draw, and the
#: main area's height and its last element's place are what they were (checked on each poll).
STILL_JS = f"""(quiet) => {{
  if ({UNDRAWN}) {{ window.__bridgeShape = null; return false; }}
  const main = document.querySelector('[data-testid="stMain"]');
  const boxes = document.querySelectorAll('[data-testid="stElementContainer"]');
  const last = boxes.length ? boxes[boxes.length - 1].getBoundingClientRect().bottom : 0;
  const shape = [main ? main.scrollHeight : 0, boxes.length, Math.round(last)].join(':');
  const now = performance.now();
  if (window.__bridgeShape !== shape) {{
    window.__bridgeShape = shape;
    window.__bridgeSince = now;
    return false;
  }}
  return now - window.__bridgeSince >= quiet;
}}"""


def steady(page: Page, timeout: float = RERUN_MS, quiet_ms: int = 400) -> None:
    """Wait until the run has settled and the page has stopped moving.

    A chart or table whose code loads after the run has ended draws late and pushes what is below it
    down; a click aimed at a button below lands on its press and misses on its release (the press's
    and the release's targets differ, so the browser sends no click), and the submit is lost. Seen
    under load in ``make test``: a decision form's submit that never reached the server.
    """
    settle(page, timeout)
    page.evaluate("() => { window.__bridgeShape = null; }")
    page.wait_for_function(STILL_JS, arg=quiet_ms, polling=100, timeout=timeout)


def live(page: Page) -> Locator:
    """Elements of the current run only (a rerun leaves the previous run's elements, marked stale)."""
    return page.locator(LIVE)


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def heading(page: Page, text: str) -> Locator:
    return live(page).get_by_role("heading", name=text, exact=True)


def lens_heading(page: Page, text: str) -> Locator:
    """The bold caption heading a lens's column when the lenses are side by side."""
    return live(page).get_by_text(text, exact=True)


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
    expect(live(page).locator(CHART).first).to_be_visible()


def open_folds(page: Page, label: str = BRIDGE_FOLD) -> int:
    """Open every folded chart whose label starts with ``label``, one at a time (each opening
    reruns the page), and return how many there were, each counted once.

    Each fold is counted once, however many clicks it takes: on a loaded machine one make test
    counted four openings of three folds (a fold opened as the previous opening's rerun ended can
    be drawn closed again by it). A fold still closed is clicked again, at most twice more, and
    must end open."""
    folds = (
        main(page)
        .locator('[data-testid="stExpander"] details')
        .filter(has=page.locator("summary", has_text=label))
    )
    count = folds.count()
    for i in range(count):
        fold = folds.nth(i)
        for _ in range(3):
            if fold.get_attribute("open") is not None:
                break
            fold.locator("summary").click()
            settle(page)
        assert fold.get_attribute("open") is not None, f"fold {i + 1} of {count} stays closed"
    return count


def headings_shown(page: Page) -> list[str]:
    return [t.strip() for t in live(page).locator("h3").all_text_contents()]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_lens(page: Page, lens: str) -> None:
    """The lens control shows ``lens`` selected, and the lens headings match it."""
    expect(lens_button(page, lens)).to_have_attribute("aria-checked", "true")
    both = lens == "Side by side"
    for text in (ACTION_HEADING, CHOICE_HEADING):
        if both:
            expect(lens_heading(page, text)).to_be_visible()
        else:
            expect(lens_heading(page, text)).to_have_count(0)


def click_until(page: Page, centre: dict[str, float], shown: Locator) -> None:
    """Click a chart's point at ``centre`` until ``shown`` is visible (at most three times): on a
    loaded machine Plotly can still be wiring its handlers when the chart first shows, and a click
    it did not register changes nothing."""
    for _attempt in range(3):
        page.mouse.move(centre["x"], centre["y"])
        page.wait_for_timeout(300)  # let Plotly register the hover before the click
        page.mouse.click(centre["x"], centre["y"])
        try:
            expect(shown).to_be_visible(timeout=RERUN_MS // 3)
            break
        except AssertionError:
            settle(page)
    expect(shown).to_be_visible(timeout=RERUN_MS)
