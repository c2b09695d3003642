"""A source given as a read-only SELECT (``sql = "…"``) instead of a table.

On SQLite, PostgreSQL and MariaDB, the sample company's orders read through a SELECT that takes the
team from a joined table and derives a column gives the very measures the orders table gives; the
SELECT runs as a subquery of the same pushed-down query; validate runs it and reports the
database's own message when it fails; anything but one SELECT is refused by the config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from bridge.config.registry import Registry, load_registry
from bridge.config.sources import Source
from bridge.data.checks import database_problems
from bridge.data.health import check
from bridge.data.load import load_dataset, open_source, source_sql
from bridge.errors import ConfigError
from tests.apptesting import PAGES, drawings, open_folds, open_page, shown
from tests.databases import AS_OF, small_company

#: The orders, their team taken from the org table by a join, on_time derived from two columns.
JOINED = (
    "SELECT o.ordered_at, t.team_id, o.revenue, o.cost, "
    "CASE WHEN o.on_time = 1 AND o.revenue >= 0 THEN 1 ELSE 0 END AS on_time, o.order_id "
    "FROM orders o JOIN org_teams t ON t.team_id = o.team_id"
)
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture
def company(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    with small_company(
        request.node.callspec.params["dialect"], "bridge_sql_source", tmp_path
    ) as url:
        yield url


def _orders_as(config_copy: Path, sql: str) -> Callable[[], Registry]:
    sources = config_copy / "sources.toml"
    text = sources.read_text()
    assert 'table = "orders"\n' in text
    sources.write_text(text.replace('table = "orders"\n', f'sql = """{sql}"""\n', 1))
    return lambda: load_registry(config_copy)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_select_gives_the_numbers_its_table_gives(
    dialect: str, company: str, registry: Registry, config_copy: Path
) -> None:
    joined = _orders_as(config_copy, JOINED)()
    engine = open_source(company)
    assert database_problems(joined.sources_file, engine) == []
    assert_frame_equal(
        load_dataset(engine, joined).measures.sort("day", "team_id", "measure"),
        load_dataset(engine, registry).measures.sort("day", "team_id", "measure"),
    )
    # Data health reads it the same way (the findings name the query)
    through = check(engine, joined, AS_OF)
    direct = check(engine, registry, AS_OF)
    assert through.findings.drop("source").equals(direct.findings.drop("source"))
    assert through.sources.row(0, named=True)["table"] == "query orders"
    assert through.sources.drop("table").equals(direct.sources.drop("table"))
    engine.dispose()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_select_the_database_refuses_is_reported_by_validate(
    dialect: str, company: str, config_copy: Path
) -> None:
    broken = _orders_as(config_copy, JOINED.replace("t.team_id = o.team_id", "t.nope = o.team_id"))
    engine = open_source(company)
    (problem,) = database_problems(broken().sources_file, engine)
    engine.dispose()
    assert problem.entry == "sources[0] (name='orders').sql"
    assert problem.expected == "one SELECT the source database can run"
    assert "nope" in problem.found  # the database's own words


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DELETE FROM orders", "sql must be a SELECT (or WITH … SELECT); found 'delete'"),
        ("SELECT 1; DROP TABLE orders", "sql must be one SELECT statement (found ';' inside it)"),
        ("/* a comment */ UPDATE orders SET revenue = 0", "found 'update'"),
    ],
)
def test_anything_but_one_select_is_refused(config_copy: Path, sql: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _orders_as(config_copy, sql)()
    (problem,) = info.value.problems
    assert problem.entry == "sources[0] (name='orders').sql" and expected in problem.expected


def test_the_query_runs_as_a_subquery_of_the_pushed_down_query() -> None:
    source = Source.model_validate(
        {
            "name": "sales",
            "sql": "SELECT s.sold_at, st.team_id, s.amount FROM sales s JOIN stores st USING (store_id);",
            "time_column": "sold_at",
            "team_column": "team_id",
            "measures": [{"name": "amount", "agg": "sum", "column": "amount"}],
        }
    )
    shown = source_sql(source, "postgresql")
    assert (
        "FROM (SELECT s.sold_at, st.team_id, s.amount FROM sales s JOIN stores st USING (store_id)) AS sales"
        in shown
    )
    assert "GROUP BY" in shown and "sum(" in shown


def test_every_page_reads_a_select_source(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _orders_as(config_copy, JOINED)()
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    for page in PAGES:
        at = open_page(app, page)
        assert not at.exception and not at.error, (page, [shown(e.value) for e in at.error])
    at = open_page(app, "definitions", metric="revenue")
    flow = next(d for d in drawings(at) if 'data-kind="lineage"' in d)
    assert 'data-node="query: orders"' in flow  # the lineage starts from the query, not a table
    assert any(JOINED in str(c.value) for c in open_folds(at).code)  # the whole query, as it runs
