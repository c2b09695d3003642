"""The loader against the database: measures equal aggregates computed independently from raw rows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from bridge.config.registry import Registry
from bridge.data import load
from bridge.data.load import (
    first_days,
    load_dataset,
    measure_query,
    open_source,
    reflect,
    slices,
)
from bridge.dataset import MEASURES_SCHEMA, Dataset
from bridge.errors import SourceError
from tests.conftest import AS_OF, sample_copy


def _raw(db: Path, sql: str, *params: object) -> dict[tuple[str, str], tuple[float, ...]]:
    with sqlite3.connect(db) as conn:
        return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(sql, params)}


def _measure(dataset: Dataset, name: str) -> dict[tuple[str, str], float]:
    frame = dataset.measures.filter(pl.col("measure") == name)
    return {
        (d.isoformat(), t): v for d, t, v in frame.select("day", "team_id", "value").iter_rows()
    }


def test_measures_are_typed_and_long(sample_dataset: Dataset) -> None:
    assert sample_dataset.measures.schema == MEASURES_SCHEMA
    assert sample_dataset.measures.select(pl.col("day").max()).item() == AS_OF - dt.timedelta(
        days=1
    )


@pytest.mark.parametrize(
    ("measures", "sql"),
    [
        (
            ("revenue", "cost", "orders", "orders_on_time"),
            "SELECT substr(ordered_at, 1, 10), team_id, SUM(revenue), SUM(cost), COUNT(*), "
            "SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END) FROM orders GROUP BY 1, 2",
        ),
        (
            ("tickets", "tickets_within_sla", "handle_minutes"),
            "SELECT substr(opened_at, 1, 10), team_id, COUNT(*), "
            "SUM(CASE WHEN sla_met = 1 THEN 1 ELSE 0 END), SUM(handle_minutes) FROM tickets GROUP BY 1, 2",
        ),
        (
            ("investment", "operating_spend"),
            "SELECT month, team_id, SUM(CASE WHEN category = 'investment' THEN amount ELSE 0 END), "
            "SUM(CASE WHEN category = 'operating' THEN amount ELSE 0 END) FROM spend GROUP BY 1, 2",
        ),
        (
            ("headcount",),
            "SELECT snapshot_date, team_id, SUM(headcount) FROM headcount GROUP BY 1, 2",
        ),
        (
            ("reported_on_time_rate", "reported_sla_rate"),
            "SELECT day, team_id, MAX(on_time_rate), MAX(sla_rate) FROM team_kpi_sheet GROUP BY 1, 2",
        ),
    ],
)
def test_measures_equal_raw_aggregates(
    sample_dataset: Dataset, sample_db: Path, measures: tuple[str, ...], sql: str
) -> None:
    raw = _raw(sample_db, sql)
    assert raw, "the raw query found nothing: the sample is empty"
    for i, name in enumerate(measures):
        loaded = _measure(sample_dataset, name)
        expected = {k: v[i] for k, v in raw.items() if v[i] is not None}
        assert loaded.keys() == expected.keys(), name
        for key, value in expected.items():
            assert loaded[key] == pytest.approx(value, rel=1e-9, abs=1e-6), (name, key)


def test_date_range_is_half_open(registry: Registry, sample_url: str, sample_db: Path) -> None:
    start, end = dt.date(2025, 3, 1), dt.date(2025, 3, 8)
    engine = open_source(sample_url)
    dataset = load_dataset(engine, registry, start, end)
    days = set(dataset.measures.get_column("day").unique().to_list())
    # spend and headcount rows sit on the 1st of the month: included at the start bound
    assert min(days) == start and max(days) == end - dt.timedelta(days=1)
    raw = _raw(
        sample_db,
        "SELECT substr(ordered_at,1,10), team_id, COUNT(*) FROM orders "
        "WHERE ordered_at >= ? AND ordered_at < ? GROUP BY 1, 2",
        "2025-03-01",
        "2025-03-08",
    )
    loaded = _measure(dataset, "orders")
    assert loaded == {k: v[0] for k, v in raw.items()}


D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "first", "today", "expected"),
    [
        # the whole history in three spans of equal days: open at both ends, as asked
        (
            None,
            None,
            D(2022, 1, 1),
            D(2022, 12, 31),
            [(None, D(2022, 5, 2)), (D(2022, 5, 2), D(2022, 9, 1)), (D(2022, 9, 1), None)],
        ),
        # two slices' worth of days (184 = 2 × 92): two; a day less: one query
        (None, None, D(2022, 1, 1), D(2022, 7, 3), [(None, D(2022, 4, 3)), (D(2022, 4, 3), None)]),
        (None, None, D(2022, 1, 1), D(2022, 7, 2), [(None, None)]),
        # a refresh of the last days: one query
        (D(2022, 12, 28), None, D(2022, 1, 1), D(2022, 12, 31), [(D(2022, 12, 28), None)]),
        # a range: cut between its own bounds, which the spans keep
        (
            D(2022, 1, 1),
            D(2023, 1, 1),
            D(2020, 1, 1),
            D(2026, 1, 1),
            [
                (D(2022, 1, 1), D(2022, 5, 2)),
                (D(2022, 5, 2), D(2022, 9, 1)),
                (D(2022, 9, 1), D(2023, 1, 1)),
            ],
        ),
        # a source whose history starts after the range, or ends before it: one (empty) query
        (
            D(2022, 1, 1),
            D(2023, 1, 1),
            D(2024, 1, 1),
            D(2026, 1, 1),
            [(D(2022, 1, 1), D(2023, 1, 1))],
        ),
        (D(2025, 1, 1), None, D(2020, 1, 1), D(2024, 1, 1), [(D(2025, 1, 1), None)]),
    ],
)
def test_slices_cut_a_long_history(
    start: dt.date | None,
    end: dt.date | None,
    first: dt.date,
    today: dt.date,
    expected: list[tuple[dt.date | None, dt.date | None]],
) -> None:
    assert slices(start, end, first, today, count=3, min_days=92) == expected


def _measure_queries(engine: object, table: str) -> list[tuple[object, ...]]:
    """Records the parameters of every measure query ``engine`` sends to ``table``."""
    seen: list[tuple[object, ...]] = []  # a bound on a text time column is a string

    def record(conn: object, cursor: object, sql: str, params: object, *_: object) -> None:
        if f"FROM {table}" in sql and "GROUP BY" in sql:
            seen.append(tuple(params) if isinstance(params, (tuple, list)) else (params,))

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_a_long_history_is_read_in_slices_with_the_same_numbers(
    registry: Registry, sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's indexed tables (five years) are read in three slices of days, on parallel
    connections; the measures equal those of one query per source."""
    engine = open_source(sample_url)
    queries = _measure_queries(engine, "orders")
    sliced = load_dataset(engine, registry).measures
    # the slices meet (one's end is the next one's start) and nothing bounds the outer ends
    bounds = sorted(tuple(p for p in q if isinstance(p, str)) for q in queries)
    first, middle, last = bounds
    assert len(first) == len(last) == 1 and middle == (first[0], last[0]), bounds
    monkeypatch.setattr(load, "SLICES", 1)
    whole = load_dataset(open_source(sample_url), registry).measures
    order = ["day", "team_id", "measure"]
    assert sliced.height == whole.height
    assert_frame_equal(sliced.sort(order), whole.sort(order), check_exact=False, rel_tol=1e-12)


def test_a_table_without_an_index_on_its_time_is_one_query(
    registry: Registry, sample_db: Path, tmp_path: Path
) -> None:
    """Without an index leading with the time column, each slice would read the whole table."""
    copy = tmp_path / "unindexed.sqlite"
    with sample_copy(sample_db, copy) as conn:
        conn.execute("DROP INDEX ix_orders_ordered_at")
    engine = open_source(f"sqlite:///{copy}")
    orders, tickets = _measure_queries(engine, "orders"), _measure_queries(engine, "tickets")
    load_dataset(engine, registry)
    assert len(orders) == 1 and len(tickets) == 3


def test_a_refresh_of_the_last_days_asks_nothing_about_indexes(
    registry: Registry, sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range too short to slice is one query per source, without a look at the indexes."""

    def never(*_: object) -> bool:
        raise AssertionError("looked for an index to slice a few days by")

    monkeypatch.setattr(load, "_time_indexed", never)
    dataset = load_dataset(open_source(sample_url), registry, start=AS_OF - dt.timedelta(days=3))
    assert dataset.first_day == AS_OF - dt.timedelta(days=3)


def test_query_binds_every_value(registry: Registry, sample_url: str) -> None:
    engine = open_source(sample_url)
    source = next(s for s in registry.sources if s.name == "spend")
    with engine.connect() as conn:
        query = measure_query(
            source, reflect(conn, source.table, None), dt.date(2025, 1, 1), dt.date(2025, 2, 1)
        )
    compiled = query.compile(engine)
    sql = str(compiled)
    assert "'investment'" not in sql and "2025" not in sql, sql  # the label AS investment is fine
    assert "investment" in compiled.params.values()
    assert dt.date(2025, 1, 1) in compiled.params.values()
    assert "GROUP BY" in sql


def test_sqlite_groups_rows_on_the_days_text_with_the_same_numbers(
    registry: Registry, sample_db: Path, tmp_path: Path
) -> None:
    """On SQLite a day is read from a value's first ten characters (or is NULL), so rows are
    grouped on those characters and each group's day read once (the sort of a million rows was the
    load's largest cost). Times that are no day, several of them for one team, still count for no
    day; times on one day written differently still count for that day."""
    db = tmp_path / "messy.sqlite"
    day, team = "2026-01-05", "ent-sales"
    extra = [  # (time as stored, revenue): valid ones add 1 + 2 + 4 to that day's revenue
        ("2026-01-05 10:00:00", 1.0),
        ("2026-01-05T23:30:00-08:00", 2.0),  # the day as written, not its UTC day
        ("2026-01-05", 4.0),
        ("2026-02-30 10:00:00", 8.0),  # no such day
        ("2026-01-00 10:00:00", 16.0),
        ("garbage", 32.0),
        ("1767571200", 64.0),  # a number is no ISO day
        ("2026-1-05 10:00", 128.0),
    ]
    with sample_copy(sample_db, db) as conn:
        before = conn.execute(
            "SELECT sum(revenue) FROM orders WHERE substr(ordered_at, 1, 10) = ? AND team_id = ?",
            (day, team),
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO orders (order_id, ordered_at, team_id, revenue, cost, on_time) "
            "VALUES (?, ?, ?, ?, 0, 1)",
            [(10_000_000 + i, when, team, value) for i, (when, value) in enumerate(extra)],
        )
    engine = open_source(f"sqlite:///{db}")
    source = next(s for s in registry.sources if s.name == "orders")
    with engine.connect() as conn:
        sql = str(measure_query(source, reflect(conn, source.table, None)).compile(engine))
    assert "GROUP BY orders.team_id, substr(orders.ordered_at, 1, 10)" in sql, sql
    loaded = _measure(load_dataset(engine, registry, dt.date(2025, 12, 1)), "revenue")
    assert loaded[(day, team)] == pytest.approx(before + 7.0, rel=1e-12)
    mine = {key: v for key, v in loaded.items() if key[1] == team and key[0] >= "2026-01"}
    expected = _raw(
        db,
        "SELECT substr(ordered_at, 1, 10), team_id, sum(revenue) FROM orders "
        "WHERE team_id = ? AND ordered_at >= '2026-01-01' AND ordered_at < '2027-01-01' "
        "AND order_id < 10000000 GROUP BY 1, 2",
        team,
    )
    assert mine.keys() == expected.keys()


def test_org_targets_and_plan_load(sample_dataset: Dataset) -> None:
    assert sample_dataset.org.height == 20
    assert sample_dataset.org.get_column("business_unit").n_unique() == 4
    assert not sample_dataset.targets.is_empty()
    assert set(sample_dataset.targets.get_column("metric_id").unique()) >= {
        "on_time_rate",
        "revenue",
    }
    assert not sample_dataset.plan.is_empty()


def test_first_days(registry: Registry, sample_url: str) -> None:
    """The first day of each source (the cache's sign that a database's history was rebuilt)."""
    assert first_days(open_source(sample_url), registry) == {
        "orders": dt.date(2022, 1, 1),
        "tickets": dt.date(2022, 1, 1),
        "spend": dt.date(2022, 1, 1),
        "headcount": dt.date(2022, 1, 1),
        "kpi_sheet": dt.date(2022, 1, 1),
    }


def test_everything_is_loaded_once(sample_dataset: Dataset) -> None:
    """No as-of date bounds the load: the dataset holds every day the source has."""
    assert sample_dataset.first_day == dt.date(2022, 1, 1)
    assert sample_dataset.last_day == AS_OF - dt.timedelta(days=1)


def test_source_is_opened_read_only(sample_url: str) -> None:
    engine = open_source(sample_url)
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(text("DELETE FROM orders"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM orders")).scalar_one() > 1_000_000


@pytest.mark.parametrize("query", ["?uri=true", "?uri=true&mode=rw", "?mode=rwc&uri=true"])
def test_a_sqlite_uri_url_is_read_only_too(tmp_path: Path, query: str) -> None:
    """``sqlite:///file:…?uri=true`` (with its own mode) must not open a way to write."""
    db = tmp_path / "uri.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    engine = open_source(f"sqlite:///file:{db}{query}")
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(text("DELETE FROM t"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar_one() == 1
    engine.dispose()


def test_missing_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no SQLite database at .*nowhere\.sqlite"):
        open_source(f"sqlite:///{tmp_path / 'nowhere.sqlite'}")


def test_unreachable_server_names_it_without_password(registry: Registry) -> None:
    engine = open_source("postgresql+psycopg://bob:hunter2@127.0.0.1:1/x", timeout_seconds=2)
    with pytest.raises(SourceError) as info:
        load_dataset(engine, registry, dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    assert "hunter2" not in str(info.value)
    assert "bob:***@127.0.0.1:1" in str(info.value)


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="not a SQLAlchemy URL"):
        open_source("this is not a url")


def test_dates_stored_as_iso_text_load_the_same_numbers(
    registry: Registry, sample_db: Path, sample_dataset: Dataset, tmp_path: Path
) -> None:
    """Most SQLite files keep dates as TEXT: declared so, the loader reads the same measures
    (bounds compare as text, days are cut by date()), and `bridge validate` accepts the column."""
    from bridge.data.checks import database_problems

    copy = tmp_path / "text_dates.sqlite"
    with sample_copy(sample_db, copy) as conn:
        columns = [row[1:3] for row in conn.execute("PRAGMA table_info(tickets)")]
        declared = ", ".join(
            f"{name} {'TEXT' if name == 'opened_at' else kind}" for name, kind in columns
        )
        conn.executescript(
            f"ALTER TABLE tickets RENAME TO tickets_typed; CREATE TABLE tickets ({declared}); "
            "INSERT INTO tickets SELECT * FROM tickets_typed; DROP TABLE tickets_typed;"
        )
    engine = open_source(f"sqlite:///{copy}")
    assert str(reflect(engine, "tickets", None).c["opened_at"].type) == "TEXT"
    assert database_problems(registry.sources_file, engine, registry.files) == []
    loaded = load_dataset(engine, registry)
    engine.dispose()
    tickets = [m.name for s in registry.sources if s.table == "tickets" for m in s.measures]
    order = ["measure", "day", "team_id"]
    want = sample_dataset.measures.filter(pl.col("measure").is_in(tickets)).sort(order)
    got = loaded.measures.filter(pl.col("measure").is_in(tickets)).sort(order)
    assert got.height > 0
    assert got.equals(want)
