"""The same sample company gives the same numbers on SQLite, PostgreSQL, MariaDB and Spark.

One sample (default seed, one year of history before ``AS_OF``, about 200,000 orders) is written once per module into a
temporary SQLite file, a dedicated PostgreSQL schema and a dedicated MariaDB database, then read
back through the real loader (``open_source`` + ``load_dataset``) with the shipped config. Rows,
measures and every view must agree: exactly for counts and everything that is not a float, within
float rounding for sums (the databases add in different orders).

The servers come from ``BRIDGE_TEST_POSTGRES_URL`` and ``BRIDGE_TEST_MARIADB_URL`` (defaults: the
development and CI servers on 127.0.0.1). A test is skipped only when nothing listens at the
server's address; any other failure (a refused login, a missing privilege) fails it. Spark is a
cluster of its own on loopback (master, two workers, Spark Connect; ``tests/spark_cluster.py``),
skipped with the reason where Java or pyspark is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from bridge.config.registry import Registry, load_registry
from bridge.data.checks import database_problems
from bridge.data.health import check
from bridge.data.load import (
    day_of,
    first_days,
    load_dataset,
    open_source,
    reflect,
    source_sql,
)
from bridge.data.refresh import MeasureCache
from bridge.dataset import Dataset
from bridge.errors import SourceError
from bridge.sample import TABLE_NAMES, generate
from bridge.translate.request import Coverage, RawRequest, resolve
from bridge.translate.views import build_view
from tests.conftest import AS_OF, CONFIG_DIR

POSTGRES_URL = os.environ.get(
    "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("BRIDGE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
HISTORY_YEARS = 1
#: About a third of the default company's volume over that year: every table, team and day is
#: there, and writing it to three databases stays well under a minute.
EVENTS = 200_000
START = dt.date(AS_OF.year - HISTORY_YEARS, 1, 1)
#: One schema (PostgreSQL) or database (MariaDB) per test process, dropped afterwards: parallel
#: runs and other tests using the same servers never see each other's tables.
SCHEMA = f"bridge_parity_{os.getpid()}"
REL = 1e-9  # float tolerance: sums over the same doubles, added in another order
ABS = 1e-9


@dataclass
class Backend:
    """One database holding the sample, and what the loader read from it."""

    name: str
    url: str
    registry: Registry
    engine: Engine
    dataset: Dataset
    views: dict[str, pl.DataFrame] = field(default_factory=dict)

    def view(self, request: ViewCase) -> pl.DataFrame:
        key = _request_id(request)
        if key not in self.views:
            view, raw = request
            coverage = Coverage.of(self.dataset, today=AS_OF)
            resolved = resolve(view, raw, self.registry, coverage)
            self.views[key] = build_view(resolved, self.dataset, self.registry)
        return self.views[key]


def _registry_in(schema: str, tmp: Path) -> Registry:
    """The shipped config, with every table read from ``schema``."""
    config = tmp / "config"
    shutil.copytree(CONFIG_DIR, config)
    sources = config / "sources.toml"
    original = sources.read_text()
    edited = re.sub(r'^(table = "\w+")', rf'\1\nschema = "{schema}"', original, flags=re.M)
    assert edited.count("schema =") == original.count("\ntable =") > 0
    sources.write_text(edited)
    registry = load_registry(config)
    assert registry.sources_file.org.db_schema == schema
    return registry


def _reachable_or_skip(label: str, url: str) -> None:
    """Skip when nothing listens at the server's address; anything else is the test's business."""
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or (5432 if "postgres" in url else 3306)
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.skip(f"{label} not reachable at {host}:{port}: {exc}")


def _load(name: str, url: str, registry: Registry) -> Backend:
    engine = open_source(url)
    dataset = load_dataset(engine, registry)
    return Backend(name, url, registry, engine, dataset)


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    path = tmp_path_factory.mktemp("parity") / "sample.sqlite"
    url = f"sqlite:///{path}"
    generate(url, as_of=AS_OF, history_years=HISTORY_YEARS, events=EVENTS)
    backend = _load("sqlite", url, load_registry(CONFIG_DIR))
    yield backend
    backend.engine.dispose()


def _server(
    label: str, url: str, drop: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    _reachable_or_skip(label, url)
    admin = create_engine(url)
    try:
        generate(
            url,
            as_of=AS_OF,
            history_years=HISTORY_YEARS,
            events=EVENTS,
            schema=SCHEMA,
            replace=True,
        )
        registry = _registry_in(SCHEMA, tmp_path_factory.mktemp(label))
        backend = _load(label, url, registry)
        yield backend
        backend.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(drop))
        admin.dispose()


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    yield from _server(
        "PostgreSQL", POSTGRES_URL, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", tmp_path_factory
    )


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    yield from _server(
        "MariaDB", MARIADB_URL, f"DROP DATABASE IF EXISTS {SCHEMA}", tmp_path_factory
    )


@pytest.fixture(scope="module")
def spark(spark_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    yield from _server(
        "Spark", spark_cluster.url, f"DROP DATABASE IF EXISTS {SCHEMA} CASCADE", tmp_path_factory
    )


SERVERS = [
    pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
    pytest.param("mariadb", marks=pytest.mark.mariadb, id="mariadb"),
    pytest.param("spark", marks=pytest.mark.spark, id="spark"),
]


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Backend:
    backend: Backend = request.getfixturevalue(request.param)
    return backend


# --- comparing ----------------------------------------------------------------------------------


def assert_frames_match(expected: pl.DataFrame, actual: pl.DataFrame, what: str) -> None:
    """Same columns, types and rows in the same order; floats within rounding, the rest exact."""
    try:
        assert_frame_equal(actual, expected, check_exact=False, rel_tol=REL, abs_tol=ABS)
    except AssertionError as exc:
        raise AssertionError(f"{what}: {exc}") from None


# --- the data itself ----------------------------------------------------------------------------


#: Orders and tickets are compared in full through the measures (every day x team sum and count)
#: and row by row on a sample of ids; every other table row by row in full.
EVENT_SAMPLE = "MOD({id}, 499) = 0"


def _rows(engine: Engine, table: str, schema: str | None) -> list[tuple[Any, ...]]:
    """Rows in primary-key order, dates and timestamps as SQLite stores them (ISO text)."""
    from bridge.sample.schema import metadata

    primary_key = [c.name for c in metadata.tables[table].primary_key.columns]
    name = f"{schema}.{table}" if schema else table
    where = ""
    if table in ("orders", "tickets"):
        where = " WHERE " + EVENT_SAMPLE.format(id=primary_key[0])
    sql = f"SELECT * FROM {name}{where} ORDER BY {', '.join(primary_key)}"
    with engine.connect() as conn:
        return [tuple(_as_sqlite(v) for v in row) for row in conn.execute(text(sql))]


def _as_sqlite(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _count(engine: Engine, table: str, schema: str | None) -> int:
    name = f"{schema}.{table}" if schema else table
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one())


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_rows_are_identical(sqlite: Backend, server: Backend, table: str) -> None:
    """The generator writes the very same values everywhere (DATE/TIMESTAMP columns on servers)."""
    assert _count(server.engine, table, SCHEMA) == _count(sqlite.engine, table, None)
    expected = _rows(sqlite.engine, table, None)
    assert len(expected) >= 20
    assert _rows(server.engine, table, SCHEMA) == expected


def test_first_days_agree(sqlite: Backend, server: Backend) -> None:
    firsts = first_days(sqlite.engine, sqlite.registry)
    assert set(firsts.values()) == {START}
    assert first_days(server.engine, server.registry) == firsts
    assert sqlite.dataset.last_day == server.dataset.last_day == AS_OF - dt.timedelta(days=1)


def test_measures_agree(sqlite: Backend, server: Backend) -> None:
    """Counts exactly, sums within rounding, for every (day, team, measure)."""
    keys = ["measure", "team_id", "day"]
    want = sqlite.dataset.measures.sort(keys)
    got = server.dataset.measures.sort(keys)
    assert got.select(keys).equals(want.select(keys))
    counts = [m.name for s in sqlite.registry.sources for m in s.measures if m.agg == "count"]
    assert counts  # the shipped config counts orders and tickets
    is_count = pl.col("measure").is_in(counts)
    assert got.filter(is_count).equals(want.filter(is_count))
    assert_frames_match(want.filter(~is_count), got.filter(~is_count), "measures")


@pytest.mark.parametrize("part", ["org", "targets", "plan"])
def test_org_targets_and_plan_agree(sqlite: Backend, server: Backend, part: str) -> None:
    want: pl.DataFrame = getattr(sqlite.dataset, part)
    got: pl.DataFrame = getattr(server.dataset, part)
    assert want.height > 0
    assert_frames_match(want.sort(want.columns), got.sort(got.columns), part)


# --- every view --------------------------------------------------------------------------------


ViewCase = tuple[str, RawRequest]


def _view_requests() -> list[ViewCase]:
    registry = load_registry(CONFIG_DIR)
    metrics = list(registry.metrics.values())
    ratios = [m.id for m in metrics if m.kind == "ratio"]
    requests: list[dict[str, Any]] = []
    for metric in metrics:
        if "action" in metric.lenses:
            # A snapshot (headcount) has no daily frontline: one value a month.
            grains = ("week",) if metric.kind == "semi_additive" else ("day", "week")
            for grain in grains:
                requests.append({"view": "frontline", "metric": metric.id, "grain": grain})
        if "choice" in metric.lenses:
            for grain in ("month", "quarter", "year"):
                requests.append({"view": "horizon", "metric": metric.id, "grain": grain})
    requests += [{"view": "tradeoff", "decision": d} for d in registry.decisions]
    for metric_id in ratios:
        for consistency_grain in (None, "month", "quarter", "year"):
            requests.append(
                {"view": "consistency", "metric": metric_id, "grain": consistency_grain}
            )
    requests += [{"view": "fix_now"}, {"view": "fix_now", "grain": "day"}]
    # The business-unit filter, once per view that takes it.
    unit = "Retail Stores"
    requests += [
        {"view": "frontline", "metric": "on_time_rate", "unit": unit},
        {"view": "horizon", "metric": "revenue", "unit": unit},
        {"view": "consistency", "metric": "on_time_rate", "unit": unit},
        {"view": "fix_now", "unit": unit},
    ]
    return [(r.pop("view"), RawRequest(as_of=AS_OF.isoformat(), **r)) for r in requests]


def _request_id(request: ViewCase) -> str:
    view, raw = request
    parts = [view, raw.metric, raw.decision, raw.grain, raw.unit]
    return "-".join(p.replace(" ", "_") for p in parts if p)


VIEW_REQUESTS = _view_requests()


@pytest.mark.parametrize("request_", VIEW_REQUESTS, ids=_request_id)
def test_view_agrees(sqlite: Backend, server: Backend, request_: ViewCase) -> None:
    want = sqlite.view(request_)
    assert want.height > 0, "the view is empty on SQLite: the comparison would prove nothing"
    assert_frames_match(want, server.view(request_), _request_id(request_))


def test_data_health_agrees(sqlite: Backend, server: Backend) -> None:
    """Data health finds the same things, row for row, and sees the same days."""
    want, got = (
        check(sqlite.engine, sqlite.registry, AS_OF),
        check(server.engine, server.registry, AS_OF),
    )
    assert want.findings.height > 0
    keys = ["source", "check"]
    assert_frames_match(
        want.findings.select(*keys, "rows").sort(keys),
        got.findings.select(*keys, "rows").sort(keys),
        "findings",
    )
    assert_frames_match(want.sources.sort("source"), got.sources.sort("source"), "sources")


def test_validation_and_incremental_refresh(server: Backend, tmp_path: Path) -> None:
    """``bridge validate`` finds nothing wrong, and a refresh after the first load reads only the
    last days again (the watermark minus the late-arriving window) and equals a full load."""
    assert (
        database_problems(server.registry.sources_file, server.engine, server.registry.files) == []
    )
    cache = MeasureCache(tmp_path / "cache", late_arriving_days=3)
    cache.load(server.engine, server.registry, today=AS_OF, verify=True)
    assert cache.last is not None and cache.last.mode == "full"
    again = cache.load(server.engine, server.registry, today=AS_OF + dt.timedelta(days=1))
    assert cache.last is not None and cache.last.mode == "incremental"
    assert cache.last.read_from == AS_OF - dt.timedelta(days=3)  # the first load's today - 3
    assert cache.last.cached_rows > 0
    keys = ["measure", "team_id", "day"]
    assert_frames_match(server.dataset.measures.sort(keys), again.measures.sort(keys), "refresh")


# --- the loader's guarantees on servers ---------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO {s}.org_teams VALUES ('x-team', 'X', 'Nowhere')",
        "UPDATE {s}.orders SET revenue = 0",
        "DELETE FROM {s}.bu_plan",
        "CREATE TABLE {s}.bridge_write_probe (a INTEGER)",
        "DROP TABLE {s}.bu_plan",
    ],
    ids=["insert", "update", "delete", "create", "drop"],
)
def test_source_engine_is_read_only(server: Backend, sql: str) -> None:
    engine = open_source(server.url)
    try:
        with pytest.raises(DBAPIError, match=r"(?i)read[- ]only"), engine.connect() as conn:
            conn.execute(text(sql.format(s=SCHEMA)))
            conn.commit()
    finally:
        engine.dispose()
    with server.engine.connect() as conn:  # nothing changed
        assert conn.execute(text(f"SELECT COUNT(*) FROM {SCHEMA}.bu_plan")).scalar() > 0
        assert conn.execute(text(f"SELECT COUNT(*) FROM {SCHEMA}.org_teams")).scalar() == 20


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "sqlite",
            "CASE WHEN substr(orders.ordered_at, 9, 2) <= '28' AND substr(orders.ordered_at, 5, 1)"
            " = '-' THEN date(substr(orders.ordered_at, 1, 10)) WHEN date(substr(orders.ordered_at,"
            " 1, 10), '+0 days') = substr(orders.ordered_at, 1, 10) THEN substr(orders.ordered_at,"
            " 1, 10) END",
        ),
        ("postgresql", "CAST(orders.ordered_at AS DATE)"),
        ("mysql", "DATE(orders.ordered_at)"),
        ("mariadb", "DATE(orders.ordered_at)"),
        ("spark", "CAST(orders.ordered_at AS DATE)"),
    ],
)
def test_day_truncation_compiles_per_dialect(dialect: str, expected: str) -> None:
    """Timestamps are naive local time: the day is the date part, with no time-zone conversion."""
    orders = Table("orders", MetaData(), Column("ordered_at", DateTime))
    compiled = day_of(orders.c.ordered_at).compile(
        dialect=make_url(f"{dialect}://").get_dialect()()
    )
    assert str(compiled) == expected
    registry = load_registry(CONFIG_DIR)
    shown = source_sql(registry.sources[0], dialect)
    assert shown.startswith(f"SELECT {expected} AS day")


@pytest.mark.spark
def test_a_session_that_never_reached_its_server_changes_nothing(spark: Backend) -> None:
    """pyspark keeps a thread's first session as its "active" one and asked it how to type a
    timestamp parameter: after a failed connection elsewhere, every query with one failed."""
    with pytest.raises(SourceError, match="cannot reach the Spark Connect server"):
        first_days(open_source("sc://127.0.0.1:1"), spark.registry)
    start = AS_OF - dt.timedelta(days=7)
    week = load_dataset(spark.engine, spark.registry, start=start).measures
    keys = ["measure", "team_id", "day"]
    expected = spark.dataset.measures.filter(pl.col("day") >= start)
    assert week.height > 0
    assert_frames_match(expected.sort(keys), week.sort(keys), "a week after a failed connection")
    orders = Table("orders", MetaData(), Column("ordered_at", DateTime), schema=SCHEMA)
    with spark.engine.connect() as conn:  # in this very thread, a timestamp parameter
        since = dt.datetime.combine(start, dt.time())
        assert conn.execute(select(func.count()).where(orders.c.ordered_at >= since)).scalar()


@pytest.mark.spark
def test_spark_says_what_does_not_exist(spark: Backend) -> None:
    """A missing table or schema is said as on every dialect, never a raw Spark error."""
    assert not inspect(spark.engine).has_table("orders", schema="no_such_schema")
    assert inspect(spark.engine).has_table("orders", schema=SCHEMA)
    for schema in (SCHEMA, "no_such_schema"):
        with pytest.raises(SourceError, match="table 'no_such' does not exist"):
            reflect(spark.engine, "no_such", schema)


@pytest.mark.spark
def test_spark_spreads_the_work_over_both_workers(spark: Backend, spark_cluster: Any) -> None:
    """The loader's queries ran as tasks on both workers' executors, not on the driver alone."""
    with spark.engine.connect() as conn:  # one more aggregate, so both executors surely ran tasks
        conn.execute(text(f"SELECT team_id, count(*) FROM {SCHEMA}.orders GROUP BY team_id")).all()
    tasks = spark_cluster.tasks_per_worker()
    assert len(tasks) == 2
    assert all(done > 0 for done in tasks), f"tasks finished per worker: {tasks}"
