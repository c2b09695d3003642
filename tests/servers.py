"""Streamlit servers and Debian's Chromium, as the real-browser tests and the browser benchmark start
them: plain functions (no pytest), so ``benchmarks/bench_browser.py`` uses the very same plumbing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
#: Debian's Chromium, headless, with nothing reaching out to the network (no sandbox: tests run as
#: root in CI).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {  # Bridge's sidebar link text -> (URL path, page title)
    "Overview": ("overview", "Overview"),
    "Trade-offs": ("trade_offs", "Trade-offs"),
    "Time horizons": ("time_horizons", "Time horizons"),
    "Frontline": ("frontline", "Frontline"),
    "Decision log": ("decision_log", "Decision log"),
    "Definitions & lineage": ("definitions", "Definitions & lineage"),
    "Data health": ("data_health", "Data health"),
}
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STALE = '[data-testid="stElementContainer"][data-stale="true"]'
LIVE = '[data-testid="stElementContainer"]:not([data-stale="true"])'
#: A JavaScript expression, true while something on the page has not drawn yet: an element still
#: waiting for its lazily loaded code (Streamlit shows a skeleton while a chart's or a table's
#: JavaScript loads), or a Plotly chart without its SVG.
UNDRAWN = (
    'document.querySelector(\'[data-testid="stElementContainer"] [data-testid="stSkeleton"]\')'
    " || Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
    ".some(chart => !chart.querySelector('.main-svg'))"
)
#: A JavaScript expression, true while the chart code a new tab's first Bridge page asked for
#: (``bridge.app.ui.preload_chart_code``, in the container keyed ``bridge-chart-code``) has not run
#: yet: about 0.7 s of the browser's main thread, starting about when that page has drawn. Until it
#: has run the page is not ready for a click (one made then waits for it), as the floor app's first
#: page is not ready before its chart's code has run. False where there is no such container, and
#: once the code has loaded, failed, or was not asked for (a connection that saves data).
CHART_CODE_ELEMENT = ".st-key-bridge-chart-code"
CHART_CODE_PENDING = (
    f"(!!document.querySelector('{CHART_CODE_ELEMENT}')"
    " && [undefined, 'requested'].includes(window.bridgeChartCode))"
)
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

#: The centre (viewport pixels) of the first step of a bridge (waterfall) chart whose label starts
#: with ``label``.
STEP_CENTRE_JS = """(gd, label) => {
  const i = gd._fullData[0].x.findIndex(x => String(x).startsWith(label));
  if (i < 0) return null;
  const bar = gd.querySelectorAll('g.waterfalllayer g.point, g.waterfalllayer path.point')[i];
  if (!bar) return null;
  const box = bar.getBoundingClientRect();
  return {x: box.x + box.width / 2, y: box.y + box.height / 2};
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


def streamlit_command(port: int, app: str | None = None) -> list[str]:
    """``make run``'s command on ``port`` (Bridge's server: ``streamlit run app.py`` with the
    measures loaded as it starts, :mod:`bridge.app.serve`); with ``app``, plain ``streamlit run``
    of that script (the benchmark's floor app)."""
    venv = ROOT / ".venv" / "bin"
    head = (
        [str(venv / "python"), "-m", "bridge.app.serve"]
        if app is None
        else [str(venv / "streamlit"), "run", app]
    )
    return [
        *head,
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]


def bridge_env(source_url: str, folder: Path, cache_dir: Path | None = None) -> dict[str, str]:
    """The environment without the caller's BRIDGE_* variables: the given source, the shipped
    config, Bridge's own database and the measure cache in ``folder`` (or ``cache_dir``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.update(
        BRIDGE_SOURCE_URL=source_url,
        BRIDGE_CONFIG_DIR=str(ROOT / "config"),
        BRIDGE_STATE_URL=f"sqlite:///{folder / 'state.sqlite'}",
        BRIDGE_CACHE_DIR=str(cache_dir or folder / "cache"),
    )
    return env


def start(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The server in a process group of its own (so :func:`stop` ends all it starts), logging to
    ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_healthy(process: subprocess.Popen[bytes], base: str, log: Path, seconds: float) -> None:
    """Until the server answers its health check; RuntimeError (with the log) if it dies or is late."""
    deadline = time.monotonic() + seconds
    while not healthy(base):
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"streamlit was not healthy after {seconds} s:\n{log.read_text()}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and anything it started (its own process group); never leave it running."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
