"""The four views by name, behind one typed request — shared by the CLI, the app and the brief.

A :class:`ViewRequest` holds plain values (as they arrive from a URL or a command line);
:meth:`ViewRequest.resolve` checks every one against the registry, so an unknown or hostile value is
refused with a clear message before anything is computed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from bridge.calendar import GRAINS, Grain, period_start
from bridge.config.base import Spec
from bridge.config.metrics import RatioMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.translate.consistency import consistency
from bridge.translate.frontline import FrontlineGrain, fix_now, frontline
from bridge.translate.horizon import horizon
from bridge.translate.tradeoff import tradeoff
from bridge.translate.windows import Window, trailing_year

ViewName = Literal["frontline", "horizon", "tradeoff", "consistency", "fix_now"]
VIEW_NAMES: tuple[ViewName, ...] = ("frontline", "horizon", "tradeoff", "consistency", "fix_now")


class ViewRequest(Spec):
    """What to compute. Defaults: first metric of the right kind, first decision, a grain per view."""

    view: ViewName
    # No length limits here: every value is looked up in the registry or the org table, which
    # refuses unknown ones with a message that echoes at most a short prefix.
    metric: str | None = None
    decision: str | None = None
    grain: str | None = None
    business_unit: str | None = None
    as_of: dt.date


def default_metric(registry: Registry, view: ViewName) -> str:
    if view == "consistency":
        ratios = [m.id for m in registry.metrics.values() if isinstance(m, RatioMetric)]
        if not ratios:
            raise RequestError("the consistency view needs a ratio metric; none is configured")
        return ratios[0]
    lens = "action" if view == "frontline" else "choice"
    candidates = registry.metrics_for_lens(lens) or list(registry.metrics.values())
    return candidates[0].id


def check_grain(view: ViewName, grain: str | None) -> Grain:
    allowed: tuple[Grain, ...] = ("day", "week") if view == "frontline" else GRAINS[1:]
    if grain is None:
        return "week" if view == "frontline" else "quarter"
    if grain not in allowed:
        raise RequestError(
            f"grain {grain[:20]!r} is not available for the {view} view; expected one of: "
            + ", ".join(allowed)
        )
    return grain  # checked against the Literal's values above


def check_business_unit(dataset: Dataset, name: str | None) -> str | None:
    if name is None:
        return None
    units = sorted(set(dataset.org.get_column("business_unit").to_list()))
    if name not in units:
        raise RequestError(
            f"unknown business unit {name[:60]!r}; expected one of: {', '.join(units)}"
        )
    return name


def check_request(request: ViewRequest, registry: Registry) -> tuple[str | None, Grain]:
    """The metric (or decision) id and grain the request names, checked before any data is loaded."""
    view = request.view
    if view == "tradeoff":
        decision = request.decision or next(iter(registry.decisions), None)
        if decision is None:
            raise RequestError("no decisions are configured in config/decisions.toml")
        return registry.decision(decision).id, "year"
    grain = check_grain(view, request.grain)
    if view == "fix_now":
        return None, grain
    metric = registry.metric(request.metric or default_metric(registry, view))
    if view == "consistency" and not isinstance(metric, RatioMetric):
        raise RequestError(
            f"the consistency view compares ways of computing a rate; {metric.id!r} is a "
            f"{metric.kind} metric, expected a ratio metric"
        )
    return metric.id, grain


def build_view(request: ViewRequest, dataset: Dataset, registry: Registry) -> pl.DataFrame:
    """Compute the requested view; raises RequestError for anything the registry does not know."""
    view, as_of = request.view, request.as_of
    target, grain = check_request(request, registry)
    unit = check_business_unit(dataset, request.business_unit)
    short: FrontlineGrain = "day" if grain == "day" else "week"
    if view == "tradeoff":
        assert target is not None
        return tradeoff(dataset, registry, target, as_of)
    if view == "fix_now":
        return fix_now(dataset, registry, as_of, short, business_unit=unit)
    assert target is not None
    if view == "frontline":
        return frontline(dataset, registry, target, short, as_of, business_unit=unit)
    if view == "horizon":
        out = horizon(dataset, registry, target, grain, as_of)
        return out if unit is None else out.filter(pl.col("scope") == unit)
    # Trailing twelve months by default; with --grain, the period of that grain to date.
    window = trailing_year(as_of)
    if request.grain is not None:
        fiscal = registry.calendar.fiscal_year_start_month
        window = Window(period_start(as_of - dt.timedelta(days=1), grain, fiscal), as_of)
    out = consistency(dataset, registry, target, window.start, window.end)
    return out if unit is None else out.filter(pl.col("scope") == unit)
