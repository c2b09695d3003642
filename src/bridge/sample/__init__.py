"""Deterministic generator for the embedded demo company.

The sample company has 20 teams in four business units and writes a few years of daily event-level
data (well over a million orders) plus spend, headcount, targets and plans into SQLite, PostgreSQL
or MariaDB/MySQL, each through its fast bulk path. Everything is drawn from
``numpy.random.default_rng(seed)``, so the same seed and ``as_of`` give identical tables, on every
database (dates and timestamps are DATE and TIMESTAMP/DATETIME columns on the servers, ISO text in
SQLite). ``events=N`` scales the company to about N orders while keeping its stories.

Levels are anchored at ``as_of``: the company looks the same "now" whatever ``history_years`` is,
and the history is extrapolated backwards from there.

The stories the dashboard must make visible, and how the data carries them:

- **Marketplace** grows fast (about +38 % a year) on a thin contribution margin (about 5 %) and
  receives most of the investment spend (about two thirds).
- **Enterprise Software** is mature: margin around 40 %, volume flat (about +1 % a year).
- **Retail Stores** declines (about −11 % a year) and its margin erodes three points a year
  (about 21 % → 9 %): a stop candidate.
- **Local optimum**: ``ret-checkout`` meets its daily on-time target on every single day (it is
  built in: late orders are capped per day) while its unit's outcome worsens.
- **Average of rates ≠ ratio of sums**: the high-volume teams (``mkt-fulfillment``, then
  ``log-lastmile``) are the least punctual, so the unweighted mean of team on-time rates sits
  several points above the true company ratio.
- **Self-reported sheets**: ``team_kpi_sheet`` holds daily rates without denominators; the
  Logistics teams ``log-lastmile`` and ``log-fleet`` count "late by under a day" as on time, so
  their reported on-time rate is about six points above the truth.

Tables: ``org_teams``, ``orders``, ``tickets``, ``spend``, ``headcount``, ``kpi_targets``,
``bu_plan`` and ``team_kpi_sheet``. Datetimes are naive local business time; data covers
``date(as_of.year - history_years, 1, 1)`` through ``as_of - 1 day``.

Example::

    from datetime import date
    from bridge.sample import generate

    summary = generate("sqlite:///sample_data/sample.sqlite", as_of=date(2026, 11, 30))
    print(summary.row_counts["orders"], summary.seconds)
"""

from __future__ import annotations

import functools
import itertools
import math
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import make_url
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

__all__ = ["DEFAULT_SEED", "TABLE_NAMES", "SampleSummary", "generate"]

DEFAULT_SEED = 2026

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

_DAYS_PER_YEAR = 365.25
_SECONDS_PER_DAY = 86_400
# SQLAlchemy's own SQLite storage format for DateTime; writing the same text keeps string
# comparisons against bound datetime parameters correct (a shorter string sorts first).
_TIME_SUFFIX = ".000000"


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

_metadata = MetaData()

# FLOAT is a double on SQLite and PostgreSQL but a 4-byte float on MariaDB/MySQL: ask for DOUBLE
# there, so every database stores the very same values.
_Double = Float().with_variant(mysql.DOUBLE(asdecimal=False), "mysql", "mariadb")


def _team_fk() -> Column[str]:
    return Column("team_id", String(40), ForeignKey("org_teams.team_id"), nullable=False)


org_teams = Table(
    "org_teams",
    _metadata,
    Column("team_id", String(40), primary_key=True),
    Column("team_name", String(80), nullable=False),
    Column("business_unit", String(40), nullable=False),
)

orders = Table(
    "orders",
    _metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("ordered_at", DateTime, nullable=False),
    _team_fk(),
    Column("revenue", _Double, nullable=False),
    Column("cost", _Double, nullable=False),
    Column("on_time", Integer, nullable=False),
    # Covering the loader's query (time range, team, the aggregated columns): the GROUP BY day x team
    # then reads the index alone, in time order, instead of jumping to every table row.
    Index("ix_orders_ordered_at", "ordered_at", "team_id", "revenue", "cost", "on_time"),
    Index("ix_orders_team_id", "team_id"),
)

tickets = Table(
    "tickets",
    _metadata,
    Column("ticket_id", Integer, primary_key=True, autoincrement=False),
    Column("opened_at", DateTime, nullable=False),
    _team_fk(),
    Column("sla_met", Integer, nullable=False),
    Column("handle_minutes", _Double, nullable=False),
    Index("ix_tickets_opened_at", "opened_at", "team_id", "sla_met", "handle_minutes"),
    Index("ix_tickets_team_id", "team_id"),
)

spend = Table(
    "spend",
    _metadata,
    Column("spend_id", Integer, primary_key=True, autoincrement=False),
    Column("month", Date, nullable=False),
    _team_fk(),
    Column("category", String(20), nullable=False),
    Column("amount", _Double, nullable=False),
)

headcount = Table(
    "headcount",
    _metadata,
    Column("snapshot_date", Date, primary_key=True),
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("headcount", Integer, nullable=False),
)

kpi_targets = Table(
    "kpi_targets",
    _metadata,
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("metric_id", String(40), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
    Column("target", _Double, nullable=False),
    Column("owner", String(120), nullable=False),
)

bu_plan = Table(
    "bu_plan",
    _metadata,
    Column("business_unit", String(40), primary_key=True),
    Column("metric_id", String(40), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, nullable=False),
    Column("value", _Double, nullable=False),
)

team_kpi_sheet = Table(
    "team_kpi_sheet",
    _metadata,
    Column("day", Date, primary_key=True),
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("on_time_rate", _Double, nullable=False),
    # NULL on days without tickets: a rate with no denominator cannot be reported.
    Column("sla_rate", _Double, nullable=True),
)

TABLE_NAMES: tuple[str, ...] = tuple(_metadata.tables)


# --------------------------------------------------------------------------------------------
# The company
# --------------------------------------------------------------------------------------------

HourProfile = Literal["consumer", "business"]


@dataclass(frozen=True)
class _Unit:
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
class _Team:
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


_UNITS: tuple[_Unit, ...] = (
    _Unit(
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
    _Unit(
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
    _Unit(
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
    _Unit(
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

_MKT, _ENT, _RET, _LOG = (unit.name for unit in _UNITS)

# Volume is deliberately skewed: mkt-fulfillment and log-lastmile carry most orders and are the
# least punctual, which is what makes the average of team rates overstate the true ratio.
# Columns: team_id, name, unit, lead, orders/day, order value, margin, on-time, on-time target,
# SLA, SLA target, handle minutes, revenue target factor, headcount, monthly investment.
_TEAMS: tuple[_Team, ...] = (
    _Team("mkt-fulfillment", "Fulfillment", _MKT, "Ravi Menon",
          330, 120, 0.035, 0.78, 0.90, 0.86, 0.88, 14, 1.04, 120, 600_000),
    _Team("mkt-sellers", "Seller Success", _MKT, "Chloe Martin",
          60, 180, 0.060, 0.95, 0.92, 0.91, 0.88, 22, 0.95, 30, 140_000),
    _Team("mkt-payments", "Payments", _MKT, "Tomasz Nowak",
          45, 200, 0.070, 0.97, 0.93, 0.93, 0.90, 18, 1.08, 24, 120_000),
    _Team("mkt-search", "Search & Discovery", _MKT, "Aisha Bello",
          40, 150, 0.055, 0.96, 0.92, 0.92, 0.90, 16, 0.97, 28, 150_000),
    _Team("mkt-returns", "Returns", _MKT, "Lucas Souza",
          35, 90, 0.030, 0.93, 0.92, 0.88, 0.87, 25, 1.02, 18, 60_000),
    _Team("mkt-ads", "Sponsored Listings", _MKT, "Mei Chen",
          30, 220, 0.070, 0.97, 0.94, 0.94, 0.90, 12, 0.93, 16, 90_000),
    _Team("ent-sales", "Enterprise Sales", _ENT, "Daniel Okafor",
          25, 1_600, 0.42, 0.95, 0.92, 0.90, 0.88, 35, 1.00, 40, 45_000),
    _Team("ent-renewals", "Renewals", _ENT, "Sofia Rossi",
          20, 1_200, 0.46, 0.97, 0.93, 0.93, 0.90, 28, 0.96, 22, 25_000),
    _Team("ent-onboarding", "Onboarding", _ENT, "Kenji Sato",
          12, 1_000, 0.34, 0.94, 0.92, 0.89, 0.88, 45, 1.06, 26, 35_000),
    _Team("ent-support", "Customer Support", _ENT, "Fatima Zahra",
          15, 600, 0.38, 0.96, 0.93, 0.87, 0.86, 32, 1.03, 34, 20_000),
    _Team("ent-platform", "Platform Services", _ENT, "Erik Lindqvist",
          10, 1_300, 0.40, 0.98, 0.95, 0.95, 0.92, 40, 0.94, 20, 60_000),
    _Team("ret-checkout", "Checkout", _RET, "Ana Lima",
          45, 240, 0.075, 0.96, 0.93, 0.92, 0.90, 9, 1.02, 30, 15_000,
          guards_on_time_target=True),
    _Team("ret-stores-north", "Stores North", _RET, "James O'Connor",
          25, 260, 0.085, 0.95, 0.92, 0.90, 0.88, 11, 0.98, 40, 10_000),
    _Team("ret-stores-south", "Stores South", _RET, "Lucia Fernandez",
          22, 250, 0.080, 0.96, 0.92, 0.91, 0.88, 11, 1.05, 36, 10_000),
    _Team("ret-inventory", "Inventory", _RET, "Noah Fischer",
          12, 220, 0.070, 0.97, 0.93, 0.93, 0.90, 20, 0.95, 14, 8_000),
    _Team("ret-online", "Online Store", _RET, "Grace Mensah",
          16, 200, 0.060, 0.94, 0.92, 0.89, 0.87, 15, 1.01, 12, 20_000),
    _Team("log-lastmile", "Last Mile", _LOG, "Mateo Garcia",
          150, 130, 0.12, 0.84, 0.90, 0.87, 0.87, 13, 1.03, 70, 70_000,
          loose_late_share=0.40),
    _Team("log-fleet", "Fleet", _LOG, "Olga Petrova",
          50, 260, 0.15, 0.88, 0.91, 0.90, 0.88, 17, 0.97, 35, 90_000,
          loose_late_share=0.50),
    _Team("log-warehouse", "Warehousing", _LOG, "Samuel Adeyemi",
          25, 180, 0.17, 0.95, 0.92, 0.92, 0.89, 14, 1.00, 30, 40_000),
    _Team("log-freight", "Freight Brokerage", _LOG, "Hannah Weber",
          15, 520, 0.14, 0.96, 0.93, 0.91, 0.89, 24, 0.96, 10, 30_000),
)  # fmt: skip

_UNIT_BY_NAME: dict[str, _Unit] = {unit.name: unit for unit in _UNITS}
_TEAM_IDS = pl.Series([team.team_id for team in _TEAMS], dtype=pl.String)

# Relative volume per hour of day (0..23).
_HOUR_WEIGHTS: dict[HourProfile, tuple[float, ...]] = {
    "consumer": (
        0.6, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.0, 3.5, 4.5, 5.5, 6.5,
        7.0, 6.5, 5.5, 5.0, 5.0, 5.5, 6.5, 7.5, 7.5, 6.0, 3.5, 1.5,
    ),
    "business": (
        0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.5, 9.0, 9.0, 8.5,
        6.5, 8.0, 8.5, 8.0, 7.0, 5.0, 3.0, 1.5, 0.8, 0.5, 0.3, 0.2,
    ),
}  # fmt: skip

_BATCH_ROWS = 100_000  # rows built and inserted at a time (executemany)
_CSV_ROWS = 500_000  # rows per CSV piece for COPY / LOAD DATA
_CHUNK_ORDERS = 2_000_000  # expected orders per chunk of days drawn at a time
_DAILY_NOISE = 0.07  # lognormal sigma of the day-to-day volume wobble
_RATE_WOBBLE = 0.015  # day-to-day wobble of a team's underlying on-time / SLA probability
_COST_NOISE = 0.06  # per-order spread of cost around revenue × (1 − margin)
_TARGET_STEP = 0.005  # rate targets tighten by half a point a year


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSummary:
    """What :func:`generate` wrote."""

    url_display: str
    seed: int
    as_of: date
    start: date
    end: date  # last day with data (as_of − 1 day)
    row_counts: dict[str, int]
    seconds: float
    volume: float = 1.0  # order volume relative to the default company


def generate(
    url: str,
    *,
    seed: int = DEFAULT_SEED,
    as_of: date,
    history_years: int = 4,
    events: int | None = None,
    schema: str | None = None,
    replace: bool = False,
) -> SampleSummary:
    """Write the sample company into the database at ``url``.

    Args:
        url: SQLAlchemy URL: SQLite (parent directories of the file are created), PostgreSQL
            (``postgresql+psycopg://``, loaded with ``COPY``) or MariaDB/MySQL
            (``mysql+pymysql://``, loaded with ``LOAD DATA LOCAL INFILE`` where the server allows
            it, else multi-row ``INSERT``).
        seed: seed for ``numpy.random.default_rng``; same seed and ``as_of`` give identical tables.
        as_of: first day *without* data; levels are anchored here.
        history_years: complete calendar years before ``as_of.year`` to cover.
        events: about this many orders in total (tickets follow in proportion). Every team's
            volume, headcount and spend are scaled by the same factor, so rates, margins, growth
            and shares (the stories) stay as they are. ``None``: the default company (about
            1.3 million orders over four years of history).
        schema: write into this PostgreSQL schema (MariaDB/MySQL: database) instead of the
            connection's default one; it is created when missing. Not available for SQLite.
        replace: drop and recreate the sample tables if they already exist.

    Events are drawn in chunks of consecutive days of at most about two million orders, so
    memory stays bounded whatever ``events`` is; the default company is a single chunk.

    Raises:
        FileExistsError: some sample tables exist and ``replace`` is False.
        ValueError: ``history_years`` or ``events`` is below 1, or ``schema`` is given for SQLite.
    """
    started = time.perf_counter()
    if history_years < 1:
        raise ValueError(f"history_years must be at least 1, got {history_years}")
    if events is not None and events < 1:
        raise ValueError(f"events must be at least 1, got {events}")
    calendar = _Calendar.build(as_of, history_years)
    company = _Company.draw(calendar, _volume(calendar, events), seed)
    engine = _create_engine(url)
    try:
        if schema is not None and engine.dialect.name == "sqlite":
            raise ValueError("SQLite has no schemas: leave schema unset for an SQLite URL")
        row_counts = _write(engine, _schema_metadata(schema), company, replace)
        url_display = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    return SampleSummary(
        url_display=url_display,
        seed=seed,
        as_of=as_of,
        start=calendar.start,
        end=calendar.end,
        row_counts=row_counts,
        seconds=time.perf_counter() - started,
        volume=company.volume,
    )


# --------------------------------------------------------------------------------------------
# Calendar and expected levels (pure, deterministic)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    as_of: date
    start: date
    end: date
    days: DayArray  # every day with data, ascending

    @classmethod
    def build(cls, as_of: date, history_years: int) -> _Calendar:
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
        return [_to_date(month) for month in months]

    def years(self) -> list[int]:
        """Calendar years with targets: every year with data, plus the year of ``as_of``."""
        return list(range(self.start.year, self.as_of.year + 1))

    def quarter_starts(self) -> list[date]:
        """Quarter starts from ``start`` through the quarter containing ``as_of``."""
        first = _quarter_start(self.start)
        last = _quarter_start(self.as_of)
        quarters: list[date] = []
        while first <= last:
            quarters.append(first)
            first = _add_months(first, 3)
        return quarters


def _to_date(day: np.datetime64) -> date:
    value = day.astype("datetime64[D]").item()
    assert isinstance(value, date)
    return value


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _day_range(first: date, end_exclusive: date) -> DayArray:
    return np.arange(np.datetime64(first, "D"), np.datetime64(end_exclusive, "D"))


def _years_from(days: DayArray, as_of: date) -> FloatArray:
    """Signed years between each day and ``as_of`` (negative in the past)."""
    offset = (days - np.datetime64(as_of, "D")).astype(np.int64)
    return offset.astype(np.float64) / _DAYS_PER_YEAR


def _trend(unit: _Unit, days: DayArray, as_of: date) -> FloatArray:
    """Volume relative to ``as_of`` from the unit's compound growth."""
    return np.power(1.0 + unit.annual_growth, _years_from(days, as_of))


def _rhythm(unit: _Unit, days: DayArray) -> FloatArray:
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


def _expected_orders(team: _Team, days: DayArray, as_of: date) -> FloatArray:
    unit = _UNIT_BY_NAME[team.unit]
    return team.orders_per_day * _trend(unit, days, as_of) * _rhythm(unit, days)


def _expected_revenue(team: _Team, days: DayArray, as_of: date) -> FloatArray:
    return _expected_orders(team, days, as_of) * team.order_value


def _margin(team: _Team, years_from_as_of: FloatArray) -> FloatArray:
    unit = _UNIT_BY_NAME[team.unit]
    return np.clip(team.margin + unit.margin_trend * years_from_as_of, -0.5, 0.9)


def _rate_target(base: float, year: int, as_of: date) -> float:
    """Rate targets tighten each year; the base is the target of the ``as_of`` year."""
    return round(min(0.99, max(0.80, base + _TARGET_STEP * (year - as_of.year))), 3)


def _company_orders_per_day(calendar: _Calendar) -> FloatArray:
    """Expected orders of the whole default company on each day of the calendar."""
    per_day: FloatArray = np.sum(
        [_expected_orders(team, calendar.days, calendar.as_of) for team in _TEAMS], axis=0
    )
    return per_day


def _volume(calendar: _Calendar, events: int | None) -> float:
    """The factor on every team's order rate that makes about ``events`` orders in total."""
    if events is None:
        return 1.0
    return events / float(_company_orders_per_day(calendar).sum())


def _chunk_bounds(calendar: _Calendar, volume: float) -> list[tuple[int, int]]:
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
    team: _Team, days: DayArray, as_of: date, volume: float, rng: np.random.Generator
) -> _TeamEvents:
    """Draw daily counts around the expected level, then every order and ticket of the team."""
    unit = _UNIT_BY_NAME[team.unit]
    n_days = len(days)
    expected = _expected_orders(team, days, as_of) * volume
    counts = rng.poisson(expected * _lognormal(rng, 1.0, _DAILY_NOISE, n_days))
    day = np.repeat(np.arange(n_days, dtype=np.int64), counts)
    n = len(day)

    # A one-unit floor avoids zero-revenue orders.
    revenue = np.maximum(_lognormal(rng, team.order_value, unit.order_value_sigma, n), 1.0).round(2)
    margin = _margin(team, _years_from(days, as_of))[day]
    cost = np.maximum(revenue * (1 - margin) * rng.normal(1, _COST_NOISE, n), 0.0).round(2)

    on_time = _draw_daily_rate(rng, team.on_time, day, n_days)
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
    rng: np.random.Generator, rate: float, day: IntArray, n_days: int
) -> BoolArray:
    """Bernoulli outcomes whose probability wobbles a little from day to day."""
    daily = np.clip(rate + rng.normal(0, _RATE_WOBBLE, n_days), 0.0, 1.0)
    outcome: BoolArray = rng.random(len(day)) < daily[day]
    return outcome


def _draw_seconds(rng: np.random.Generator, hours: HourProfile, n: int) -> IntArray:
    weights = np.asarray(_HOUR_WEIGHTS[hours])
    hour = rng.choice(24, size=n, p=weights / weights.sum())
    seconds: IntArray = hour * 3600 + rng.integers(0, 3600, n)
    return seconds


def _daily_targets(base: float, days: DayArray, as_of: date) -> FloatArray:
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    by_year = {y: _rate_target(base, y, as_of) for y in np.unique(years).tolist()}
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


_Row = tuple[Any, ...]


@dataclass(frozen=True)
class _EventBatch:
    """Event rows ``(id, timestamp, team_id, *values)`` as columns, ids from ``first_id`` in order."""

    first_id: int
    day: IntArray  # index into the calendar's days
    second: IntArray  # second of the day
    team: IntArray  # index into _TEAMS
    values: tuple[npt.NDArray[Any], ...]

    def __len__(self) -> int:
        return len(self.day)


@dataclass(frozen=True)
class _Chunk:
    """Everything drawn for one range of days: orders, tickets and the teams' own sheet."""

    orders: _EventBatch
    tickets: _EventBatch
    sheet: list[_Row]


@dataclass(frozen=True)
class _Company:
    """The sample company for one seed, calendar and volume; tables are built on demand."""

    calendar: _Calendar
    volume: float  # factor on every team's order rate, headcount and spend (1: the default)
    team_rngs: list[np.random.Generator]
    money_rng: np.random.Generator

    @classmethod
    def draw(cls, calendar: _Calendar, volume: float, seed: int) -> _Company:
        rng = np.random.default_rng(seed)
        # One child generator per team: changing one team leaves the others' draws untouched.
        team_rngs = rng.spawn(len(_TEAMS))
        return cls(calendar, volume, team_rngs, money_rng=rng.spawn(1)[0])

    def org_rows(self) -> list[_Row]:
        return [(team.team_id, team.name, team.unit) for team in _TEAMS]

    def chunks(self) -> Iterator[_Chunk]:
        """Orders, tickets and sheet rows, one range of days at a time (ids continue across)."""
        calendar = self.calendar
        bounds = _chunk_bounds(calendar, self.volume)
        # A single chunk draws from the team generators themselves (the default company); more
        # chunks give each team one child generator per chunk.
        per_team = [[r] if len(bounds) == 1 else r.spawn(len(bounds)) for r in self.team_rngs]
        next_order = next_ticket = 1
        for index, (first, end) in enumerate(bounds):
            days = calendar.days[first:end]
            events = [
                _draw_team(team, days, calendar.as_of, self.volume, rngs[index])
                for team, rngs in zip(_TEAMS, per_team, strict=True)
            ]
            orders = _order_batch(events, first, next_order)
            tickets = _ticket_batch(events, first, next_ticket)
            yield _Chunk(orders, tickets, _sheet_rows(days, events))
            next_order += len(orders)
            next_ticket += len(tickets)

    def other_tables(self) -> dict[str, list[_Row]]:
        """The monthly, yearly and quarterly tables: spend, headcount, targets and plan."""
        months = self.calendar.month_starts()
        heads = _headcounts(self.calendar, months, self.volume, self.money_rng)
        return {
            "spend": _spend_rows(self.calendar, months, heads, self.volume, self.money_rng),
            "headcount": _headcount_rows(months, heads),
            "kpi_targets": _target_rows(self.calendar, self.volume),
            "bu_plan": _plan_rows(self.calendar, self.volume),
        }


def _order_batch(events: list[_TeamEvents], first_day: int, first_id: int) -> _EventBatch:
    team = _concat_team_index([e.order_day for e in events])
    day = np.concatenate([e.order_day for e in events])
    second = np.concatenate([e.order_second for e in events])
    order = np.lexsort((team, second, day))  # ids follow time; team breaks ties
    revenue = np.concatenate([e.revenue for e in events])[order]
    cost = np.concatenate([e.cost for e in events])[order]
    on_time = np.concatenate([e.on_time for e in events])[order].astype(np.int64)
    return _EventBatch(
        first_id, day[order] + first_day, second[order], team[order], (revenue, cost, on_time)
    )


def _ticket_batch(events: list[_TeamEvents], first_day: int, first_id: int) -> _EventBatch:
    team = _concat_team_index([e.ticket_day for e in events])
    day = np.concatenate([e.ticket_day for e in events])
    second = np.concatenate([e.ticket_second for e in events])
    order = np.lexsort((team, second, day))
    sla_met = np.concatenate([e.sla_met for e in events])[order].astype(np.int64)
    minutes = np.concatenate([e.handle_minutes for e in events])[order]
    return _EventBatch(
        first_id, day[order] + first_day, second[order], team[order], (sla_met, minutes)
    )


def _concat_team_index(per_team: list[IntArray]) -> IntArray:
    return np.concatenate(
        [np.full(len(values), index, dtype=np.int64) for index, values in enumerate(per_team)]
    )


def _event_tuples(calendar: _Calendar, batch: _EventBatch) -> Iterator[list[_Row]]:
    """The batch as rows ``(id, timestamp, team_id, *values)``, ``_BATCH_ROWS`` at a time.

    Timestamps are naive local time as text in SQLAlchemy's SQLite format, built by looking
    up the day and the second of the day rather than formatting a datetime per row.
    """
    prefixes = _day_prefixes(calendar.days[0], calendar.n_days)
    clock = _clock_texts()
    team_ids = np.array([t.team_id for t in _TEAMS], dtype=object)
    for start in range(0, len(batch), _BATCH_ROWS):
        part = slice(start, start + _BATCH_ROWS)
        days, seconds = batch.day[part].tolist(), batch.second[part].tolist()
        stamps = [prefixes[d] + clock[s] for d, s in zip(days, seconds, strict=True)]
        ids = range(batch.first_id + start, batch.first_id + start + len(days))
        columns = [v[part].tolist() for v in batch.values]
        yield list(zip(ids, stamps, team_ids[batch.team[part]].tolist(), *columns, strict=True))


@functools.cache
def _day_prefixes(first: np.datetime64, n_days: int) -> tuple[str, ...]:
    """``YYYY-MM-DD `` for each of ``n_days`` days from ``first``."""
    days = first + np.arange(n_days)
    return tuple(f"{_to_date(d).isoformat()} " for d in days)


@functools.cache
def _clock_texts() -> tuple[str, ...]:
    """``HH:MM:SS.000000`` for every second of a day."""
    return tuple(
        f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{_TIME_SUFFIX}"
        for s in range(_SECONDS_PER_DAY)
    )


def _spend_rows(
    calendar: _Calendar,
    months: list[date],
    heads: IntArray,
    volume: float,
    rng: np.random.Generator,
) -> list[_Row]:
    """Monthly spend per team: operating follows headcount, investment follows the unit's trend."""
    month_days = np.array(months, dtype="datetime64[D]")
    rows: list[_Row] = []
    amounts: dict[tuple[int, str], FloatArray] = {}
    for index, team in enumerate(_TEAMS):
        unit = _UNIT_BY_NAME[team.unit]
        # Growth attracts investment and decline loses it, a little less than proportionally.
        trend = np.power(_trend(unit, month_days, calendar.as_of), 0.7)
        noise = _lognormal(rng, 1.0, 0.12, len(months))
        amounts[(index, "investment")] = np.round(team.investment * trend * noise * volume, 2)
        operating = heads[index] * unit.cost_per_head * rng.normal(1, 0.03, len(months))
        amounts[(index, "operating")] = np.round(operating, 2)
    for m, month in enumerate(months):
        for index, team in enumerate(_TEAMS):
            for category in ("investment", "operating"):
                amount = float(amounts[(index, category)][m])
                rows.append((len(rows) + 1, month.isoformat(), team.team_id, category, amount))
    return rows


def _headcounts(
    calendar: _Calendar, months: list[date], volume: float, rng: np.random.Generator
) -> IntArray:
    """Headcount (team × month): grows with the square root of volume (some scale economies).

    A scaled company (``volume`` ≠ 1) has proportionally more people, so revenue per head stays.
    """
    month_days = np.array(months, dtype="datetime64[D]")
    per_team = []
    for team in _TEAMS:
        trend = _trend(_UNIT_BY_NAME[team.unit], month_days, calendar.as_of)
        noisy = team.headcount * np.sqrt(trend) * rng.normal(1, 0.015, len(month_days)) * volume
        per_team.append(np.maximum(np.round(noisy), 1).astype(np.int64))
    return np.stack(per_team)


def _headcount_rows(months: list[date], heads: IntArray) -> list[_Row]:
    return [
        (month.isoformat(), team.team_id, int(heads[index, m]))
        for m, month in enumerate(months)
        for index, team in enumerate(_TEAMS)
    ]


def _target_rows(calendar: _Calendar, volume: float) -> list[_Row]:
    rows: list[_Row] = []
    current = calendar.as_of.year
    for team in _TEAMS:
        lead = f"{team.lead} (Team lead, {team.team_id})"
        finance = _UNIT_BY_NAME[team.unit].finance_partner
        for year in calendar.years():
            valid_from = date(year, 1, 1).isoformat()
            valid_to = None if year == current else date(year + 1, 1, 1).isoformat()
            year_days = _day_range(date(year, 1, 1), date(year + 1, 1, 1))
            # Daily revenue target: the year's expected daily revenue, set a little above or
            # below it per team so some teams beat their target and some miss it.
            revenue = _expected_revenue(team, year_days, calendar.as_of).mean() * volume
            revenue_target = round(float(revenue) * team.revenue_target_factor, -1)
            on_time = _rate_target(team.on_time_target, year, calendar.as_of)
            sla = _rate_target(team.sla_target, year, calendar.as_of)
            rows += [
                (team.team_id, "on_time_rate", valid_from, valid_to, on_time, lead),
                (team.team_id, "sla_rate", valid_from, valid_to, sla, lead),
                (team.team_id, "revenue", valid_from, valid_to, revenue_target, finance),
            ]
    return rows


def _plan_rows(calendar: _Calendar, volume: float) -> list[_Row]:
    rows: list[_Row] = []
    for unit in _UNITS:
        teams = [team for team in _TEAMS if team.unit == unit.name]
        for quarter in calendar.quarter_starts():
            following = _add_months(quarter, 3)
            days = _day_range(quarter, following)
            expected = sum(float(_expected_revenue(t, days, calendar.as_of).sum()) for t in teams)
            value = round(expected * volume * unit.plan_factor, -3)
            rows.append((unit.name, "revenue", quarter.isoformat(), following.isoformat(), value))
    return rows


def _sheet_rows(days: DayArray, events: list[_TeamEvents]) -> list[_Row]:
    """Self-reported daily rates: rounded, without denominators, one row per day with orders."""
    rows: list[_Row] = []
    day_texts = [_to_date(d).isoformat() for d in days]
    n_days = len(days)
    per_team = []
    for team, e in zip(_TEAMS, events, strict=True):
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


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database
    backend = parsed.get_backend_name()
    is_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
    if backend == "sqlite" and is_file:
        Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
    if backend in ("mysql", "mariadb") and parsed.get_driver_name() == "pymysql":
        # LOAD DATA LOCAL INFILE needs the client's consent too; the server may still refuse.
        return create_engine(parsed, connect_args={"local_infile": True})
    return create_engine(parsed)


def _schema_metadata(schema: str | None) -> MetaData:
    """A fresh copy of the sample tables, in ``schema`` when one is given (foreign keys follow).

    A copy per load, because ``AddConstraint`` marks its constraint as no longer part of
    ``CREATE TABLE``: adding keys after a PostgreSQL load must not change later loads.
    """
    metadata = MetaData()
    for table in _metadata.sorted_tables:
        if schema is None:
            table.to_metadata(metadata)
        else:
            table.to_metadata(metadata, schema=schema)
    return metadata


def _refuse_to_overwrite(conn: Connection, metadata: MetaData, replace: bool) -> None:
    schema = metadata.sorted_tables[0].schema
    existing = sorted(set(inspect(conn).get_table_names(schema=schema)) & set(TABLE_NAMES))
    if existing and not replace:
        where = conn.engine.url.render_as_string(hide_password=True)
        if schema is not None:
            where += f" (schema {schema})"
        raise FileExistsError(f"{where} already has sample tables ({', '.join(existing)})")


def _write(engine: Engine, metadata: MetaData, company: _Company, replace: bool) -> dict[str, int]:
    """Create the tables and load the company through the fastest path of the dialect."""
    writer_class = _WRITERS.get(engine.dialect.name, _Writer)
    tables = {table.name: table for table in metadata.sorted_tables}
    with engine.connect() as conn:
        schema = tables["orders"].schema
        if schema is not None:
            quoted = conn.dialect.identifier_preparer.quote_schema(schema)
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        _refuse_to_overwrite(conn, metadata, replace)
        writer = writer_class(conn, company.calendar)
        writer.prepare()
        if replace:
            metadata.drop_all(conn)
        writer.create(metadata)
        writer.rows(tables["org_teams"], company.org_rows())
        for chunk in company.chunks():
            writer.events(tables["orders"], chunk.orders)
            writer.events(tables["tickets"], chunk.tickets)
            writer.rows(tables["team_kpi_sheet"], chunk.sheet)
        for name, rows in company.other_tables().items():
            writer.rows(tables[name], rows)
        writer.finish(metadata)
        conn.commit()
    return {name: writer.counts[name] for name in TABLE_NAMES}


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class _Writer:
    """Loads rows through the DBAPI ``executemany``: SQLite, and any dialect without a faster path.

    Values are in database form already: dates and timestamps as ISO text, which SQLite stores
    as is and PostgreSQL and MariaDB parse into DATE and TIMESTAMP/DATETIME columns.
    """

    def __init__(self, conn: Connection, calendar: _Calendar) -> None:
        self.conn = conn
        self.calendar = calendar
        self.counts: dict[str, int] = dict.fromkeys(TABLE_NAMES, 0)

    def prepare(self) -> None:
        """Session settings for a fast bulk load."""

    def create(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.conn.execute(CreateTable(table))

    def rows(self, table: Table, rows: list[_Row]) -> None:
        self._executemany(table, [rows])
        self.counts[table.name] += len(rows)

    def events(self, table: Table, batch: _EventBatch) -> None:
        self._executemany(table, _event_tuples(self.calendar, batch))
        self.counts[table.name] += len(batch)

    def finish(self, metadata: MetaData) -> None:
        # Indexes after the load: one sort per index is much cheaper than maintaining them.
        for table in metadata.sorted_tables:
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                self.conn.execute(CreateIndex(index))

    def add_foreign_keys(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            for constraint in sorted(
                table.foreign_key_constraints, key=lambda c: tuple(c.column_keys)
            ):
                self.conn.execute(AddConstraint(constraint))

    def qualified(self, table: Table) -> str:
        return self.conn.dialect.identifier_preparer.format_table(table)

    def column_list(self, table: Table) -> str:
        quote = self.conn.dialect.identifier_preparer.quote
        return ", ".join(quote(column.name) for column in table.columns)

    def _executemany(self, table: Table, batches: Iterable[list[_Row]]) -> None:
        """Positional rows straight to the DBAPI ``executemany``, bypassing per-row processing."""
        dialect = self.conn.dialect
        placeholder = _PLACEHOLDERS.get(dialect.paramstyle or "")
        if placeholder is None:
            raise NotImplementedError(f"bulk insert for paramstyle {dialect.paramstyle!r}")
        values = ", ".join(placeholder for _ in table.columns)
        sql = f"INSERT INTO {self.qualified(table)} ({self.column_list(table)}) VALUES ({values})"
        cursor = self.conn.connection.cursor()
        try:
            for batch in batches:
                cursor.executemany(sql, batch)
        finally:
            cursor.close()

    def event_csv(self, table: Table, batch: _EventBatch) -> Iterator[bytes]:
        """The batch as headerless CSV, ``_CSV_ROWS`` rows at a time, written by Polars.

        Floats are written in their shortest round-trip form, so the database parses back the
        very doubles SQLite stores; timestamps as ``YYYY-MM-DD HH:MM:SS`` (naive local time).
        """
        names = [column.name for column in table.columns]
        day_starts = self.calendar.days.astype("datetime64[ms]")
        for start in range(0, len(batch), _CSV_ROWS):
            part = slice(start, start + _CSV_ROWS)
            ids = np.arange(batch.first_id + start, batch.first_id + start + len(batch.day[part]))
            stamps = day_starts[batch.day[part]] + (batch.second[part] * 1000).astype(
                "timedelta64[ms]"
            )
            frame = pl.DataFrame(
                [
                    pl.Series(names[0], ids),
                    pl.Series(names[1], stamps),
                    _TEAM_IDS.gather(batch.team[part]).alias(names[2]),
                    *(pl.Series(n, v[part]) for n, v in zip(names[3:], batch.values, strict=True)),
                ]
            )
            yield frame.write_csv(
                include_header=False, datetime_format="%Y-%m-%d %H:%M:%S"
            ).encode()


class _SqliteWriter(_Writer):
    def prepare(self) -> None:
        # A throwaway, regenerable file: no rollback journal and no fsyncs during the load; a
        # bigger page cache lets the index builds sort in memory.
        self.conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        self.conn.exec_driver_sql("PRAGMA synchronous=OFF")
        self.conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB
        self.conn.exec_driver_sql("PRAGMA temp_store=MEMORY")


class _PostgresWriter(_Writer):
    """``COPY ... FROM STDIN`` with ``FREEZE``: the tables are created in the same transaction, so
    rows land already frozen and visible (no vacuum and no hint-bit writes on the first read).

    Tables are created with their columns only; primary keys, indexes and foreign keys are added
    after the load (one sort per key and one join per foreign key, instead of maintaining them
    row by row), which ends with the very tables ``CREATE TABLE`` would have made.
    """

    def prepare(self) -> None:
        self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        self.conn.exec_driver_sql("SET LOCAL synchronous_commit = off")

    def create(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            columns = [Column(c.name, c.type, nullable=c.nullable) for c in table.columns]
            bare = Table(table.name, MetaData(), *columns, schema=table.schema)
            self.conn.execute(CreateTable(bare))

    def rows(self, table: Table, rows: list[_Row]) -> None:
        with self._copy(table, "text") as copy:
            for row in rows:
                copy.write_row(row)
        self.counts[table.name] += len(rows)

    def events(self, table: Table, batch: _EventBatch) -> None:
        with self._copy(table, "csv") as copy:
            for data in self.event_csv(table, batch):
                copy.write(data)
        self.counts[table.name] += len(batch)

    def finish(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.conn.execute(AddConstraint(table.primary_key))
        super().finish(metadata)
        self.add_foreign_keys(metadata)
        for table in metadata.sorted_tables:
            self.conn.exec_driver_sql(f"ANALYZE {self.qualified(table)}")

    @contextmanager
    def _copy(self, table: Table, fmt: str) -> Iterator[Any]:
        columns = self.column_list(table)
        sql = f"COPY {self.qualified(table)} ({columns}) FROM STDIN (FORMAT {fmt}, FREEZE)"
        cursor: Any = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(sql) as copy:
                yield copy
        finally:
            cursor.close()


class _MySQLWriter(_Writer):
    """``LOAD DATA LOCAL INFILE`` from temporary CSV files where the server allows it (the
    ``local_infile`` system variable), else multi-row ``INSERT`` (PyMySQL's ``executemany``
    rewrites the statement into as many rows per statement as ``max_allowed_packet`` permits).

    Tables are created with their primary keys (InnoDB stores rows in key order, and ids arrive
    in order); secondary indexes and foreign keys are added after the load. Foreign-key checks
    are off meanwhile, so adding a key is a metadata change instead of a table copy: the rows
    are consistent by construction, and the keys are declared all the same.
    """

    def __init__(self, conn: Connection, calendar: _Calendar) -> None:
        super().__init__(conn, calendar)
        self.local_infile = self._server_allows_local_infile()

    def _server_allows_local_infile(self) -> bool:
        return str(self.conn.exec_driver_sql("SELECT @@local_infile").scalar()) in ("1", "ON")

    def prepare(self) -> None:
        self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")

    def events(self, table: Table, batch: _EventBatch) -> None:
        if not self.local_infile:
            super().events(table, batch)
            return
        sql = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.qualified(table)} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' "
            f"({self.column_list(table)})"
        )
        cursor = self.conn.connection.cursor()
        try:
            with tempfile.TemporaryDirectory(prefix="bridge-sample-") as directory:
                path = Path(directory) / f"{table.name}.csv"
                for data in self.event_csv(table, batch):
                    path.write_bytes(data)
                    cursor.execute(sql, (str(path),))
        finally:
            cursor.close()
        self.counts[table.name] += len(batch)

    def create(self, metadata: MetaData) -> None:
        # Without its foreign keys: InnoDB would add an index for each, maintained row by row.
        for table in metadata.sorted_tables:
            self.conn.execute(CreateTable(table, include_foreign_key_constraints=[]))

    def finish(self, metadata: MetaData) -> None:
        super().finish(metadata)
        self.add_foreign_keys(metadata)
        self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
        for table in metadata.sorted_tables:
            self.conn.exec_driver_sql(f"ANALYZE TABLE {self.qualified(table)}").all()


_WRITERS: dict[str, type[_Writer]] = {
    "sqlite": _SqliteWriter,
    "postgresql": _PostgresWriter,
    "mysql": _MySQLWriter,
    "mariadb": _MySQLWriter,
}
