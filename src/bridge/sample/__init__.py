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

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from bridge.data.urls import describe_error, safe_url
from bridge.errors import BridgeError
from bridge.sample.draws import Company
from bridge.sample.schema import TABLE_NAMES, schema_metadata
from bridge.sample.story import Calendar, volume_factor
from bridge.sample.writers import engine_for, write

__all__ = ["DEFAULT_SEED", "TABLE_NAMES", "SampleError", "SampleSummary", "generate"]

DEFAULT_SEED = 2026


class SampleError(BridgeError):
    """The sample could not be written to the database (connection or write refused)."""


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
        SampleError: the database refused the connection or a write (the message hides passwords).
    """
    started = time.perf_counter()
    if history_years < 1:
        raise ValueError(f"history_years must be at least 1, got {history_years}")
    if events is not None and events < 1:
        raise ValueError(f"events must be at least 1, got {events}")
    calendar = Calendar.build(as_of, history_years)
    company = Company.draw(calendar, volume_factor(calendar, events), seed)
    try:
        engine = engine_for(url)
        try:
            if schema is not None and engine.dialect.name == "sqlite":
                raise ValueError("SQLite has no schemas: leave schema unset for an SQLite URL")
            row_counts = write(engine, schema_metadata(schema), company, replace)
            url_display = engine.url.render_as_string(hide_password=True)
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as exc:
        raise SampleError(
            f"cannot write the sample to {safe_url(url)}: {describe_error(exc, url)}"
        ) from None
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
