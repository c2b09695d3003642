"""Shared helpers for the benchmarks: timing, memory, the shared sample database, result files.

Every benchmark returns a :class:`Report`: measurements (each a list of samples, shown as min / median /
max) and ratios against a baseline measured in the same run. The machine is shared and noisy, so
figures are medians of several repeats and goals are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TypeVar

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
#: The day the sample company is generated for, as in the tests.
AS_OF = date(2026, 11, 30)
MIB = 1024 * 1024

T = TypeVar("T")
Unit = Literal["s", "ms", "MiB", "rows"]

# The benchmarks import the library from src/ even when the project is not installed editable, and
# the browser benchmark starts servers and Chromium with the tests' own plumbing (tests/servers.py).
for _path in (ROOT / "src", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


# --- measurements -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    """The median of the samples (the figure the reports lead with)."""
    return statistics.median(values)


@dataclass
class Measurement:
    """Samples of one quantity. Times are stored in seconds, memory in bytes; ``unit`` is for display."""

    key: str
    label: str
    samples: list[float]
    unit: Unit = "s"
    goal: str | None = None
    #: Whether the goal was met (None when there is no goal); decided by the benchmark, not asserted.
    met: bool | None = None
    note: str = ""

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return median(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def show(self, value: float) -> str:
        """One value in the display unit."""
        if self.unit == "ms":
            return f"{value * 1000:,.0f}" if value >= 0.1 else f"{value * 1000:,.1f}"
        if self.unit == "MiB":
            return f"{value / MIB:,.0f}"
        if self.unit == "rows":
            return f"{value:,.0f}"
        return f"{value:,.2f}"


@dataclass
class Ratio:
    """``numerator / denominator`` of two medians measured in the same run (lower is better)."""

    key: str
    label: str
    value: float
    note: str = ""


@dataclass
class Report:
    """What one benchmark measured."""

    name: str
    title: str
    measurements: list[Measurement] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, measurement: Measurement) -> Measurement:
        self.measurements.append(measurement)
        return measurement

    def ratio(
        self, key: str, label: str, numerator: str, denominator: str, note: str = ""
    ) -> Ratio:
        """Add the ratio of two measurements' medians."""
        num, den = self.get(numerator).median, self.get(denominator).median
        value = Ratio(key, label, num / den if den else float("nan"), note)
        self.ratios.append(value)
        return value

    def get(self, key: str) -> Measurement:
        for m in self.measurements:
            if m.key == key:
                return m
        raise KeyError(key)

    def get_ratio(self, key: str) -> Ratio:
        for r in self.ratios:
            if r.key == key:
                return r
        raise KeyError(key)


def time_once(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall-clock seconds of one call (``time.perf_counter``) and its result."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def clock(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall-clock and CPU seconds of one call, and its result.

    CPU time (``time.process_time``: every thread of this process) is much less disturbed than wall
    time by other programs on a shared machine, so reports show it next to wall time.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def time_repeat(fn: Callable[[], object], repeat: int, warmup: int = 0) -> list[float]:
    """Seconds of ``repeat`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    return [time_once(fn)[0] for _ in range(repeat)]


def python_heap_peak(fn: Callable[[], T]) -> tuple[int, T]:
    """Peak bytes allocated by Python objects during the call (tracemalloc; slows the call down).

    Polars and SQLite allocate outside the Python heap, so use :func:`rss_peak_in_fresh_process` for
    whole-process memory.
    """
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def _proc_status_bytes(field_name: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status in bytes (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux ``clear_refs`` 5); False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def max_rss_bytes() -> int:
    """This process's peak resident set size so far.

    ``VmHWM`` of /proc/self/status where available: unlike ``getrusage``'s ``ru_maxrss`` it is not
    inherited from the parent's image across fork + exec. Falls back to ``getrusage``.
    """
    hwm = _proc_status_bytes("VmHWM")
    if hwm is not None:
        return hwm
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def measure_here(fn: Callable[[], object]) -> dict[str, float]:
    """Wall and CPU seconds and peak-RSS growth of one call (peak RSS during the call minus RSS before it).

    The peak is reset first where Linux allows it; otherwise only a fresh process gives a clean figure
    (see :func:`in_fresh_process`).
    """
    before = _proc_status_bytes("VmRSS") if _reset_peak_rss() else None
    if before is None:
        before = max_rss_bytes()
    seconds, cpu, _ = clock(fn)
    after = max_rss_bytes()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_growth": float(after - before),
        "rss_peak": float(after),
    }


def in_fresh_process(fn: Callable[..., T], *args: Any) -> T:
    """Call module-level ``fn(*args)`` in a new interpreter and return its (picklable) result.

    A plain ``python -c`` child imports only ``fn``'s module (multiprocessing's spawn would re-run the
    parent's main script, imports and all). Each memory measurement gets its own process, so one
    load's allocations do not hide in another's.
    """
    module = fn.__module__
    if module in ("__main__", "__mp_main__"):
        module = Path(sys.modules[module].__file__ or "").stem
    with tempfile.TemporaryDirectory(prefix="bridge-bench-child-") as directory:
        args_path, out_path = Path(directory) / "args.pkl", Path(directory) / "out.pkl"
        args_path.write_bytes(pickle.dumps(args))
        code = (
            "import pickle, sys\n"
            f"sys.path[:0] = {[str(BENCH_DIR), str(ROOT / 'src')]!r}\n"
            f"from {module} import {fn.__name__} as fn\n"
            f"args = pickle.loads(open({str(args_path)!r}, 'rb').read())\n"
            f"open({str(out_path)!r}, 'wb').write(pickle.dumps(fn(*args)))\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        result: T = pickle.loads(out_path.read_bytes())
        return result


# --- the shared sample database -------------------------------------------------------------------


def generate_sample(path: Path, as_of: date = AS_OF) -> float:
    """Generate the sample company into ``path`` (SQLite); returns the seconds it took."""
    from bridge.sample import generate

    seconds, _ = time_once(lambda: generate(f"sqlite:///{path}", as_of=as_of))
    return seconds


@contextmanager
def sample_db(db: Path | None) -> Iterator[Path]:
    """``db`` when given, else a freshly generated sample SQLite in a temporary folder (removed after)."""
    if db is not None:
        if not db.exists():
            raise SystemExit(f"no database at {db}")
        yield db
        return
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as directory:
        path = Path(directory) / "sample.sqlite"
        print(f"generating the sample company into {path} …", flush=True)
        seconds = generate_sample(path)
        print(f"  generated in {seconds:.1f} s", flush=True)
        yield path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- machine information and result files ---------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """Where and when the figures were measured."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "nproc": cores,
        "mem_total_gib": _mem_total_gib(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "polars": _version("polars"),
        "sqlalchemy": _version("sqlalchemy"),
        "streamlit": _version("streamlit"),
    }


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"{info['date']} · {info['nproc']} cores · {info['mem_total_gib']} GiB · "
        f"load {info['load_average_1m']} · Python {info['python']} · polars {info['polars']} · "
        f"SQLAlchemy {info['sqlalchemy']} · Streamlit {info['streamlit']}"
    )


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table (first column left-aligned, the rest right-aligned)."""
    align = [":---"] + ["---:"] * (len(headers) - 1)
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _goal_text(m: Measurement) -> str:
    if m.goal is None:
        return ""
    return f"{m.goal} ({'met' if m.met else 'NOT met'})"


def report_markdown(report: Report) -> str:
    """The report as markdown: measurements, then ratios, then notes."""
    rows = [
        [
            m.label,
            m.unit,
            str(len(m.samples)),
            m.show(m.min),
            m.show(m.median),
            m.show(m.max),
            _goal_text(m),
            m.note,
        ]
        for m in report.measurements
    ]
    parts = [
        f"## {report.title}",
        markdown_table(
            ["measurement", "unit", "runs", "min", "median", "max", "goal", "note"], rows
        ),
    ]
    if report.ratios:
        ratio_rows = [[r.label, f"{r.value:.2f}", r.note] for r in report.ratios]
        parts.append(markdown_table(["ratio (same run, medians)", "value", "note"], ratio_rows))
    parts.extend(f"* {note}" for note in report.notes)
    parts.append(f"_benchmark wall time: {report.seconds:.0f} s_")
    return "\n\n".join(parts) + "\n"


def print_report(report: Report) -> None:
    """The report as a plain-text table on stdout."""
    print(f"\n== {report.title} ==")
    header = f"{'measurement':<52} {'unit':>4} {'n':>2} {'min':>9} {'median':>9} {'max':>9}  goal"
    print(header)
    print("-" * len(header))
    for m in report.measurements:
        print(
            f"{m.label[:52]:<52} {m.unit:>4} {len(m.samples):>2} {m.show(m.min):>9} "
            f"{m.show(m.median):>9} {m.show(m.max):>9}  {_goal_text(m)}"
        )
    for r in report.ratios:
        print(f"  ratio  {r.label}: {r.value:.2f}  {r.note}")
    for note in report.notes:
        print(f"  note   {note}")


def write_results(report: Report, info: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``benchmarks/results/<name>.json`` and ``.md``; returns both paths."""
    info = info or machine_info()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": info,
        "name": report.name,
        "title": report.title,
        "seconds": report.seconds,
        "measurements": [
            {**asdict(m), "min": m.min, "median": m.median, "max": m.max}
            for m in report.measurements
        ],
        "ratios": [asdict(r) for r in report.ratios],
        "notes": report.notes,
    }
    json_path = RESULTS_DIR / f"{report.name}.json"
    md_path = RESULTS_DIR / f"{report.name}.md"
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    md_path.write_text(f"_{machine_line(info)}_\n\n" + report_markdown(report))
    return json_path, md_path


def finish(report: Report, started: float) -> Report:
    """Stamp the benchmark's own wall time, print it and write its result files."""
    report.seconds = time.perf_counter() - started
    print_report(report)
    json_path, md_path = write_results(report)
    print(f"  wrote {json_path.relative_to(ROOT)} and {md_path.relative_to(ROOT)}")
    return report


def main_for(run: Callable[[Path, int], Report], doc: str | None, default_repeat: int = 3) -> None:
    """The command line every benchmark shares: ``[--db PATH] [--repeat N]``, then run and report."""
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing sample SQLite (default: generate one)")
    parser.add_argument("--repeat", type=int, default=default_repeat)
    args = parser.parse_args()
    started = time.perf_counter()
    with sample_db(args.db.resolve() if args.db else None) as db:  # servers run elsewhere
        report = run(db, args.repeat)
    finish(report, started)
