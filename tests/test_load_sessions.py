"""Load: many browser sessions at once against ONE real ``streamlit run`` server.

The server is ``tests/test_browser.py``'s (``make run``'s command on 127.0.0.1, the sample company).
Each session is its own Playwright browser context (new cookies, so a new Streamlit session) in
Debian's Chromium, driven through Playwright's async API; a semaphore lets only a few run at once (the
test machine has 2 shared cores). Each session opens a page (with a lens in the URL), switches the lens
in the sidebar, then moves to another page through the sidebar, and fails on any exception box, error
alert or dialog. The server's memory (VmRSS of its process tree) is read before and after the sessions
and sampled during them, to catch per-session copies of the data.

A small report is printed (``pytest -s``) and written to ``test-artifacts/load/report.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

if not (Path("/usr/bin/chromium").exists() or shutil.which("chromium")):
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium, or `chromium` on PATH); "
        "install it with `make system-deps` (Debian's package) to run the load test",
        allow_module_level=True,
    )

from playwright.async_api import (  # noqa: E402  (only once Chromium is known to exist)
    Browser,
    Locator,
    Page,
    ViewportSize,
    WebSocket,
    async_playwright,
    expect,
)
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from tests.browsing import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE,
    SCRIPT_DONE,
    SERVER_LOG,
)
from tests.servers import PAGES  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "load"

#: How many sessions in all, and how many at once (2 shared cores run the server AND Chromium).
SESSIONS = 20
CONCURRENCY = 5
#: Any single wait (a page load, a rerun) may take this long under load.
WAIT_MS = 90_000
#: The whole test, warm-up included.
OVERALL_S = 360
#: Smaller than the browser tests' pages: less for Chromium to paint on the 2 shared cores.
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}

#: Memory bounds for the server's process tree (VmRSS, summed over the process and its children).
#: After the warm-up the server holds the sample company and its computed screens once (about 320 MiB
#: measured), and 20 sessions normally add only their own small state (widget values, the last run's
#: messages): some tens of MiB (about 10-40 MiB measured). A leak that kept a per-session copy of the
#: dataset (~300k rows) or of a computed screen, tens of MiB each, would add well over a gigabyte across
#: 20 sessions, which the growth bound catches; the absolute bound (about 10x the normal size) catches a
#: server that is far too big however it got there, on a machine that also runs Chromium.
MIB = 1024 * 1024
MAX_GROWTH = 1536 * MIB  # 1.5 GiB
MAX_FINAL = 3072 * MIB  # 3 GiB

#: Start pages (URL paths) and the lens put in their URL (None: no parameter, i.e. Side by side).
#: Only pages that read differently per lens have the lens control (Definitions, Data health and
#: the Decision log do not); they are still navigation targets.
START_PATHS = ["overview", "trade_offs", "time_horizons", "frontline"]
LENSES = ["Action", "Choice", "Side by side"]
#: What the URL holds for each lens (the lens control shows the label).
LENS_IDS = {"Action": "action", "Choice": "choice", "Side by side": "both"}
START_LENSES: list[str | None] = [None, "Choice", "Action"]
TITLES = {path: title for path, title in PAGES.values()}
LINKS = {path: link for link, (path, _) in PAGES.items()}

SETTLED_JS = f"!!document.querySelector('{SCRIPT_DONE}') && " + (
    '!document.querySelector(\'[data-testid="stElementContainer"][data-stale="true"]\')'
)
#: Quoted when a session fails.
STATE_JS = """() => ({
  url: location.href,
  script: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  stale: document.querySelectorAll('[data-testid="stElementContainer"][data-stale="true"]').length,
  dialog: document.querySelector('[role="dialog"]')?.innerText,
})"""


def url_path(path: str) -> str:
    """Every page, the Overview included, lives at its own path (the root URL opens the Overview)."""
    return path


@dataclass
class Plan:
    """One simulated visitor."""

    n: int
    start: str
    start_lens: str | None
    lens: str
    target: str

    @property
    def url(self) -> str:
        query = f"?{urlencode({'lens': LENS_IDS[self.start_lens]})}" if self.start_lens else ""
        return f"/{url_path(self.start)}{query}"

    def describe(self) -> str:
        return f"{self.url} → lens {self.lens} → {LINKS[self.target]}"


def plans(count: int) -> list[Plan]:
    """Rotate start pages, lenses in the URL, lenses clicked and sidebar targets (decision log too)."""
    result = []
    for n in range(1, count + 1):
        start = START_PATHS[n % len(START_PATHS)]
        start_lens = START_LENSES[n % len(START_LENSES)]
        others = [lens for lens in LENSES if lens != (start_lens or "Side by side")]
        targets = [path for path in LINKS if path != start]
        rounds = n // len(START_PATHS)
        result.append(
            Plan(
                n=n,
                start=start,
                start_lens=start_lens,
                lens=others[rounds % len(others)],
                target=targets[(n + 2 * rounds) % len(targets)],
            )
        )
    return result


# --- the server's process tree ----------------------------------------------------------------------


def server_pid(base: str) -> int:
    """The server process listening on ``base``'s port (found by its command line: ``make run``'s
    ``python -m bridge.app.serve``, or a plain ``streamlit run``)."""
    port = str(urlparse(base).port)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        served = "bridge.app.serve" in args or (
            any(a.endswith("streamlit") for a in args) and "run" in args
        )
        if served:
            with contextlib.suppress(ValueError, IndexError):
                if args[args.index("--server.port") + 1] == port:
                    return int(entry.name)
    raise AssertionError(f"no streamlit process found for {base}")


def _stat(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` from the field after ``(comm)`` (comm may hold spaces and parentheses)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(child for child, parent in parents.items() if parent == current)
    return tree


def tree_rss(pid: int) -> int:
    """VmRSS in bytes of ``pid`` and all its descendants."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{member}/status").read_text()
            if match := re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE):
                total += int(match.group(1)) * 1024
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants (utime, stime: fields 14 and 15)."""
    ticks = sum(
        int(fields[11]) + int(fields[12])
        for member in process_tree(pid)
        if (fields := _stat(member))
    )
    return ticks / os.sysconf("SC_CLK_TCK")


async def sample_peak(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)


# --- one session ------------------------------------------------------------------------------------


class Wire:
    """What the server sent this session, read from the websocket (Streamlit's ForwardMsg protobufs).

    The page's ``data-test-script-state`` attribute alone cannot tell that a rerun happened: on a
    starved CPU React may batch "running" and "not running" into one render, so the page never shows
    the rerun. Counting the server's "script finished" messages can.
    """

    def __init__(self, page: Page) -> None:
        self.finished = 0
        self.errors: list[str] = []
        page.on("websocket", self._socket)

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        if not isinstance(payload, bytes):
            return
        try:
            msg = ForwardMsg.FromString(payload)
        except Exception:  # not a ForwardMsg: nothing to count
            return
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.finished += 1
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                self.errors.append(
                    f"exception {element.exception.type}: {element.exception.message}"
                )
            elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                self.errors.append(f"error alert: {element.alert.body}")

    async def run_after(self, before: int) -> None:
        """Wait until a script run that finished after ``before`` runs (successfully)."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while self.finished <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no script run finished within {WAIT_MS / 1000:.0f} s")
            await asyncio.sleep(0.1)


async def settle(page: Page) -> None:
    """Wait until the page shows a finished run and no stale elements (twice, a moment apart)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    for pause in (300, 0):
        remaining = max(deadline - time.monotonic(), 1) * 1000
        await page.wait_for_function(SETTLED_JS, timeout=remaining, polling=200)
        await page.wait_for_timeout(pause)


async def assert_no_errors(page: Page, wire: Wire, where: str) -> None:
    """No exception box, error alert or dialog on the page, and none sent by the server."""
    if wire.errors:
        raise AssertionError(f"{where}: the server sent " + "\n---\n".join(wire.errors))
    for selector, what in (
        ('[data-testid="stException"]', "exception"),
        ('[data-testid="stAlertContentError"]', "error message"),
        ('[role="dialog"]', "dialog"),  # e.g. "Page not found"
    ):
        boxes = page.locator(selector)
        shown = [
            await boxes.nth(i).inner_text()
            for i in range(await boxes.count())
            if await boxes.nth(i).is_visible()
        ]
        if shown:
            raise AssertionError(f"{where}: {page.url} shows a {what}:\n" + "\n---\n".join(shown))


def lens_button(page: Page, label: str) -> Locator:
    return (
        page.locator('[data-testid="stSidebar"]')
        .get_by_role("radiogroup", name="Lens")
        .get_by_role("radio", name=label, exact=True)
    )


async def assert_page(page: Page, base: str, path: str, lens: str) -> None:
    """The page's own title, its URL, and the lens (selected, and in the URL unless the default)."""
    title = page.locator(f'[data-testid="stMain"] {LIVE}').get_by_role("heading", level=1)
    await expect(title.filter(has_text=TITLES[path])).to_be_visible()
    query = (
        rf"\?(.*&)?lens={re.escape(LENS_IDS[lens])}(&.*)?$"
        if lens != "Side by side"
        else r"(\?(?!.*lens=).*)?$"
    )
    await expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/{url_path(path)}{query}"))
    if path in START_PATHS:
        await expect(lens_button(page, lens)).to_have_attribute("aria-checked", "true")
    else:  # the lens is carried on in the URL, and the page says it reads the same in every lens
        sidebar = page.locator('[data-testid="stSidebar"]')
        await expect(
            sidebar.get_by_text("Lens: this page reads the same in every lens.")
        ).to_be_visible()


@dataclass
class Outcome:
    plan: Plan
    seconds: float = 0.0
    error: str | None = None
    steps: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What the load did so far (still reported if the overall timeout cuts it short)."""

    started: float = field(default_factory=time.monotonic)
    warm_up: Outcome | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    active: dict[int, Outcome] = field(default_factory=dict)
    rss_before: int = 0
    rss_after: int = 0
    rss_peak: int = 0
    cpu_seconds: float = 0.0
    wall: float = 0.0

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", flush=True)


async def run_session(browser: Browser, base: str, plan: Plan, run: Run) -> Outcome:
    outcome = Outcome(plan)
    run.active[plan.n] = outcome
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    wire = Wire(page)
    started = time.monotonic()

    def step(name: str) -> int:
        outcome.steps.append(name)
        run.log(f"session {plan.n}: {name} ({time.monotonic() - started:.1f} s)")
        return wire.finished

    try:
        step(f"open {plan.url}")
        await page.goto(f"{base}{plan.url}", timeout=WAIT_MS)
        await wire.run_after(0)
        await settle(page)
        await assert_page(page, base, plan.start, plan.start_lens or "Side by side")
        await assert_no_errors(page, wire, "after opening")

        runs = step(f"lens {plan.lens}")
        await lens_button(page, plan.lens).click()
        await wire.run_after(runs)
        await settle(page)
        await assert_page(page, base, plan.start, plan.lens)
        await assert_no_errors(page, wire, "after switching the lens")

        runs = step(f"navigate to {LINKS[plan.target]}")
        link = page.locator('[data-testid="stSidebar"]').get_by_test_id("stPageLink-NavLink")
        await link.filter(has_text=LINKS[plan.target]).click()
        await wire.run_after(runs)
        await settle(page)
        await assert_page(page, base, plan.target, plan.lens)  # the lens is kept across pages
        await assert_no_errors(page, wire, "after navigating")
        step("done")
    except Exception as error:  # reported with the others, after every session
        state = None
        with contextlib.suppress(Exception):
            state = await page.evaluate(STATE_JS)
        outcome.error = f"{type(error).__name__}: {error}\npage state: {state}"
        run.log(f"session {plan.n}: FAILED: {outcome.error.splitlines()[0]}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(ARTIFACTS / f"session-{plan.n}-failed.png"))
    finally:
        outcome.seconds = time.monotonic() - started
        run.active.pop(plan.n, None)
        await context.close()
    return outcome


# --- the load -------------------------------------------------------------------------------------


async def load(base: str, pid: int, run: Run) -> None:
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The first load of a fresh server computes everything: one session alone, first.
            warm_up = Plan(
                n=0, start="overview", start_lens=None, lens="Choice", target="frontline"
            )
            run.warm_up = await run_session(browser, base, warm_up, run)
            if run.warm_up.error:
                return
            run.rss_before = run.rss_peak = tree_rss(pid)
            cpu_before = tree_cpu_seconds(pid)
            peak, stop = [run.rss_before], asyncio.Event()
            sampler = asyncio.create_task(sample_peak(pid, peak, stop))
            gate = asyncio.Semaphore(CONCURRENCY)

            async def bounded(plan: Plan) -> None:
                async with gate:
                    run.outcomes.append(await run_session(browser, base, plan, run))

            started = time.monotonic()
            try:
                await asyncio.gather(*(bounded(p) for p in plans(SESSIONS)))
            finally:
                run.wall = time.monotonic() - started
                run.cpu_seconds = tree_cpu_seconds(pid) - cpu_before
                stop.set()
                await sampler
                run.rss_after = tree_rss(pid)
                run.rss_peak = max(peak[0], run.rss_after)
        finally:
            await browser.close()


def _mib(n: int) -> str:
    return f"{n / MIB:,.0f} MiB"


def report(run: Run) -> str:
    times = sorted(o.seconds for o in run.outcomes)
    p95 = times[math.ceil(0.95 * len(times)) - 1] if times else 0.0  # nearest rank
    warm = f"{run.warm_up.seconds:.1f} s" if run.warm_up else "not finished"
    lines = [
        "# Load: browser sessions at once against one Bridge server",
        "",
        f"- sessions: {len(run.outcomes)} of {SESSIONS} finished, {CONCURRENCY} at a time; "
        f"failed: {sum(1 for o in run.outcomes if o.error)}, cut short: {len(run.active)}",
        f"- warm-up session (the first load computes everything): {warm}",
        f"- sessions' wall time: {run.wall:.1f} s (whole test {time.monotonic() - run.started:.1f} s); "
        f"server CPU during them: {run.cpu_seconds:.1f} s",
        f"- seconds per session: p50 {statistics.median(times) if times else 0:.1f}, "
        f"p95 {p95:.1f}, max {max(times, default=0):.1f}",
        f"- server RSS (process tree): before {_mib(run.rss_before)}, after {_mib(run.rss_after)}, "
        f"peak {_mib(run.rss_peak)}; growth {_mib(run.rss_after - run.rss_before)} "
        f"(bounds: growth < {_mib(MAX_GROWTH)}, after and peak < {_mib(MAX_FINAL)})",
        f"- load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores",
        "",
        "| # | session | seconds | result |",
        "|---|---------|---------|--------|",
    ]
    done = [run.warm_up] if run.warm_up else []
    for o in [*done, *sorted(run.outcomes, key=lambda o: o.plan.n), *run.active.values()]:
        if o.error:
            status = f"FAILED at {o.steps[-1]}: {o.error.splitlines()[0]}"
        else:
            status = "ok" if o.steps[-1:] == ["done"] else f"cut short at {o.steps[-1:]}"
        lines.append(f"| {o.plan.n} | {o.plan.describe()} | {o.seconds:.1f} | {status} |")
    return "\n".join(lines) + "\n"


def test_many_sessions_on_one_server(server: str) -> None:
    pid = server_pid(server)
    for old in ARTIFACTS.glob("session-*-failed.png"):  # from an earlier run
        old.unlink()
    run = Run()
    timed_out = False
    try:
        asyncio.run(asyncio.wait_for(load(server, pid, run), timeout=OVERALL_S))
    except TimeoutError:
        timed_out = True

    text = report(run)
    print("\n" + text)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.md").write_text(text)

    log = SERVER_LOG[-1].read_text(errors="replace")[-4000:] if SERVER_LOG else ""
    failures = [o for o in [run.warm_up, *run.outcomes] if o and o.error]
    if timed_out or failures:
        pytest.fail(
            (f"the load took longer than {OVERALL_S} s\n\n" if timed_out else "")
            + "\n\n".join(f"session {o.plan.n} ({o.plan.describe()}): {o.error}" for o in failures)
            + f"\n\n{text}\nserver log (tail):\n{log}"
        )
    assert len(run.outcomes) == SESSIONS
    assert run.rss_after - run.rss_before < MAX_GROWTH, text
    assert run.rss_after < MAX_FINAL, text
    assert run.rss_peak < MAX_FINAL, text
