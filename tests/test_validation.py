"""Semantic rules across config files, and the agreement of config and database.

Golden fixtures: each case copies the shipped config (fixture ``config_copy``), breaks exactly one
cross-reference, and asserts the exact problems :func:`bridge.config.registry.load_registry` reports. The
database rules run :func:`bridge.config.validation.database_problems` against a small SQLite database built in
``tmp_path``, one broken table, column or type per case, and against the generated sample company.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from bridge.config.registry import Registry, load_registry
from bridge.config.sources import SourcesFile
from bridge.data.checks import database_problems
from bridge.data.load import open_source
from bridge.errors import ConfigError, Problem
from tests.configs import Edit, P, append_copy, apply_edits, problems_of, relative_to, replace

S = "config/sources.toml"
MF = "config/metrics.toml"
D = "config/decisions.toml"

#: Every measure of the shipped sources.toml, as the unknown-measure message lists them.
MEASURES = (
    "cost, handle_minutes, headcount, investment, operating_spend, orders, orders_on_time, "
    "reported_on_time_rate, reported_sla_rate, revenue, tickets, tickets_within_sla"
)
KNOWN_MEASURE = f"a measure defined in {S} ({MEASURES})"
KNOWN_METRIC = f"a metric id from {MF}"
KNOWN_DECISIONS = f"ids of decisions in {D} (bet, invest, stop)"

# --- one broken cross-reference, the exact problems ----------------------------------------------

QUADRANT_FOR_INVEST = (
    'rule = { kind = "quadrant", x_threshold = {x}, y_threshold = {y}, high_x_high_y = "a", '
    'high_x_low_y = "b", low_x_high_y = "c", low_x_low_y = "d" }'
)
DIAGONAL_OF_INVEST = (
    'rule = { kind = "diagonal", band = 0.05, above = "earns more than it receives", '
    'on = "balanced", below = "receives more than it earns" }'
)


def invest_as_quadrant(x: str, y: str) -> Edit:
    """The 'invest' decision (two share axes) classified by quadrant thresholds x and y."""
    return replace(
        "decisions.toml",
        DIAGONAL_OF_INVEST,
        QUADRANT_FOR_INVEST.replace("{x}", x).replace("{y}", y),
    )


SEMANTIC_CASES = [
    # measures a metric names must exist
    pytest.param(
        [replace("metrics.toml", 'numerator = "orders_on_time"', 'numerator = "orders_ontime"')],
        [P(MF, "metrics[5] (id='on_time_rate').numerator", KNOWN_MEASURE, "'orders_ontime'")],
        id="ratio-unknown-numerator",
    ),
    pytest.param(
        [replace("metrics.toml", 'denominator = "tickets"', 'denominator = "ticket"')],
        [P(MF, "metrics[6] (id='sla_rate').denominator", KNOWN_MEASURE, "'ticket'")],
        id="ratio-unknown-denominator",
    ),
    pytest.param(
        [
            replace(
                "metrics.toml",
                'reported_measure = "reported_sla_rate"',
                'reported_measure = "sla_sheet"',
            )
        ],
        [P(MF, "metrics[6] (id='sla_rate').reported_measure", KNOWN_MEASURE, "'sla_sheet'")],
        id="ratio-unknown-reported-measure",
    ),
    pytest.param(
        [replace("metrics.toml", 'measure = "cost"', 'measure = "costs"')],
        [P(MF, "metrics[1] (id='cost').measure", KNOWN_MEASURE, "'costs'")],
        id="simple-unknown-measure",
    ),
    pytest.param(
        [replace("metrics.toml", 'measure = "headcount"', 'measure = "heads"')],
        [P(MF, "metrics[8] (id='headcount').measure", KNOWN_MEASURE, "'heads'")],
        id="semi-additive-unknown-measure",
    ),
    # derived metrics refer to metrics, without cycles
    pytest.param(
        [
            replace(
                "metrics.toml", 'expression = "revenue - cost"', 'expression = "revenue - costs"'
            )
        ],
        [
            P(
                MF,
                "metrics[2] (id='contribution').expression",
                "only ids of metrics defined in this file",
                "unknown metric 'costs'",
                "(revenue - cost) / revenue",
            )
        ],
        id="derived-unknown-metric",
    ),
    pytest.param(
        [
            replace(
                "metrics.toml",
                'expression = "revenue - cost"',
                'expression = "contribution - cost"',
            )
        ],
        [
            P(
                MF,
                "metrics (id='contribution').expression",
                "derived metrics that do not refer to themselves, directly or through others",
                "a cycle contribution -> contribution",
            )
        ],
        id="derived-refers-to-itself",
    ),
    pytest.param(
        [
            replace(
                "metrics.toml",
                'expression = "revenue - cost"',
                'expression = "contribution_margin * revenue"',
            ),
            replace(
                "metrics.toml",
                'expression = "(revenue - cost) / revenue"',
                'expression = "contribution / revenue"',
            ),
        ],
        [
            P(
                MF,
                "metrics (id='contribution').expression",
                "derived metrics that do not refer to themselves, directly or through others",
                "a cycle contribution -> contribution_margin -> contribution",
            )
        ],
        id="derived-cycle-a-b-a",
    ),
    # ids are unique
    pytest.param(
        [append_copy("metrics.toml", "metrics", 0)],
        [P(MF, "metrics (id='revenue')", "each metric id once", "it twice or more")],
        id="duplicate-metric-id",
    ),
    pytest.param(
        [replace("sources.toml", 'name = "handle_minutes"', 'name = "revenue"')],
        [
            P(
                S,
                "measures (name='revenue')",
                "each measure name once across all sources",
                "it in sources orders, tickets",
                "rename one, e.g. orders_count and tickets_count",
            )
        ],
        id="duplicate-measure-across-sources",
    ),
    pytest.param(
        [replace("sources.toml", 'name = "tickets"\ntable', 'name = "orders"\ntable')],
        [P(S, "sources (name='orders')", "each source name once", "it twice or more")],
        id="duplicate-source-name",
    ),
    pytest.param(
        [append_copy("decisions.toml", "decisions", 0)],
        [P(D, "decisions (id='bet')", "each decision id once", "it twice or more")],
        id="duplicate-decision-id",
    ),
    # decisions and metrics refer to each other
    pytest.param(
        [
            replace(
                "decisions.toml",
                'y = { metric = "contribution_margin", transform = "value"',
                'y = { metric = "margin", transform = "value"',
            )
        ],
        [P(D, "decisions[0] (id='bet').y.metric", KNOWN_METRIC, "'margin'")],
        id="axis-y-unknown-metric",
    ),
    pytest.param(
        [replace("decisions.toml", 'size = { metric = "investment"', 'size = { metric = "capex"')],
        [P(D, "decisions[1] (id='invest').size.metric", KNOWN_METRIC, "'capex'")],
        id="axis-size-unknown-metric",
    ),
    pytest.param(
        [replace("metrics.toml", 'decisions = ["bet", "stop"]', 'decisions = ["bet", "stpo"]')],
        [P(MF, "metrics[0] (id='revenue').decisions", KNOWN_DECISIONS, "'stpo'")],
        id="metric-lists-unknown-decision",
    ),
    pytest.param(
        [replace("decisions.toml", 'investment = "investment"', 'investment = "capex"')],
        [P(D, "portfolio.investment", KNOWN_METRIC, "'capex'")],
        id="portfolio-investment-unknown",
    ),
    pytest.param(
        [replace("decisions.toml", 'contribution = "contribution"', 'contribution = "profit"')],
        [P(D, "portfolio.contribution", KNOWN_METRIC, "'profit'")],
        id="portfolio-contribution-unknown",
    ),
    # thresholds fit their axis
    pytest.param(
        [invest_as_quadrant("1.5", "0.2")],
        [
            P(
                D,
                "decisions[1] (id='invest').rule.x_threshold",
                "a share between 0 and 1 (axis x is a share of the company total)",
                "1.5",
                "x_threshold = 0.25",
            )
        ],
        id="share-threshold-above-1",
    ),
    pytest.param(
        [invest_as_quadrant("0.2", "-0.1")],
        [
            P(
                D,
                "decisions[1] (id='invest').rule.y_threshold",
                "a share between 0 and 1 (axis y is a share of the company total)",
                "-0.1",
                "y_threshold = 0.25",
            )
        ],
        id="share-threshold-below-0",
    ),
    pytest.param(
        [replace("decisions.toml", "x_threshold = 0.05", "x_threshold = 50")],
        [
            P(
                D,
                "decisions[0] (id='bet').rule.x_threshold",
                "a growth rate as a fraction between -1 and 10 (0.1 means +10%)",
                "50.0",
                "x_threshold = 0.1",
            )
        ],
        id="growth-threshold-out-of-range",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), SEMANTIC_CASES)
def test_semantic_problem(config_copy: Path, edits: list[Edit], expected: list[Problem]) -> None:
    apply_edits(config_copy, *edits)
    assert list(problems_of(config_copy)) == expected


@pytest.mark.parametrize("threshold", ["0", "1", "0.25"])
def test_share_thresholds_inside_0_1_are_valid(config_copy: Path, threshold: str) -> None:
    apply_edits(config_copy, invest_as_quadrant(threshold, threshold))
    assert load_registry(config_copy).decision("invest").rule.kind == "quadrant"


def test_derived_metric_needs_a_metric(config_copy: Path) -> None:
    """An expression of numbers only is not a metric (and evaluation assumes one reference)."""
    apply_edits(
        config_copy, replace("metrics.toml", 'expression = "revenue - cost"', 'expression = "100"')
    )
    (problem,) = problems_of(config_copy)
    assert (problem.file, problem.entry, problem.found) == (
        MF,
        "metrics[2] (id='contribution').expression",
        "'100'",
    )


def test_problems_name_the_folder_actually_used(tmp_path: Path, config_copy: Path) -> None:
    """A config outside a folder named ``config`` is named as it is, by every rule alike."""
    folder = tmp_path / "acme"
    shutil.copytree(config_copy, folder)
    apply_edits(
        folder,
        replace("metrics.toml", 'measure = "cost"', 'measure = "costs"'),
    )
    (problem,) = problems_of(folder)
    assert (problem.file, problem.entry) == ("acme/metrics.toml", "metrics[1] (id='cost').measure")


def test_semantic_problems_in_all_three_files_are_reported_together(config_copy: Path) -> None:
    apply_edits(
        config_copy,
        replace("sources.toml", 'name = "tickets"\ntable', 'name = "orders"\ntable'),
        replace("metrics.toml", 'measure = "cost"', 'measure = "costs"'),
        replace("metrics.toml", 'decisions = ["bet", "stop"]', 'decisions = ["bet", "stpo"]'),
        replace("decisions.toml", 'investment = "investment"', 'investment = "capex"'),
    )
    with pytest.raises(ConfigError) as info:
        load_registry(config_copy)
    problems = tuple(relative_to(p, config_copy.parent) for p in info.value.problems)
    assert len(problems) == 4
    assert sorted((p.file, p.entry) for p in problems) == [
        (D, "portfolio.investment"),
        (MF, "metrics[0] (id='revenue').decisions"),
        (MF, "metrics[1] (id='cost').measure"),
        (S, "sources (name='orders')"),
    ]
    assert str(info.value).splitlines()[0] == "4 problems in the Bridge configuration:"


# --- config against the database -----------------------------------------------------------------

#: A small source database that agrees with SOURCES below; each case changes one table or column.
TABLES = {
    "teams": "team_id TEXT, team_name TEXT, unit TEXT",
    "orders": "order_id INTEGER, ordered_at TIMESTAMP, team_id TEXT, revenue NUMERIC(12, 2), "
    "channel TEXT, on_time INTEGER",
    "snapshots": "day DATE, team_id TEXT, people INTEGER",
    "targets": "team_id TEXT, metric_id TEXT, valid_from DATE, valid_to DATE, target REAL, owner TEXT",
}
SOURCES: dict[str, Any] = {
    "org": {
        "table": "teams",
        "team_column": "team_id",
        "team_name_column": "team_name",
        "business_unit_column": "unit",
    },
    "sources": [
        {
            "name": "orders",
            "table": "orders",
            "time_column": "ordered_at",
            "team_column": "team_id",
            "measures": [
                {"name": "revenue", "agg": "sum", "column": "revenue"},
                {"name": "orders", "agg": "count"},
                {
                    "name": "orders_on_time",
                    "agg": "count",
                    "where": [{"column": "on_time", "op": "eq", "value": 1}],
                },
                {
                    "name": "web_revenue",
                    "agg": "sum",
                    "column": "revenue",
                    "where": [{"column": "channel", "op": "in", "value": ["web", "app"]}],
                },
                {"name": "largest_order", "agg": "max", "column": "revenue"},
            ],
        },
        {
            "name": "snapshots",
            "table": "snapshots",
            "time_column": "day",
            "team_column": "team_id",
            "grain": "day",
            "measures": [{"name": "people", "agg": "sum", "column": "people"}],
        },
    ],
    "targets": {"table": "targets"},
}
ORDERS = "sources[0] (name='orders')"
ORDER_COLUMNS = "order_id, ordered_at, team_id, revenue, channel, on_time"
ALL_TABLES = "orders, snapshots, targets, teams"


def make_db(path: Path, tables: dict[str, str]) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        for name, columns in tables.items():
            conn.execute(text(f"CREATE TABLE {name} ({columns})"))
    engine.dispose()
    return url


@pytest.fixture
def source_db(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Engine]]:
    """Build the small database (with some tables changed) and open it as Bridge does."""
    engines: list[Engine] = []

    def build(tables: dict[str, str]) -> Engine:
        engine = open_source(make_db(tmp_path / f"source{len(engines)}.sqlite", tables))
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine.dispose()


def sources_with(**changes: Any) -> SourcesFile:
    """SOURCES with changes at dotted paths, e.g. ``{"sources.0.time_column": "created_at"}``."""
    import copy

    data = copy.deepcopy(SOURCES)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return SourcesFile.model_validate(data)


def test_small_database_agrees_with_its_config(source_db: Callable[..., Engine]) -> None:
    assert database_problems(sources_with(), source_db(TABLES)) == []


@pytest.mark.parametrize("time_type", ["DATE", "DATETIME", "TIMESTAMP"])
def test_time_column_may_be_a_date_or_a_timestamp(
    source_db: Callable[..., Engine], time_type: str
) -> None:
    tables = {**TABLES, "orders": TABLES["orders"].replace("TIMESTAMP", time_type)}
    assert database_problems(sources_with(), source_db(tables)) == []


def _text_times(tmp_path: Path, values: list[str]) -> Engine:
    """The small database with ``orders.ordered_at`` as TEXT (how most SQLite files keep dates)."""
    tables = {
        **TABLES,
        "orders": TABLES["orders"].replace("ordered_at TIMESTAMP", "ordered_at TEXT"),
    }
    url = make_db(tmp_path / "text_times.sqlite", tables)
    engine = create_engine(url)
    with engine.begin() as conn:
        for i, value in enumerate(values):
            conn.execute(
                text("INSERT INTO orders (order_id, ordered_at, team_id) VALUES (:i, :t, 'a')"),
                {"i": i, "t": value},
            )
    engine.dispose()
    return open_source(url)


def test_a_text_time_column_of_iso_dates_is_accepted(tmp_path: Path) -> None:
    values = ["2026-11-01", "2026-11-01 10:00", "2026-11-02 23:59:59", "2026-11-03T08:15:00.250",
              "2026-11-03T23:30:00-08:00", "2026-11-04 06:00Z"]  # fmt: skip
    engine = _text_times(tmp_path, values)
    assert database_problems(sources_with(), engine) == []
    engine.dispose()


def test_text_that_is_no_date_is_listed_with_examples(tmp_path: Path) -> None:
    good = [f"2026-11-{d:02d} 10:00:00" for d in range(1, 29)]
    bad = ["garbage", "", "11/15/2026 10:00", "2026-02-30 10:00:00", "2026-11-01T10:00:00+0800"]
    engine = _text_times(tmp_path, good + bad)
    [problem] = database_problems(sources_with(), engine)
    engine.dispose()
    assert problem.file == S and problem.location.entry == f"{ORDERS}.time_column"
    assert "ISO-8601 dates or timestamps, as text" in problem.expected
    assert problem.found.startswith(
        "5 of 33 values checked in orders.ordered_at that are not, e.g."
    )
    assert "''" in problem.found and "'11/15/2026 10:00'" in problem.found


@pytest.mark.parametrize("numeric_type", ["INTEGER", "BIGINT", "REAL", "FLOAT", "DECIMAL(10, 2)"])
def test_sum_over_any_numeric_type(source_db: Callable[..., Engine], numeric_type: str) -> None:
    tables = {**TABLES, "orders": TABLES["orders"].replace("NUMERIC(12, 2)", numeric_type)}
    assert database_problems(sources_with(), source_db(tables)) == []


DATABASE_CASES = [
    # tables
    pytest.param(
        {"snapshots": None},
        {},
        [
            P(
                S,
                "sources[1] (name='snapshots').table",
                "a table that exists (orders, targets, teams)",
                "'snapshots'",
            )
        ],
        id="source-table-missing-in-database",
    ),
    pytest.param(
        {},
        {"sources.0.table": "order"},
        [P(S, f"{ORDERS}.table", f"a table that exists ({ALL_TABLES})", "'order'")],
        id="source-table-misspelt-in-config",
    ),
    pytest.param(
        {},
        {"org.table": "team"},
        [P(S, "org.table", f"a table that exists ({ALL_TABLES})", "'team'")],
        id="org-table-missing",
    ),
    pytest.param(
        {"targets": None},
        {},
        [P(S, "targets.table", "a table that exists (orders, snapshots, teams)", "'targets'")],
        id="targets-table-missing",
    ),
    # columns
    pytest.param(
        {},
        {"sources.0.time_column": "created_at"},
        [
            P(
                S,
                f"{ORDERS}.time_column",
                f"a column of table 'orders' ({ORDER_COLUMNS})",
                "'created_at'",
            )
        ],
        id="time-column-missing",
    ),
    pytest.param(
        {},
        {"sources.0.team_column": "team"},
        [
            P(
                S,
                f"{ORDERS}.team_column",
                f"a column of table 'orders' ({ORDER_COLUMNS})",
                "'team'",
            )
        ],
        id="team-column-missing",
    ),
    pytest.param(
        {},
        {"sources.0.measures.0.column": "amount"},
        [
            P(
                S,
                f"{ORDERS}.measures[0] (name='revenue').column",
                f"a column of table 'orders' ({ORDER_COLUMNS})",
                "'amount'",
            )
        ],
        id="measure-column-missing",
    ),
    pytest.param(
        {"orders": TABLES["orders"].replace(", on_time INTEGER", "")},
        {},
        [
            P(
                S,
                f"{ORDERS}.measures[2] (name='orders_on_time').where[0].column",
                "a column of table 'orders' (order_id, ordered_at, team_id, revenue, channel)",
                "'on_time'",
            )
        ],
        id="where-column-missing",
    ),
    pytest.param(
        {"teams": "team_id TEXT, team_name TEXT"},
        {},
        [
            P(
                S,
                "org.business_unit_column",
                "a column of table 'teams' (team_id, team_name)",
                "'unit'",
            )
        ],
        id="org-column-missing",
    ),
    pytest.param(
        {"targets": TABLES["targets"].replace(", owner TEXT", "")},
        {},
        [
            P(
                S,
                "targets.owner_column",
                "a column of table 'targets' (team_id, metric_id, valid_from, valid_to, target)",
                "'owner'",
            )
        ],
        id="targets-default-column-missing",
    ),
    # types
    pytest.param(
        {"snapshots": "day INTEGER, team_id TEXT, people INTEGER"},
        {},
        [
            P(
                S,
                "sources[1] (name='snapshots').time_column",
                "a date, timestamp or ISO-8601 text column — or, for integer Unix times, `epoch` "
                "on this source",
                "'day' of type INTEGER",
                'epoch = "seconds"',
            )
        ],
        id="time-column-is-integer",
    ),
    pytest.param(
        # a text column may hold numbers (its values are checked: tests/test_text_numbers.py); a
        # timestamp cannot
        {},
        {"sources.0.measures.0.column": "ordered_at"},
        [
            P(
                S,
                f"{ORDERS}.measures[0] (name='revenue').column",
                "a numeric (or text holding numbers) column",
                "'ordered_at' of type TIMESTAMP",
            )
        ],
        id="sum-over-timestamp",
    ),
    pytest.param(
        {"snapshots": "day DATE, team_id TEXT, people BOOLEAN"},
        {},
        [
            P(
                S,
                "sources[1] (name='snapshots').measures[0] (name='people').column",
                "a numeric (or text holding numbers) column",
                "'people' of type BOOLEAN",
            )
        ],
        id="sum-over-boolean",
    ),
    pytest.param(
        # Every measure value is a number: max of a date cannot be one.
        {"orders": TABLES["orders"] + ", shipped_on DATE"},
        {"sources.0.measures.4.column": "shipped_on"},
        [
            P(
                S,
                f"{ORDERS}.measures[4] (name='largest_order').column",
                "a numeric (or text holding numbers) column",
                "'shipped_on' of type DATE",
            )
        ],
        id="max-over-date",
    ),
]


@pytest.mark.parametrize(("table_changes", "config_changes", "expected"), DATABASE_CASES)
def test_database_problem(
    source_db: Callable[..., Engine],
    table_changes: dict[str, str | None],
    config_changes: dict[str, Any],
    expected: list[Problem],
) -> None:
    tables = {**TABLES, **table_changes}
    tables = {name: cols for name, cols in tables.items() if cols is not None}
    assert database_problems(sources_with(**config_changes), source_db(tables)) == expected


def test_count_needs_no_numeric_column(source_db: Callable[..., Engine]) -> None:
    config = sources_with(
        **{"sources.0.measures.1": {"name": "orders", "agg": "count", "column": "channel"}}
    )
    assert database_problems(config, source_db(TABLES)) == []


def test_every_database_problem_at_once(source_db: Callable[..., Engine]) -> None:
    tables = {
        **TABLES,
        "orders": TABLES["orders"].replace("ordered_at TIMESTAMP", "ordered_at INTEGER"),
    }
    del tables["targets"]
    config = sources_with(
        **{
            "org.team_name_column": "name",
            "sources.0.measures.0.column": "amount",
            "sources.1.table": "snapshot",
        }
    )
    problems = database_problems(config, source_db(tables))
    assert [p.entry for p in problems] == [
        "org.team_name_column",
        f"{ORDERS}.time_column",
        f"{ORDERS}.measures[0] (name='revenue').column",
        "sources[1] (name='snapshots').table",
        "targets.table",
    ]
    assert str(ConfigError(problems)).splitlines()[0] == "5 problems in the Bridge configuration:"


def test_unknown_schema_is_a_problem_not_a_crash(source_db: Callable[..., Engine]) -> None:
    """A ``schema`` the database does not have is reported like a missing table."""
    config = sources_with(**{"sources.1.schema": "analytics"})
    problems = database_problems(config, source_db(TABLES))
    assert [(p.file, p.entry, p.found) for p in problems] == [
        (S, "sources[1] (name='snapshots').schema", "'analytics'")
    ]


def test_unreachable_database_is_one_problem_without_the_password() -> None:
    # Port 1 on the loopback refuses at once: no server, no wait.
    engine = open_source("postgresql+psycopg://bob:hunter2@127.0.0.1:1/sales", timeout_seconds=2)
    try:
        problems = database_problems(sources_with(), engine)
    finally:
        engine.dispose()
    assert [(p.file, p.entry, p.expected) for p in problems] == [
        (
            "database",
            "(connection)",
            "a reachable database at postgresql+psycopg://bob:***@127.0.0.1:1/sales",
        )
    ]
    assert problems[0].found.startswith("OperationalError: ")
    assert "hunter2" not in str(problems[0])


def test_shipped_config_agrees_with_the_sample_database(
    registry: Registry, sample_url: str
) -> None:
    engine = open_source(sample_url)
    try:
        assert database_problems(registry.sources_file, engine, registry.files) == []
    finally:
        engine.dispose()


# --- bounds: what a config file may hold (docs/config.md, "Limits") -------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1" * 401 + " * revenue", "numbers of at most about 1.8e308"),
        ("1e400 * revenue", "numbers of at most about 1.8e308"),
        (" + ".join(["revenue"] * 3000), "an expression of at most 500 characters"),
        ("+".join(["a"] * 60), "an expression of at most 100 terms and operators"),
    ],
    ids=["401-digit-integer", "float-overflow", "3000-terms", "too-many-terms"],
)
def test_expression_bounds(config_copy: Path, expression: str, expected: str) -> None:
    apply_edits(
        config_copy,
        replace("metrics.toml", 'expression = "revenue - cost"', f'expression = "{expression}"'),
    )
    (problem,) = problems_of(config_copy)
    assert problem.entry == "metrics[2] (id='contribution').expression"
    assert problem.expected.startswith(expected)


def test_a_chain_of_derived_metrics_is_bounded(config_copy: Path) -> None:
    """500 derived metrics each built on the previous: refused by validate, not a RecursionError later."""
    chain = "".join(
        f'\n[[metrics]]\nid = "d{i}"\nkind = "derived"\nlabel = "d{i}"\ndescription = "x"\n'
        f'unit = "number"\ndirection = "higher_is_better"\nowner = "x"\nlenses = ["choice"]\n'
        f'effective_from = 2024-01-01\nexpression = "{"revenue" if i == 0 else f"d{i - 1}"} + 1"\n'
        for i in range(500)
    )
    apply_edits(config_copy, ("metrics.toml", lambda text: text + chain))
    problems = problems_of(config_copy)
    assert problems and {p.expected for p in problems} == {
        "derived metrics built on at most 32 levels of derived metrics"
    }
    assert problems[0].entry.endswith("(id='d32').expression")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "arrays and inline tables nested at most 32"),
        (
            "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n",
            "arrays and inline tables nested at most",
        ),
        ("# " + "x" * 1_100_000 + "\n", "a config file of at most 1,000,000 bytes"),
    ],
    ids=["nested-arrays", "nested-tables", "huge-file"],
)
def test_file_bounds(config_copy: Path, text: str, expected: str) -> None:
    apply_edits(config_copy, ("decisions.toml", lambda old: text + old))
    (problem,) = problems_of(config_copy)
    assert (problem.file, problem.entry) == (D, "(file)")
    assert problem.expected.startswith(expected)


def test_nesting_ignores_brackets_in_strings_and_comments() -> None:
    from bridge.config.parse import nesting

    assert nesting('a = "[[[[[["  # {{{{\nb = [[1], [2]]\nc = """]]]"""\n') == 2
