"""One way in: raw values from a URL, widgets or the command line, resolved into a typed request.

Every entrance (the pages, ``bridge view``, the brief) hands the text it received to :func:`resolve`
together with the registry and the data's :class:`Coverage`. It either returns one typed request per
view — the metric and decision as objects, the grain as a ``Literal`` valid for that view, the scope,
the as-of date and the day the data ends — or raises one :class:`~bridge.errors.RequestError` naming
every refused field, with the same words whichever entrance the text came from. Views and screens take
only resolved requests, so nothing downstream checks a value again.

>>> resolve("horizon", RawRequest(metric="revenue", grain="week"), registry, coverage)
Traceback (most recent call last):
RequestError: grain 'week' is not available for the horizon view; expected one of: month, quarter, year
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

from bridge.calendar import ExecutiveGrain, FrontlineGrain
from bridge.config.decisions import Decision
from bridge.config.metrics import Metric, RatioMetric
from bridge.config.registry import Registry, shown
from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.translate.drivers import COMPARES, Compare

ViewName = Literal[
    "overview",
    "drivers",
    "tradeoff",
    "horizon",
    "frontline",
    "fix_now",
    "consistency",
    "definitions",
    "decisions",
    "health",
]
VIEW_NAMES: tuple[ViewName, ...] = get_args(ViewName)
#: The views ``bridge view`` prints (the others are pages only).
CLI_VIEWS: tuple[ViewName, ...] = (
    "frontline", "horizon", "drivers", "tradeoff", "consistency", "fix_now",
)  # fmt: skip

#: The consistency view's window: the trailing twelve months, or the period of a grain to date.
ConsistencyWindow = Literal["ttm", "week", "month", "quarter", "year"]
Lens = Literal["action", "choice", "both"]
LENSES: tuple[Lens, ...] = get_args(Lens)

_FRONTLINE_GRAINS: dict[str, FrontlineGrain] = {g: g for g in get_args(FrontlineGrain)}
_EXECUTIVE_GRAINS: dict[str, ExecutiveGrain] = {g: g for g in get_args(ExecutiveGrain)}
_WINDOWS: dict[str, ConsistencyWindow] = {g: g for g in get_args(ConsistencyWindow)}
_LENSES: dict[str, Lens] = {lens: lens for lens in LENSES}
_COMPARES: dict[str, Compare] = {c: c for c in COMPARES}
G = TypeVar("G", bound=str)
#: The fields of a request, in the order refusals are listed.
FIELDS = ("view", "metric", "decision", "grain", "compare", "unit", "as_of", "lens")


class RawRequest(BaseModel):
    """A request as it arrives: text from a URL (``?metric=revenue``), widgets or CLI flags.

    Nothing is checked here; :func:`resolve` checks everything at once. ``None`` means "not given"
    (the view's default).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    metric: str | None = None
    decision: str | None = None
    grain: str | None = None
    compare: str | None = None
    unit: str | None = None
    as_of: str | None = None
    lens: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RawRequest:
        """From query parameters (a value given twice counts once: the last one)."""
        values: dict[str, str | None] = {}
        for name in cls.model_fields:
            value = params.get(name)
            if isinstance(value, list | tuple):
                value = value[-1] if value else None
            values[name] = None if value in (None, "") else str(value)
        return cls(**values)

    def without(self, names: Sequence[str]) -> RawRequest:
        """The same request with ``names`` not given (their defaults apply)."""
        return self.model_copy(update=dict.fromkeys(names))


@dataclass(frozen=True)
class Coverage:
    """What the data covers, as far as a request needs to know.

    ``last_day`` is the last day with data that is not after ``today`` (a row dated in the future
    never moves the default as-of date).
    """

    first_day: dt.date | None
    last_day: dt.date | None
    today: dt.date
    units: tuple[str, ...]

    @classmethod
    def of(cls, dataset: Dataset, today: dt.date) -> Coverage:
        return cls(
            first_day=dataset.first_day,
            last_day=dataset.last_day_until(today),
            today=today,
            units=dataset.units,
        )

    @property
    def default_as_of(self) -> dt.date:
        """The day after the last data day (views use the data before it)."""
        return (self.last_day or self.today) + dt.timedelta(days=1)

    @property
    def latest_as_of(self) -> dt.date:
        return self.today + dt.timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class Request:
    """What every view knows: which view, as of when, for which scope, seen through which lens.

    ``as_of`` is the day asked for (views use the data *before* it); ``data_end`` is the same day, or
    the day after the last data day when that is earlier — a period holding the last data day is in
    progress whatever ``as_of`` says, and is compared like for like.
    """

    VIEW: ClassVar[ViewName]
    #: Whether the view reads differently in the action and the choice lens.
    HAS_LENS: ClassVar[bool] = True

    as_of: dt.date
    data_end: dt.date
    unit: str | None
    lens: Lens

    @property
    def view(self) -> ViewName:
        return self.VIEW

    def key(self) -> tuple[object, ...]:
        """Plain values that identify the request (a cache key)."""
        out: list[object] = [self.VIEW]
        for f in fields(self):
            value = getattr(self, f.name)
            out.append(getattr(value, "id", value))
        return tuple(out)

    def params(self, coverage: Coverage) -> dict[str, str]:
        """The request as URL query parameters: what differs from the defaults, as ids."""
        values: dict[str, str] = {}
        if self.unit is not None:
            values["unit"] = self.unit
        if self.as_of != coverage.default_as_of:
            values["as_of"] = self.as_of.isoformat()
        if self.lens != "both":
            values["lens"] = self.lens
        for f in fields(self):
            if f.name in ("metric", "decision", "grain", "compare"):
                value = getattr(self, f.name)
                if value is not None:
                    values[f.name] = str(getattr(value, "id", value))
        return values


@dataclass(frozen=True, kw_only=True)
class OverviewRequest(Request):
    VIEW: ClassVar[ViewName] = "overview"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(ExecutiveGrain)
    grain: ExecutiveGrain


@dataclass(frozen=True, kw_only=True)
class HorizonRequest(Request):
    VIEW: ClassVar[ViewName] = "horizon"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(ExecutiveGrain)
    metric: Metric
    grain: ExecutiveGrain


@dataclass(frozen=True, kw_only=True)
class DriversRequest(Request):
    VIEW: ClassVar[ViewName] = "drivers"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(ExecutiveGrain)
    metric: Metric
    grain: ExecutiveGrain
    compare: Compare


@dataclass(frozen=True, kw_only=True)
class FrontlineRequest(Request):
    VIEW: ClassVar[ViewName] = "frontline"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(FrontlineGrain)
    metric: Metric
    grain: FrontlineGrain


@dataclass(frozen=True, kw_only=True)
class FixNowRequest(Request):
    VIEW: ClassVar[ViewName] = "fix_now"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(FrontlineGrain)
    grain: FrontlineGrain


@dataclass(frozen=True, kw_only=True)
class TradeoffRequest(Request):
    VIEW: ClassVar[ViewName] = "tradeoff"
    decision: Decision


@dataclass(frozen=True, kw_only=True)
class ConsistencyRequest(Request):
    VIEW: ClassVar[ViewName] = "consistency"
    #: The grains this view offers (the grain picker's options).
    GRAINS: ClassVar[tuple[str, ...]] = get_args(ConsistencyWindow)
    metric: RatioMetric
    grain: ConsistencyWindow


@dataclass(frozen=True, kw_only=True)
class DefinitionsRequest(Request):
    VIEW: ClassVar[ViewName] = "definitions"
    HAS_LENS: ClassVar[bool] = False
    metric: Metric


@dataclass(frozen=True, kw_only=True)
class DecisionLogRequest(Request):
    VIEW: ClassVar[ViewName] = "decisions"
    HAS_LENS: ClassVar[bool] = False
    decision: Decision | None


@dataclass(frozen=True, kw_only=True)
class HealthRequest(Request):
    VIEW: ClassVar[ViewName] = "health"
    HAS_LENS: ClassVar[bool] = False


AnyRequest = (
    OverviewRequest
    | HorizonRequest
    | DriversRequest
    | FrontlineRequest
    | FixNowRequest
    | TradeoffRequest
    | ConsistencyRequest
    | DefinitionsRequest
    | DecisionLogRequest
    | HealthRequest
)


def resolve(view: str, raw: RawRequest, registry: Registry, coverage: Coverage) -> AnyRequest:
    """The typed request for ``view``, or one RequestError naming every refused field.

    Defaults: the first metric of the view's lens (the first ratio metric for consistency), the first
    decision, quarter for executive views and week for frontline ones, all business units, the day
    after the last data day, both lenses side by side.
    """
    checks = _Checks(raw, registry, coverage)
    name = checks.view(view)
    as_of = checks.as_of()
    unit = checks.unit()
    lens = checks.lens()
    request: AnyRequest | None = None
    if name is not None and as_of is not None:
        data_end = min(as_of, coverage.default_as_of)
        common: dict[str, Any] = {
            "as_of": as_of,
            "data_end": data_end,
            "unit": unit,
            "lens": lens or "both",
        }
        request = _typed(name, checks, common)
    if checks.refused:
        refused = sorted(checks.refused, key=lambda r: FIELDS.index(r[0]))
        raise RequestError(
            "; ".join(message for _, message in refused),
            tuple(dict.fromkeys(field for field, _ in refused)),
        )
    assert request is not None  # every path without a refusal builds one
    return request


def _typed(view: ViewName, checks: _Checks, common: dict[str, Any]) -> AnyRequest | None:
    """The view's own fields, checked (refusals are collected in ``checks``)."""
    if view == "overview":
        grain = checks.grain(view, _EXECUTIVE_GRAINS, "quarter")
        return None if grain is None else OverviewRequest(grain=grain, **common)
    if view == "horizon":
        metric, grain = (
            checks.metric(view, "choice"),
            checks.grain(view, _EXECUTIVE_GRAINS, "quarter"),
        )
        if metric is None or grain is None:
            return None
        return HorizonRequest(metric=metric, grain=grain, **common)
    if view == "drivers":
        metric, grain, compare = (
            checks.metric(view, "choice"),
            checks.grain(view, _EXECUTIVE_GRAINS, "quarter"),
            checks.compare(),
        )
        if metric is None or grain is None or compare is None:
            return None
        return DriversRequest(metric=metric, grain=grain, compare=compare, **common)
    if view == "frontline":
        metric, fgrain = (
            checks.metric(view, "action"),
            checks.grain(view, _FRONTLINE_GRAINS, "week"),
        )
        if metric is None or fgrain is None:
            return None
        return FrontlineRequest(metric=metric, grain=fgrain, **common)
    if view == "fix_now":
        fgrain = checks.grain(view, _FRONTLINE_GRAINS, "week")
        return None if fgrain is None else FixNowRequest(grain=fgrain, **common)
    if view == "tradeoff":
        decision = checks.decision(required=True)
        return None if decision is None else TradeoffRequest(decision=decision, **common)
    if view == "consistency":
        ratio, window = checks.ratio_metric(view), checks.grain(view, _WINDOWS, "ttm")
        if ratio is None or window is None:
            return None
        return ConsistencyRequest(metric=ratio, grain=window, **common)
    if view == "definitions":
        metric = checks.metric(view, None)
        return None if metric is None else DefinitionsRequest(metric=metric, **common)
    if view == "decisions":
        return DecisionLogRequest(decision=checks.decision(required=False), **common)
    return HealthRequest(**common)


class _Checks:
    """Each field's check; a refusal is recorded (field, message) and the field resolves to None."""

    def __init__(self, raw: RawRequest, registry: Registry, coverage: Coverage) -> None:
        self.raw, self.registry, self.coverage = raw, registry, coverage
        self.refused: list[tuple[str, str]] = []

    def refuse(self, field: str, message: str) -> None:
        self.refused.append((field, message))

    def view(self, view: str) -> ViewName | None:
        for name in VIEW_NAMES:
            if name == view:
                return name
        self.refuse("view", f"unknown view {shown(view)}; expected one of: {', '.join(VIEW_NAMES)}")
        return None

    def metric(self, view: ViewName, lens: Literal["action", "choice"] | None) -> Metric | None:
        registry = self.registry
        allowed = [m for m in registry.metrics.values() if lens is None or lens in m.lenses]
        wanted = self.raw.metric
        if wanted is None:
            if not allowed:
                self.refuse(
                    "metric",
                    f"the {view} view needs a metric in the {lens} lens; none is configured",
                )
                return None
            return allowed[0]
        if wanted not in registry.metrics:
            known = ", ".join(m.id for m in allowed)
            self.refuse("metric", f"unknown metric {shown(wanted)}; expected one of: {known}")
            return None
        metric = registry.metrics[wanted]
        if metric not in allowed:
            known = ", ".join(m.id for m in allowed)
            self.refuse(
                "metric",
                f"metric {shown(wanted)} is not in the {lens} lens, which the {view} view shows; "
                f"expected one of: {known}",
            )
            return None
        return metric

    def ratio_metric(self, view: ViewName) -> RatioMetric | None:
        ratios = [m for m in self.registry.metrics.values() if isinstance(m, RatioMetric)]
        wanted = self.raw.metric
        if wanted is None:
            if not ratios:
                self.refuse("metric", f"the {view} view needs a ratio metric; none is configured")
                return None
            return ratios[0]
        metric = self.registry.metrics.get(wanted)
        if metric is None:
            known = ", ".join(m.id for m in ratios)
            self.refuse("metric", f"unknown metric {shown(wanted)}; expected one of: {known}")
            return None
        if not isinstance(metric, RatioMetric):
            self.refuse(
                "metric",
                f"the {view} view compares ways of computing a rate; {shown(wanted)} is a "
                f"{metric.kind} metric, expected a ratio metric",
            )
            return None
        return metric

    def compare(self) -> Compare | None:
        wanted = self.raw.compare
        if wanted is None:
            return "last_year"
        found = _COMPARES.get(wanted.lower())
        if found is None:
            self.refused.append(
                (
                    "compare",
                    f"unknown comparison {shown(wanted)}; expected one of: {', '.join(COMPARES)}",
                )
            )
        return found

    def grain(self, view: ViewName, allowed: Mapping[str, G], default: G) -> G | None:
        wanted = self.raw.grain
        if wanted is None:
            return default
        grain = allowed.get(wanted)
        if grain is None:
            self.refuse(
                "grain",
                f"grain {shown(wanted)} is not available for the {view} view; "
                f"expected one of: {', '.join(allowed)}",
            )
        return grain

    def decision(self, *, required: bool) -> Decision | None:
        decisions = self.registry.decisions
        wanted = self.raw.decision
        if wanted is None:
            if required and not decisions:
                self.refuse(
                    "decision",
                    f"no decisions are configured in {self.registry.files.where('decisions')}",
                )
            return next(iter(decisions.values()), None) if required else None
        if wanted not in decisions:
            known = ", ".join(decisions) or "(none configured)"
            self.refuse("decision", f"unknown decision {shown(wanted)}; expected one of: {known}")
            return None
        return decisions[wanted]

    def unit(self) -> str | None:
        wanted = self.raw.unit
        if wanted is None:
            return None
        if wanted not in self.coverage.units:
            known = ", ".join(self.coverage.units)
            self.refuse("unit", f"unknown business unit {shown(wanted)}; expected one of: {known}")
            return None
        return wanted

    def lens(self) -> Lens | None:
        wanted = self.raw.lens
        if wanted is None:
            return None
        lens = _LENSES.get(wanted.lower())
        if lens is None:
            self.refuse(
                "lens", f"unknown lens {shown(wanted)}; expected one of: {', '.join(LENSES)}"
            )
        return lens

    def as_of(self) -> dt.date | None:
        coverage = self.coverage
        wanted = self.raw.as_of
        if wanted is None:
            return coverage.default_as_of
        try:
            day = dt.date.fromisoformat(wanted.strip())
        except ValueError:
            self.refuse(
                "as_of", f"as-of date {shown(wanted)} is not a date; expected a day like 2026-11-30"
            )
            return None
        first, latest = coverage.first_day, coverage.latest_as_of
        if first is not None and day <= first:
            self.refuse(
                "as_of",
                f"as-of date {day} leaves no data (the first day with data is {first}); "
                f"expected a day from {first + dt.timedelta(days=1)} to {latest}",
            )
            return None
        if day > latest:
            self.refuse(
                "as_of",
                f"as-of date {day} is after today ({coverage.today}); expected a day up to {latest}",
            )
            return None
        return day
