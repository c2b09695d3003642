"""The four views by name, behind one typed request — shared by the CLI, the app and the brief.

A :class:`ViewRequest` holds plain values (as they arrive from a URL or a command line);
:meth:`ViewRequest.resolve` checks every one against the registry, so an unknown or hostile value is
refused with a clear message before anything is computed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl
from pydantic import Field

from bridge.calendar import GRAINS, Grain
from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.registry import Registry
from bridge.spec.base import Spec
from bridge.spec.metrics import RatioMetric
from bridge.translate.consistency import consistency
from bridge.translate.frontline import fix_now, frontline
from bridge.translate.horizon import horizon
from bridge.translate.tradeoff import tradeoff
from bridge.translate.windows import trailing_year

ViewName = Literal["frontline", "horizon", "tradeoff", "consistency", "fix_now"]
VIEW_NAMES: tuple[ViewName, ...] = ("frontline", "horizon", "tradeoff", "consistency", "fix_now")


class ViewRequest(Spec):
    """What to compute. Defaults: first metric of the right kind, first decision, a grain per view."""

    view: ViewName
    metric: str | None = Field(default=None, max_length=64)
    decision: str | None = Field(default=None, max_length=64)
    grain: str | None = Field(default=None, max_length=16)
    business_unit: str | None = Field(default=None, max_length=200)
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


def build_view(request: ViewRequest, dataset: Dataset, registry: Registry) -> pl.DataFrame:
    """Compute the requested view; raises RequestError for anything the registry does not know."""
    view, as_of = request.view, request.as_of
    unit = check_business_unit(dataset, request.business_unit)
    if view == "tradeoff":
        decision = request.decision or next(iter(registry.decisions), None)
        if decision is None:
            raise RequestError("no decisions are configured in config/decisions.toml")
        return tradeoff(dataset, registry, decision, as_of)
    grain = check_grain(view, request.grain)
    if view == "fix_now":
        return fix_now(
            dataset, registry, as_of, "day" if grain == "day" else "week", business_unit=unit
        )
    metric = registry.metric(request.metric or default_metric(registry, view)).id
    if view == "frontline":
        return frontline(
            dataset,
            registry,
            metric,
            "day" if grain == "day" else "week",
            as_of,
            business_unit=unit,
        )
    if view == "horizon":
        out = horizon(dataset, registry, metric, grain, as_of)
        return out if unit is None else out.filter(pl.col("scope") == unit)
    window = trailing_year(as_of)
    out = consistency(dataset, registry, metric, window.start, window.end)
    return out if unit is None else out.filter(pl.col("scope") == unit)
