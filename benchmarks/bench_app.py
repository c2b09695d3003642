"""The app's server time per run, through Streamlit's AppTest (the real app.py and pages/).

Usage::

    .venv/bin/python benchmarks/bench_app.py [--db PATH] [--repeat 3]

Each repeat starts from empty caches (``st.cache_data.clear(); st.cache_resource.clear()``, the
process's measure cache, ``MeasureCache.drop_shared()``, and an empty measure-cache folder) and measures, in order: the cold first render of Overview (engine,
bounds, measures, screen, render);
a warm re-render; the lens toggle to Choice and back; the first visit to every other page (data
cached, page not yet built); a new session on Overview with everything cached; a new session on
Overview with the data cached but the screen cache cleared (the baseline the cold render is compared
with); grain changes on Time horizons; and a restart (Streamlit caches cleared, the on-disk measure
cache kept). Goals (reported, not asserted): first page < 3 s once the
sample database exists, warm interactions < 150 ms.

Times are the wall time of ``AppTest.run()`` — the script run on the server, without the browser.
Python imports are paid once per process, so an untimed round runs first; its figure is reported
separately as "first render in a fresh process".
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import ROOT, Measurement, Report, main_for, sqlite_url

APP = ROOT / "app.py"
FIRST_PAGE_GOAL = 3.0
WARM_GOAL = 0.150
TIMEOUT = 180
CACHE_TTL_SECONDS = 86_400
#: Error messages any timed run showed (a page that fails fast would look fast).
SHOWN_ERRORS: set[str] = set()
Samples = dict[str, list[float]]
#: The measure-cache folder of the current app environment (a temporary folder).
MEASURE_CACHE_DIR: list[Path | None] = [None]


@contextmanager
def app_environment(db: Path) -> Iterator[None]:
    """Environment for AppTest runs: the sample as source, a throwaway state DB and measure cache
    folder, a day-long cache TTL and the pages/ workaround.

    Mirrors tests/test_app.py: AppTest resets ``PagesManager.uses_pages_directory``, which would send
    later runs through Streamlit's legacy multipage wrapper, so the flag is kept False.
    """
    from streamlit.runtime.pages_manager import PagesManager

    from bridge.settings import get_settings

    saved_env = {k: v for k, v in os.environ.items() if k.startswith("BRIDGE_")}
    saved_cwd = Path.cwd()
    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with tempfile.TemporaryDirectory(prefix="bridge-bench-state-") as state_dir:
        for key in saved_env:
            del os.environ[key]
        os.environ["BRIDGE_SOURCE_URL"] = sqlite_url(db)
        os.environ["BRIDGE_CONFIG_DIR"] = str(ROOT / "config")
        os.environ["BRIDGE_STATE_URL"] = sqlite_url(Path(state_dir) / "state.sqlite")
        # The app's measure cache expires at wall-clock multiples of the TTL (600 s by default); a run
        # crossing one would reload everything and time the loader instead of the interaction.
        os.environ["BRIDGE_CACHE_TTL_SECONDS"] = str(CACHE_TTL_SECONDS)
        # The Parquet measure cache (if this version of the app has one) lives in the temp folder too.
        MEASURE_CACHE_DIR[0] = Path(state_dir) / "measures"
        os.environ["BRIDGE_CACHE_DIR"] = str(MEASURE_CACHE_DIR[0])
        os.chdir(ROOT)
        PagesManager.__init__ = init  # type: ignore[method-assign]
        get_settings.cache_clear()
        try:
            yield
        finally:
            PagesManager.__init__ = original_init  # type: ignore[method-assign]
            os.chdir(saved_cwd)
            for key in [k for k in os.environ if k.startswith("BRIDGE_")]:
                del os.environ[key]
            os.environ.update(saved_env)
            get_settings.cache_clear()


def clear_caches(*, measure_cache: bool = True) -> None:
    """Empty every Streamlit cache, as after a server start; and the on-disk measure cache (the
    benchmark's own temporary folder) unless ``measure_cache`` is False (a restart)."""
    import streamlit as st

    from bridge.data.refresh import MeasureCache

    st.cache_data.clear()
    st.cache_resource.clear()
    MeasureCache.drop_shared()  # the process's measure cache (memory), as after a server start
    folder = MEASURE_CACHE_DIR[0]
    if measure_cache and folder is not None and folder.exists():
        shutil.rmtree(folder)


def clear_screens() -> None:
    """Forget built screens only (measures, engine and registry stay cached)."""
    from bridge.app import ui

    ui._screen.clear()


def new_session(page: str) -> Any:
    """A new AppTest session whose first run will be ``page`` (a deep link; url path = file stem)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page(page)
    return at


def timed(samples: Samples, key: str | None, at: Any, action: Any = None) -> float:
    """Run once (``action`` is a widget already set, or None for a plain rerun); record wall and CPU
    seconds under ``key`` and ``key + "_cpu"`` (not recorded when ``key`` is None)."""
    target = at if action is None else action
    wall, cpu = time.perf_counter(), time.process_time()
    target.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if at.exception:
        raise RuntimeError(f"the app raised: {[e.value for e in at.exception]}")
    SHOWN_ERRORS.update(str(e.value)[:200] for e in at.error)
    if key is not None:
        samples[key].append(wall)
        samples[f"{key}_cpu"].append(cpu)
    return wall


def pages() -> list[str]:
    """Every page file, Overview first (the default page)."""
    found = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    return sorted(found, key=lambda p: p != "pages/overview.py")


def warm_up(samples: Samples) -> None:
    """The untimed first render, so the app's Python imports are paid before the timed rounds.

    (Other pages' own imports are small and land in the first round's first visits; medians absorb
    them.)
    """
    clear_caches()
    timed(samples, "cold", new_session("pages/overview.py"))


def one_round(samples: Samples) -> None:
    """One full round from empty caches; appends a sample to each measurement."""
    clear_caches()
    at = new_session("pages/overview.py")
    timed(samples, "cold", at)
    for _ in range(3):
        timed(samples, "rerun", at)
    timed(samples, "lens_choice", at, at.sidebar.segmented_control(key="lens").set_value("choice"))
    timed(samples, "lens_back", at, at.sidebar.segmented_control(key="lens").set_value("both"))
    for page in pages()[1:]:
        timed(samples, f"visit:{page}", at.switch_page(page))

    timed(samples, "session_cached", new_session("pages/overview.py"))
    clear_screens()
    timed(samples, "data_cached", new_session("pages/overview.py"))

    at = new_session("pages/time_horizons.py")
    timed(samples, None, at)  # its quarter screen was dropped above: rebuild it untimed
    grain = "grain"
    timed(samples, "grain_new", at, at.segmented_control(key=grain).set_value("month"))
    timed(samples, "grain_cached", at, at.segmented_control(key=grain).set_value("quarter"))
    timed(samples, "grain_cached", at, at.segmented_control(key=grain).set_value("month"))

    # A server restart: Streamlit's caches are empty, the measure cache on disk is kept.
    clear_caches(measure_cache=False)
    timed(samples, "restart", new_session("pages/overview.py"))


def run(db: Path, repeat: int = 3) -> Report:
    """All rounds (one untimed warm-up round first), as a report with ratios."""
    import streamlit.config
    import streamlit.logger

    started = time.perf_counter()
    # Quiet the "No runtime found" / "missing ScriptRunContext" warnings of runs outside a server.
    streamlit.config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    warmup: Samples = defaultdict(list)
    samples: Samples = defaultdict(list)
    with app_environment(db):
        warm_up(warmup)
        for index in range(repeat):
            one_round(samples)
            print(
                f"  round {index + 1}: cold {samples['cold'][-1]:.2f} s, lens "
                f"{samples['lens_choice'][-1] * 1000:.0f} ms",
                flush=True,
            )
        clear_caches()

    report = Report("app", "App server time per run (AppTest, sample company)")

    def add(
        key: str, label: str, unit: Any = "ms", goal: float | None = None, note: str = ""
    ) -> None:
        m = Measurement(key, label, samples[key], unit, note=note)
        if goal is not None:
            m.goal = f"< {goal:g} s" if goal >= 1 else f"< {goal * 1000:.0f} ms"
            m.met = m.median < goal
        report.add(m)

    report.add(
        Measurement(
            "fresh_process",
            "first render in a fresh process (imports included)",
            warmup["cold"],
            "s",
            note="one sample: the untimed warm-up round",
        )
    )
    add(
        "cold",
        "cold first render: Overview, all caches empty",
        "s",
        FIRST_PAGE_GOAL,
        note="Streamlit caches and measure cache",
    )
    add(
        "restart",
        "first render after a restart (measure cache on disk)",
        "s",
        FIRST_PAGE_GOAL,
        note="Streamlit caches cleared",
    )
    add("data_cached", "first render, measures cached (baseline)", note="new session, screen built")
    add("session_cached", "new session, everything cached")
    add("rerun", "warm re-render (same session)", goal=WARM_GOAL)
    add("lens_choice", "lens toggle → Choice", goal=WARM_GOAL)
    add("lens_back", "lens toggle → Side by side", goal=WARM_GOAL)
    add("grain_new", "Time horizons grain → month (screen built)")
    add("grain_cached", "Time horizons grain change (screen cached)", goal=WARM_GOAL)
    add("cold_cpu", "cold first render: CPU time", "s", note="all threads; less noise-prone")
    add("lens_choice_cpu", "lens toggle → Choice: CPU time")
    add("grain_cached_cpu", "grain change (screen cached): CPU time")
    for page in pages()[1:]:
        add(f"visit:{page}", f"first visit: {Path(page).stem}", note="measures cached")

    report.ratio(
        "cold_vs_cached", "cold first render / measures-cached render", "cold", "data_cached"
    )
    slowest = max(pages()[1:], key=lambda page: report.get(f"visit:{page}").median)
    report.add(
        Measurement(
            "slowest_visit",
            f"slowest first visit: {Path(slowest).stem}",
            samples[f"visit:{slowest}"],
            "ms",
        )
    )
    report.ratio(
        "restart_vs_cached",
        "restart render / measures-cached render",
        "restart",
        "data_cached",
    )
    report.ratio("lens_vs_cold", "lens toggle / cold first render", "lens_choice", "cold")
    report.ratio("grain_vs_new", "cached / uncached grain change", "grain_cached", "grain_new")
    report.notes.append(
        "cold includes opening the engine, data bounds, loading all measures and building the "
        "screen; Python imports are excluded (see the fresh-process row)"
    )
    report.notes.append(
        "messages shown by st.error during timed runs: "
        + ("; ".join(sorted(SHOWN_ERRORS)) if SHOWN_ERRORS else "none")
    )
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__)


if __name__ == "__main__":
    main()
