"""The sample generator at other sizes and on the servers: ``events=N``, chunks, replace, the CLI.

The default company itself is checked in ``test_sample.py``; that the same seed gives the same
rows on SQLite, PostgreSQL and MariaDB is checked in ``test_parity.py``.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bridge.app.cli import main
from bridge.sample import TABLE_NAMES, generate, story, writers

POSTGRES_URL = os.environ.get(
    "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("BRIDGE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
AS_OF = date(2026, 11, 30)
SCHEMA = f"bridge_sample_{os.getpid()}"


def _one(db: sqlite3.Connection, sql: str, *params: object) -> object:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


# --- scaling and chunks (SQLite) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """A company of about 400,000 orders over four years, drawn in chunks of about 60,000."""
    path = tmp_path_factory.mktemp("scaled") / "scaled.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(story, "_CHUNK_ORDERS", 60_000)
        summary = generate(f"sqlite:///{path}", as_of=AS_OF, events=400_000)
    assert abs(summary.row_counts["orders"] / 400_000 - 1) < 0.02
    assert 0.3 < summary.volume < 0.32  # the default company has about 1.28 million orders
    db = sqlite3.connect(path)
    yield db
    db.close()


def test_events_scale_orders_and_tickets_alike(scaled: sqlite3.Connection) -> None:
    orders = _one(scaled, "SELECT COUNT(*) FROM orders")
    tickets = _one(scaled, "SELECT COUNT(*) FROM tickets")
    assert isinstance(orders, int) and isinstance(tickets, int)
    assert 0.30 < tickets / orders < 0.40  # as in the default company (447,298 / 1,279,948)
    # Orders on every day, and the teams' sheet has one row per team and day with orders.
    days = (AS_OF - date(AS_OF.year - 4, 1, 1)).days
    assert _one(scaled, "SELECT COUNT(DISTINCT date(ordered_at)) FROM orders") == days
    team_days = _one(
        scaled, "SELECT COUNT(*) FROM (SELECT DISTINCT date(ordered_at), team_id FROM orders)"
    )
    assert _one(scaled, "SELECT COUNT(*) FROM team_kpi_sheet") == team_days


def test_chunks_continue_ids_in_time_order(scaled: sqlite3.Connection) -> None:
    for table, key, time_column in (
        ("orders", "order_id", "ordered_at"),
        ("tickets", "ticket_id", "opened_at"),
    ):
        count, first, last = scaled.execute(
            f"SELECT COUNT(*), MIN({key}), MAX({key}) FROM {table}"
        ).fetchone()
        assert (first, last) == (1, count)
        backwards = _one(
            scaled,
            f"SELECT COUNT(*) FROM {table} a JOIN {table} b ON b.{key} = a.{key} + 1 "
            f"WHERE b.{time_column} < a.{time_column}",
        )
        assert backwards == 0, table


def test_a_scaled_company_keeps_its_stories(scaled: sqlite3.Connection) -> None:
    def unit_year(unit: str, year: int) -> tuple[float, float]:
        revenue, cost = scaled.execute(
            "SELECT SUM(revenue), SUM(cost) FROM orders o JOIN org_teams t USING (team_id) "
            "WHERE t.business_unit = ? AND o.ordered_at >= ? AND o.ordered_at < ?",
            (unit, f"{year}-01-01", f"{year + 1}-01-01"),
        ).fetchone()
        return revenue, cost

    year = AS_OF.year - 1
    market, market_before = unit_year("Marketplace", year), unit_year("Marketplace", year - 1)
    retail, retail_before = unit_year("Retail Stores", year), unit_year("Retail Stores", year - 1)
    enterprise = unit_year("Enterprise Software", year)
    assert market[0] / market_before[0] - 1 >= 0.30
    assert (market[0] - market[1]) / market[0] <= 0.08
    assert retail[0] / retail_before[0] - 1 <= -0.08
    assert (enterprise[0] - enterprise[1]) / enterprise[0] >= 0.30
    # ret-checkout still meets its daily on-time target every day.
    missed = _one(
        scaled,
        """
        WITH daily AS (SELECT date(ordered_at) AS day, AVG(on_time) AS rate FROM orders
                       WHERE team_id = 'ret-checkout' GROUP BY 1)
        SELECT COUNT(*) FROM daily d JOIN kpi_targets k
          ON k.team_id = 'ret-checkout' AND k.metric_id = 'on_time_rate'
         AND k.valid_from <= d.day AND (k.valid_to IS NULL OR d.day < k.valid_to)
        WHERE d.rate < k.target
        """,
    )
    assert missed == 0
    # Marketplace takes most of the investment; revenue per head stays that of the default.
    share = _one(
        scaled,
        "SELECT SUM(CASE WHEN t.business_unit = 'Marketplace' THEN amount END) / SUM(amount) "
        "FROM spend s JOIN org_teams t USING (team_id) WHERE s.category = 'investment'",
    )
    assert isinstance(share, float) and share >= 0.5
    heads = _one(scaled, "SELECT SUM(headcount) FROM headcount WHERE snapshot_date = '2026-11-01'")
    assert isinstance(heads, int) and 150 < heads < 260  # default: about 655 people, x 0.31


def test_refuses_bad_arguments(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    with pytest.raises(ValueError, match="events"):
        generate(url, as_of=AS_OF, events=0)
    with pytest.raises(ValueError, match="SQLite has no schemas"):
        generate(url, as_of=AS_OF, history_years=1, events=1_000, schema="elsewhere")


# --- on the servers ------------------------------------------------------------------------------


def _reachable_or_skip(label: str, url: str, port: int) -> None:
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or port
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.skip(f"{label} not reachable at {host}:{port}: {exc}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The PostgreSQL test database with ``search_path`` set to a schema of this test's own."""
    _reachable_or_skip("PostgreSQL", POSTGRES_URL, 5432)
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A MariaDB database of this test's own."""
    _reachable_or_skip("MariaDB", MARIADB_URL, 3306)
    admin = create_engine(MARIADB_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE IF NOT EXISTS {SCHEMA}"))
    try:
        yield make_url(MARIADB_URL).set(database=SCHEMA).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SCHEMA}"))
        admin.dispose()


SERVER_URLS = [
    pytest.param("postgres_url", marks=pytest.mark.postgres, id="postgres"),
    pytest.param("mariadb_url", marks=pytest.mark.mariadb, id="mariadb"),
]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
                for t in TABLE_NAMES
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", SERVER_URLS)
def test_cli_writes_to_a_database_url_and_replaces_only_when_asked(
    server: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    url: str = request.getfixturevalue(server)
    args = ["sample-data", "--database-url", url, "--as-of", "2026-01-01", "--events", "20000"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "orders) to" in out
    first = _counts(url)
    assert abs(first["orders"] / 20_000 - 1) < 0.05
    assert first["org_teams"] == 20

    assert main(args) == 1  # the tables exist: refused, and left alone
    assert "--replace" in capsys.readouterr().err
    assert main([*args, "--if-missing"]) == 0
    assert "already" in capsys.readouterr().out
    assert _counts(url) == first

    assert main([*args[:-1], "10000", "--replace"]) == 0
    second = _counts(url)
    assert abs(second["orders"] / 10_000 - 1) < 0.05
    assert second["spend"] == first["spend"]


@pytest.mark.parametrize(
    ("server", "local_infile"),
    [
        pytest.param("postgres_url", None, marks=pytest.mark.postgres, id="postgres-copy"),
        pytest.param("mariadb_url", True, marks=pytest.mark.mariadb, id="mariadb-load-data"),
        pytest.param("mariadb_url", False, marks=pytest.mark.mariadb, id="mariadb-insert"),
    ],
)
def test_chunked_load_on_a_server_matches_sqlite(
    server: str, local_infile: bool | None, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Several chunks through COPY, LOAD DATA or multi-row INSERT give the rows SQLite gets."""
    url: str = request.getfixturevalue(server)
    path = tmp_path / "chunked.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(story, "_CHUNK_ORDERS", 10_000)
        patch.setattr(writers, "_CSV_ROWS", 7_000)  # several CSV pieces per chunk, too
        if local_infile is not None:  # as if the server allowed LOAD DATA LOCAL, or refused it
            allowed = local_infile
            patch.setattr(writers._MySQLWriter, "_server_allows_local_infile", lambda self: allowed)
        generate(url, as_of=AS_OF, history_years=1, events=40_000)
        generate(f"sqlite:///{path}", as_of=AS_OF, history_years=1, events=40_000)
    engine = create_engine(url)
    try:
        with engine.connect() as conn, sqlite3.connect(path) as db:
            for table, key in (("orders", "order_id"), ("tickets", "ticket_id")):
                sql = f"SELECT * FROM {table} ORDER BY {key}"
                got = [
                    (i, t.strftime("%Y-%m-%d %H:%M:%S.%f"), *rest)
                    for i, t, *rest in conn.execute(text(sql))
                ]
                assert got == db.execute(sql).fetchall(), table
    finally:
        engine.dispose()
