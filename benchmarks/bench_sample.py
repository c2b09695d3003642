"""Time the sample-company generator into a temporary SQLite file.

Usage::

    .venv/bin/python benchmarks/bench_sample.py [--as-of 2026-11-30] [--history-years 4]
        [--seed N] [--repeat N]

Prints wall-clock seconds and rows per second (orders alone and all tables) for each run, then the
min / median table, and writes ``benchmarks/results/sample.{json,md}``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from common import AS_OF, Measurement, Report, finish

from bridge.sample import DEFAULT_SEED, SampleSummary, generate


def _one(path: Path, seed: int, as_of: date, history_years: int) -> tuple[float, SampleSummary]:
    started = time.perf_counter()
    summary = generate(f"sqlite:///{path}", seed=seed, as_of=as_of, history_years=history_years)
    return time.perf_counter() - started, summary


def run(
    repeat: int = 1,
    *,
    keep: Path | None = None,
    seed: int = DEFAULT_SEED,
    as_of: date = AS_OF,
    history_years: int = 4,
) -> Report:
    """Generate the sample ``repeat`` times; the first run writes to ``keep`` when given (kept)."""
    started = time.perf_counter()
    seconds: list[float] = []
    rates: list[float] = []
    sizes: list[float] = []
    summary: SampleSummary | None = None
    for index in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bridge-bench-") as directory:
            path = keep if (keep is not None and index == 0) else Path(directory) / "sample.sqlite"
            took, summary = _one(path, seed, as_of, history_years)
            size = path.stat().st_size
        total = sum(summary.row_counts.values())
        orders = summary.row_counts["orders"]
        seconds.append(took)
        rates.append(total / took)
        sizes.append(size)
        print(
            f"run {index + 1}: {took:.2f} s  orders {orders:,} ({orders / took:,.0f} rows/s)  "
            f"all tables {total:,} ({total / took:,.0f} rows/s)  file {size / 1e6:.0f} MB",
            flush=True,
        )
    assert summary is not None
    report = Report("sample", "Sample company generation (SQLite)")
    report.add(
        Measurement("generate", "generate the sample company", seconds, "s", note=f"as_of {as_of}")
    )
    report.add(Measurement("rows_per_second", "rows written per second", rates, "rows"))
    report.add(Measurement("file_size", "database file size", sizes, "MiB"))
    report.notes.append(
        "rows: " + ", ".join(f"{name}={count:,}" for name, count in summary.row_counts.items())
    )
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--history-years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(args.repeat, seed=args.seed, as_of=args.as_of, history_years=args.history_years)
    finish(report, started)


if __name__ == "__main__":
    main()
