"""A new user's path, end to end, on a company shaped unlike the sample — on SQLite, PostgreSQL and
MariaDB.

Kiso Coffee sells through stores; a store belongs to a team (``stores.team_code``), a team to a
division (``teams``). Sales times are stored in UTC — ISO text on SQLite, ``timestamptz`` on
PostgreSQL, ``DATETIME`` on MariaDB — while the company's day ends in Los Angeles, across three
daylight-saving changes; there are no targets and no plan. The path: ``bridge init`` → the user edits
what init could not know (the team is on the joined table: the source becomes a SELECT; the
company's name; its time zone) → ``bridge validate`` exits 0 → ``bridge view horizon`` per division
and month, and ``bridge view frontline`` per team and day around a change, give exactly what plain
SQL written here gives (on SQLite and MariaDB, which know no zone names, with the US rule's change
instants written out by hand; on PostgreSQL with ``AT TIME ZONE``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bridge.app.cli import main
from bridge.settings import get_settings
from tests.databases import scratch

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]
TEAMS = [("bean", "Bean Bar", "Retail"), ("cart", "Carts", "Retail"), ("b2b", "Offices", "B2B")]
STORES = [("st1", "bean", "Kyoto"), ("st2", "bean", "Osaka"), ("st3", "cart", "Kobe"),
          ("st4", "b2b", "Nara")]  # fmt: skip
AS_OF = dt.date(2026, 7, 1)


def _sales() -> list[tuple[int, dt.datetime, str, float, int]]:
    """Sales at UTC times (naive datetimes) from 2025-01-01 06:00 over 546 days."""
    draw = random.Random(7)
    start = dt.datetime(2025, 1, 1, 6, 0)
    rows = []
    for i in range(6_000):
        when = start + dt.timedelta(minutes=draw.randrange(0, 60 * 24 * 546))
        rows.append(
            (i + 1, when, draw.choice(STORES)[0], round(draw.uniform(2, 40), 2), draw.randint(1, 5))
        )
    return rows


def _build(url: str, dialect: str) -> None:
    time_type = {"sqlite": "TEXT", "postgresql": "TIMESTAMPTZ", "mariadb": "DATETIME"}[dialect]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE teams (team_code VARCHAR(10) PRIMARY KEY, team_name VARCHAR(40), division VARCHAR(40))"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE stores (store_id VARCHAR(10) PRIMARY KEY, team_code VARCHAR(10), city VARCHAR(40))"
            )
        )
        conn.execute(
            text(
                f"CREATE TABLE sales (sale_id INTEGER PRIMARY KEY, sold_at {time_type}, store_id VARCHAR(10), amount DOUBLE PRECISION, cups INTEGER)"
            )
        )
        conn.execute(
            text("INSERT INTO teams VALUES (:a, :b, :c)"),
            [dict(zip("abc", t, strict=True)) for t in TEAMS],
        )
        conn.execute(
            text("INSERT INTO stores VALUES (:a, :b, :c)"),
            [dict(zip("abc", s, strict=True)) for s in STORES],
        )
        conn.execute(
            text("INSERT INTO sales VALUES (:i, :t, :s, :a, :c)"),
            [
                {"i": i, "t": _stored(t, dialect), "s": s, "a": a, "c": c}
                for i, t, s, a, c in _sales()
            ],
        )  # fmt: skip
    engine.dispose()


def _stored(utc: dt.datetime, dialect: str) -> object:
    if dialect == "sqlite":
        return utc.isoformat(" ")
    return utc.replace(tzinfo=dt.UTC) if dialect == "postgresql" else utc


#: Los Angeles' local time of a UTC sales time, written by hand for each dialect: its changes in
#: 2025–2026 (US rule: 02:00 local on the second Sunday of March, back on the first of November).
PACIFIC_DAYLIGHT = (
    "(sold_at >= '2025-03-09 10:00:00' AND sold_at < '2025-11-02 09:00:00' "
    "OR sold_at >= '2026-03-08 10:00:00' AND sold_at < '2026-11-01 09:00:00')"
)
LOCAL_DAY = {
    "sqlite": f"date(sold_at, CASE WHEN {PACIFIC_DAYLIGHT} THEN '-7 hours' ELSE '-8 hours' END)",
    "mariadb": f"DATE(DATE_ADD(sold_at, INTERVAL CASE WHEN {PACIFIC_DAYLIGHT} THEN -7 ELSE -8 END HOUR))",
    "postgresql": "CAST(sold_at AT TIME ZONE 'America/Los_Angeles' AS DATE)",
}


def _plain_sql(url: str, dialect: str, group: str, until: dt.date) -> dict[tuple[str, str], float]:
    """Sums of amount by ``group`` ('division' or 'team') and local day, in plain SQL."""
    key = "t.division" if group == "division" else "t.team_code"
    query = (
        f"SELECT {key}, local_day, SUM(amount) FROM "
        f"(SELECT {LOCAL_DAY[dialect]} AS local_day, store_id, amount FROM sales) s "
        "JOIN stores st ON st.store_id = s.store_id JOIN teams t ON t.team_code = st.team_code "
        f"WHERE local_day < '{until.isoformat()}' GROUP BY {key}, local_day"
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(query)).all()
    engine.dispose()
    return {(str(k), str(day)[:10]): float(total) for k, day, total in rows}


@pytest.fixture
def company(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    dialect = request.node.callspec.params["dialect"]
    with scratch(dialect, "bridge_kiso", tmp_path) as url:
        _build(url, dialect)
        yield url


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_new_company_from_init_to_numbers_equal_to_plain_sql(
    dialect: str, company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], clean_settings: None,
) -> None:  # fmt: skip
    def bridge(*args: str) -> tuple[int, str, str]:
        get_settings.cache_clear()
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    config = tmp_path / "config"
    monkeypatch.setenv("BRIDGE_SOURCE_URL", company)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config))
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))

    # 1. init: the org table and the sales are found; the team is guessed from the store column
    code, out, err = bridge("init")
    assert (code, err) == (0, ""), err
    sources = (config / "sources.toml").read_text()
    assert 'table = "teams"' in sources and 'business_unit_column = "division"' in sources
    assert 'table = "sales"' in sources and 'team_column = "store_id"  # guessed' in sources
    assert "# left out: stores: no time column" in sources

    # 2. what init could not know: the team is on the joined stores table; the company's name
    joined = (
        "SELECT s.sold_at, st.team_code, s.amount, s.cups FROM sales s "
        "JOIN stores st ON st.store_id = s.store_id"
    )
    edited = (
        sources.replace('table = "sales"', f'sql = "{joined}"')
        .replace('team_column = "store_id"  # guessed', 'team_column = "team_code"')
        .replace('id_column = "sale_id"\n', "")
        .replace("TODO: your company's name", "Kiso Coffee")
    )
    metrics = (config / "metrics.toml").read_text()
    zone_line = (
        '# timezone = "Europe/Berlin"  # TODO: where your day ends, if times are stored in UTC'
    )
    assert zone_line in metrics
    (config / "metrics.toml").write_text(
        metrics.replace(zone_line, 'timezone = "America/Los_Angeles"')
    )
    (config / "sources.toml").write_text(edited)

    # 3. validate
    code, out, err = bridge("validate")
    assert (code, err) == (0, ""), err
    assert out.startswith("OK: 1 sources, 3 measures, 3 metrics and 0 decisions")

    # 4. the numbers, against plain SQL written apart from Bridge
    code, out, err = bridge(
        "view", "horizon", "--metric", "amount", "--grain", "month", "--as-of", AS_OF.isoformat(),
        "--format", "csv",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    shown = {
        (r["scope"], r["period_start"]): float(r["value"])
        for r in csv.DictReader(io.StringIO(out))
        if r["value"]  # a month before the data starts has none
    }
    daily = _plain_sql(company, dialect, "division", AS_OF)
    expected: dict[tuple[str, str], float] = {}
    for (division, day), total in daily.items():
        month = day[:8] + "01"
        for scope in (division, "Kiso Coffee"):
            expected[(scope, month)] = expected.get((scope, month), 0.0) + total
    assert set(expected) <= set(shown)
    for key, total in expected.items():
        assert shown[key] == pytest.approx(total, rel=1e-9), key

    # 5. day by day, team by team, around the autumn change (2025-11-02 at 09:00 UTC)
    as_of = dt.date(2025, 11, 6)
    code, out, err = bridge(
        "view", "frontline", "--metric", "amount", "--grain", "day", "--as-of", as_of.isoformat(),
        "--format", "csv",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    by_team = {
        (r["team_id"], r["period_start"]): float(r["value"])
        for r in csv.DictReader(io.StringIO(out))
        if r["value"]
    }
    plain = _plain_sql(company, dialect, "team", as_of)
    around = {k: v for k, v in plain.items() if "2025-10-28" <= k[1] < as_of.isoformat()}
    assert len(around) >= 3 * 7  # three teams, every day of the week around the change
    for key, total in around.items():
        assert by_team[key] == pytest.approx(total, rel=1e-9), key
    # the zone matters here: cut in UTC, some evening sales would be on the next day
    utc = {k: v for k, v in _utc_daily(dialect).items() if "2025-10-28" <= k[1] < as_of.isoformat()}
    assert utc != around


def _utc_daily(dialect: str) -> dict[tuple[str, str], float]:
    store_team = {store: team for store, team, _ in STORES}
    days: dict[tuple[str, str], float] = {}
    for _, when, store, amount, _ in _sales():
        key = (store_team[store], when.date().isoformat())
        days[key] = days.get(key, 0.0) + amount
    return days
