"""Incremental refresh after one new day against a full reload, on the sample company (SQLite).

Usage::

    .venv/bin/python benchmarks/bench_refresh.py [--db PATH] [--repeat 3]

Each repeat copies the sample, fills the measure cache with a full load as of 2026-11-30, appends a
day of orders (2026-11-30) and then times, on the same new data: ``MeasureCache.load`` as of
2026-12-01 (reads only the late-arriving window) against a full ``load_dataset`` (reads everything).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from common import AS_OF, ROOT, Measurement, Report, main_for, sqlite_url

from bridge.config.registry import load_registry
from bridge.data.load import load_dataset, open_source
from bridge.data.refresh import MeasureCache


def _append_day(db: Path, day: dt.date) -> None:
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT MAX(order_id) FROM orders").fetchone()[0]
        rows = [
            (top + i + 1, f"{day} {8 + i % 10:02d}:00:00.000000", "mkt-ads", 100.0, 60.0, 1)
            for i in range(800)
        ]
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", rows)


def run(db: Path, repeat: int = 3) -> Report:
    started = time.perf_counter()
    registry = load_registry(ROOT / "config")
    report = Report("refresh", "Incremental refresh after one new day vs a full reload")
    full, incremental = [], []
    tomorrow = AS_OF + dt.timedelta(days=1)
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bridge-refresh-") as folder:
            copy = Path(folder) / "live.sqlite"
            shutil.copy(db, copy)
            cache = MeasureCache(Path(folder) / "cache")
            engine = open_source(sqlite_url(copy))
            cache.load(engine, registry, today=AS_OF)  # yesterday's refresh
            engine.dispose()
            _append_day(copy, AS_OF)
            engine = open_source(sqlite_url(copy))
            t0 = time.perf_counter()
            cache.load(engine, registry, today=tomorrow)
            incremental.append(time.perf_counter() - t0)
            assert cache.last is not None and cache.last.mode == "incremental"
            engine.dispose()
            engine = open_source(sqlite_url(copy))
            t0 = time.perf_counter()
            load_dataset(engine, registry)
            full.append(time.perf_counter() - t0)
            engine.dispose()
    report.add(Measurement("incremental", "refresh after one new day (incremental)", incremental))
    report.add(Measurement("full", "full reload of all history", full))
    report.ratio("incremental_vs_full", "incremental / full reload time", "incremental", "full")
    report.notes.append(
        "incremental = fingerprint check + re-reading the last 3 days (late-arriving window) + "
        "merging with the Parquet cache"
    )
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__)


if __name__ == "__main__":
    main()
