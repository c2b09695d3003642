"""Shape problems in config/: each case copies the golden config, breaks one thing, asserts the Problem.

The shipped ``config/`` folder is the golden config (it must load cleanly). Every other test starts
from a writable copy of it (fixture ``config_copy``), edits the TOML text in one place, and asserts the
exact problems :func:`bridge.config.registry.load_registry` reports: file, entry, expected, found and example.
Cross-reference rules (unknown ids, cycles, duplicates, thresholds) live in ``test_validation.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bridge.config.registry import Registry, load_registry
from bridge.errors import ConfigError, Problem
from tests.configs import Edit, P, apply_edits, problems_of, replace

S = "config/sources.toml"
MF = "config/metrics.toml"
D = "config/decisions.toml"

# --- helpers -------------------------------------------------------------------------------------


def located(problems: tuple[Problem, ...]) -> list[tuple[str, str, str, str]]:
    """(file, entry, expected, found) of each problem: what a test pins when it leaves the example."""
    return [(p.file, p.entry, p.expected, p.found) for p in problems]


# --- the golden config ---------------------------------------------------------------------------


def test_shipped_config_is_valid(registry: Registry) -> None:
    assert [s.name for s in registry.sources] == [
        "orders",
        "tickets",
        "spend",
        "headcount",
        "kpi_sheet",
    ]
    assert len(registry.measures) == 12
    assert len(registry.metrics) == 10
    assert list(registry.decisions) == ["bet", "invest", "stop"]


def test_unbroken_copy_loads(config_copy: Path) -> None:
    """The copy the other tests break is itself valid, so every problem below comes from the edit."""
    assert len(load_registry(config_copy).metrics) == 10


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["sources.toml", "metrics.toml"])
def test_missing_required_file(config_copy: Path, file: str) -> None:
    (config_copy / file).unlink()
    assert problems_of(config_copy) == (
        P(
            f"config/{file}",
            "(file)",
            "a TOML file here (it is required)",
            "no such file",
            "copy the shipped config/ folder and edit it",
        ),
    )


def test_both_required_files_missing_are_both_reported(config_copy: Path) -> None:
    (config_copy / "sources.toml").unlink()
    (config_copy / "metrics.toml").unlink()
    assert [(p.file, p.found) for p in problems_of(config_copy)] == [
        (S, "no such file"),
        (MF, "no such file"),
    ]


def test_decisions_file_is_optional(config_copy: Path) -> None:
    """Without decisions.toml there are no decisions, so only the metrics citing one are wrong."""
    (config_copy / "decisions.toml").unlink()
    expected = f"ids of decisions in {D} (none defined)"
    assert located(problems_of(config_copy)) == [
        (MF, "metrics[0] (id='revenue').decisions", expected, "'bet'"),
        (MF, "metrics[0] (id='revenue').decisions", expected, "'stop'"),
        (MF, "metrics[2] (id='contribution').decisions", expected, "'invest'"),
        (MF, "metrics[3] (id='contribution_margin').decisions", expected, "'bet'"),
        (MF, "metrics[3] (id='contribution_margin').decisions", expected, "'stop'"),
        (MF, "metrics[7] (id='investment').decisions", expected, "'invest'"),
    ]


def test_decisions_file_missing_and_unused_loads(config_copy: Path) -> None:
    (config_copy / "decisions.toml").unlink()
    path = config_copy / "metrics.toml"
    text = path.read_text(encoding="utf-8")
    for line in ('decisions = ["bet", "stop"]\n', 'decisions = ["invest"]\n'):
        text = text.replace(line, "")
    path.write_text(text, encoding="utf-8")
    registry = load_registry(config_copy)
    assert registry.decisions == {}
    assert registry.portfolio.investment is None


def test_invalid_toml_syntax(config_copy: Path) -> None:
    apply_edits(config_copy, replace("metrics.toml", 'id = "revenue"', 'id = "revenue'))
    text = (config_copy / "metrics.toml").read_text(encoding="utf-8")
    with pytest.raises(tomllib.TOMLDecodeError) as toml_error:
        tomllib.loads(text)
    problem = P(MF, "(file)", "valid TOML", f"a syntax error: {toml_error.value}")
    assert problems_of(config_copy) == (problem,)
    assert "line 7" in problem.found  # the user is told where to look


def test_file_not_utf8(config_copy: Path) -> None:
    path = config_copy / "decisions.toml"
    raw = b"# caf\xe9\n" + path.read_bytes()
    path.write_bytes(raw)
    with pytest.raises(UnicodeDecodeError) as decode_error:
        raw.decode("utf-8")
    assert problems_of(config_copy) == (
        P(D, "(file)", "a readable UTF-8 text file", str(decode_error.value)),
    )


# --- shape of entries: one broken thing, the exact problems --------------------------------------

IDENTIFIER = "an id of lowercase letters, digits and underscores starting with a letter"
UNKNOWN_KEY = "only known keys (check the spelling)"
REQUIRED = "this key (it is required)"
ORDERS_ON_TIME = "sources[0] (name='orders').measures[3] (name='orders_on_time')"
NOT_ALLOWED = "only metric ids, numbers, + - * / and parentheses are"

SHAPE_CASES = [
    # unknown keys (typos)
    pytest.param(
        [replace("metrics.toml", "decimals = 0", "decimal = 0")],
        [P(MF, "metrics[0] (id='revenue').decimal", UNKNOWN_KEY, "an unknown key with value 0")],
        id="typo-in-metric-key",
    ),
    pytest.param(
        [
            replace(
                "sources.toml",
                'description = "One row per customer order."',
                'descripton = "One row per customer order."',
            )
        ],
        [
            P(
                S,
                "sources[0] (name='orders').descripton",
                UNKNOWN_KEY,
                "an unknown key with value 'One row per customer order.'",
            )
        ],
        id="typo-in-source-key",
    ),
    pytest.param(
        [replace("decisions.toml", 'owner = "Sam Okafor (COO)"', 'onwer = "Sam Okafor (COO)"')],
        [
            P(D, "decisions[2] (id='stop').owner", REQUIRED, "nothing"),
            P(
                D,
                "decisions[2] (id='stop').onwer",
                UNKNOWN_KEY,
                "an unknown key with value 'Sam Okafor (COO)'",
            ),
        ],
        id="typo-in-required-decision-key",
    ),
    pytest.param(
        [replace("sources.toml", "[org]", "[orgs]")],
        [
            P(S, "org", REQUIRED, "nothing"),
            P(
                S,
                "orgs",
                UNKNOWN_KEY,
                "an unknown key with value {'table': 'org_teams', 'team_column': 'team_id', "
                "'team_name_column': 'team_na...",
            ),
        ],
        id="typo-in-top-level-table",
    ),
    # missing required fields
    pytest.param(
        [replace("metrics.toml", 'label = "Revenue"\n', "")],
        [P(MF, "metrics[0] (id='revenue').label", REQUIRED, "nothing")],
        id="metric-without-label",
    ),
    pytest.param(
        [replace("sources.toml", 'business_unit_column = "business_unit"\n', "")],
        [P(S, "org.business_unit_column", REQUIRED, "nothing")],
        id="org-without-business-unit-column",
    ),
    pytest.param(
        [
            replace(
                "decisions.toml",
                'x = { metric = "revenue", transform = "growth_yoy", label = "Revenue growth vs last year" }',
                'x = { transform = "growth_yoy", label = "Revenue growth vs last year" }',
            )
        ],
        [P(D, "decisions[0] (id='bet').x.metric", REQUIRED, "nothing")],
        id="axis-without-metric",
    ),
    # wrong types and out-of-range values
    pytest.param(
        [replace("metrics.toml", "decimals = 0", 'decimals = "two"')],
        [
            P(
                MF,
                "metrics[0] (id='revenue').decimals",
                "a valid integer",  # StrictInt: a word or a boolean is never a count
                "'two'",
            )
        ],
        id="decimals-is-a-word",
    ),
    pytest.param(
        [replace("metrics.toml", "decimals = 0", "decimals = 9")],
        [P(MF, "metrics[0] (id='revenue').decimals", "less than or equal to 6", "9")],
        id="decimals-too-many",
    ),
    pytest.param(
        [replace("metrics.toml", "effective_from = 2022-01-01", 'effective_from = "yesterday"')],
        [
            P(
                MF,
                "metrics[0] (id='revenue').effective_from",
                "a valid date or datetime, input is too short",
                "'yesterday'",
                "effective_from = 2024-01-01",
            )
        ],
        id="effective-from-not-a-date",
    ),
    pytest.param(
        [
            replace(
                "metrics.toml",
                "effective_from = 2022-01-01",
                "effective_from = 2022-01-01\nversion = 0",
            )
        ],
        [P(MF, "metrics[0] (id='revenue').version", "greater than or equal to 1", "0")],
        id="version-zero",
    ),
    pytest.param(
        [replace("metrics.toml", 'lenses = ["choice"]', 'lenses = "choice"')],
        [P(MF, "metrics[1] (id='cost').lenses", "a valid tuple", "'choice'")],
        id="lenses-not-a-list",
    ),
    pytest.param(
        [replace("metrics.toml", 'lenses = ["choice"]', "lenses = []")],
        [
            P(
                MF,
                "metrics[1] (id='cost').lenses",
                "tuple should have at least 1 item after validation, not 0",
                "[]",
            )
        ],
        id="lenses-empty",
    ),
    pytest.param(
        # One unknown lens in a one-lens list is one mistake: no extra "at least 1 item" problem.
        [replace("metrics.toml", 'lenses = ["choice"]', 'lenses = ["exec"]')],
        [P(MF, "metrics[1] (id='cost').lenses[0]", "'action' or 'choice'", "'exec'")],
        id="unknown-lens-reported-once",
    ),
    pytest.param(
        [replace("metrics.toml", "fiscal_year_start_month = 1", "fiscal_year_start_month = 13")],
        [P(MF, "calendar.fiscal_year_start_month", "less than or equal to 12", "13")],
        id="fiscal-month-13",
    ),
    pytest.param(
        [replace("decisions.toml", "years = 3", "years = 0")],
        [P(D, "decisions[2] (id='stop').years", "greater than or equal to 1", "0")],
        id="decision-years-zero",
    ),
    pytest.param(
        [replace("decisions.toml", "band = 0.05", "band = -0.05")],
        [P(D, "decisions[1] (id='invest').rule.band", "greater than or equal to 0", "-0.05")],
        id="diagonal-band-negative",
    ),
    pytest.param(
        [replace("decisions.toml", 'question = "What do we stop?"', 'question = ""')],
        [
            P(
                D,
                "decisions[2] (id='stop').question",
                "string should have at least 1 character",
                "''",
            )
        ],
        id="decision-question-empty",
    ),
    # ids
    pytest.param(
        [replace("metrics.toml", 'id = "revenue"', 'id = "Revenue-Total"')],
        [
            P(
                MF,
                "metrics[0] (id='Revenue-Total').id",
                IDENTIFIER,
                "'Revenue-Total'",
                "on_time_rate",
            )
        ],
        id="metric-id-pattern",
    ),
    pytest.param(
        [replace("sources.toml", 'name = "orders"\ntable', 'name = "Orders"\ntable')],
        [P(S, "sources[0] (name='Orders').name", IDENTIFIER, "'Orders'", "revenue")],
        id="source-name-pattern",
    ),
    pytest.param(
        [replace("metrics.toml", 'decisions = ["bet", "stop"]', 'decisions = ["Bet", "stop"]')],
        [P(MF, "metrics[0] (id='revenue').decisions[0]", IDENTIFIER, "'Bet'")],
        id="decision-id-in-list-pattern",
    ),
    # closed sets
    pytest.param(
        [replace("metrics.toml", 'kind = "simple"', "")],
        [P(MF, "metrics[0] (id='revenue')", "a 'kind' key naming the variant", "no 'kind' key")],
        id="metric-without-kind",
    ),
    pytest.param(
        [replace("metrics.toml", 'unit = "currency"', 'unit = "dollars"')],
        [
            P(
                MF,
                "metrics[0] (id='revenue').unit",
                "'currency', 'percent', 'count' or 'number'",
                "'dollars'",
                'unit = "currency"',
            )
        ],
        id="unknown-unit",
    ),
    pytest.param(
        [replace("metrics.toml", 'direction = "higher_is_better"', 'direction = "up"')],
        [
            P(
                MF,
                "metrics[0] (id='revenue').direction",
                "'higher_is_better' or 'lower_is_better'",
                "'up'",
                'direction = "higher_is_better"',
            )
        ],
        id="unknown-direction",
    ),
    pytest.param(
        [replace("sources.toml", 'agg = "count"', 'agg = "avg"')],
        [
            P(
                S,
                "sources[0] (name='orders').measures[2] (name='orders').agg",
                "'sum', 'count', 'min' or 'max'",
                "'avg'",
                'agg = "sum"',
            )
        ],
        id="unknown-agg",
    ),
    pytest.param(
        [replace("sources.toml", 'op = "eq", value = 1 }', 'op = "equals", value = 1 }')],
        [
            P(
                S,
                f"{ORDERS_ON_TIME}.where[0].op",
                "'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'not_in', 'is_null' or 'not_null'",
                "'equals'",
            )
        ],
        id="unknown-condition-op",
    ),
    pytest.param(
        [replace("decisions.toml", 'transform = "growth_yoy"', 'transform = "yoy"')],
        [
            P(
                D,
                "decisions[0] (id='bet').x.transform",
                "'value', 'share', 'growth_yoy', 'growth_multi_year' or 'trend_multi_year'",
                "'yoy'",
            )
        ],
        id="unknown-axis-transform",
    ),
    pytest.param(
        [replace("decisions.toml", 'rule = { kind = "quadrant", ', "rule = { ")],
        [
            P(
                D,
                "decisions[0] (id='bet').rule",
                "a 'kind' key naming the variant",
                "no 'kind' key",
            )
        ],
        id="rule-without-kind",
    ),
    # conditions and measures checked as a whole
    pytest.param(
        [replace("sources.toml", 'op = "eq", value = 1 }', 'op = "in", value = 1 }')],
        [
            P(
                S,
                f"{ORDERS_ON_TIME}.where[0]",
                "op 'in' needs a non-empty list value, e.g. value = [1, 2]",
                "{'column': 'on_time', 'op': 'in', 'value': 1}",
            )
        ],
        id="op-in-with-a-scalar",
    ),
    pytest.param(
        [replace("sources.toml", 'op = "eq", value = 1 }', 'op = "eq", value = [1] }')],
        [
            P(
                S,
                f"{ORDERS_ON_TIME}.where[0]",
                "op 'eq' needs a single value, e.g. value = 1",
                "{'column': 'on_time', 'op': 'eq', 'value': [1]}",
            )
        ],
        id="op-eq-with-a-list",
    ),
    pytest.param(
        [replace("sources.toml", 'op = "eq", value = 1 }', 'op = "is_null", value = 1 }')],
        [
            P(
                S,
                f"{ORDERS_ON_TIME}.where[0]",
                "op 'is_null' takes no value",
                "{'column': 'on_time', 'op': 'is_null', 'value': 1}",
            )
        ],
        id="op-is-null-with-a-value",
    ),
    pytest.param(
        [replace("sources.toml", '  agg = "sum"\n  column = "revenue"\n', '  agg = "sum"\n')],
        [
            P(
                S,
                "sources[0] (name='orders').measures[0] (name='revenue')",
                "agg 'sum' needs a column, e.g. column = \"revenue\"",
                "{'name': 'revenue', 'agg': 'sum', 'description': 'Order revenue, in the repor...",
            )
        ],
        id="sum-without-column",
    ),
    # derived expressions are parsed, never run
    pytest.param(
        [
            replace(
                "metrics.toml", 'expression = "revenue - cost"', "expression = \"__import__('os')\""
            )
        ],
        [
            P(
                MF,
                "metrics[2] (id='contribution').expression",
                f"'__import__('os')' is not allowed; {NOT_ALLOWED}",
                "\"__import__('os')\"",
            )
        ],
        id="expression-with-a-call",
    ),
    pytest.param(
        [replace("metrics.toml", 'expression = "revenue - cost"', 'expression = "revenue ** 2"')],
        [
            P(
                MF,
                "metrics[2] (id='contribution').expression",
                f"'revenue ** 2' is not allowed; {NOT_ALLOWED}",
                "'revenue ** 2'",
            )
        ],
        id="expression-with-a-power",
    ),
    pytest.param(
        [replace("metrics.toml", 'expression = "revenue - cost"', 'expression = "revenue.real"')],
        [
            P(
                MF,
                "metrics[2] (id='contribution').expression",
                f"'revenue.real' is not allowed; {NOT_ALLOWED}",
                "'revenue.real'",
            )
        ],
        id="expression-with-an-attribute",
    ),
    pytest.param(
        [
            replace(
                "metrics.toml", 'expression = "revenue - cost"', 'expression = "(revenue - cost"'
            )
        ],
        [
            P(
                MF,
                "metrics[2] (id='contribution').expression",
                "not a valid expression ('(' was never closed at column 1); write metric ids with "
                "+ - * / and parentheses, e.g. (revenue - cost) / revenue",
                "'(revenue - cost'",
            )
        ],
        id="expression-syntax-error",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), SHAPE_CASES)
def test_shape_problem(config_copy: Path, edits: list[Edit], expected: list[Problem]) -> None:
    apply_edits(config_copy, *edits)
    assert list(problems_of(config_copy)) == expected


# --- messages that must name the right thing -----------------------------------------------------
# These pin (file, entry, expected, found) and leave the example free.


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        pytest.param(
            replace("metrics.toml", 'kind = "simple"', 'kind = "average"'),
            (
                MF,
                "metrics[0] (id='revenue').kind",
                "kind to be one of 'simple', 'ratio', 'derived', 'semi_additive'",
                "'average'",
            ),
            id="metric-kind",
        ),
        pytest.param(
            replace("decisions.toml", 'kind = "quadrant"', 'kind = "grid"'),
            (
                D,
                "decisions[0] (id='bet').rule.kind",
                "kind to be one of 'quadrant', 'diagonal'",
                "'grid'",
            ),
            id="rule-kind",
        ),
    ],
)
def test_unknown_kind_names_the_kind(
    config_copy: Path, edit: Edit, problem: tuple[str, str, str, str]
) -> None:
    """An unknown ``kind`` is reported at ``.kind`` with the value found, not the whole table.

    The whole table, cut at 80 characters, may not even contain the wrong value.
    """
    apply_edits(config_copy, edit)
    assert located(problems_of(config_copy)) == [problem]


def test_decimals_true_is_not_an_integer(config_copy: Path) -> None:
    """``decimals = true`` is a mistake, not a silent 1."""
    apply_edits(config_copy, replace("metrics.toml", "decimals = 0", "decimals = true"))
    assert located(problems_of(config_copy)) == [
        (MF, "metrics[0] (id='revenue').decimals", "a valid integer", "True")
    ]


def test_bad_table_name_does_not_ask_for_an_id(config_copy: Path) -> None:
    """A table or column name may hold capitals (``Orders``): its message must not say lowercase."""
    apply_edits(config_copy, replace("sources.toml", 'table = "orders"', 'table = "orders; drop"'))
    (problem,) = problems_of(config_copy)
    assert (problem.file, problem.entry, problem.found) == (
        S,
        "sources[0] (name='orders').table",
        "'orders; drop'",
    )
    assert "lowercase" not in problem.expected
    assert "letters, digits" in problem.expected


def test_mixed_case_table_name_is_valid(config_copy: Path) -> None:
    apply_edits(config_copy, replace("sources.toml", 'table = "orders"', 'table = "Sales_2024"'))
    assert load_registry(config_copy).sources[0].table == "Sales_2024"


def test_one_broken_measure_in_a_one_source_file_is_one_problem(config_copy: Path) -> None:
    """A config with a single source (a new user's first one) reports its mistake once.

    Not also "sources: tuple should have at least 1 item", which would say the source is missing.
    """
    path = config_copy / "sources.toml"
    text = path.read_text(encoding="utf-8")
    first_source_only = text.split('[[sources]]\nname = "tickets"')[0]
    path.write_text(first_source_only.replace('agg = "count"', 'agg = "avg"', 1), encoding="utf-8")
    assert problems_of(config_copy) == (
        P(
            S,
            "sources[0] (name='orders').measures[2] (name='orders').agg",
            "'sum', 'count', 'min' or 'max'",
            "'avg'",
            'agg = "sum"',
        ),
    )


# --- every problem at once -----------------------------------------------------------------------


def test_problems_in_all_three_files_are_reported_together(config_copy: Path) -> None:
    apply_edits(
        config_copy,
        replace("sources.toml", 'agg = "count"', 'agg = "avg"'),
        replace("metrics.toml", "decimals = 0", 'decimals = "two"'),
        replace("metrics.toml", 'unit = "percent"', 'unit = "pct"'),
        replace("decisions.toml", 'owner = "Sam Okafor (COO)"', 'onwer = "Sam Okafor (COO)"'),
    )
    with pytest.raises(ConfigError) as info:
        load_registry(config_copy)
    problems = info.value.problems
    assert len(problems) == 5
    assert [p.file for p in problems] == [
        str(config_copy / name)
        for name in (
            "sources.toml",
            "metrics.toml",
            "metrics.toml",
            "decisions.toml",
            "decisions.toml",
        )
    ]
    lines = str(info.value).splitlines()
    assert lines[0] == "5 problems in the Bridge configuration:"
    assert lines[1:] == [f"  - {p}" for p in problems]
    assert lines[1] == (
        f"  - {config_copy}/sources.toml: "
        "sources[0] (name='orders').measures[2] (name='orders').agg: "
        "expected 'sum', 'count', 'min' or 'max'; found 'avg' (e.g. agg = \"sum\")"
    )


def test_one_problem_is_singular(config_copy: Path) -> None:
    apply_edits(config_copy, replace("metrics.toml", "decimals = 0", "decimals = 9"))
    with pytest.raises(ConfigError) as info:
        load_registry(config_copy)
    assert str(info.value) == (
        "1 problem in the Bridge configuration:\n"
        f"  - {config_copy}/metrics.toml: metrics[0] (id='revenue').decimals: "
        "expected less than or equal to 6; found 9"
    )
