"""``bridge init``: a starter config from what a database holds, that ``bridge validate`` accepts or
that says what is left to fill in.

On the sample company (SQLite, PostgreSQL, MariaDB, Spark) the starter config validates and its revenue
equals the shipped config's; on a company shaped differently (stores as teams, divisions as business
units, Unix times) it finds all of that and its numbers equal plain SQL; without an org table it
says so; it never replaces files unless told to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.app.cli import main
from bridge.settings import get_settings
from tests.conftest import CONFIG_DIR
from tests.databases import SPARK, small_company

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
    SPARK,
]


@pytest.fixture
def bridge(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    clean_settings: None,
):  # fmt: skip
    """``bridge ARGS`` in this process with these settings: exit code, stdout, stderr."""

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def company(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    with small_company(request.node.callspec.params["dialect"], "bridge_init", tmp_path) as url:
        yield url


def _values(csv_text: str) -> dict[tuple[str, str, str], str]:
    """Each row's value by level, scope (the company by its level: its name is the config's) and
    period."""
    return {
        (r["level"], "" if r["level"] == "company" else r["scope"], r["period_start"]): r["value"]
        for r in csv.DictReader(io.StringIO(csv_text))
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_starter_config_validates_and_gives_the_shipped_numbers(
    dialect: str, company: str, tmp_path: Path, bridge
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "config-init"
    code, printed, err = bridge("init", "--database-url", company, "--out", str(out))
    assert (code, err) == (0, "")
    assert "(5 sources, 14 measures)" in printed and "bridge validate: OK." in printed
    sources = (out / "sources.toml").read_text()
    assert 'table = "org_teams"' in sources and 'business_unit_column = "business_unit"' in sources
    assert "# left out: kpi_targets: a table of targets or plans" in sources
    assert "password" not in sources
    view = ("view", "horizon", "--metric", "revenue", "--grain", "quarter", "--format", "csv")
    code, started, err = bridge(*view, BRIDGE_SOURCE_URL=company, BRIDGE_CONFIG_DIR=str(out))
    assert (code, err) == (0, "")
    code, shipped, err = bridge(*view, BRIDGE_CONFIG_DIR=str(CONFIG_DIR))
    assert code == 0 and _values(started) == _values(shipped)


def _stores_company(path: Path, *, org: bool = True) -> str:
    """Stores are the teams, divisions the business units, sales times Unix seconds."""
    with sqlite3.connect(path) as db:
        if org:
            db.execute("CREATE TABLE stores (store_id TEXT PRIMARY KEY, city TEXT, division TEXT)")
            db.executemany(
                "INSERT INTO stores VALUES (?, ?, ?)",
                [("s1", "Osaka", "West"), ("s2", "Kobe", "West"), ("s3", "Sendai", "North")],
            )
        db.execute(
            "CREATE TABLE sales (sale_id INTEGER PRIMARY KEY, sold_ts INTEGER, store_id TEXT, "
            "amount REAL, items INTEGER)"
        )
        start = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
        db.executemany(
            "INSERT INTO sales VALUES (?, ?, ?, ?, ?)",
            [
                (i, start + i * 7_919, f"s{i % 3 + 1}", round(10 + (i * 37) % 90 + 0.25, 2), i % 4)
                for i in range(4_000)
            ],
        )
    return f"sqlite:///{path}"


def test_a_company_shaped_differently_is_found(tmp_path: Path, bridge) -> None:  # type: ignore[no-untyped-def]
    url = _stores_company(tmp_path / "stores.sqlite")
    out = tmp_path / "config-stores"
    code, printed, err = bridge("init", "--database-url", url, "--out", str(out))
    assert (code, err) == (0, ""), err
    sources = (out / "sources.toml").read_text()
    for line in ('table = "stores"', 'team_column = "store_id"', 'business_unit_column = "division"',
                 'time_column = "sold_ts"', 'epoch = "seconds"', 'team_column = "store_id"'):  # fmt: skip
        assert line in sources, line
    code, printed, err = bridge(
        "view", "horizon", "--metric", "amount", "--grain", "month", "--format", "csv",
        "--as-of", "2026-03-01", BRIDGE_SOURCE_URL=url, BRIDGE_CONFIG_DIR=str(out),
    )  # fmt: skip
    assert (code, err) == (0, "")
    shown = _values(printed)
    with sqlite3.connect(tmp_path / "stores.sqlite") as db:  # plain SQL, written apart
        expected = db.execute(
            "SELECT strftime('%Y-%m-01', sold_ts, 'unixepoch') AS m, st.division, SUM(amount) "
            "FROM sales JOIN stores st USING (store_id) "
            "WHERE sold_ts < strftime('%s', '2026-03-01') GROUP BY m, st.division"
        ).fetchall()
    for month, division, total in expected:
        assert float(shown[("business_unit", division, month)]) == pytest.approx(total, rel=1e-12)


def test_without_an_org_table_it_says_what_is_left(tmp_path: Path, bridge) -> None:  # type: ignore[no-untyped-def]
    url = _stores_company(tmp_path / "no-org.sqlite", org=False)
    out = tmp_path / "config-no-org"
    code, _, err = bridge("init", "--database-url", url, "--out", str(out))
    assert code == 1 and "Traceback" not in err
    assert (out / "sources.toml").exists() and (out / "metrics.toml").exists()
    assert "org.table: expected a table that exists (sales); found 'TODO_org_table'" in err
    assert (
        "# TODO: no table with a team column and a business-unit column was found"
        in (out / "sources.toml").read_text()
    )


def test_existing_files_are_kept_unless_forced(tmp_path: Path, bridge) -> None:  # type: ignore[no-untyped-def]
    url = _stores_company(tmp_path / "stores.sqlite")
    out = tmp_path / "config"
    out.mkdir()
    (out / "metrics.toml").write_text("# mine\n")
    code, _, err = bridge("init", "--database-url", url, "--out", str(out))
    assert code == 1 and f"{out / 'metrics.toml'} already exists; pass --force" in err
    assert (out / "metrics.toml").read_text() == "# mine\n" and not (out / "sources.toml").exists()
    code, _, err = bridge("init", "--database-url", url, "--out", str(out), "--force")
    assert (code, err) == (0, "")


def test_a_database_with_nothing_to_read_is_told_so(tmp_path: Path, bridge) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(tmp_path / "empty.sqlite") as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    code, _, err = bridge("init", "--database-url", f"sqlite:///{tmp_path / 'empty.sqlite'}",
                          "--out", str(tmp_path / "c"))  # fmt: skip
    assert code == 1
    assert err.startswith("error: found no table Bridge could read in sqlite:///")
    assert "notes: no team column" in err
