"""Time and memory of ``bridge.data.load.load_dataset`` against a naive baseline measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_loader.py [--db PATH] [--repeat 3]

Without ``--db`` the sample company (as of 2026-11-30) is generated into a temporary folder first.

* cold: a new engine per load, all history (first data day .. as-of), in a fresh process each time so
  peak memory (``getrusage`` max RSS growth) belongs to that load alone;
* naive baseline, interleaved with the cold loads: every raw row of ``orders`` and ``tickets`` read
  into Polars through SQLAlchemy (``pl.read_database(select(table))``), then grouped by day × team in
  Polars into the same measures — the obvious way to do it without pushing aggregation to SQL;
* warm: loads on one already-used engine; and a one-month range (October 2026) on a warm engine.

Ratios are loader / baseline (below 1 means the loader is faster or smaller).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from common import (
    AS_OF,
    ROOT,
    Measurement,
    Report,
    clock,
    in_fresh_process,
    main_for,
    measure_here,
    median,
    sqlite_url,
    time_once,
)
from sqlalchemy import Engine, select

from bridge.config.registry import Registry, load_registry
from bridge.data.load import first_days, load_dataset, open_source, reflect
from bridge.dataset import Dataset

CONFIG_DIR = ROOT / "config"
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
#: The event-level sources the baseline reads raw (the other sources are a few thousand rows).
RAW_SOURCES = ("orders", "tickets")


# --- the two contenders ---------------------------------------------------------------------------


def loader_totals(
    engine: Engine, registry: Registry, start: dt.date, end: dt.date
) -> dict[str, Any]:
    """Run the real loader; return the shape and per-measure totals of the raw-event measures."""
    dataset = load_dataset(engine, registry, start, end)
    names = [m.name for s in registry.sources if s.name in RAW_SOURCES for m in s.measures]
    totals = (
        dataset.measures.filter(pl.col("measure").is_in(names))
        .group_by("measure")
        .agg(pl.col("value").sum(), pl.len())
    )
    return {
        "rows": dataset.measures.height,
        "totals": {r["measure"]: (r["value"], r["len"]) for r in totals.iter_rows(named=True)},
    }


def _raw_measure(agg: str, column: str | None, where: Any) -> pl.Expr:
    """The Polars twin of one configured measure (conditions: eq only, as in the shipped config)."""
    cond = pl.all_horizontal([pl.col(c.column) == c.value for c in where]) if where else None
    if agg == "count" and column is None:
        return (pl.len() if cond is None else cond.sum()).cast(pl.Float64)
    value = pl.col(column) if column else pl.lit(1)
    if cond is not None:
        value = pl.when(cond).then(value)
    if agg == "count":
        return value.count().cast(pl.Float64)
    if agg == "sum":
        return value.sum().cast(pl.Float64)
    return (value.min() if agg == "min" else value.max()).cast(pl.Float64)


def naive_totals(
    engine: Engine, registry: Registry, start: dt.date, end: dt.date
) -> dict[str, Any]:
    """The naive baseline: read every raw row into Polars, filter and group by day × team there."""
    parts: list[pl.DataFrame] = []
    with engine.connect() as conn:
        for source in registry.sources:
            if source.name not in RAW_SOURCES:
                continue
            table = reflect(conn, source.table, source.db_schema)
            raw = pl.read_database(select(table), connection=conn)
            day = pl.col(source.time_column).dt.date()
            wide = (
                raw.filter(day >= start, day < end)
                .group_by(day.alias("day"), pl.col(source.team_column).alias("team_id"))
                .agg(_raw_measure(m.agg, m.column, m.where).alias(m.name) for m in source.measures)
            )
            names = [m.name for m in source.measures]
            parts.append(
                wide.unpivot(index=["day", "team_id"], on=names, variable_name="measure")
                .drop_nulls("value")
                .select("day", "team_id", "measure", "value")
            )
            del raw
    long = pl.concat(parts)
    totals = long.group_by("measure").agg(pl.col("value").sum(), pl.len())
    return {
        "rows": long.height,
        "totals": {r["measure"]: (r["value"], r["len"]) for r in totals.iter_rows(named=True)},
    }


def _cold(kind: str, db: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """In a fresh process: registry parsed first, then a new engine and one timed load."""
    registry = load_registry(CONFIG_DIR)
    contender = loader_totals if kind == "loader" else naive_totals
    box: dict[str, Any] = {}

    def once() -> None:
        engine = open_source(sqlite_url(Path(db)))
        try:
            box.update(contender(engine, registry, start, end))
        finally:
            engine.dispose()

    return {**measure_here(once), **box}


def _agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Loader and baseline produced the same per-measure totals (so the comparison is like for like)."""
    if a["totals"].keys() != b["totals"].keys():
        return False
    for name, (value, count) in a["totals"].items():
        other, other_count = b["totals"][name]
        if count != other_count or abs(value - other) > 1e-6 * max(1.0, abs(value)):
            return False
    return True


# --- the benchmark ----------------------------------------------------------------------------------


def run(
    db: Path,
    repeat: int = 3,
    on_dataset: Callable[[Dataset, Registry], None] | None = None,
) -> Report:
    """Cold loader vs naive baseline (interleaved, fresh processes), then warm and one-month loads.

    ``on_dataset`` receives the last all-history dataset loaded (run_all hands it to the views).
    """
    started = time.perf_counter()
    registry = load_registry(CONFIG_DIR)
    url = sqlite_url(db)
    engine = open_source(url)
    firsts = first_days(engine, registry)
    assert firsts, "the database has no data"
    start, end = min(firsts.values()), AS_OF
    report = Report("loader", f"Loader: all history {start} .. {end} (exclusive)")

    cold: list[dict[str, Any]] = []
    naive: list[dict[str, Any]] = []
    for index in range(repeat):
        cold.append(in_fresh_process(_cold, "loader", str(db), start, end))
        naive.append(in_fresh_process(_cold, "naive", str(db), start, end))
        print(
            f"  run {index + 1}: loader {cold[-1]['seconds']:.2f} s / "
            f"{cold[-1]['rss_growth'] / 2**20:.0f} MiB, naive {naive[-1]['seconds']:.2f} s / "
            f"{naive[-1]['rss_growth'] / 2**20:.0f} MiB",
            flush=True,
        )

    report.add(
        Measurement(
            "cold",
            "cold load_dataset (new engine, all history)",
            [c["seconds"] for c in cold],
            "s",
            note=f"{cold[0]['rows']:,} day×team×measure rows",
        )
    )
    report.add(
        Measurement(
            "naive",
            "naive baseline: raw orders+tickets → Polars group-by",
            [n["seconds"] for n in naive],
            "s",
            note="orders and tickets only",
        )
    )
    report.add(
        Measurement(
            "cold_cpu",
            "cold load_dataset: CPU time",
            [c["cpu"] for c in cold],
            "s",
            note="all threads; less noise-prone",
        )
    )
    report.add(Measurement("naive_cpu", "naive baseline: CPU time", [n["cpu"] for n in naive], "s"))
    report.add(
        Measurement(
            "cold_mem",
            "cold load_dataset: peak RSS growth",
            [c["rss_growth"] for c in cold],
            "MiB",
        )
    )
    report.add(
        Measurement(
            "naive_mem",
            "naive baseline: peak RSS growth",
            [n["rss_growth"] for n in naive],
            "MiB",
        )
    )

    # Warm: the same engine, already used (first_days above), so its connection pool is open.
    loaded: list[Dataset] = []

    def warm_load() -> None:
        loaded[:] = [load_dataset(engine, registry, start, end)]

    warm = [clock(warm_load)[:2] for _ in range(repeat)]
    report.add(
        Measurement(
            "warm", "warm load_dataset (same engine, all history)", [w for w, _ in warm], "s"
        )
    )
    report.add(Measurement("warm_cpu", "warm load_dataset: CPU time", [c for _, c in warm], "s"))
    month = [
        time_once(lambda: load_dataset(engine, registry, *MONTH))[0] for _ in range(max(repeat, 5))
    ]
    report.add(Measurement("month", f"warm load_dataset, one month ({MONTH[0]:%Y-%m})", month, "s"))
    engine.dispose()
    if on_dataset is not None:
        on_dataset(loaded[0], registry)

    report.ratio("time", "cold loader time / naive baseline time", "cold", "naive")
    report.ratio("cpu", "cold loader CPU time / naive baseline CPU time", "cold_cpu", "naive_cpu")
    report.ratio("memory", "cold loader peak RSS growth / naive baseline", "cold_mem", "naive_mem")
    report.ratio("warm", "warm / cold loader time", "warm", "cold")
    report.ratio("month", "one month / all history (warm)", "month", "warm")
    same = all(_agree(c, n) for c, n in zip(cold, naive, strict=True))
    report.notes.append(
        "loader and baseline agree on every orders/tickets measure total: "
        + ("yes" if same else "NO — the comparison is not like for like")
    )
    report.notes.append(
        f"memory is the growth of peak RSS (VmHWM) over RSS before the load, in a fresh "
        f"process per run (median RSS after imports ≈ {median([c['rss_peak'] - c['rss_growth'] for c in cold]) / 2**20:.0f} MiB)"
    )
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__)


if __name__ == "__main__":
    main()
