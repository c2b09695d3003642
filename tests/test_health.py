"""Data health, case by case on generated data: each kind of bad row is detected, counted, and the
views exclude or flag it as the report says."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from bridge.config.registry import Registry, load_registry
from bridge.data.health import SOURCES_SCHEMA, check
from bridge.data.load import load_dataset, open_source
from bridge.present.charts import LEVEL_HALF, freshness_bars
from bridge.translate.horizon import horizon

AS_OF = dt.date(2026, 3, 1)
SOURCES = """
[org]
table = "org"
team_column = "team"
business_unit_column = "unit"

[[sources]]
name = "events"
table = "events"
time_column = "at"
team_column = "team"
id_column = "event_id"

  [[sources.measures]]
  name = "amount"
  agg = "sum"
  column = "amount"

  [[sources.measures]]
  name = "events"
  agg = "count"
"""
METRICS = """
[[metrics]]
id = "amount"
kind = "simple"
measure = "amount"
label = "Amount"
description = "Sum of amounts."
unit = "currency"
direction = "higher_is_better"
owner = "Test"
lenses = ["choice"]
effective_from = 2025-01-01
"""


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sources.toml").write_text(SOURCES)
    (folder / "metrics.toml").write_text(METRICS)
    return folder


def build(path: Path, extra: Callable[[sqlite3.Connection], None] | None = None) -> str:
    """90 clean days of 3 events a day for teams a and b, then the case's bad rows."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE org (team TEXT PRIMARY KEY, unit TEXT)")
        conn.executemany("INSERT INTO org VALUES (?, ?)", [("a", "North"), ("b", "South")])
        conn.execute("CREATE TABLE events (event_id INTEGER, at DATETIME, team TEXT, amount FLOAT)")
        rows, next_id = [], 1
        for day in range(90):
            when = dt.datetime(2025, 12, 1) + dt.timedelta(days=day, hours=9)
            for team in ("a", "b"):
                for _ in range(3):
                    rows.append((next_id, when.isoformat(" "), team, 10.0))
                    next_id += 1
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
        if extra:
            extra(conn)
    return f"sqlite:///{path}"


def findings(url: str, registry: Registry) -> dict[str, int]:
    report = check(open_source(url), registry, AS_OF)
    return dict(report.findings.select("check", "rows").iter_rows())


def insert(*rows: tuple[object, ...]) -> Callable[[sqlite3.Connection], None]:
    return lambda conn: conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)


def test_clean_data_has_no_findings(tmp_path: Path, registry_dir: Path) -> None:
    registry = load_registry(registry_dir)
    url = build(tmp_path / "db.sqlite")
    report = check(open_source(url), registry, AS_OF)
    assert report.findings.is_empty()
    assert report.sources.row(0, named=True) | {} == {
        "source": "events",
        "table": "events",
        "rows": 540,
        "first_day": dt.date(2025, 12, 1),
        "last_day": dt.date(2026, 2, 28),
        "days_behind": 0,
        "freshness_days": 1,  # the default: stale after a day without a row
        "status": "fresh",
    }


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (insert((1001, None, "a", 5.0)), {"no time": 1}),
        (
            insert(
                (1002, "2026-01-05 10:00:00", None, 5.0), (1003, "2026-01-05 11:00:00", None, 5.0)
            ),
            {"no team": 2},
        ),
        (insert((1004, "2026-01-05 10:00:00", "a", None)), {"empty amount": 1}),
        (
            insert(
                (1005, "2026-01-05 10:00:00", "a", -40.0), (1006, "2026-01-06 10:00:00", "b", -1.0)
            ),
            {"negative amount": 2},
        ),
        (
            insert((7, "2026-01-05 10:00:00", "a", 10.0), (7, "2026-01-05 10:00:00", "a", 10.0)),
            {"duplicate id": 2},
        ),
        (
            insert(
                (1007, "2026-03-02 10:00:00", "a", 5.0), (1008, "2027-01-01 00:00:00", "b", 5.0)
            ),
            {"in the future": 2},
        ),
        (insert((1009, "2026-01-05 10:00:00", "zz", 5.0)), {"team not in org table": 1}),
        (
            insert((1011, "garbage", "a", 5.0), (1012, "", "b", 5.0), (1013, 1700000000, "b", 5.0)),
            {"time that is no date": 3},
        ),
        (
            insert(
                (1015, "2026-01-05T23:30:00-08:00", "a", 5.0), (1016, "2026-01-05 06:00Z", "b", 5.0)
            ),
            {"time with a UTC offset": 2},
        ),
        (
            insert((1010, "2026-01-05 10:00:00", "a", float("inf"))),
            {"not a finite number in amount": 1},
        ),
        (
            insert((1014, "2026-01-05 10:00:00", "a", "12,50 EUR")),
            {"not a finite number in amount": 1},
        ),
        (
            lambda c: c.execute(
                "DELETE FROM events WHERE date(at) IN ('2026-01-10', '2026-01-11')"
            ),
            {"missing days": 2},
        ),
    ],
)
def test_each_kind_of_bad_row_is_counted(
    tmp_path: Path,
    registry_dir: Path,
    bad: Callable[[sqlite3.Connection], None],
    expected: dict[str, int],
) -> None:
    registry = load_registry(registry_dir)
    assert findings(build(tmp_path / "db.sqlite", bad), registry) == expected


def test_views_exclude_or_flag_as_the_report_says(tmp_path: Path, registry_dir: Path) -> None:
    registry = load_registry(registry_dir)
    url = build(
        tmp_path / "db.sqlite",
        insert(
            (2001, "2026-02-10 10:00:00", None, 1000.0),  # no team: excluded
            (
                2002,
                "2026-02-10 10:00:00",
                "zz",
                100.0,
            ),  # unknown team: company yes, unit Unassigned
            (2003, "2026-03-05 10:00:00", "a", 5000.0),  # future: excluded
            (2004, "2026-02-11 10:00:00", "a", -30.0),  # negative: included
        ),
    )
    dataset = load_dataset(open_source(url), registry, dt.date(2025, 12, 1), AS_OF)
    view = horizon(dataset, registry, "amount", "month", AS_OF, periods=1)
    values = dict(view.select("scope", "value").iter_rows())
    assert values["Company"] == 28 * 60.0 + 100.0 - 30.0  # February: 60 a day, +zz, -refund
    assert values["Unassigned"] == 100.0
    assert values["North"] == 28 * 30.0 - 30.0


def test_an_empty_database_is_reported(tmp_path: Path, registry_dir: Path) -> None:
    registry = load_registry(registry_dir)
    url = build(tmp_path / "db.sqlite", lambda c: c.execute("DELETE FROM events"))
    report = check(open_source(url), registry, AS_OF)
    assert report.empty
    assert report.findings.get_column("check").to_list() == ["empty database"]
    assert report.sources.get_column("status").to_list() == ["empty"]


def test_a_stale_source(tmp_path: Path, registry_dir: Path) -> None:
    registry = load_registry(registry_dir)
    url = build(
        tmp_path / "db.sqlite", lambda c: c.execute("DELETE FROM events WHERE at >= '2026-02-20'")
    )
    report = check(open_source(url), registry, AS_OF)
    row = report.sources.row(0, named=True)
    assert (row["status"], row["days_behind"]) == ("stale", 9)
    assert report.findings.filter(pl.col("check") == "missing days").get_column(
        "rows"
    ).to_list() == [9]


def test_a_row_in_the_future_does_not_make_a_stale_source_fresh(
    tmp_path: Path, registry_dir: Path
) -> None:
    registry = load_registry(registry_dir)

    def stopped_weeks_ago_but_for_2099(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM events WHERE at >= '2026-02-20'")
        conn.execute("INSERT INTO events VALUES (2001, '2099-06-01 10:00:00', 'a', 5.0)")

    report = check(open_source(build(tmp_path / "db.sqlite", stopped_weeks_ago_but_for_2099)),
                   registry, AS_OF)  # fmt: skip
    row = report.sources.row(0, named=True)
    assert (row["last_day"], row["status"], row["days_behind"]) == (
        dt.date(2026, 2, 19), "stale", 9
    )  # fmt: skip
    assert dict(report.findings.select("check", "rows").iter_rows())["in the future"] == 1


def test_the_sample_company_is_healthy_but_for_days_without_tickets(
    registry: Registry, sample_url: str
) -> None:
    report = check(open_source(sample_url), registry, dt.date(2026, 11, 30))
    assert set(report.sources.get_column("status")) == {"fresh"}
    assert report.findings.get_column("check").to_list() == ["empty sla_rate"]


def test_an_infinite_or_text_amount_is_left_out_of_the_sum(
    tmp_path: Path, registry_dir: Path
) -> None:
    """One infinite row must not make the day's, the unit's and the company's sums infinite."""
    registry = load_registry(registry_dir)
    url = build(
        tmp_path / "db.sqlite",
        insert(
            (1010, "2026-01-05 10:00:00", "a", float("inf")),
            (1014, "2026-01-05 11:00:00", "a", "12,50 EUR"),  # text: never read as 12
        ),
    )
    measures = load_dataset(open_source(url), registry).measures
    day = measures.filter(
        (pl.col("day") == dt.date(2026, 1, 5)) & (pl.col("team_id") == "a")
    ).select("measure", "value")
    assert dict(day.iter_rows()) == {"amount": 30.0, "events": 5.0}  # the rows are still events
    assert measures.get_column("value").is_finite().all()


def test_a_time_with_a_utc_offset_counts_on_the_day_as_written(
    tmp_path: Path, registry_dir: Path
) -> None:
    """SQLite's date() moves '…23:30-08:00' to the next (UTC) day; PostgreSQL and MariaDB keep the
    day as written, and so does Bridge on every dialect: the row stays in its day and period."""
    registry = load_registry(registry_dir)
    url = build(tmp_path / "db.sqlite", insert((1015, "2026-01-31T23:30:00-08:00", "a", 5.0)))
    measures = load_dataset(open_source(url), registry).measures
    amounts = measures.filter((pl.col("measure") == "amount") & (pl.col("team_id") == "a"))
    by_day = dict(amounts.select("day", "value").iter_rows())
    assert by_day[dt.date(2026, 1, 31)] == 35.0 and by_day[dt.date(2026, 2, 1)] == 30.0


POSTGRES_URL = os.environ.get(
    "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


def test_nan_and_infinity_on_postgresql(registry_dir: Path) -> None:
    """PostgreSQL stores NaN and ±Infinity in a double: left out of every sum, and counted."""
    from sqlalchemy import create_engine, text

    schema = "bridge_nan_test"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
            conn.execute(text(f"CREATE TABLE {schema}.org (team TEXT PRIMARY KEY, unit TEXT)"))
            conn.execute(text(f"INSERT INTO {schema}.org VALUES ('a', 'North'), ('b', 'South')"))
            conn.execute(
                text(
                    f"CREATE TABLE {schema}.events (event_id INTEGER, at TIMESTAMP, team TEXT, "
                    "amount DOUBLE PRECISION)"
                )
            )
            conn.execute(
                text(
                    f"INSERT INTO {schema}.events VALUES (1, '2026-01-05 10:00', 'a', 10), "
                    "(2, '2026-01-05 11:00', 'a', 'NaN'), (3, '2026-01-05 12:00', 'a', 'Infinity'), "
                    "(4, '2026-01-05 12:00', 'b', '-Infinity'), (5, '2026-01-05 13:00', 'b', 7)"
                )
            )
        config = registry_dir.parent / "pg-config"
        config.mkdir()
        for name in ("sources.toml", "metrics.toml"):
            text_ = (registry_dir / name).read_text()
            if name == "sources.toml":
                text_ = text_.replace('table = "org"', f'table = "org"\nschema = "{schema}"')
                text_ = text_.replace('table = "events"', f'table = "events"\nschema = "{schema}"')
            (config / name).write_text(text_)
        registry = load_registry(config)
        engine = open_source(POSTGRES_URL)
        amounts = dict(
            load_dataset(engine, registry)
            .measures.filter(pl.col("measure") == "amount")
            .select("team_id", "value")
            .iter_rows()
        )
        assert amounts == {"a": 10.0, "b": 7.0}
        found = dict(check(engine, registry, AS_OF).findings.select("check", "rows").iter_rows())
        assert found["not a finite number in amount"] == 3
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_freshness_is_drawn_against_the_days_each_source_may_fall_behind() -> None:
    """A monthly source 5 days behind was the tallest bar of Data health's chart (green,
    'fresh'), the daily ones at 0 drew nothing: read as the monthly ones being the best. Each
    bar now stands against its source's freshness_days (a dashed line as wide as the bar) and
    says '5 of 31' above the higher of the two; a stale source's bar passes its line."""
    day = dt.date(2026, 12, 1)
    sources = pl.DataFrame(
        [
            ("orders", "orders", 10, day, day, 0, 1, "fresh"),
            ("spend", "spend", 10, day, day, 5, 31, "fresh"),
            ("late", "late", 10, day, day, 9, 2, "stale"),
        ],
        schema=SOURCES_SCHEMA,
        orient="row",
    )
    fig = freshness_bars(sources)
    bars, labels = fig.data[0], fig.data[1]
    assert list(bars.y) == [0, 5, 9]
    assert list(labels.text) == ["0 of 1", "5 of 31", "9 of 2"]
    assert [y > max(b, a) for y, b, a in zip(labels.y, [0, 5, 9], [1, 31, 2], strict=True)] == [
        True
    ] * 3
    lines = [(sh.x0, sh.x1, sh.y0) for sh in fig.layout.shapes]
    assert lines == [(i - LEVEL_HALF, i + LEVEL_HALF, days) for i, days in enumerate([1, 31, 2])]
    assert list(bars.customdata) == [
        "fresh · 0 of 1 days",
        "fresh · 5 of 31 days",
        "stale · 9 of 2 days",
    ]
    assert bars.marker.color[0] == bars.marker.color[1] != bars.marker.color[2]
