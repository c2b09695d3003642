"""The random part of the sample: every team's orders and tickets drawn with numpy, and the rows
of every table built from the draws (event batches, spend, headcount, targets, plan, sheet)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from bridge.calendar import add_months
from bridge.sample.story import (
    COST_NOISE,
    DAILY_NOISE,
    HOUR_WEIGHTS,
    ON_TIME_GAIN_PER_YEAR,
    RATE_WOBBLE,
    TEAMS,
    UNIT_BY_NAME,
    UNITS,
    BoolArray,
    Calendar,
    DayArray,
    FloatArray,
    HourProfile,
    IntArray,
    Team,
    chunk_bounds,
    day_range,
    expected_orders,
    expected_revenue,
    margin,
    rate_target,
    to_date,
    trend,
    years_from,
)

# --------------------------------------------------------------------------------------------
# Drawing events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TeamEvents:
    """One team's orders and tickets over a range of days, each sorted by day (index in range)."""

    order_day: IntArray
    order_second: IntArray
    revenue: FloatArray
    cost: FloatArray
    on_time: BoolArray
    sheet_on_time: BoolArray  # on time as the team's own sheet counts it
    ticket_day: IntArray
    ticket_second: IntArray
    sla_met: BoolArray
    handle_minutes: FloatArray


def _draw_team(
    team: Team, days: DayArray, as_of: date, volume: float, rng: np.random.Generator
) -> _TeamEvents:
    """Draw daily counts around the expected level, then every order and ticket of the team."""
    unit = UNIT_BY_NAME[team.unit]
    n_days = len(days)
    expected = expected_orders(team, days, as_of) * volume
    counts = rng.poisson(expected * _lognormal(rng, 1.0, DAILY_NOISE, n_days))
    day = np.repeat(np.arange(n_days, dtype=np.int64), counts)
    n = len(day)

    # A one-unit floor avoids zero-revenue orders.
    revenue = np.maximum(_lognormal(rng, team.order_value, unit.order_value_sigma, n), 1.0).round(2)
    order_margin = margin(team, years_from(days, as_of))[day]
    cost = np.maximum(revenue * (1 - order_margin) * rng.normal(1, COST_NOISE, n), 0.0).round(2)

    on_time_level = team.on_time + ON_TIME_GAIN_PER_YEAR * years_from(days, as_of)
    on_time = _draw_daily_rate(rng, on_time_level, day, n_days)
    if team.guards_on_time_target:
        targets = _daily_targets(team.on_time_target, days, as_of)
        on_time = _cap_late_orders(on_time, day, counts, targets)
    # Late by under a day: only a team with the looser definition counts these as on time.
    sheet_on_time = on_time | (rng.random(n) < team.loose_late_share)

    ticket_counts = rng.poisson(counts * unit.ticket_ratio)
    ticket_day = np.repeat(np.arange(n_days, dtype=np.int64), ticket_counts)
    sla_met = _draw_daily_rate(rng, team.sla, ticket_day, n_days)
    handle = _lognormal(rng, team.handle_minutes, 0.6, len(ticket_day)).round(1)
    return _TeamEvents(
        order_day=day,
        order_second=_draw_seconds(rng, unit.hours, n),
        revenue=revenue,
        cost=cost,
        on_time=on_time,
        sheet_on_time=sheet_on_time,
        ticket_day=ticket_day,
        ticket_second=_draw_seconds(rng, "business", len(ticket_day)),
        sla_met=sla_met,
        handle_minutes=handle,
    )


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> FloatArray:
    """Positive, right-skewed draws whose expected value is ``mean``."""
    return rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, n)


def _draw_daily_rate(
    rng: np.random.Generator, rate: float | FloatArray, day: IntArray, n_days: int
) -> BoolArray:
    """Bernoulli outcomes whose probability (one level, or one per day) wobbles a little from day
    to day."""
    daily = np.clip(rate + rng.normal(0, RATE_WOBBLE, n_days), 0.0, 1.0)
    outcome: BoolArray = rng.random(len(day)) < daily[day]
    return outcome


def _draw_seconds(rng: np.random.Generator, hours: HourProfile, n: int) -> IntArray:
    weights = np.asarray(HOUR_WEIGHTS[hours])
    hour = rng.choice(24, size=n, p=weights / weights.sum())
    seconds: IntArray = hour * 3600 + rng.integers(0, 3600, n)
    return seconds


def _daily_targets(base: float, days: DayArray, as_of: date) -> FloatArray:
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    by_year = {y: rate_target(base, y, as_of) for y in np.unique(years).tolist()}
    return np.array([by_year[y] for y in years.tolist()], dtype=np.float64)


def _cap_late_orders(
    on_time: BoolArray, day: IntArray, counts: IntArray, targets: FloatArray
) -> BoolArray:
    """Turn just enough late orders into on-time ones that every day meets its target.

    This is the local optimum: the team protects its daily number (for instance by expediting
    whatever would be late) whatever it costs the unit.
    """
    allowed = np.floor((1.0 - targets) * counts).astype(np.int64)
    # Guard float rounding: the check downstream is on_time / n >= target, in doubles.
    with np.errstate(divide="ignore", invalid="ignore"):
        while True:
            short = (counts > 0) & ((counts - allowed) / counts < targets)
            if not short.any():
                break
            allowed = allowed - short.astype(np.int64)
    late = np.flatnonzero(~on_time)
    late_day = day[late]  # ascending, because orders are drawn day by day
    rank_in_day = np.arange(len(late)) - np.searchsorted(late_day, late_day, side="left")
    capped = on_time.copy()
    capped[late[rank_in_day >= allowed[late_day]]] = True
    return capped


# --------------------------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------------------------


Row = tuple[Any, ...]


@dataclass(frozen=True)
class EventBatch:
    """Event rows ``(id, timestamp, team_id, *values)`` as columns, ids from ``first_id`` in order."""

    first_id: int
    day: IntArray  # index into the calendar's days
    second: IntArray  # second of the day
    team: IntArray  # index into TEAMS
    values: tuple[npt.NDArray[Any], ...]

    def __len__(self) -> int:
        return len(self.day)


@dataclass(frozen=True)
class Chunk:
    """Everything drawn for one range of days: orders, tickets and the teams' own sheet."""

    orders: EventBatch
    tickets: EventBatch
    sheet: list[Row]


@dataclass(frozen=True)
class Company:
    """The sample company for one seed, calendar and volume; tables are built on demand."""

    calendar: Calendar
    volume: float  # factor on every team's order rate, headcount and spend (1: the default)
    team_rngs: list[np.random.Generator]
    money_rng: np.random.Generator

    @classmethod
    def draw(cls, calendar: Calendar, volume: float, seed: int) -> Company:
        rng = np.random.default_rng(seed)
        # One child generator per team: changing one team leaves the others' draws untouched.
        team_rngs = rng.spawn(len(TEAMS))
        return cls(calendar, volume, team_rngs, money_rng=rng.spawn(1)[0])

    def org_rows(self) -> list[Row]:
        return [(team.team_id, team.name, team.unit) for team in TEAMS]

    def chunks(self) -> Iterator[Chunk]:
        """Orders, tickets and sheet rows, one range of days at a time (ids continue across)."""
        calendar = self.calendar
        bounds = chunk_bounds(calendar, self.volume)
        # A single chunk draws from the team generators themselves (the default company); more
        # chunks give each team one child generator per chunk.
        per_team = [[r] if len(bounds) == 1 else r.spawn(len(bounds)) for r in self.team_rngs]
        next_order = next_ticket = 1
        for index, (first, end) in enumerate(bounds):
            days = calendar.days[first:end]
            events = [
                _draw_team(team, days, calendar.as_of, self.volume, rngs[index])
                for team, rngs in zip(TEAMS, per_team, strict=True)
            ]
            orders = _order_batch(events, first, next_order)
            tickets = _ticket_batch(events, first, next_ticket)
            yield Chunk(orders, tickets, _sheet_rows(days, events))
            next_order += len(orders)
            next_ticket += len(tickets)

    def other_tables(self) -> dict[str, list[Row]]:
        """The monthly, yearly and quarterly tables: spend, headcount, targets and plan."""
        months = self.calendar.month_starts()
        heads = _headcounts(self.calendar, months, self.volume, self.money_rng)
        return {
            "spend": _spend_rows(self.calendar, months, heads, self.volume, self.money_rng),
            "headcount": _headcount_rows(months, heads),
            "kpi_targets": _target_rows(self.calendar, self.volume),
            "bu_plan": _plan_rows(self.calendar, self.volume),
        }


def _order_batch(events: list[_TeamEvents], first_day: int, first_id: int) -> EventBatch:
    team = _concat_team_index([e.order_day for e in events])
    day = np.concatenate([e.order_day for e in events])
    second = np.concatenate([e.order_second for e in events])
    order = np.lexsort((team, second, day))  # ids follow time; team breaks ties
    revenue = np.concatenate([e.revenue for e in events])[order]
    cost = np.concatenate([e.cost for e in events])[order]
    on_time = np.concatenate([e.on_time for e in events])[order].astype(np.int64)
    return EventBatch(
        first_id, day[order] + first_day, second[order], team[order], (revenue, cost, on_time)
    )


def _ticket_batch(events: list[_TeamEvents], first_day: int, first_id: int) -> EventBatch:
    team = _concat_team_index([e.ticket_day for e in events])
    day = np.concatenate([e.ticket_day for e in events])
    second = np.concatenate([e.ticket_second for e in events])
    order = np.lexsort((team, second, day))
    sla_met = np.concatenate([e.sla_met for e in events])[order].astype(np.int64)
    minutes = np.concatenate([e.handle_minutes for e in events])[order]
    return EventBatch(
        first_id, day[order] + first_day, second[order], team[order], (sla_met, minutes)
    )


def _concat_team_index(per_team: list[IntArray]) -> IntArray:
    return np.concatenate(
        [np.full(len(values), index, dtype=np.int64) for index, values in enumerate(per_team)]
    )


def _spend_rows(
    calendar: Calendar,
    months: list[date],
    heads: IntArray,
    volume: float,
    rng: np.random.Generator,
) -> list[Row]:
    """Monthly spend per team: operating follows headcount, investment follows the unit's trend."""
    month_days = np.array(months, dtype="datetime64[D]")
    rows: list[Row] = []
    amounts: dict[tuple[int, str], FloatArray] = {}
    for index, team in enumerate(TEAMS):
        unit = UNIT_BY_NAME[team.unit]
        # Growth attracts investment and decline loses it, a little less than proportionally.
        growth = np.power(trend(unit, month_days, calendar.as_of), 0.7)
        noise = _lognormal(rng, 1.0, 0.12, len(months))
        amounts[(index, "investment")] = np.round(team.investment * growth * noise * volume, 2)
        operating = heads[index] * unit.cost_per_head * rng.normal(1, 0.03, len(months))
        amounts[(index, "operating")] = np.round(operating, 2)
    for m, month in enumerate(months):
        for index, team in enumerate(TEAMS):
            for category in ("investment", "operating"):
                amount = float(amounts[(index, category)][m])
                rows.append((len(rows) + 1, month.isoformat(), team.team_id, category, amount))
    return rows


def _headcounts(
    calendar: Calendar, months: list[date], volume: float, rng: np.random.Generator
) -> IntArray:
    """Headcount (team × month): grows with the square root of volume (some scale economies).

    A scaled company (``volume`` ≠ 1) has proportionally more people, so revenue per head stays.
    """
    month_days = np.array(months, dtype="datetime64[D]")
    per_team = []
    for team in TEAMS:
        growth = trend(UNIT_BY_NAME[team.unit], month_days, calendar.as_of)
        noisy = team.headcount * np.sqrt(growth) * rng.normal(1, 0.015, len(month_days)) * volume
        per_team.append(np.maximum(np.round(noisy), 1).astype(np.int64))
    return np.stack(per_team)


def _headcount_rows(months: list[date], heads: IntArray) -> list[Row]:
    return [
        (month.isoformat(), team.team_id, int(heads[index, m]))
        for m, month in enumerate(months)
        for index, team in enumerate(TEAMS)
    ]


def _target_rows(calendar: Calendar, volume: float) -> list[Row]:
    rows: list[Row] = []
    current = calendar.as_of.year
    for team in TEAMS:
        lead = f"{team.lead} (Team lead, {team.team_id})"
        finance = UNIT_BY_NAME[team.unit].finance_partner
        for year in calendar.years():
            valid_from = date(year, 1, 1).isoformat()
            valid_to = None if year == current else date(year + 1, 1, 1).isoformat()
            year_days = day_range(date(year, 1, 1), date(year + 1, 1, 1))
            # Daily revenue target: the year's expected daily revenue, set a little above or
            # below it per team so some teams beat their target and some miss it.
            revenue = expected_revenue(team, year_days, calendar.as_of).mean() * volume
            revenue_target = round(float(revenue) * team.revenue_target_factor, -1)
            on_time = rate_target(team.on_time_target, year, calendar.as_of)
            sla = rate_target(team.sla_target, year, calendar.as_of)
            rows += [
                (team.team_id, "on_time_rate", valid_from, valid_to, on_time, lead),
                (team.team_id, "sla_rate", valid_from, valid_to, sla, lead),
                (team.team_id, "revenue", valid_from, valid_to, revenue_target, finance),
            ]
    return rows


def _plan_rows(calendar: Calendar, volume: float) -> list[Row]:
    rows: list[Row] = []
    for unit in UNITS:
        teams = [team for team in TEAMS if team.unit == unit.name]
        for quarter in calendar.quarter_starts():
            following = add_months(quarter, 3)
            days = day_range(quarter, following)
            expected = sum(float(expected_revenue(t, days, calendar.as_of).sum()) for t in teams)
            value = round(expected * volume * unit.plan_factor, -3)
            rows.append((unit.name, "revenue", quarter.isoformat(), following.isoformat(), value))
    return rows


def _sheet_rows(days: DayArray, events: list[_TeamEvents]) -> list[Row]:
    """Self-reported daily rates: rounded, without denominators, one row per day with orders."""
    rows: list[Row] = []
    day_texts = [to_date(d).isoformat() for d in days]
    n_days = len(days)
    per_team = []
    for team, e in zip(TEAMS, events, strict=True):
        orders_per_day = np.bincount(e.order_day, minlength=n_days)
        reported = np.bincount(e.order_day, weights=e.sheet_on_time, minlength=n_days)
        tickets_per_day = np.bincount(e.ticket_day, minlength=n_days)
        met = np.bincount(e.ticket_day, weights=e.sla_met, minlength=n_days)
        with np.errstate(divide="ignore", invalid="ignore"):
            on_time_rate = np.round(reported / orders_per_day, 3)
            sla_rate = np.round(met / tickets_per_day, 3)
        per_team.append((team.team_id, orders_per_day, on_time_rate, tickets_per_day, sla_rate))
    for d in range(n_days):
        for team_id, n_orders, on_time_rate, n_tickets, sla_rate in per_team:
            if n_orders[d] == 0:
                continue
            sla = float(sla_rate[d]) if n_tickets[d] > 0 else None
            rows.append((day_texts[d], team_id, float(on_time_rate[d]), sla))
    return rows
