"""Times stored as integer Unix times (``epoch = "seconds"`` or ``"milliseconds"`` on a source).

The sample company's orders, with ``ordered_at`` rewritten as Unix times on SQLite, PostgreSQL and
MariaDB, must give the very measures and Data health of the company with timestamps; an integer time
column without ``epoch`` is refused by ``bridge validate`` with the line to add; times that are no
Unix time (negative, past year 9999) are left out and counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from bridge.config.registry import Registry, load_registry
from bridge.data.checks import database_problems
from bridge.data.health import check
from bridge.data.load import TimeColumn, load_dataset, open_source, read_epoch
from bridge.sample import generate
from tests.databases import AS_OF, EVENTS, scratches
from tests.test_fault_suite import _run

#: ordered_at rewritten as Unix times (UTC: the sample's timestamps are naive, read as UTC).
TO_EPOCH = {
    "sqlite": lambda scale: [
        "CREATE TABLE orders_e (order_id INTEGER PRIMARY KEY, ordered_at BIGINT, "
        "team_id VARCHAR(40), revenue FLOAT, cost FLOAT, on_time INTEGER)",
        f"INSERT INTO orders_e SELECT order_id, CAST(strftime('%s', ordered_at) AS INTEGER) * {scale},"
        " team_id, revenue, cost, on_time FROM orders",
        "DROP TABLE orders",
        "ALTER TABLE orders_e RENAME TO orders",
    ],
    "postgresql": lambda scale: [
        "ALTER TABLE orders ALTER COLUMN ordered_at TYPE bigint "
        f"USING CAST(EXTRACT(EPOCH FROM ordered_at) AS bigint) * {scale}"
    ],
    "mariadb": lambda scale: [
        "ALTER TABLE orders ADD COLUMN unix_time BIGINT",
        f"UPDATE orders SET unix_time = TIMESTAMPDIFF(SECOND, '1970-01-01', ordered_at) * {scale}",
        "ALTER TABLE orders DROP COLUMN ordered_at",
        "ALTER TABLE orders CHANGE unix_time ordered_at BIGINT",
    ],
}
CASES = [
    pytest.param("sqlite", "seconds", id="sqlite-seconds"),
    pytest.param("sqlite", "milliseconds", id="sqlite-milliseconds"),
    pytest.param("postgresql", "seconds", id="postgresql-seconds", marks=pytest.mark.postgres),
    pytest.param(
        "postgresql", "milliseconds", id="postgresql-milliseconds", marks=pytest.mark.postgres
    ),
    pytest.param("mariadb", "seconds", id="mariadb-seconds", marks=pytest.mark.mariadb),
    pytest.param("mariadb", "milliseconds", id="mariadb-milliseconds", marks=pytest.mark.mariadb),
]


@pytest.fixture
def databases(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    params = request.node.callspec.params
    with scratches(params["dialect"], f"bridge_epoch_{params['unit']}", tmp_path) as new:
        yield new


def _with_epoch(config_copy: Path, unit: str | None) -> Registry:
    sources = config_copy / "sources.toml"
    text = sources.read_text()
    if unit is not None:
        text = text.replace(
            'time_column = "ordered_at"\n', f'time_column = "ordered_at"\nepoch = "{unit}"\n', 1
        )
    sources.write_text(text)
    return load_registry(config_copy)


@pytest.mark.parametrize(("dialect", "unit"), CASES)
def test_unix_times_give_the_same_numbers(
    dialect: str,
    unit: str,
    databases: Callable[[str], str],
    registry: Registry,
    config_copy: Path,
) -> None:
    timestamps, unix = databases("timestamps"), databases("unix")
    for url in (timestamps, unix):
        generate(url, as_of=AS_OF, events=EVENTS, history_years=2)
    _run(unix, TO_EPOCH[dialect](1000 if unit == "milliseconds" else 1))
    # a time that is no Unix time: before 1970, and past the year 9999
    _run(unix, [
        "UPDATE orders SET ordered_at = -5 WHERE order_id = 100",
        f"UPDATE orders SET ordered_at = {10**16} WHERE order_id = 101",
        "UPDATE orders SET revenue = 0 WHERE order_id IN (100, 101)",
    ])  # fmt: skip
    _run(timestamps, ["DELETE FROM orders WHERE order_id IN (100, 101)"])

    # without `epoch`, validate says what to add, with the unit the values suggest
    engine = open_source(unix)
    (problem,) = database_problems(_with_epoch(config_copy, None).sources_file, engine)
    assert problem.entry == "sources[0] (name='orders').time_column"
    assert problem.expected.endswith("or, for integer Unix times, `epoch` on this source")
    assert problem.example == f'epoch = "{unit}"'
    assert problem.found.startswith("'ordered_at' of type BIGINT, e.g. ")
    assert f"(as Unix {unit}: 2026-11-29)" in problem.found

    with_epoch = _with_epoch(config_copy, unit)
    assert database_problems(with_epoch.sources_file, engine) == []
    clean = open_source(timestamps)
    assert_frame_equal(
        load_dataset(engine, with_epoch).measures.sort("day", "team_id", "measure"),
        load_dataset(clean, registry).measures.sort("day", "team_id", "measure"),
        check_exact=False, rel_tol=1e-12, abs_tol=0,
    )  # fmt: skip
    health = check(engine, with_epoch, AS_OF)
    found = dict(health.findings.select("check", "rows").iter_rows())
    assert found.pop("time that is no date") == 2  # left out, and counted
    assert found == dict(check(clean, registry, AS_OF).findings.select("check", "rows").iter_rows())
    assert health.sources.row(0, named=True)["last_day"] == dt.date(2026, 11, 29)
    engine.dispose()
    clean.dispose()


def test_a_unix_time_reads_as_its_utc_day() -> None:
    assert read_epoch(0, "seconds") == dt.date(1970, 1, 1)
    assert read_epoch(1_700_000_000, "seconds") == dt.date(2023, 11, 14)
    assert read_epoch(1_700_000_000_000, "milliseconds") == dt.date(2023, 11, 14)
    assert read_epoch(86_399, "seconds") == dt.date(1970, 1, 1)  # the last second of a day
    assert read_epoch(-1, "seconds") is None and read_epoch("garbage", "seconds") is None
    assert read_epoch(10**16, "seconds") is None  # past 9999-12-31


def test_bounds_are_unix_times_so_the_index_is_used() -> None:
    from sqlalchemy import BigInteger, Column, MetaData, Table

    table = Table("orders", MetaData(), Column("ordered_at", BigInteger))
    seconds = TimeColumn(table.c.ordered_at, "seconds")
    assert seconds.bound(dt.date(2023, 11, 14)) == 1_699_920_000
    assert TimeColumn(table.c.ordered_at, "milliseconds").bound(dt.date(1970, 1, 2)) == 86_400_000
