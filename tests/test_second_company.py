"""A new user's path, end to end, on a company shaped unlike the sample — on SQLite, PostgreSQL and
MariaDB.

Kiso Coffee sells through stores; a store belongs to a team (``stores.team_code``), a team to a
division (``teams``). Sales times are ISO text on SQLite and timestamps on the servers; there are no
targets and no plan. The path: ``bridge init`` → the user edits what init could not know (the team
is on the joined table: the source becomes a SELECT; the company's name) → ``bridge validate`` exits
0 → ``bridge view horizon`` gives, per division and month, exactly what plain SQL written here
gives. (A reporting time zone other than the database's is not part of this yet.)
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
    time_type = (
        "TEXT" if dialect == "sqlite" else "TIMESTAMP" if dialect == "postgresql" else "DATETIME"
    )
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
                {"i": i, "t": t.isoformat(" ") if dialect == "sqlite" else t, "s": s, "a": a, "c": c}
                for i, t, s, a, c in _sales()
            ],
        )  # fmt: skip
    engine.dispose()


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
    team_division = {code: division for code, _, division in TEAMS}
    store_team = {store: team for store, team, _ in STORES}
    expected: dict[tuple[str, str], float] = {}
    for _, when, store, amount, _ in _sales():
        if when.date() >= AS_OF:
            continue
        month = when.date().replace(day=1).isoformat()
        for scope in (team_division[store_team[store]], "Kiso Coffee"):
            expected[(scope, month)] = expected.get((scope, month), 0.0) + amount
    assert set(expected) <= set(shown)
    for key, total in expected.items():
        assert shown[key] == pytest.approx(total, rel=1e-9), key
