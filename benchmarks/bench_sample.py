"""Time the sample-company generator into a temporary SQLite file.

Usage::

    .venv/bin/python benchmarks/bench_sample.py [--as-of 2026-11-30] [--history-years 4]
        [--seed N] [--repeat N]

Prints wall-clock seconds and rows per second (orders alone and all tables) for each run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from bridge.sample import DEFAULT_SEED, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--history-years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="bridge-bench-") as directory:
            path = Path(directory) / "sample.sqlite"
            started = time.perf_counter()
            summary = generate(
                f"sqlite:///{path}",
                seed=args.seed,
                as_of=args.as_of,
                history_years=args.history_years,
            )
            seconds = time.perf_counter() - started
            size_mb = path.stat().st_size / 1e6
        orders = summary.row_counts["orders"]
        total = sum(summary.row_counts.values())
        print(
            f"run {run}: {seconds:.2f} s  "
            f"orders {orders:,} ({orders / seconds:,.0f} rows/s)  "
            f"all tables {total:,} ({total / seconds:,.0f} rows/s)  file {size_mb:.0f} MB"
        )
        print("  " + ", ".join(f"{name}={count:,}" for name, count in summary.row_counts.items()))


if __name__ == "__main__":
    main()
