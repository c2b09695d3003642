"""Time every executive view of the sample company, with the measures loaded once beforehand.

Usage::

    .venv/bin/python benchmarks/bench_views.py [--db PATH] [--repeat 5]

The set, all through :func:`bridge.translate.views.build_view` (the path the CLI and the app share):
horizon for every choice-lens metric at month / quarter / year, tradeoff for every decision,
consistency for every ratio metric (trailing twelve months), frontline for every action-lens metric
(week), and fix_now (week). Goal: all of them "well under a second" once measures are loaded — the
figure is reported, not asserted. Each repeat starts from the loaded measures with nothing derived
from them kept (a fresh ``Dataset``), so the frames the views share are built inside the timing.
Also times the app's page builders (views + Plotly figures).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from common import AS_OF, ROOT, Measurement, Report, main_for, median, sqlite_url

from bridge.config.metrics import RatioMetric
from bridge.config.registry import Registry, load_registry
from bridge.data.load import load_dataset, open_source
from bridge.dataset import Dataset
from bridge.present.screens.definitions import definitions_screen
from bridge.present.screens.frontline import frontline_screen
from bridge.present.screens.horizons import horizons_screen
from bridge.present.screens.model import Inputs, Screen
from bridge.present.screens.overview import headline_metrics, overview_screen
from bridge.present.screens.tradeoffs import tradeoffs_screen
from bridge.records import RECORDS_SCHEMA
from bridge.translate.request import AnyRequest, Coverage, RawRequest, resolve
from bridge.translate.views import build_view

CONFIG_DIR = ROOT / "config"
GOAL_SECONDS = 1.0


def executive_requests(dataset: Dataset, registry: Registry, as_of: dt.date) -> list[AnyRequest]:
    """Every executive view of the brief, as resolved requests."""
    cases: list[tuple[str, RawRequest]] = []
    day = as_of.isoformat()
    for metric in registry.metrics_for_lens("choice"):
        for grain in ("month", "quarter", "year"):
            cases.append(("horizon", RawRequest(metric=metric.id, grain=grain, as_of=day)))
    for decision in registry.decisions:
        cases.append(("tradeoff", RawRequest(decision=decision, as_of=day)))
    for metric in registry.metrics.values():
        if isinstance(metric, RatioMetric):
            cases.append(("consistency", RawRequest(metric=metric.id, as_of=day)))
    for metric in registry.metrics_for_lens("action"):
        cases.append(("frontline", RawRequest(metric=metric.id, grain="week", as_of=day)))
    cases.append(("fix_now", RawRequest(grain="week", as_of=day)))
    coverage = Coverage.of(dataset, as_of)
    return [resolve(view, raw, registry, coverage) for view, raw in cases]


def drivers_requests(dataset: Dataset, registry: Registry, as_of: dt.date) -> list[AnyRequest]:
    """Attribution of every headline metric at every grain (what the Overview and Time horizons
    add to the executive views: bridge.translate.drivers)."""
    day = as_of.isoformat()
    coverage = Coverage.of(dataset, as_of)
    return [
        resolve("drivers", RawRequest(metric=m.id, grain=g, as_of=day), registry, coverage)
        for m in headline_metrics(registry)
        for g in ("month", "quarter", "year")
    ]


def _label(request: AnyRequest) -> str:
    what = getattr(request, "metric", None) or getattr(request, "decision", None)
    return f"{request.view} {getattr(what, 'id', '')} {getattr(request, 'grain', '')}".strip()


def screen_builders(
    dataset: Dataset, registry: Registry, as_of: dt.date
) -> list[tuple[str, Callable[[Inputs, Any], Screen], AnyRequest]]:
    """The app's page builders with their default requests (what a first visit to each page builds)."""
    coverage = Coverage.of(dataset, as_of)
    day = as_of.isoformat()

    def req(view: str, **values: str) -> AnyRequest:
        return resolve(view, RawRequest(as_of=day, **values), registry, coverage)

    return [
        ("Overview (quarter)", overview_screen, req("overview", grain="quarter")),
        ("Trade-offs", tradeoffs_screen, req("tradeoff")),
        ("Time horizons (quarter)", horizons_screen, req("horizon", grain="quarter")),
        ("Time horizons (month)", horizons_screen, req("horizon", grain="month")),
        ("Frontline (week)", frontline_screen, req("frontline", grain="week")),
        ("Definitions", definitions_screen, req("definitions")),
    ]


def run_on(dataset: Dataset, registry: Registry, repeat: int = 5) -> Report:
    """Time the executive views (and the page builders) on an already-loaded dataset."""
    started = time.perf_counter()
    requests = executive_requests(dataset, registry, AS_OF)
    attribution = drivers_requests(dataset, registry, AS_OF)
    # One untimed pass: first-call costs (imports, Polars' thread pool) are not the views' cost.
    warm = dataclasses.replace(dataset)
    for request in [*requests, *attribution]:
        build_view(request, warm, registry)
    added: list[float] = []
    per_call: dict[str, list[float]] = defaultdict(list)
    per_view: dict[str, list[float]] = defaultdict(list)
    totals: list[float] = []
    cpu_totals: list[float] = []
    for _ in range(repeat):
        # A fresh copy each time: same loaded measures, nothing derived from them kept (dataset.memo
        # starts empty), so every repeat pays for the whole translation, shared frames included.
        fresh = dataclasses.replace(dataset)
        sums: dict[str, float] = defaultdict(float)
        began, began_cpu = time.perf_counter(), time.process_time()
        for request in requests:
            t0 = time.perf_counter()
            build_view(request, fresh, registry)
            took = time.perf_counter() - t0
            per_call[_label(request)].append(took)
            sums[request.view] += took
        totals.append(time.perf_counter() - began)
        cpu_totals.append(time.process_time() - began_cpu)
        # then the attribution, on the same dataset (sharing its frames, as a page does)
        t0 = time.perf_counter()
        for request in attribution:
            build_view(request, fresh, registry)
        added.append(time.perf_counter() - t0)
        for view, seconds in sums.items():
            per_view[view].append(seconds)

    report = Report("views", f"Executive views on the loaded sample ({len(requests)} views)")
    total = report.add(
        Measurement(
            "all",
            f"all {len(requests)} executive views",
            totals,
            "ms",
            goal="well under 1 s",
            note=f"{dataset.measures.height:,} measure rows in memory",
        )
    )
    total.met = total.median < GOAL_SECONDS
    report.add(
        Measurement(
            "all_cpu",
            f"all {len(requests)} executive views: CPU time",
            cpu_totals,
            "ms",
            note="both cores' threads summed",
        )
    )
    report.add(
        Measurement(
            "drivers",
            f"attribution of {len(attribution)} headline metric × grain, after the views",
            added,
            "ms",
            goal="< 20 % of the executive views' time",
        )
    )
    share = report.ratio(
        "drivers_share",
        "attribution time / executive views' time",
        "drivers",
        "all",
        note="goal < 0.20",
    )
    report.get("drivers").met = share.value < 0.20
    counts: dict[str, int] = defaultdict(int)
    for request in requests:
        counts[request.view] += 1
    for view, samples in per_view.items():
        report.add(Measurement(f"view_{view}", f"{view} ×{counts[view]} (sum)", samples, "ms"))
    slowest = max(per_call, key=lambda name: median(per_call[name]))
    worst = report.add(
        Measurement(
            "slowest",
            f"slowest single view: {slowest}",
            per_call[slowest],
            "ms",
            goal="< 1 s each",
        )
    )
    worst.met = worst.median < GOAL_SECONDS

    inputs = Inputs(dataset, registry, pl.DataFrame(schema=RECORDS_SCHEMA))
    for name, builder, page in screen_builders(dataset, registry, AS_OF):
        builder(inputs, page)  # untimed first build
        times: list[float] = []
        for _ in range(max(3, repeat // 2)):
            t0 = time.perf_counter()
            builder(inputs, page)
            times.append(time.perf_counter() - t0)
        report.add(
            Measurement(
                f"screen_{builder.__name__}_{getattr(page, 'grain', '')}",
                f"page builder: {name}",
                times,
                "ms",
                note="views + Plotly figures",
            )
        )
    report.notes.append(
        "per-call medians: "
        + "; ".join(f"{name} {median(s) * 1000:.0f} ms" for name, s in per_call.items())
    )
    report.seconds = time.perf_counter() - started
    return report


def load_once(db: Path) -> tuple[Dataset, Registry, float]:
    """The sample's whole history loaded through the real loader; returns the load seconds too."""
    registry = load_registry(CONFIG_DIR)
    engine = open_source(sqlite_url(db))
    try:
        t0 = time.perf_counter()
        dataset = load_dataset(engine, registry)
        return dataset, registry, time.perf_counter() - t0
    finally:
        engine.dispose()


def run(db: Path, repeat: int = 5) -> Report:
    """Load the dataset once, then time the views."""
    started = time.perf_counter()
    dataset, registry, seconds = load_once(db)
    report = run_on(dataset, registry, repeat)
    report.notes.append(f"measures loaded once beforehand in {seconds:.1f} s (not counted)")
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__, 5)


if __name__ == "__main__":
    main()
