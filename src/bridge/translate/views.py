"""The views ``bridge view`` prints, by resolved request — the same functions the pages build on.

:func:`build_view` takes a request already resolved by :func:`bridge.translate.request.resolve`, so
every value in it is known to be valid; it passes the request's ``data_end`` (the as-of date, or the
day after the last data day when that is earlier) to the view as the day the data stops.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.calendar import period_start
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.consistency import consistency
from bridge.translate.drivers import drivers
from bridge.translate.frontline import fix_now, frontline
from bridge.translate.horizon import horizon
from bridge.translate.request import (
    AnyRequest,
    ConsistencyRequest,
    DriversRequest,
    FixNowRequest,
    FrontlineRequest,
    HorizonRequest,
    TradeoffRequest,
)
from bridge.translate.tradeoff import tradeoff
from bridge.translate.windows import Window, trailing_year


def build_view(request: AnyRequest, dataset: Dataset, registry: Registry) -> pl.DataFrame:
    """The view the request names, as a tidy frame (columns in docs/views.md)."""
    end, unit = request.data_end, request.unit
    if isinstance(request, TradeoffRequest):
        return tradeoff(dataset, registry, request.decision.id, end)
    if isinstance(request, FixNowRequest):
        return fix_now(dataset, registry, end, request.grain, business_unit=unit)
    if isinstance(request, FrontlineRequest):
        return frontline(
            dataset, registry, request.metric.id, request.grain, end, business_unit=unit
        )
    if isinstance(request, HorizonRequest):
        out = horizon(dataset, registry, request.metric.id, request.grain, end)
        return out if unit is None else out.filter(pl.col("scope") == unit)
    if isinstance(request, DriversRequest):
        return drivers(
            dataset, registry, request.metric.id, request.grain, end, request.compare, unit
        )
    if isinstance(request, ConsistencyRequest):
        window = consistency_window(request, registry)
        out = consistency(dataset, registry, request.metric.id, window.start, window.end)
        return out if unit is None else out.filter(pl.col("scope") == unit)
    raise ValueError(f"the {request.view} view is a page, not a table")  # pragma: no cover


def consistency_window(request: ConsistencyRequest, registry: Registry) -> Window:
    """The trailing twelve months, or the period of the request's grain to date."""
    if request.grain == "ttm":
        return trailing_year(request.data_end)
    fiscal = registry.calendar.fiscal_year_start_month
    last_day = request.data_end - dt.timedelta(days=1)
    return Window(period_start(last_day, request.grain, fiscal), request.data_end)
