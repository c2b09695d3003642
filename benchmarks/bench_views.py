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
import inspect
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import polars as pl
from common import AS_OF, ROOT, Measurement, Report, main_for, median, sqlite_url

from bridge.config.metrics import RatioMetric
from bridge.config.registry import Registry, load_registry
from bridge.data.load import data_bounds, load_dataset, open_source
from bridge.dataset import Dataset
from bridge.present.screens.definitions import definitions_screen
from bridge.present.screens.frontline import frontline_screen
from bridge.present.screens.horizons import horizons_screen
from bridge.present.screens.model import PageRequest
from bridge.present.screens.overview import overview_screen
from bridge.present.screens.tradeoffs import tradeoffs_screen
from bridge.translate.views import ViewName, ViewRequest, build_view

CONFIG_DIR = ROOT / "config"
GOAL_SECONDS = 1.0


def executive_requests(registry: Registry, as_of: dt.date) -> list[ViewRequest]:
    """Every executive view of the brief, as typed requests."""
    requests: list[ViewRequest] = []
    for metric in registry.metrics_for_lens("choice"):
        for grain in ("month", "quarter", "year"):
            requests.append(ViewRequest(view="horizon", metric=metric.id, grain=grain, as_of=as_of))
    for decision in registry.decisions:
        requests.append(ViewRequest(view="tradeoff", decision=decision, as_of=as_of))
    for metric in registry.metrics.values():
        if isinstance(metric, RatioMetric):
            requests.append(ViewRequest(view="consistency", metric=metric.id, as_of=as_of))
    for metric in registry.metrics_for_lens("action"):
        requests.append(ViewRequest(view="frontline", metric=metric.id, grain="week", as_of=as_of))
    requests.append(ViewRequest(view="fix_now", grain="week", as_of=as_of))
    return requests


def _label(request: ViewRequest) -> str:
    what = request.metric or request.decision or ""
    return f"{request.view} {what} {request.grain or ''}".strip()


def screen_builders(
    registry: Registry, as_of: dt.date
) -> list[tuple[str, Callable[..., object], PageRequest]]:
    """The app's page builders with their default requests (what a first visit to each page builds)."""
    req = PageRequest
    decision = next(iter(registry.decisions))
    return [
        ("Overview (quarter)", overview_screen, req(grain="quarter", as_of=as_of)),
        ("Trade-offs", tradeoffs_screen, req(decision=decision, as_of=as_of)),
        ("Time horizons (quarter)", horizons_screen, req(grain="quarter", as_of=as_of)),
        ("Time horizons (month)", horizons_screen, req(grain="month", as_of=as_of)),
        ("Frontline (week)", frontline_screen, req(grain="week", as_of=as_of)),
        ("Definitions", definitions_screen, req(as_of=as_of)),
    ]


def build_screen(
    builder: Callable[..., object], dataset: Dataset, registry: Registry, request: PageRequest
) -> object:
    """Call a page builder as the app does (with no decision records when it takes them)."""
    if len(inspect.signature(builder).parameters) >= 4:
        from bridge.records import RECORDS_SCHEMA

        return builder(dataset, registry, request, pl.DataFrame(schema=RECORDS_SCHEMA))
    return builder(dataset, registry, request)


def run_on(dataset: Dataset, registry: Registry, repeat: int = 5) -> Report:
    """Time the executive views (and the page builders) on an already-loaded dataset."""
    started = time.perf_counter()
    requests = executive_requests(registry, AS_OF)
    # One untimed pass: first-call costs (imports, Polars' thread pool) are not the views' cost.
    warm = dataclasses.replace(dataset)
    for request in requests:
        build_view(request, warm, registry)
    per_call: dict[str, list[float]] = defaultdict(list)
    per_view: dict[ViewName, list[float]] = defaultdict(list)
    totals: list[float] = []
    cpu_totals: list[float] = []
    for _ in range(repeat):
        # A fresh copy each time: same loaded measures, nothing derived from them kept (dataset.memo
        # starts empty), so every repeat pays for the whole translation, shared frames included.
        fresh = dataclasses.replace(dataset)
        sums: dict[ViewName, float] = defaultdict(float)
        began, began_cpu = time.perf_counter(), time.process_time()
        for request in requests:
            t0 = time.perf_counter()
            build_view(request, fresh, registry)
            took = time.perf_counter() - t0
            per_call[_label(request)].append(took)
            sums[request.view] += took
        totals.append(time.perf_counter() - began)
        cpu_totals.append(time.process_time() - began_cpu)
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

    for name, builder, page in screen_builders(registry, AS_OF):
        build_screen(builder, dataset, registry, page)  # untimed first build
        times: list[float] = []
        for _ in range(max(3, repeat // 2)):
            t0 = time.perf_counter()
            build_screen(builder, dataset, registry, page)
            times.append(time.perf_counter() - t0)
        report.add(
            Measurement(
                f"screen_{builder.__name__}_{page.grain or ''}",
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
        bounds = data_bounds(engine, registry)
        assert bounds is not None, "the database has no data"
        t0 = time.perf_counter()
        dataset = load_dataset(engine, registry, bounds[0], AS_OF)
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
