"""The sample company's story: its units and teams, the tuning constants, the calendar of the
sample and the deterministic shape of its levels (trend, rhythm, expected orders and revenue,
margin, rate targets, volume and chunks of days)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from bridge.calendar import add_months, period_start

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

_DAYS_PER_YEAR = 365.25


# --------------------------------------------------------------------------------------------
# The company
# --------------------------------------------------------------------------------------------

HourProfile = Literal["consumer", "business"]


@dataclass(frozen=True)
class Unit:
    """A business unit: what its teams share (trend, rhythm, economics)."""

    name: str
    annual_growth: float  # volume growth per year
    margin_trend: float  # change of contribution margin per year (negative: eroding)
    weekly: tuple[float, float, float, float, float, float, float]  # Monday..Sunday volume
    season_amplitude: float  # yearly cosine swing of volume
    season_peak_day: int  # day of year where the yearly swing peaks
    quarter_end_push: float  # extra volume in the last ten days of a quarter (deal closing)
    order_value_sigma: float  # spread of the lognormal order value
    ticket_ratio: float  # tickets opened per order
    hours: HourProfile
    cost_per_head: float  # monthly operating spend per person
    plan_factor: float  # how ambitious the quarterly plan is vs the expected revenue
    finance_partner: str


@dataclass(frozen=True)
class Team:
    """A team; levels are those at ``as_of``."""

    team_id: str
    name: str
    unit: str
    lead: str
    orders_per_day: float
    order_value: float
    margin: float
    on_time: float
    on_time_target: float
    sla: float
    sla_target: float
    handle_minutes: float
    revenue_target_factor: float  # > 1: target set above expected revenue (team tends to miss)
    headcount: int
    investment: float  # monthly investment spend
    loose_late_share: float = 0.0  # share of late orders its sheet counts as on time
    guards_on_time_target: bool = False  # never lets a day fall below its on-time target


UNITS: tuple[Unit, ...] = (
    Unit(
        name="Marketplace",
        annual_growth=0.38,
        margin_trend=0.0,
        weekly=(0.97, 0.95, 0.95, 0.98, 1.03, 1.08, 1.04),
        season_amplitude=0.10,
        season_peak_day=345,
        quarter_end_push=0.0,
        order_value_sigma=0.55,
        ticket_ratio=0.30,
        hours="consumer",
        cost_per_head=8_500.0,
        plan_factor=1.05,
        finance_partner="Priya Nair (Finance partner, Marketplace)",
    ),
    Unit(
        name="Enterprise Software",
        annual_growth=0.01,
        margin_trend=0.0,
        weekly=(1.20, 1.25, 1.25, 1.20, 1.10, 0.55, 0.45),
        season_amplitude=0.0,
        season_peak_day=1,
        quarter_end_push=0.30,
        order_value_sigma=0.60,
        ticket_ratio=0.80,
        hours="business",
        cost_per_head=11_500.0,
        plan_factor=1.00,
        finance_partner="Marcus Reid (Finance partner, Enterprise Software)",
    ),
    Unit(
        name="Retail Stores",
        annual_growth=-0.11,
        margin_trend=-0.03,
        weekly=(0.85, 0.85, 0.90, 0.95, 1.10, 1.35, 1.00),
        season_amplitude=0.15,
        season_peak_day=350,
        quarter_end_push=0.0,
        order_value_sigma=0.45,
        ticket_ratio=0.20,
        hours="consumer",
        cost_per_head=6_000.0,
        # The plan assumes the decline slows down; it does not, so Retail misses every quarter.
        plan_factor=1.06,
        finance_partner="Elena Costa (Finance partner, Retail Stores)",
    ),
    Unit(
        name="Logistics Services",
        annual_growth=0.08,
        margin_trend=0.0,
        weekly=(1.10, 1.10, 1.10, 1.10, 1.05, 0.85, 0.70),
        season_amplitude=0.06,
        season_peak_day=335,
        quarter_end_push=0.0,
        order_value_sigma=0.40,
        ticket_ratio=0.35,
        hours="business",
        cost_per_head=7_000.0,
        plan_factor=0.98,
        finance_partner="Jonas Berg (Finance partner, Logistics Services)",
    ),
)

_MKT, _ENT, _RET, _LOG = (unit.name for unit in UNITS)

# Volume is deliberately skewed: mkt-fulfillment and log-lastmile carry most orders and are the
# least punctual, which is what makes the average of team rates overstate the true ratio.
# Columns: team_id, name, unit, lead, orders/day, order value, margin, on-time, on-time target,
# SLA, SLA target, handle minutes, revenue target factor, headcount, monthly investment.
TEAMS: tuple[Team, ...] = (
    Team("mkt-fulfillment", "Fulfillment", _MKT, "Ravi Menon",
          330, 120, 0.035, 0.78, 0.90, 0.86, 0.88, 14, 1.04, 120, 600_000),
    Team("mkt-sellers", "Seller Success", _MKT, "Chloe Martin",
          60, 180, 0.060, 0.95, 0.92, 0.91, 0.88, 22, 0.95, 30, 140_000),
    Team("mkt-payments", "Payments", _MKT, "Tomasz Nowak",
          45, 200, 0.070, 0.97, 0.93, 0.93, 0.90, 18, 1.08, 24, 120_000),
    Team("mkt-search", "Search & Discovery", _MKT, "Aisha Bello",
          40, 150, 0.055, 0.96, 0.92, 0.92, 0.90, 16, 0.97, 28, 150_000),
    Team("mkt-returns", "Returns", _MKT, "Lucas Souza",
          35, 90, 0.030, 0.93, 0.92, 0.88, 0.87, 25, 1.02, 18, 60_000),
    Team("mkt-ads", "Sponsored Listings", _MKT, "Mei Chen",
          30, 220, 0.070, 0.97, 0.94, 0.94, 0.90, 12, 0.93, 16, 90_000),
    Team("ent-sales", "Enterprise Sales", _ENT, "Daniel Okafor",
          25, 1_600, 0.42, 0.95, 0.92, 0.90, 0.88, 35, 1.00, 40, 45_000),
    Team("ent-renewals", "Renewals", _ENT, "Sofia Rossi",
          20, 1_200, 0.46, 0.97, 0.93, 0.93, 0.90, 28, 0.96, 22, 25_000),
    Team("ent-onboarding", "Onboarding", _ENT, "Kenji Sato",
          12, 1_000, 0.34, 0.94, 0.92, 0.89, 0.88, 45, 1.06, 26, 35_000),
    Team("ent-support", "Customer Support", _ENT, "Fatima Zahra",
          15, 600, 0.38, 0.96, 0.93, 0.87, 0.86, 32, 1.03, 34, 20_000),
    Team("ent-platform", "Platform Services", _ENT, "Erik Lindqvist",
          10, 1_300, 0.40, 0.98, 0.95, 0.95, 0.92, 40, 0.94, 20, 60_000),
    Team("ret-checkout", "Checkout", _RET, "Ana Lima",
          45, 240, 0.075, 0.96, 0.93, 0.92, 0.90, 9, 1.02, 30, 15_000,
          guards_on_time_target=True),
    Team("ret-stores-north", "Stores North", _RET, "James O'Connor",
          25, 260, 0.085, 0.95, 0.92, 0.90, 0.88, 11, 0.98, 40, 10_000),
    Team("ret-stores-south", "Stores South", _RET, "Lucia Fernandez",
          22, 250, 0.080, 0.96, 0.92, 0.91, 0.88, 11, 1.05, 36, 10_000),
    Team("ret-inventory", "Inventory", _RET, "Noah Fischer",
          12, 220, 0.070, 0.97, 0.93, 0.93, 0.90, 20, 0.95, 14, 8_000),
    Team("ret-online", "Online Store", _RET, "Grace Mensah",
          16, 200, 0.060, 0.94, 0.92, 0.89, 0.87, 15, 1.01, 12, 20_000),
    Team("log-lastmile", "Last Mile", _LOG, "Mateo Garcia",
          150, 130, 0.12, 0.84, 0.90, 0.87, 0.87, 13, 1.03, 70, 70_000,
          loose_late_share=0.40),
    Team("log-fleet", "Fleet", _LOG, "Olga Petrova",
          50, 260, 0.15, 0.88, 0.91, 0.90, 0.88, 17, 0.97, 35, 90_000,
          loose_late_share=0.50),
    Team("log-warehouse", "Warehousing", _LOG, "Samuel Adeyemi",
          25, 180, 0.17, 0.95, 0.92, 0.92, 0.89, 14, 1.00, 30, 40_000),
    Team("log-freight", "Freight Brokerage", _LOG, "Hannah Weber",
          15, 520, 0.14, 0.96, 0.93, 0.91, 0.89, 24, 0.96, 10, 30_000),
)  # fmt: skip

UNIT_BY_NAME: dict[str, Unit] = {unit.name: unit for unit in UNITS}
TEAM_IDS = pl.Series([team.team_id for team in TEAMS], dtype=pl.String)

# Relative volume per hour of day (0..23).
HOUR_WEIGHTS: dict[HourProfile, tuple[float, ...]] = {
    "consumer": (
        0.6, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.0, 3.5, 4.5, 5.5, 6.5,
        7.0, 6.5, 5.5, 5.0, 5.0, 5.5, 6.5, 7.5, 7.5, 6.0, 3.5, 1.5,
    ),
    "business": (
        0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.5, 9.0, 9.0, 8.5,
        6.5, 8.0, 8.5, 8.0, 7.0, 5.0, 3.0, 1.5, 0.8, 0.5, 0.3, 0.2,
    ),
}  # fmt: skip

_CHUNK_ORDERS = 2_000_000  # expected orders per chunk of days drawn at a time
DAILY_NOISE = 0.07  # lognormal sigma of the day-to-day volume wobble
RATE_WOBBLE = 0.015  # day-to-day wobble of a team's underlying on-time / SLA probability
# Every team gets more punctual, by this much a year (its on-time level is the one at as_of). The
# company's rate still falls: volume moves to Marketplace, whose rate is the lowest — a Simpson's
# paradox only the mix effect of the drivers view explains.
ON_TIME_GAIN_PER_YEAR = 0.005
COST_NOISE = 0.06  # per-order spread of cost around revenue × (1 − margin)
_TARGET_STEP = 0.005  # rate targets tighten by half a point a year


# --------------------------------------------------------------------------------------------
# Calendar and expected levels (pure, deterministic)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    as_of: date
    start: date
    end: date
    days: DayArray  # every day with data, ascending

    @classmethod
    def build(cls, as_of: date, history_years: int) -> Calendar:
        start = date(as_of.year - history_years, 1, 1)
        end = as_of - timedelta(days=1)
        days = np.arange(np.datetime64(start, "D"), np.datetime64(as_of, "D"))
        return cls(as_of=as_of, start=start, end=end, days=days)

    @property
    def n_days(self) -> int:
        return len(self.days)

    def month_starts(self) -> list[date]:
        """First day of every month from ``start`` through the month of ``end``."""
        months = np.arange(np.datetime64(self.start, "M"), np.datetime64(self.end, "M") + 1).astype(
            "datetime64[D]"
        )
        return [to_date(month) for month in months]

    def years(self) -> list[int]:
        """Calendar years with targets: every year with data, plus the year of ``as_of``."""
        return list(range(self.start.year, self.as_of.year + 1))

    def quarter_starts(self) -> list[date]:
        """Quarter starts from ``start`` through the quarter containing ``as_of``."""
        first = period_start(self.start, "quarter")
        last = period_start(self.as_of, "quarter")
        quarters: list[date] = []
        while first <= last:
            quarters.append(first)
            first = add_months(first, 3)
        return quarters


def to_date(day: np.datetime64) -> date:
    value = day.astype("datetime64[D]").item()
    assert isinstance(value, date)
    return value


def day_range(first: date, end_exclusive: date) -> DayArray:
    return np.arange(np.datetime64(first, "D"), np.datetime64(end_exclusive, "D"))


def years_from(days: DayArray, as_of: date) -> FloatArray:
    """Signed years between each day and ``as_of`` (negative in the past)."""
    offset = (days - np.datetime64(as_of, "D")).astype(np.int64)
    return offset.astype(np.float64) / _DAYS_PER_YEAR


def trend(unit: Unit, days: DayArray, as_of: date) -> FloatArray:
    """Volume relative to ``as_of`` from the unit's compound growth."""
    return np.power(1.0 + unit.annual_growth, years_from(days, as_of))


def _rhythm(unit: Unit, days: DayArray) -> FloatArray:
    """Weekly, yearly and quarter-end shape of volume, around 1."""
    day_number = days.astype(np.int64)
    weekday = (day_number + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weekly = np.asarray(unit.weekly) / np.mean(unit.weekly)
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)
    phase = 2 * np.pi * (day_of_year - unit.season_peak_day) / _DAYS_PER_YEAR
    yearly = 1.0 + unit.season_amplitude * np.cos(phase)
    month_index = days.astype("datetime64[M]").astype(np.int64)
    next_quarter = ((month_index // 3 + 1) * 3).astype("datetime64[M]").astype("datetime64[D]")
    quarter_end = (next_quarter - days).astype(np.int64) <= 10
    push = np.where(quarter_end, 1.0 + unit.quarter_end_push, 1.0)
    result: FloatArray = weekly[weekday] * yearly * push
    return result


def expected_orders(team: Team, days: DayArray, as_of: date) -> FloatArray:
    unit = UNIT_BY_NAME[team.unit]
    return team.orders_per_day * trend(unit, days, as_of) * _rhythm(unit, days)


def expected_revenue(team: Team, days: DayArray, as_of: date) -> FloatArray:
    return expected_orders(team, days, as_of) * team.order_value


def margin(team: Team, years_from_as_of: FloatArray) -> FloatArray:
    unit = UNIT_BY_NAME[team.unit]
    return np.clip(team.margin + unit.margin_trend * years_from_as_of, -0.5, 0.9)


def rate_target(base: float, year: int, as_of: date) -> float:
    """Rate targets tighten each year; the base is the target of the ``as_of`` year."""
    return round(min(0.99, max(0.80, base + _TARGET_STEP * (year - as_of.year))), 3)


def _company_orders_per_day(calendar: Calendar) -> FloatArray:
    """Expected orders of the whole default company on each day of the calendar."""
    per_day: FloatArray = np.sum(
        [expected_orders(team, calendar.days, calendar.as_of) for team in TEAMS], axis=0
    )
    return per_day


def volume_factor(calendar: Calendar, events: int | None) -> float:
    """The factor on every team's order rate that makes about ``events`` orders in total."""
    if events is None:
        return 1.0
    return events / float(_company_orders_per_day(calendar).sum())


def chunk_bounds(calendar: Calendar, volume: float) -> list[tuple[int, int]]:
    """Consecutive day ranges ``[first, end)`` of at most about ``_CHUNK_ORDERS`` orders each."""
    per_day = _company_orders_per_day(calendar) * volume
    total = float(per_day.sum())
    n_chunks = max(1, math.ceil(total / _CHUNK_ORDERS))
    if n_chunks == 1:
        return [(0, calendar.n_days)]
    # Cut where the cumulative expected volume crosses each share: growing units make later
    # days heavier, so equal day counts would make the last chunk the largest.
    cuts = np.searchsorted(np.cumsum(per_day), total * np.arange(1, n_chunks) / n_chunks)
    bounds = sorted({0, *cuts.tolist(), calendar.n_days})
    return list(itertools.pairwise(bounds))
