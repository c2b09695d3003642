"""Amounts stored as text (a VARCHAR column of prices, as many exports and SQLite files hold them).

On SQLite, PostgreSQL and MariaDB a text measure column is summed like a numeric one where a value
writes a number plainly (a sign, digits, one point, blanks around); anything else (grouping, a
currency, a comma for a point, an exponent, '') is left out — never failing the query, never read
as its leading digits — and counted by Data health; ``bridge validate`` accepts the column and names
examples of the values it cannot read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bridge.config.registry import load_registry
from bridge.data.checks import database_problems
from bridge.data.health import check
from bridge.data.load import load_dataset, open_source
from tests.databases import SPARK, scratch

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
    SPARK,
]
DAY = dt.date(2026, 11, 2)
NUMBERS = {"12.50": 12.5, " -3 ": -3.0, "+.5": 0.5, "7": 7.0, "40.": 40.0}
NOT_NUMBERS = ["1,234.00", "12,50 EUR", "", "NaN", "1e3", "1.2.3", "-", "."]


def _build(url: str, clean: bool) -> None:
    engine = create_engine(url)
    key = "" if engine.dialect.name == "spark" else " PRIMARY KEY"  # Spark tables declare none
    values = list(NUMBERS) + ([] if clean else NOT_NUMBERS) + [None]
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE teams (team_id VARCHAR(10){key}, unit VARCHAR(10))"))
        conn.execute(text("INSERT INTO teams VALUES ('a', 'One')"))
        conn.execute(
            text(
                f"CREATE TABLE sales (id INTEGER{key}, sold_on DATE, team_id VARCHAR(10), "
                "amount VARCHAR(30))"
            )
        )
        conn.execute(
            text("INSERT INTO sales VALUES (:i, :d, 'a', :v)"),
            [{"i": i, "d": DAY, "v": v} for i, v in enumerate(values)],
        )
    engine.dispose()


def _config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.toml").write_text(
        '[org]\ntable = "teams"\nteam_column = "team_id"\nbusiness_unit_column = "unit"\n\n'
        '[[sources]]\nname = "sales"\ntable = "sales"\ntime_column = "sold_on"\n'
        'team_column = "team_id"\nmeasures = [\n'
        '  { name = "amount", agg = "sum", column = "amount" },\n'
        '  { name = "largest", agg = "max", column = "amount" },\n'
        '  { name = "smallest", agg = "min", column = "amount" },\n'
        "]\n"
    )
    (folder / "metrics.toml").write_text(
        '[[metrics]]\nid = "amount"\nkind = "simple"\nmeasure = "amount"\nlabel = "Amount"\n'
        'description = "Sales."\nunit = "currency"\ndirection = "higher_is_better"\n'
        'owner = "Ops"\nlenses = ["action", "choice"]\neffective_from = 2026-01-01\n'
    )
    return folder


@pytest.fixture
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    dialect = request.node.callspec.params["dialect"]
    with scratch(dialect, "bridge_text_numbers", tmp_path) as url:
        _build(url, request.node.callspec.params.get("clean", False))
        yield url


@pytest.mark.parametrize("dialect", DIALECTS)
def test_numbers_written_as_text_are_summed_and_the_rest_counted(
    dialect: str, database: str, tmp_path: Path
) -> None:
    registry = load_registry(_config(tmp_path / "config"))
    engine = open_source(database)
    measures = load_dataset(engine, registry).measures
    values = {r["measure"]: r["value"] for r in measures.iter_rows(named=True)}
    assert values == {
        "amount": pytest.approx(sum(NUMBERS.values())),
        "largest": 40.0,
        "smallest": -3.0,
    }
    report = check(engine, registry, DAY + dt.timedelta(days=1))
    found = {r["check"]: r for r in report.findings.iter_rows(named=True)}
    assert found["not a finite number in amount"]["rows"] == len(NOT_NUMBERS)
    assert (
        "text is read as a number when it is one"
        in found["not a finite number in amount"]["detail"]
    )
    assert found["negative amount"]["rows"] == 1
    assert found["empty amount"]["rows"] == 1
    # validate names what it cannot read, with examples, where the column is configured
    (problem,) = database_problems(registry.sources_file, engine, registry.files)
    assert problem.location.steps[-1].key == "column"
    assert problem.expected.startswith("numbers, as text written with a sign, digits")
    assert problem.found.startswith(f"{len(NOT_NUMBERS)} of {len(NUMBERS) + len(NOT_NUMBERS)}")
    assert "that are not, e.g. '', '-', '.' (measures leave such values out" in problem.found


@pytest.mark.parametrize("clean", [True])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_text_column_of_plain_numbers_validates(
    dialect: str, clean: bool, database: str, tmp_path: Path
) -> None:
    registry = load_registry(_config(tmp_path / "config"))
    assert database_problems(registry.sources_file, open_source(database), registry.files) == []
