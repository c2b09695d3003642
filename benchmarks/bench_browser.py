"""Browser-timed pages and interactions: Bridge next to the floor app, in Debian's Chromium.

Usage::

    .venv/bin/python benchmarks/bench_browser.py [--db PATH] [--repeat 3]

Two servers run side by side, each started like ``make run`` (headless, on a free port): Bridge on
the sample company (``python -m bridge.app.serve``: ``streamlit run app.py``, loading the measures
as the server starts), and, with plain ``streamlit run``, the floor app (``benchmarks/floor_app/``:
three pages, each a title, a segmented control, a 12-point Plotly line and a 20-row table —
Streamlit's cheapest equivalent of a page). Playwright drives Chromium through the same round on each, one untimed
warm-up round per app first, then ``--repeat`` rounds alternating floor, Bridge:

* Bridge: open Overview (a new session); lens → Choice and back, grain → month and back, business
  unit → Retail Stores and back; then every page through the sidebar links, with a bubble click and
  a decision change on Trade-offs, a metric and a grain change on Time horizons, a metric change on
  Frontline, and back to Overview.
* floor: open page one; on each page the segmented control → month and back, and every page through
  Streamlit's sidebar menu, back to page one.

Each action is timed from the click (``time.perf_counter``) until the page has settled: the script
has finished, no stale element is left and every chart and table has drawn (no skeleton left where
Streamlit loads a chart's code, an SVG in every Plotly chart), seen twice ~150 ms apart (the time is that of the first
sighting). A new tab's first Bridge page has also settled only once the chart code it asked for has
run (``tests.servers.CHART_CODE_PENDING``): the floor's first page waits for that code (its chart
needs it), and Bridge's Overview, which draws no Plotly chart, has it run just after it has drawn —
counted there, where it is caused, and not in whichever click comes next. A click first waits
for its evidence — the new page's URL and heading, the URL parameter the control writes (Bridge),
the caption the control changes (floor) — so a page that has not yet started its rerun is not
mistaken for a settled one.

A new session's first page and its first click are also kept together (goto until the click's
page settled: Bridge's Overview then lens → Choice, the floor's page one then its control), as a
person who clicks at once waits for both; Streamlit's chart code (~0.7 s of the browser's main
thread) is in that sum once on each side, whichever of the two it is counted in.

Last, "first page after a server start": for each repeat, a fresh floor server and its first page,
then fresh Bridge servers and /overview: one with an empty measure cache (only the sample database
exists) and one with the measure cache the rounds left on disk.

Figures are medians; each Bridge figure is a ratio to the floor's median of the same kind, from the
same run (page switch / floor page switch, interaction / floor segmented-control change, first page
/ floor first page). Goals (reported, not asserted): every page and interaction ≤ 2× the floor, the
median of those ratios ≤ 1.5×, the first page after a server start ≤ 3× the floor.

Failures are reported, not raised: an action that times out is noted (with a screenshot in
``benchmarks/results/``), its page reopened and the round goes on; a bubble click Plotly did not
register (it may still be wiring its handlers on a loaded machine) is repeated up to three times,
timed from the click that registered. The servers get ``BRIDGE_CACHE_TTL_SECONDS`` of a day, so no
measure reload lands in a round (as in ``bench_app``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from common import BENCH_DIR, RESULTS_DIR, ROOT, Measurement, Ratio, Report, main_for, median

from tests.servers import (
    BUBBLE_CENTRE_JS,
    CHART_CODE_PENDING,
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE,
    PAGES,
    SCRIPT_DONE,
    STALE,
    UNDRAWN,
    bridge_env,
    free_port,
    start,
    stop,
    streamlit_command,
    wait_healthy,
)

VIEWPORT = {"width": 1440, "height": 1000}
FLOOR_DIR = BENCH_DIR / "floor_app"

SERVER_START_S = 90
#: A fresh server's first page computes everything (2 shared cores): be generous.
FIRST_LOAD_MS = 180_000
RERUN_MS = 60_000
#: The settled state is confirmed this much later (a rerun about to start is not the end).
CONFIRM_MS = 150
BUBBLE_TRIES = 3
BUBBLE_WAIT_MS = 10_000
#: Loaded measures expire at wall-clock multiples of the TTL (600 s by default): a round crossing one
#: would time a reload, not the interaction (as in bench_app).
CACHE_TTL_SECONDS = 86_400

SWITCH_GOAL = 2.0
MEDIAN_GOAL = 1.5
FIRST_PAGE_GOAL = 3.0

#: Without the drawing, a page with charts counts as settled while its charts are still grey boxes,
#: and the drawing lands in the next action's time. Likewise the chart code a new tab's first Bridge
#: page asks for (``CHART_CODE_PENDING``): it runs just after that page has drawn, and without it
#: here its ~0.7 s lands in the next click's time (the floor's first page waits for its own).
SETTLED_JS = (
    f"() => !!document.querySelector('{SCRIPT_DONE}') && !document.querySelector('{STALE}')"
    f" && !({UNDRAWN}) && !{CHART_CODE_PENDING}"
)
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'

#: Bridge's sidebar link text -> (URL path, page title), in the order a round visits them: from the
#: Overview (where a round starts) through every other page, and back.
BRIDGE_PAGES = {link: PAGES[link] for link in (*list(PAGES)[1:], "Overview")}
#: Bridge's interactions: key -> label (in the order a round does them).
INTERACTIONS = {
    "lens_choice": "lens → Choice (Overview)",
    "lens_both": "lens → Side by side (Overview)",
    "grain_month": "grain → month (Overview)",
    "grain_quarter": "grain → quarter (Overview)",
    "unit_pick": "business unit → Retail Stores (Overview)",
    "unit_all": "business unit → All business units (Overview)",
    "bubble": "bubble click → Retail Stores (Trade-offs)",
    "decision": "decision → another decision (Trade-offs)",
    "metric_horizons": "metric → Contribution margin (Time horizons)",
    "grain_horizons": "grain → year (Time horizons)",
    "metric_frontline": "metric → On-time delivery rate (Frontline)",
}
#: The floor's pages: sidebar link text (= title) -> URL path.
FLOOR_PAGES = {"Floor one": "one", "Floor two": "two", "Floor three": "three"}

Samples = dict[str, list[float]]
Page = Any  # playwright.sync_api.Page (imported lazily: the module must import without Playwright)
Locator = Any


# --- servers ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def running_server(
    app: str, folder: Path, db: Path | None = None, cache_dir: Path | None = None
) -> Iterator[str]:
    """``make run``'s command for ``app`` ("bridge" or "floor") on a free port; yields its base URL
    once healthy and stops it (its whole process group) when done.

    Bridge reads ``db`` and keeps its state database and measure cache in ``folder`` (the measure
    cache in ``cache_dir`` when given). The floor runs from its own folder, so Bridge's
    ``.streamlit/config.toml`` (which hides Streamlit's menu) does not apply to it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = streamlit_command(port, None if app == "bridge" else "app.py")
    if app == "bridge":
        assert db is not None
        cwd = ROOT
        env = bridge_env(f"sqlite:///{db}", folder, cache_dir)
        env["BRIDGE_CACHE_TTL_SECONDS"] = str(CACHE_TTL_SECONDS)
    else:
        cwd = FLOOR_DIR
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
        # Bridge's viewer toolbar, and Streamlit's own menu (the floor's page links).
        command += ["--client.toolbarMode", "viewer", "--client.showSidebarNavigation", "true"]
    log_path = folder / "server.log"
    process = start(command, cwd, env, log_path)
    try:
        try:
            wait_healthy(process, base, log_path, SERVER_START_S)
        except RuntimeError as exc:
            raise RuntimeError(f"{app}: {exc}") from None
        yield base
    finally:
        stop(process)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (closed when done)."""
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        raise SystemExit("Chromium is not installed (/usr/bin/chromium): `make system-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- waiting and timing -----------------------------------------------------------------------------


def settled_at(page: Page, timeout_ms: float = RERUN_MS) -> float:
    """``perf_counter()`` when the page was first seen settled: the script finished and no stale
    element left, still so ``CONFIRM_MS`` later (otherwise the wait starts over)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(deadline - time.monotonic(), 1) * 1000
        page.wait_for_function(SETTLED_JS, timeout=remaining)
        at = time.perf_counter()
        page.wait_for_timeout(CONFIRM_MS)
        if page.evaluate(SETTLED_JS):
            return at
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.url} did not settle within {timeout_ms / 1000:.0f} s")


def wait_until(page: Page, check: Callable[[], bool], timeout_ms: float, what: str) -> None:
    """Poll ``check`` (every 20 ms, letting Playwright process events) until true."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_ms / 1000:.0f} s for {what} ({page.url})")
        page.wait_for_timeout(20)


def query(page: Page) -> dict[str, str]:
    """The page's URL query parameters (last value of each)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def path_of(page: Page) -> str:
    return urlsplit(str(page.url)).path.strip("/")


def live(page: Page) -> Locator:
    return page.locator(LIVE)


def title_of(page: Page, title: str) -> Locator:
    """The page's h1 among the current run's elements."""
    return (
        page.locator('[data-testid="stMain"]')
        .locator(LIVE)
        .get_by_role("heading", name=title, level=1)
    )


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def main_area(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def param_is(page: Page, name: str, value: str | None) -> Callable[[], bool]:
    """Evidence: the URL parameter ``name`` reads ``value`` (None: absent)."""
    return lambda: query(page).get(name) == value


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:160]


def errors_shown(page: Page) -> list[str]:
    boxes = page.locator(ERRORS)
    return [
        boxes.nth(i).inner_text()[:200] for i in range(boxes.count()) if boxes.nth(i).is_visible()
    ]


class Round:
    """One round in one new browser context (a new Streamlit session); records into ``samples``
    (nothing is recorded when it is None: the warm-up round). A failed action is noted, its page
    reopened, and the round goes on."""

    def __init__(
        self, browser: Any, app: str, base: str, samples: Samples | None, notes: dict[str, int]
    ) -> None:
        self.app, self.base, self.samples, self.notes = app, base, samples, notes
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(RERUN_MS)
        self.page = self.context.new_page()
        #: ``perf_counter()`` of the last ``open``'s goto (for a first click timed from it).
        self.opened_at = float("nan")

    def close(self) -> None:
        self.context.close()

    def note(self, text: str) -> None:
        label = f"{self.app}: {text}" + (" (warm-up)" if self.samples is None else "")
        self.notes[label] = self.notes.get(label, 0) + 1

    def record(self, key: str | None, seconds: float) -> None:
        """Keep a sample under ``key`` (None: untimed, not kept) and note any error the page shows
        (a page that fails fast would look fast)."""
        if self.samples is not None and key is not None:
            self.samples[key].append(seconds)
        for error in errors_shown(self.page):
            self.note(f"after {key or 'an untimed step'} the page shows an error: {error!r}")

    def open(
        self, key: str | None, path: str, title: str, timeout_ms: float = FIRST_LOAD_MS
    ) -> None:
        """Open ``path`` (timed from the ``goto`` to settled; not kept when ``key`` is None)."""
        started = self.opened_at = time.perf_counter()
        self.page.goto(f"{self.base}/{path}", timeout=timeout_ms)
        title_of(self.page, title).wait_for(state="visible", timeout=timeout_ms)
        self.record(key, settled_at(self.page, timeout_ms) - started)

    def measure(
        self,
        key: str | None,
        prepare: Callable[[], Callable[[], None]],
        evidence: Callable[[], None],
        recover: tuple[str, str],
        from_open: str | None = None,
    ) -> None:
        """Time ``prepare()``'s action (prepare itself is untimed: finding the control, opening a
        dropdown) until ``evidence()`` returned and the page settled. On a failure the page
        ``recover`` (URL path, title) is reopened (untimed) and the failure noted. With
        ``from_open``, the time from the last ``open``'s goto until then is kept under it too (a
        new session's page and its first click, as a person who clicks at once waits for both)."""
        try:
            act = prepare()
            started = time.perf_counter()
            act()
            evidence()
            done = settled_at(self.page)
            self.record(key, done - started)
            if from_open is not None:
                self.record(from_open, done - self.opened_at)
        except Exception as exc:  # Playwright's errors and timeouts: noted, not fatal
            self.note(f"{key or 'an untimed step'} failed: {first_line(exc)}")
            self.screenshot(f"{self.app}-{(key or 'untimed').replace(':', '-')}-failed")
            self.open(None, recover[0], recover[1])

    def screenshot(self, name: str) -> None:
        with contextlib.suppress(Exception):
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(RESULTS_DIR / f"browser-{name}.png"))

    # --- the pieces of a round ---

    def click(self, locator: Locator) -> Callable[[], Callable[[], None]]:
        """Prepare: wait for the control, then its click is the timed action."""

        def prepare() -> Callable[[], None]:
            locator.wait_for(state="visible")
            return lambda: locator.click()

        return prepare

    def pick(self, scope: Locator, label: str, option: str) -> Callable[[], Callable[[], None]]:
        """Prepare: open the selectbox ``label``; choosing ``option`` is the timed action."""

        def prepare() -> Callable[[], None]:
            scope.get_by_role("combobox", name=label).click()
            choice = self.page.get_by_role("option", name=option, exact=True)
            choice.wait_for(state="visible")
            return lambda: choice.click()

        return prepare

    def url_shows(self, name: str, value: str | None) -> Callable[[], None]:
        """Evidence: the URL parameter ``name`` reads ``value`` (None: absent)."""
        check = param_is(self.page, name, value)
        return lambda: wait_until(self.page, check, RERUN_MS, f"{name}={value} in the URL")

    def url_leaves(self, name: str, value: str | None) -> Callable[[], None]:
        """Evidence: the URL parameter ``name`` no longer reads ``value`` (None: absent), e.g. back
        to a default, which the URL may or may not spell out."""

        def check() -> bool:
            return query(self.page).get(name) != value

        return lambda: wait_until(self.page, check, RERUN_MS, f"{name}≠{value} in the URL")

    def shows(self, locator: Locator) -> Callable[[], None]:
        """Evidence: ``locator`` (among the current run's elements) is visible."""
        return lambda: locator.wait_for(state="visible")

    def switch(self, key: str, link: Locator, paths: tuple[str, ...], title: str) -> None:
        """A sidebar link to a page (timed until the URL shows one of ``paths`` and the page's
        heading shows, then settled)."""

        def arrived() -> None:
            wait_until(
                self.page, lambda: path_of(self.page) in paths, RERUN_MS, f"the URL /{paths[0]}"
            )
            title_of(self.page, title).wait_for(state="visible", timeout=RERUN_MS)

        self.measure(key, self.click(link), arrived, (paths[0], title))


# --- the rounds -------------------------------------------------------------------------------------


def floor_round(browser: Any, base: str, samples: Samples | None, notes: dict[str, int]) -> None:
    """The floor: open page one; on each page the segmented control → month and back; the next page
    through Streamlit's sidebar menu; last, back to page one."""
    r = Round(browser, "floor", base, samples, notes)
    page = r.page
    try:
        r.open("floor:open", "", "Floor one")
        titles = list(FLOOR_PAGES)
        for n, title in enumerate(titles):
            path = FLOOR_PAGES[title]
            if n:
                link = sidebar(page).get_by_test_id("stSidebarNavLink").filter(has_text=title)
                r.switch("floor:switch", link, (path,), title)
            for grain in ("month", "quarter"):
                radio = (
                    main_area(page)
                    .get_by_role("radiogroup", name="Grain")
                    .get_by_role("radio", name=grain, exact=True)
                )
                caption = live(page).get_by_text(f"Grain: {grain}", exact=True)
                first = "floor:open_then_click" if n == 0 and grain == "month" else None
                r.measure("floor:widget", r.click(radio), r.shows(caption), (path, title), first)
        link = sidebar(page).get_by_test_id("stSidebarNavLink").filter(has_text=titles[0])
        r.switch("floor:switch", link, ("one", ""), titles[0])
    finally:
        r.close()


def bubble_click(r: Round) -> None:
    """Click the Retail Stores bubble of the trade-off chart: timed from the click that Plotly
    registered (up to ``BUBBLE_TRIES`` clicks; under load Plotly may still be wiring its handlers)."""
    page = r.page
    chart = page.locator(f"{LIVE}.st-key-tradeoff_bubbles .js-plotly-plot")
    try:
        chart.wait_for(state="visible")
        chart.scroll_into_view_if_needed()
        for attempt in range(1, BUBBLE_TRIES + 1):
            centre = chart.evaluate(BUBBLE_CENTRE_JS, "Retail Stores")
            if not centre:
                raise RuntimeError("no 'Retail Stores' bubble in the trade-off chart")
            page.mouse.move(centre["x"], centre["y"])
            page.wait_for_timeout(300)  # let Plotly register the hover before the click
            started = time.perf_counter()
            page.mouse.click(centre["x"], centre["y"])
            try:
                wait_until(
                    page, param_is(page, "unit", "Retail Stores"), BUBBLE_WAIT_MS, "unit=Retail"
                )
            except TimeoutError:
                r.note("bubble click not registered, clicked again")
                settled_at(page)
                continue
            live(page).get_by_role(
                "heading", name="Retail Stores: its teams in the action lens"
            ).wait_for(state="visible")
            r.record("act:bubble", settled_at(page) - started)
            if attempt > 1:
                r.note(f"bubble click registered on attempt {attempt}")
            return
        r.note(f"bubble click failed {BUBBLE_TRIES} times: no sample this round")
        r.screenshot("bridge-bubble-failed")
    except Exception as exc:
        r.note(f"bubble click failed: {first_line(exc)}")
        r.screenshot("bridge-bubble-failed")
        r.open(None, "trade_offs", "Trade-offs")


def bridge_round(browser: Any, base: str, samples: Samples | None, notes: dict[str, int]) -> None:
    """Bridge: open Overview; lens, grain and business unit there; then every page through the
    sidebar links, with the page's own controls on Trade-offs, Time horizons and Frontline."""
    r = Round(browser, "bridge", base, samples, notes)
    page = r.page
    overview = ("overview", "Overview")

    def lens(label: str) -> Locator:
        return (
            sidebar(page)
            .get_by_role("radiogroup", name="Lens")
            .get_by_role("radio", name=label, exact=True)
        )

    def grain(value: str) -> Locator:
        return (
            main_area(page)
            .get_by_role("radiogroup", name="Grain")
            .get_by_role("radio", name=value, exact=True)
        )

    try:
        r.open("bridge:open", "overview", "Overview")
        r.measure(
            "act:lens_choice",
            r.click(lens("Choice")),
            r.url_shows("lens", "choice"),
            overview,
            "bridge:open_then_click",
        )
        r.measure(
            "act:lens_both", r.click(lens("Side by side")), r.url_leaves("lens", "choice"), overview
        )
        r.measure(
            "act:grain_month", r.click(grain("month")), r.url_shows("grain", "month"), overview
        )
        r.measure(
            "act:grain_quarter", r.click(grain("quarter")), r.url_leaves("grain", "month"), overview
        )
        unit = sidebar(page)
        r.measure(
            "act:unit_pick",
            r.pick(unit, "Business unit", "Retail Stores"),
            r.url_shows("unit", "Retail Stores"),
            overview,
        )
        r.measure(
            "act:unit_all",
            r.pick(unit, "Business unit", "All business units"),
            r.url_leaves("unit", "Retail Stores"),
            overview,
        )
        for link_text, (path, title) in BRIDGE_PAGES.items():
            link = sidebar(page).get_by_test_id("stPageLink-NavLink").filter(has_text=link_text)
            paths = (path, "") if path == "overview" else (path,)
            r.switch(f"switch:{path}", link, paths, title)
            here = (path, title)
            if path == "trade_offs":
                bubble_click(r)
                # Back to all units, untimed (the rest of the round is for all business units).
                if query(page).get("unit") is not None:
                    r.measure(
                        None,
                        r.pick(unit, "Business unit", "All business units"),
                        r.url_leaves("unit", "Retail Stores"),
                        here,
                    )
                before = query(page).get("decision")
                r.measure(
                    "act:decision",
                    r.pick(main_area(page), "Decision", "Where do we concentrate investment?"),
                    r.url_leaves("decision", before),
                    here,
                )
            elif path == "time_horizons":
                r.measure(
                    "act:metric_horizons",
                    r.pick(main_area(page), "Metric", "Contribution margin"),
                    r.url_shows("metric", "contribution_margin"),
                    here,
                )
                r.measure(
                    "act:grain_horizons", r.click(grain("year")), r.url_shows("grain", "year"), here
                )
            elif path == "frontline":
                r.measure(
                    "act:metric_frontline",
                    r.pick(main_area(page), "Metric", "On-time delivery rate"),
                    r.url_shows("metric", "on_time_rate"),
                    here,
                )
    finally:
        r.close()


def first_page(
    browser: Any, app: str, base: str, key: str, samples: Samples, notes: dict[str, int]
) -> None:
    """A new session's first page on a server that was just started (``goto`` → settled), kept
    under ``key``."""
    r = Round(browser, app, base, samples, notes)
    try:
        if app == "bridge":
            r.open(key, "overview", "Overview")
        else:
            r.open(key, "", "Floor one")
    finally:
        r.close()


def fresh_first_page(
    browser: Any,
    app: str,
    server_folder: Path,
    db: Path,
    cache_dir: Path,
    key: str,
    samples: Samples,
    notes: dict[str, int],
) -> None:
    """Start a server for ``app`` and time its first page (the server healthy before the goto);
    the time from the start until healthy is kept too (``<key>:healthy``): Bridge's server starts
    loading the measures at once (``bridge.app.serve``), which must not delay the server itself."""
    started = time.perf_counter()
    with running_server(app, server_folder, db, cache_dir) as base:
        samples[f"{key}:healthy"].append(time.perf_counter() - started)
        first_page(browser, app, base, key, samples, notes)


def guarded(notes: dict[str, int], what: str, step: Callable[[], None]) -> None:
    """Run one round or first-page measurement; a failure is noted (the run goes on)."""
    try:
        step()
    except Exception as exc:  # a server or browser failure: noted, not fatal
        text = f"{what} aborted: {first_line(exc)}"
        notes[text] = notes.get(text, 0) + 1
        print(f"  {text}", flush=True)


# --- the report -------------------------------------------------------------------------------------


def goal_for(key: str) -> tuple[str, float] | None:
    """The goal of one of this report's ratios (by key): its text and the limit; None: no goal."""
    if key == "median":
        return "median ≤ 1.5×", MEDIAN_GOAL
    if key.startswith("first_page"):
        return "≤ 3× floor", FIRST_PAGE_GOAL
    if key.startswith(("switch:", "act:")):
        return "≤ 2× floor", SWITCH_GOAL
    return None


def measurement_of(ratio_key: str) -> str:
    """The key of the Bridge measurement a ratio (by key) divides by the floor's."""
    return ratio_key if ratio_key.startswith(("switch:", "act:")) else f"bridge:{ratio_key}"


def goal_met(value: float, limit: float) -> bool:
    return value == value and value <= limit  # NaN (no sample) is not met


def build_report(samples: Samples, notes: dict[str, int], extra: list[str]) -> Report:
    report = Report("browser", "Browser-timed pages and interactions: Bridge / floor app")

    def add(key: str, label: str, unit: Any = "ms", note: str = "") -> bool:
        if not samples.get(key):
            report.notes.append(f"no sample for {label}")
            return False
        report.add(Measurement(key, label, samples[key], unit, note=note))
        return True

    add("floor:switch", "floor: page switch (sidebar menu)", note="3 per round, pooled")
    add("floor:widget", "floor: segmented control change", note="6 per round, pooled")
    add("floor:open", "floor: new session, first page (server warm)")
    add("floor:first", "floor: first page after a server start", "s")

    def compare(key: str, label: str, floor_key: str, kind: str, unit: Any = "ms") -> None:
        ratio_key = key.replace("bridge:", "")
        ratio_label = f"{label.removeprefix('Bridge: ')} / {kind}"
        goal = goal_for(ratio_key)
        if not add(key, label, unit):
            report.ratios.append(Ratio(ratio_key, ratio_label, float("nan"), "no sample"))
            return
        m = report.get(key)
        floor = report.get(floor_key).median if samples.get(floor_key) else float("nan")
        value = m.median / floor if floor else float("nan")
        note = ""
        if goal is not None:
            met = goal_met(value, goal[1])
            m.goal, m.met = goal[0], met
            m.note = f"{value:.2f}× floor"
            note = f"goal {goal[0]}: {'met' if met else 'NOT met'}"
        report.ratios.append(Ratio(ratio_key, ratio_label, value, note))

    for _, (path, title) in BRIDGE_PAGES.items():
        compare(f"switch:{path}", f"Bridge: page switch → {title}", "floor:switch", "floor switch")
    for key, label in INTERACTIONS.items():
        compare(f"act:{key}", f"Bridge: {label}", "floor:widget", "floor widget")
    ratios = [r.value for r in report.ratios if r.value == r.value]
    value = median(ratios) if ratios else float("nan")
    met = goal_met(value, MEDIAN_GOAL)
    report.ratios.append(
        Ratio(
            "median",
            f"median of the {len(ratios)} page and interaction ratios",
            value,
            f"goal median ≤ 1.5×: {'met' if met else 'NOT met'}",
        )
    )
    compare(
        "bridge:open", "Bridge: new session, Overview (server warm)", "floor:open", "floor open"
    )
    # What a person who clicks at once waits for: the new session's first page and its first
    # click together (Streamlit's chart code is in this sum once on each side).
    add("floor:open_then_click", "floor: new session, first page then its first click")
    compare(
        "bridge:open_then_click",
        "Bridge: new session, Overview then lens → Choice at once",
        "floor:open_then_click",
        "floor first page then click",
    )
    compare(
        "bridge:first_page",
        "Bridge: first page after a server start (empty measure cache)",
        "floor:first",
        "floor first page",
        "s",
    )
    compare(
        "bridge:first_page_warm",
        "Bridge: first page after a server start (measure cache on disk)",
        "floor:first",
        "floor first page",
        "s",
    )
    add("floor:first:healthy", "floor: server start until healthy", "s")
    add("bridge:first_page:healthy", "Bridge: server start until healthy (empty cache)", "s")
    add("bridge:first_page_warm:healthy", "Bridge: server start until healthy (cache on disk)", "s")
    for text, count in notes.items():
        report.notes.append(text + (f" ({count}×)" if count > 1 else ""))
    report.notes.extend(extra)
    return report


# --- the run ----------------------------------------------------------------------------------------


def run(db: Path, repeat: int = 3) -> Report:
    """A warm-up round per app, ``repeat`` alternating rounds, then the first pages after a start."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    samples: Samples = defaultdict(list)
    notes: dict[str, int] = {}
    extra: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="bridge-bench-browser-") as directory,
        chromium() as browser,
    ):
        folder = Path(directory)
        extra.append(
            f"Chromium {browser.version}, viewport {VIEWPORT['width']}×{VIEWPORT['height']}"
        )
        rounds_cache = folder / "bridge-cache"
        with (
            running_server("floor", folder / "floor") as floor,
            running_server("bridge", folder / "bridge", db, rounds_cache) as bridge,
        ):
            print(f"  servers up: floor {floor}, Bridge {bridge}; warm-up rounds …", flush=True)
            guarded(notes, "floor warm-up round", lambda: floor_round(browser, floor, None, notes))
            guarded(
                notes, "Bridge warm-up round", lambda: bridge_round(browser, bridge, None, notes)
            )
            for index in range(repeat):
                guarded(notes, "a floor round", lambda: floor_round(browser, floor, samples, notes))
                guarded(
                    notes, "a Bridge round", lambda: bridge_round(browser, bridge, samples, notes)
                )
                switches = [v[-1] for k, v in samples.items() if k.startswith("switch:") and v]
                floor_switches = samples["floor:switch"][-3:]
                print(
                    f"  round {index + 1}: page switch median, floor "
                    f"{median(floor_switches) * 1000 if floor_switches else float('nan'):.0f} ms, "
                    f"Bridge {median(switches) * 1000 if switches else float('nan'):.0f} ms",
                    flush=True,
                )
        # Fresh servers, one at a time: the floor; Bridge with an empty measure cache (only the
        # sample database exists); Bridge with the measure cache the rounds' server left (a restart).
        fresh = [
            ("floor", "floor:first", None),
            ("bridge", "bridge:first_page", "empty-cache"),
            ("bridge", "bridge:first_page_warm", None),
        ]
        for index in range(repeat):
            for app, key, cache in fresh:
                server_folder = folder / f"{key.replace(':', '-')}-{index}"
                cache_dir = folder / f"{cache}-{index}" if cache else rounds_cache
                guarded(
                    notes,
                    f"first page after a start ({key})",
                    partial(
                        fresh_first_page,
                        browser,
                        app,
                        server_folder,
                        db,
                        cache_dir,
                        key,
                        samples,
                        notes,
                    ),
                )
            print(
                f"  first page after a start {index + 1}: "
                + ", ".join(f"{k} {samples[k][-1]:.2f} s" for _, k, _ in fresh if samples[k]),
                flush=True,
            )
    extra += [
        "times run from the click (or goto) until the page settled: script finished, no stale "
        "element, every chart and table drawn (no skeleton, an SVG in each Plotly chart), "
        f"confirmed {CONFIRM_MS} ms later (the time is that of the first sighting)",
        "Bridge's ratios compare to the floor's pooled median of the same kind, measured in the "
        "same run; the median ratio is the median of the per-page and per-interaction ratios",
        "first page after a server start: a fresh server (healthy before the timed goto); "
        "'empty measure cache' = only the sample database exists; 'measure cache on disk' = the "
        "Parquet measure cache left by the rounds' server (a restart)",
        f"BRIDGE_CACHE_TTL_SECONDS={CACHE_TTL_SECONDS} so no measure reload lands in a round",
        f"1-minute load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
    ]
    report = build_report(samples, notes, extra)
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__)


if __name__ == "__main__":
    main()
