"""Run every benchmark on one freshly generated sample database and summarise the key figures.

Usage::

    .venv/bin/python benchmarks/run_all.py [--db PATH] [--loader-repeat 3] [--views-repeat 3]
        [--app-repeat 3] [--browser-repeat 3] [--scale-events 10000000] [--scale-url URL]

(``make bench`` runs it.) Generation is timed while it creates the shared database in a temporary
folder (skipped with ``--db``); then the loader, views, refresh, CLI and app benchmarks run on it, then
the browser benchmark (``bench_browser``: Bridge and the floor app served side by side, timed in
Debian's Chromium; skipped with a note when Chromium is missing, or with ``--browser-repeat 0``), and
last the PostgreSQL scale benchmark (``bench_scale``: 10 million events against the naive baseline,
and the app side at 1 and 10 million events) when the server answers — ``--scale-events 0`` skips
it, and an unreachable server is reported, not an error. Each benchmark writes
``benchmarks/results/<name>.{json,md}``; this script prints one summary table and writes
``benchmarks/results/summary.{md,json}``. Takes about 8 minutes on a quiet 2-core machine, plus a
few minutes for the browser rounds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_app
import bench_browser
import bench_cli
import bench_loader
import bench_refresh
import bench_sample
import bench_scale
import bench_views
from common import (
    RESULTS_DIR,
    ROOT,
    Measurement,
    Report,
    machine_info,
    machine_line,
    markdown_table,
    print_report,
    write_results,
)

from bridge.config.registry import Registry
from bridge.dataset import Dataset


def _row(report: Report, key: str, label: str | None = None) -> list[str]:
    m: Measurement = report.get(key)
    goal = "" if m.goal is None else f"{m.goal}: {'met' if m.met else 'NOT met'}"
    return [
        label or m.label,
        f"{m.show(m.median)} {m.unit}",
        f"{m.show(m.min)} {m.unit}",
        str(len(m.samples)),
        goal,
    ]


def _ratio_row(report: Report, key: str, label: str) -> list[str]:
    return [label, f"{report.get_ratio(key).value:.2f}×", "", "", "ratio of medians, same run"]


def browser_rows(browser: Report) -> list[list[str]]:
    """The floor's figures, then every Bridge / floor ratio with its goal (met or not)."""
    rows = [
        _row(browser, key, "browser " + browser.get(key).label)
        for key in ("floor:switch", "floor:widget", "floor:first")
        if any(m.key == key for m in browser.measurements)
    ]
    measured = {m.key: m for m in browser.measurements}
    for ratio in browser.ratios:
        goal = bench_browser.goal_for(ratio.key)
        if goal is None:
            verdict = "ratio of medians, same run"
        else:
            met = bench_browser.goal_met(ratio.value, goal[1])
            verdict = f"{goal[0]}: {'met' if met else 'NOT met'}"
        # The Bridge median next to the ratio (none for the median of the ratios).
        m = measured.get(bench_browser.measurement_of(ratio.key))
        shown = f" ({m.show(m.median)} {m.unit})" if m else ""
        runs = str(len(m.samples)) if m else ""
        rows.append([f"browser {ratio.label}", f"{ratio.value:.2f}×{shown}", "", runs, verdict])
    return rows


def summary_rows(reports: dict[str, Report]) -> list[list[str]]:
    """The key figures of every benchmark that ran, one row each."""
    rows: list[list[str]] = []
    if "sample" in reports:
        rows.append(_row(reports["sample"], "generate", "sample generation"))
    if "loader" in reports:
        loader = reports["loader"]
        rows += [
            _row(loader, "cold", "loader cold (new engine, all history)"),
            _row(loader, "naive", "naive baseline (raw rows → Polars group-by)"),
            _ratio_row(loader, "time", "loader / baseline time"),
            _ratio_row(loader, "cpu", "loader / baseline CPU time"),
            _row(loader, "cold_mem", "loader peak RSS growth"),
            _row(loader, "naive_mem", "baseline peak RSS growth"),
            _ratio_row(loader, "memory", "loader / baseline peak memory"),
            _row(loader, "warm", "loader warm (same engine)"),
            _row(loader, "month", "loader one month (warm)"),
        ]
    if "views" in reports:
        views = reports["views"]
        rows += [
            _row(views, "all", views.get("all").label + " (measures loaded)"),
            _row(views, "slowest", views.get("slowest").label),
        ]
    if "refresh" in reports:
        refresh = reports["refresh"]
        rows += [
            _row(refresh, "incremental", "refresh after one new day (incremental)"),
            _row(refresh, "full", "full reload (same data)"),
            _ratio_row(refresh, "incremental_vs_full", "incremental / full reload time"),
        ]
    if "cli" in reports:
        cli = reports["cli"]
        rows += [
            _row(cli, "floor", 'CLI floor: python -c "import polars, sqlalchemy"'),
            _row(cli, "warm", "bridge view horizon, warm measure cache"),
            _ratio_row(cli, "warm_vs_floor", "CLI warm / floor (goal ≤ 1.3)"),
            _row(cli, "database", "the loader's queries, run by SQLite itself"),
            _row(cli, "cold", "bridge view horizon, empty measure cache"),
            _ratio_row(cli, "cold_vs_budget", "CLI cold / (floor + 1.3× database) (goal ≤ 1)"),
            _row(cli, "brief", "bridge export brief, warm measure cache"),
        ]
    if "app" in reports:
        app = reports["app"]
        rows += [
            _row(app, "cold", "app cold first render (Overview, all caches empty)"),
            _row(app, "restart", "app first render after restart (measure cache on disk)"),
            _row(app, "cold_cpu", "app cold first render: CPU time"),
            _row(app, "data_cached", "app first render, measures cached"),
            _ratio_row(app, "cold_vs_cached", "cold / measures-cached render"),
            _row(app, "rerun", "app warm re-render"),
            _row(app, "lens_choice", "app lens toggle → Choice"),
            _row(app, "lens_back", "app lens toggle → Side by side"),
            _row(app, "grain_cached", "app grain change (screen cached)"),
            _row(app, "grain_new", "app grain change (screen built)"),
            _row(app, "slowest_visit", "app " + app.get("slowest_visit").label),
        ]
    if "browser" in reports:
        rows += browser_rows(reports["browser"])
    if "spark_scale" in reports:
        spark = reports["spark_scale"]
        rows += [
            _row(spark, "bridge", "Spark scale: Bridge cold (load + views)"),
            _row(spark, "bridge_warm", "Spark scale: Bridge warm"),
            _row(spark, "naive", "Spark scale: naive read_sql + pandas"),
            _ratio_row(spark, "time", "Spark: naive / Bridge cold time"),
            _ratio_row(spark, "time_warm", "Spark: naive / Bridge warm time"),
            _ratio_row(spark, "app_cpu", "Spark: app CPU time, 10× the events / 1×"),
        ]
    if "scale" in reports:
        scale = reports["scale"]
        rows += [
            _row(scale, "bridge", "PostgreSQL scale: Bridge cold (load + views)"),
            _row(scale, "naive", "PostgreSQL scale: naive read_sql + pandas"),
            _ratio_row(scale, "time", "naive / Bridge time (goal ≥ 10)"),
            _ratio_row(scale, "memory", "Bridge / naive peak memory (goal ≤ 0.1)"),
        ]
        if any(r.key == "app_cpu" for r in scale.ratios):
            rows += [
                _ratio_row(scale, "app_cpu", "app CPU time, 10× the events / 1× (goal near 1)"),
                _ratio_row(
                    scale, "app_memory", "app peak memory, 10× the events / 1× (goal near 1)"
                ),
            ]
    return rows


def postgres_problem(url: str) -> str | None:
    """Why the scale benchmark cannot run on ``url`` (None when the server answers)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


def spark_problem() -> str | None:
    """Why the Spark scale benchmark cannot run here (None when pyspark and Java are there)."""
    from tests import spark_cluster

    try:
        spark_cluster.spark_home()
        spark_cluster.java_version()
    except spark_cluster.ClusterUnavailable as exc:
        return str(exc)
    return None


def spark_step(events: int, directory: Path) -> Report:
    """bench_scale on a Spark cluster started on loopback for it (master, two workers, Connect),
    stopped afterwards; the naive baseline collects every event row through the driver, which
    gets 2 GB."""
    from tests import spark_cluster

    with spark_cluster.running(directory / "spark", driver_memory="2g") as cluster:
        return bench_scale.run(
            cluster.url, "bridge_spark", events, 2, False, events // 10, name="spark_scale"
        )


def scale_step(url: str, events: int) -> Report:
    """bench_scale on PostgreSQL (its schemas dropped afterwards), with the app side at a tenth."""
    try:
        return bench_scale.run(url, "bridge_scale", events, 2, False, events // 10)
    finally:
        for schema in ("bridge_scale", "bridge_scale_small"):
            bench_scale.drop_schema(url, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, help="use this sample SQLite instead of generating one")
    parser.add_argument("--loader-repeat", type=int, default=3)
    parser.add_argument("--views-repeat", type=int, default=3)
    parser.add_argument("--app-repeat", type=int, default=3)
    parser.add_argument(
        "--browser-repeat", type=int, default=3, help="0 skips the browser benchmark"
    )
    parser.add_argument(
        "--scale-events", type=int, default=10_000_000, help="0 skips the PostgreSQL benchmark"
    )
    parser.add_argument("--scale-url", default=bench_scale.DEFAULT_URL)
    args = parser.parse_args()

    started = time.perf_counter()
    before = machine_info()
    print(machine_line(before), flush=True)
    reports: dict[str, Report] = {}
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as directory:
        db: Path = args.db or Path(directory) / "sample.sqlite"
        steps: list[tuple[str, Any]] = []
        if args.db is None:
            steps.append(("sample", lambda: bench_sample.run(1, keep=db)))
        loaded: list[tuple[Dataset, Registry]] = []
        steps += [
            (
                "loader",
                lambda: bench_loader.run(
                    db, args.loader_repeat, lambda d, r: loaded.append((d, r))
                ),
            ),
            # The views run on the dataset the loader benchmark loaded last (no extra load).
            ("views", lambda: bench_views.run_on(*loaded[-1], args.views_repeat)),
            ("refresh", lambda: bench_refresh.run(db, 2)),
            ("cli", lambda: bench_cli.run(db, 3)),
            ("app", lambda: bench_app.run(db, args.app_repeat)),
        ]
        skipped: list[str] = []
        if args.browser_repeat and bench_browser.CHROMIUM is None:
            skipped.append(
                "browser benchmark skipped: Chromium is not installed (make system-deps)"
            )
            print(skipped[-1], flush=True)
        elif args.browser_repeat:
            steps.append(("browser", lambda: bench_browser.run(db, args.browser_repeat)))
        if args.scale_events:
            problem = postgres_problem(args.scale_url)
            if problem is None:
                steps.append(("scale", lambda: scale_step(args.scale_url, args.scale_events)))
            else:
                skipped.append(f"scale benchmark skipped: PostgreSQL did not answer ({problem})")
                print(skipped[-1], flush=True)
            problem = spark_problem()
            if problem is None:
                steps.append(
                    ("spark_scale", lambda: spark_step(args.scale_events, Path(directory)))
                )
            else:
                skipped.append(f"Spark scale benchmark skipped: {problem}")
                print(skipped[-1], flush=True)
        for name, step in steps:
            print(f"\n[{time.perf_counter() - started:5.0f} s] {name} …", flush=True)
            report: Report = step()
            reports[name] = report
            print_report(report)
            write_results(report)

    after = machine_info()
    total = time.perf_counter() - started
    headers = ["figure", "median", "min", "runs", "goal"]
    rows = summary_rows(reports)
    print("\n== Summary ==")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print(
        f"\ntotal {total:.0f} s; load average {before['load_average_1m']} → {after['load_average_1m']}"
    )

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = (
        "# Benchmark summary\n\n"
        f"_{machine_line(before)}_\n\n"
        + markdown_table(headers, rows)
        + f"\n\nTotal run time {total:.0f} s; 1-minute load average {before['load_average_1m']} "
        f"at the start, {after['load_average_1m']} at the end. Details: "
        + ", ".join(f"`{name}.md`" for name in reports)
        + " in this folder.\n"
        + "".join(f"\n{note}\n" for note in skipped)
    )
    (RESULTS_DIR / "summary.md").write_text(text)
    (RESULTS_DIR / "summary.json").write_text(
        json.dumps(
            {"machine": before, "machine_after": after, "seconds": total, "rows": rows}, indent=2
        )
        + "\n"
    )
    print(f"wrote {(RESULTS_DIR / 'summary.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
