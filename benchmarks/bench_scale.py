"""Scale on PostgreSQL: generate N order events, then every executive view cold against a naive baseline.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--events 10000000] [--small-events 1000000]
        [--url URL] [--schema NAME] [--repeat 2] [--reuse] [--keep]

* generation: ``bridge.sample.generate(url, events=N, schema=NAME)`` (COPY, keys and indexes after
  the load), timed once;
* Bridge, cold: in a fresh process, a new engine, ``load_dataset`` over all history
  (one GROUP BY day × team per source, run by PostgreSQL) and every view the app shows (frontline,
  horizon at each grain, tradeoff for each decision, consistency, fix-now);
* naive baseline, interleaved with the cold runs: in a fresh process, every raw row of ``orders`` and
  ``tickets`` read with ``pandas.read_sql`` through SQLAlchemy, then grouped by day × team in pandas
  into the same measures — what a typical dashboard does;
* app side at two sizes: Bridge cold again on ``--small-events`` (same company, same days and teams,
  a tenth of the events by default): the app process's CPU time and peak memory should follow
  days × teams, not events (ratio near 1). ``--small-events 0`` skips it.

Ratios are baseline / Bridge for time (how many times faster) and Bridge / baseline for peak memory.
Memory is the growth of peak RSS over RSS after imports, in a fresh process per run. The PostgreSQL
server is ``--url`` (default ``BRIDGE_TEST_POSTGRES_URL`` or root@127.0.0.1:5432/test); the samples
go into schemas ``--schema`` and ``<schema>_small`` (default ``bridge_scale``), dropped at the end
unless ``--keep``. Writes ``benchmarks/results/scale.{md,json}``. About 5 minutes for 10 million
events on a quiet 2-core machine (most of it the naive baseline).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    AS_OF,
    ROOT,
    Measurement,
    Report,
    finish,
    in_fresh_process,
    measure_here,
    median,
)

CONFIG_DIR = ROOT / "config"
DEFAULT_URL = os.environ.get(
    "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
#: The event-level sources the baseline reads raw, with the columns it needs.
RAW = {
    "orders": ("ordered_at", ["revenue", "cost", "on_time"]),
    "tickets": ("opened_at", ["sla_met", "handle_minutes"]),
}


def config_in_schema(schema: str, directory: Path) -> Path:
    """A copy of the shipped config whose tables are all read from ``schema``."""
    config = directory / "config"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(CONFIG_DIR, config)
    sources = config / "sources.toml"
    edited = re.sub(
        r'^(table = "\w+")', rf'\1\nschema = "{schema}"', sources.read_text(), flags=re.M
    )
    sources.write_text(edited)
    return config


# --- the two contenders, each run in a fresh process ----------------------------------------------


def bridge_cold(url: str, config_dir: str) -> dict[str, Any]:
    """Every executive view from a new engine: the loader's GROUP BY queries, then pure Polars."""
    import polars as pl

    from bridge.config.registry import load_registry
    from bridge.data.load import load_dataset, open_source
    from bridge.translate.request import Coverage, RawRequest, resolve
    from bridge.translate.views import build_view

    registry = load_registry(config_dir)
    out: dict[str, Any] = {}

    def run() -> None:
        engine = open_source(url)
        dataset = load_dataset(engine, registry)
        engine.dispose()
        coverage = Coverage.of(dataset, dt.date.today())
        cases = [("frontline", RawRequest(grain=g)) for g in ("day", "week")]
        cases += [("horizon", RawRequest(grain=g)) for g in ("month", "quarter", "year")]
        cases += [("tradeoff", RawRequest(decision=d)) for d in registry.decisions]
        cases += [("consistency", RawRequest()), ("fix_now", RawRequest())]
        requests = [resolve(view, raw, registry, coverage) for view, raw in cases]
        for request in requests:
            build_view(request, dataset, registry)
        measures = dataset.measures
        out["rows"] = measures.height
        out["views"] = len(requests)
        totals = measures.group_by("measure").agg(pl.col("value").sum())
        out["totals"] = dict(totals.iter_rows())

    out.update(measure_here(run))
    # warm: the same again in this process (imports done, the engine's plans and caches warm)
    out["warm_seconds"] = measure_here(run)["seconds"]
    return out


def naive_baseline(url: str, schema: str) -> dict[str, Any]:
    """Every raw event row into pandas through SQLAlchemy, grouped by day × team there."""
    import pandas as pd
    from sqlalchemy import create_engine

    out: dict[str, Any] = {"totals": {}}

    def run() -> None:
        engine = create_engine(url)
        rows = 0
        for table, (time_column, values) in RAW.items():
            columns = ", ".join([time_column, "team_id", *values])
            frame = pd.read_sql(f"SELECT {columns} FROM {schema}.{table}", engine)
            rows += len(frame)
            frame["day"] = frame[time_column].dt.normalize()
            grouped = frame.groupby(["day", "team_id"])[values].agg(["sum", "count"])
            for value in values:
                out["totals"][f"{table}.{value}"] = float(grouped[(value, "sum")].sum())
            out["totals"][f"{table}.count"] = float(grouped[(values[0], "count")].sum())
            del frame, grouped
        engine.dispose()
        out["rows"] = rows

    out.update(measure_here(run))
    return out


# --- the benchmark ------------------------------------------------------------------------------


def generate_events(url: str, schema: str, events: int) -> tuple[float, dict[str, int]]:
    from bridge.sample import generate

    started = time.perf_counter()
    summary = generate(url, as_of=AS_OF, events=events, schema=schema, replace=True)
    return time.perf_counter() - started, summary.row_counts


def existing_counts(url: str, schema: str) -> dict[str, int] | None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        if "orders" not in inspect(engine).get_table_names(schema=schema):
            return None
        with engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT COUNT(*) FROM {schema}.{t}")).scalar_one())
                for t in RAW
            }
    finally:
        engine.dispose()


def engine_label(url: str) -> str:
    """The engine a URL reaches, for the report (``sc://`` is Spark Connect)."""
    from sqlalchemy.engine import make_url

    backend = make_url(url).get_backend_name()
    return {"sc": "a Spark cluster (Spark Connect)", "postgresql": "PostgreSQL"}.get(
        backend, backend
    )


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def samples(runs: list[dict[str, Any]], key: str) -> list[float]:
    """One figure of each fresh-process run."""
    return [float(r[key]) for r in runs]


def _prepare(url: str, schema: str, events: int, reuse: bool, report: Report) -> dict[str, int]:
    """The sample in ``schema`` with about ``events`` orders (generated and timed unless reused)."""
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    counts = existing_counts(url, schema) if reuse else None
    if counts is None:
        print(f"generating {events:,} events into {shown} schema {schema} …", flush=True)
        seconds, row_counts = generate_events(url, schema, events)
        counts = {t: row_counts[t] for t in RAW}
        total = sum(row_counts.values())
        report.add(
            Measurement(
                f"generate_{schema}",
                f"generate {events:,} events (the dialect's bulk path)",
                [seconds],
                goal="a few minutes",
                met=seconds < 300,
                note=f"{total:,} rows in all; {total / seconds:,.0f} rows/s",
            )
        )
        print(f"  generated in {seconds:.0f} s", flush=True)
    else:
        report.notes.append(f"generation of {schema} skipped (--reuse): the tables were there")
    report.notes.append(
        f"{schema}: {counts['orders']:,} orders and {counts['tickets']:,} tickets in {shown}"
    )
    return counts


def run(
    url: str,
    schema: str,
    events: int,
    repeat: int,
    reuse: bool,
    small_events: int = 0,
    name: str = "scale",
) -> Report:
    """The benchmark; with ``small_events``, Bridge's app-side cost is compared at both sizes too.
    ``name`` names the results file (``scale`` on PostgreSQL, ``spark_scale`` on Spark)."""
    started = time.perf_counter()
    report = Report(name, f"Scale: about {events:,} order events on {engine_label(url)}")
    small_schema = f"{schema}_small"
    _prepare(url, schema, events, reuse, report)
    if small_events:
        _prepare(url, small_schema, small_events, reuse, report)

    bridge: list[dict[str, Any]] = []
    naive: list[dict[str, Any]] = []
    small: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bridge-scale-") as directory:
        config = str(config_in_schema(schema, Path(directory) / "large"))
        small_config = str(config_in_schema(small_schema, Path(directory) / "small"))
        for i in range(1, repeat + 1):
            print(f"run {i}/{repeat}: Bridge cold …", flush=True)
            bridge.append(in_fresh_process(bridge_cold, url, config))
            print(f"  {bridge[-1]['seconds']:.1f} s; naive baseline …", flush=True)
            naive.append(in_fresh_process(naive_baseline, url, schema))
            print(f"  {naive[-1]['seconds']:.1f} s", flush=True)
            if small_events:
                small.append(in_fresh_process(bridge_cold, url, small_config))
                print(f"  Bridge cold at {small_events:,} events: {small[-1]['seconds']:.1f} s")

    report.add(
        Measurement(
            "bridge",
            "Bridge cold: load_dataset + every view",
            samples(bridge, "seconds"),
            note=f"{bridge[0]['rows']:,} day×team×measure rows, {bridge[0]['views']} views",
        )
    )
    report.add(
        Measurement(
            "bridge_warm",
            "Bridge warm: the same again in the same process",
            samples(bridge, "warm_seconds"),
        )
    )
    report.add(
        Measurement(
            "naive",
            "naive: read_sql of every event row + pandas group-by",
            samples(naive, "seconds"),
            note=f"{naive[0]['rows']:,} raw rows",
        )
    )
    report.add(Measurement("bridge_cpu", "Bridge cold: CPU time (app)", samples(bridge, "cpu")))
    report.add(Measurement("naive_cpu", "naive: CPU time (app)", samples(naive, "cpu")))
    report.add(
        Measurement(
            "bridge_mem", "Bridge cold: peak RSS growth", samples(bridge, "rss_growth"), unit="MiB"
        )
    )
    report.add(
        Measurement("naive_mem", "naive: peak RSS growth", samples(naive, "rss_growth"), unit="MiB")
    )
    speedup = median(samples(naive, "seconds")) / median(samples(bridge, "seconds"))
    memory = median(samples(bridge, "rss_growth")) / median(samples(naive, "rss_growth"))
    report.ratio("time", "naive / Bridge time (times faster)", "naive", "bridge")
    report.ratio("time_warm", "naive / Bridge warm time (times faster)", "naive", "bridge_warm")
    report.ratio("memory", "Bridge / naive peak memory", "bridge_mem", "naive_mem")
    report.notes.append(
        f"goal: at least 10× faster ({'met' if speedup >= 10 else 'NOT met'}: {speedup:.1f}×) and "
        f"at most a tenth of the memory ({'met' if memory <= 0.1 else 'NOT met'}: {memory:.3f})"
    )
    agree = _totals_agree(bridge[0]["totals"], naive[0]["totals"])
    report.notes.append(f"Bridge and the baseline agree on the orders and tickets totals: {agree}")
    if small:
        _app_side(report, bridge, small, events, small_events)
    report.notes.append(
        "cold = a fresh process and a new engine; the database server's own caches stay as the "
        "previous run left them, as they would in production"
    )
    return finish(report, started)


#: App-side cost at 10× the events should stay within this factor of the smaller run's.
APP_SIDE_GOAL = 1.5


def _app_side(
    report: Report,
    large: list[dict[str, Any]],
    small: list[dict[str, Any]],
    events: int,
    small_events: int,
) -> None:
    """App-side CPU time and peak memory at both sizes: they follow days × teams, not events."""

    report.add(
        Measurement(
            "small",
            f"Bridge cold at {small_events:,} events (wall, database included)",
            samples(small, "seconds"),
            note=f"{small[0]['rows']:,} day×team×measure rows",
        )
    )
    report.add(
        Measurement("small_cpu", "Bridge cold: CPU time (app), small", samples(small, "cpu"))
    )
    report.add(
        Measurement(
            "small_mem",
            "Bridge cold: peak RSS growth, small",
            samples(small, "rss_growth"),
            unit="MiB",
        )
    )
    scale = events / small_events
    cpu = report.ratio(
        "app_cpu", f"app CPU time, {scale:.0f}× the events / 1×", "bridge_cpu", "small_cpu"
    )
    mem = report.ratio(
        "app_memory", f"app peak memory, {scale:.0f}× the events / 1×", "bridge_mem", "small_mem"
    )
    rows = large[0]["rows"] / small[0]["rows"]
    met = cpu.value <= APP_SIDE_GOAL and mem.value <= APP_SIDE_GOAL
    report.notes.append(
        f"app side grows with days × teams, not events: {scale:.0f}× the events gave "
        f"{rows:.2f}× the day×team×measure rows, {cpu.value:.2f}× the app CPU time and "
        f"{mem.value:.2f}× the app peak memory (goal: near 1, at most {APP_SIDE_GOAL}: "
        f"{'met' if met else 'NOT met'})"
    )


def _totals_agree(bridge: dict[str, float], naive: dict[str, float]) -> str:
    pairs = {
        "revenue": naive["orders.revenue"],
        "cost": naive["orders.cost"],
        "orders": naive["orders.count"],
        "orders_on_time": naive["orders.on_time"],
        "tickets": naive["tickets.count"],
        "tickets_within_sla": naive["tickets.sla_met"],
        "handle_minutes": naive["tickets.handle_minutes"],
    }
    bad = [k for k, v in pairs.items() if abs(bridge[k] - v) > 1e-6 * max(1.0, abs(v))]
    return "yes" if not bad else f"NO ({', '.join(bad)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--schema", default="bridge_scale")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--small-events",
        type=int,
        default=1_000_000,
        help="also run Bridge on this many events (schema <schema>_small) to compare app-side cost",
    )
    parser.add_argument("--reuse", action="store_true", help="keep existing tables in --schema")
    parser.add_argument("--keep", action="store_true", help="do not drop --schema at the end")
    args = parser.parse_args()
    try:
        run(args.url, args.schema, args.events, args.repeat, args.reuse, args.small_events)
    finally:
        if not args.keep:
            drop_schema(args.url, args.schema)
            drop_schema(args.url, f"{args.schema}_small")


if __name__ == "__main__":
    main()
