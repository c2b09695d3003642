"""The fault-injection suite: each broken variant of the sample company, built on SQLite and — where
the fault can exist there — on PostgreSQL and MariaDB, is contained.

For every (fault, database) the variant is a small sample company (20,000 orders) with the fault
written into it, next to the same company without it, and:

* Data health finds exactly the fault (its check, row count and effect) on top of what the clean
  company has;
* every number the fault does not touch is unchanged: the daily measures of other teams and days, and
  the horizon view the CLI prints (``bridge view horizon``) for periods the fault is not in;
* the CLI answers (exit 0, nothing on stderr) and ``bridge validate`` says what it finds in one
  problem line, never a traceback;
* every page renders in the app with no exception and no error (every page on SQLite, the Overview
  and Data health on the servers), and Data health shows the finding.

Faults that need a schema a real database might have (times stored as text, nullable columns, an org
table without keys) get that schema first; the clean company gets it too, so only the fault differs.
The real-browser pass over all SQLite faults at once is ``test_browser.py``'s
``test_a_broken_company_reads_without_a_traceback``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from bridge.app.cli import main
from bridge.config.registry import Registry
from bridge.data.health import check
from bridge.data.load import NO_UNIT, load_dataset, open_source
from bridge.present.format import MISSING
from bridge.sample import generate
from bridge.settings import get_settings
from bridge.translate.evaluate import UNASSIGNED
from tests.apptesting import PAGES, drawings, figures, open_page, shown, tables
from tests.databases import AS_OF, EVENTS, scratches

#: Orders the faults rewrite: twelve orders of one week in mid-2025 (ids follow time).
ORDER_IDS = tuple(range(12_000, 12_012))

# --- schemas a real database may have ---------------------------------------------------------

#: Times stored as ISO text, as many real databases do, in a column that may be empty (SQLite's
#: DATETIME keeps text already; its NOT NULL goes with a rebuilt table).
TEXT_TIMES = {
    "sqlite": [
        "CREATE TABLE orders_loose (order_id INTEGER PRIMARY KEY, ordered_at DATETIME, "
        "team_id VARCHAR(40), revenue FLOAT, cost FLOAT, on_time INTEGER)",
        "INSERT INTO orders_loose SELECT order_id, ordered_at, team_id, revenue, cost, on_time "
        "FROM orders",
        "DROP TABLE orders",
        "ALTER TABLE orders_loose RENAME TO orders",
    ],
    "postgresql": [
        "ALTER TABLE orders ALTER COLUMN ordered_at TYPE varchar(40) "
        "USING to_char(ordered_at, 'YYYY-MM-DD HH24:MI:SS')",
        "ALTER TABLE orders ALTER COLUMN ordered_at DROP NOT NULL",
    ],
    "mariadb": ["ALTER TABLE orders MODIFY ordered_at VARCHAR(40) NULL"],
}
#: An org table without keys or NOT NULL (the orders' foreign keys keep pointing at the typed one).
LOOSE_ORG = {
    "sqlite": [
        "ALTER TABLE org_teams RENAME TO org_typed",
        "CREATE TABLE org_teams (team_id TEXT, team_name TEXT, business_unit TEXT)",
        "INSERT INTO org_teams SELECT team_id, team_name, business_unit FROM org_typed",
    ],
    "postgresql": [
        "ALTER TABLE org_teams RENAME TO org_typed",
        "CREATE TABLE org_teams AS SELECT team_id, team_name, business_unit FROM org_typed",
    ],
    "mariadb": [
        "RENAME TABLE org_teams TO org_typed",
        "CREATE TABLE org_teams (team_id VARCHAR(40), team_name VARCHAR(80), "
        "business_unit VARCHAR(40))",
        "INSERT INTO org_teams SELECT team_id, team_name, business_unit FROM org_typed",
    ],
}
#: Orders whose team is in no org table: the foreign key (a real database may have none) is off.
NO_TEAM_KEY = {
    "sqlite": [],  # foreign keys are not enforced
    "postgresql": ["ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_team_id_fkey"],
    "mariadb": ["SET FOREIGN_KEY_CHECKS = 0"],  # for the session that writes the fault
}


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in ids)


#: A fault's SQL for a dialect, rewriting (some of) the given orders.
Writer = Callable[[str, tuple[int, ...]], list[str]]


def _set_times(values: list[str]) -> Writer:
    """Orders' times set to these values (as text), one order each."""

    def sql(_dialect: str, ids: tuple[int, ...]) -> list[str]:
        return [
            f"UPDATE orders SET ordered_at = '{value}' WHERE order_id = {order_id}"
            for value, order_id in zip(values, ids, strict=False)
        ]

    return sql


def _same_day_with_offset(dialect: str, ids: tuple[int, ...]) -> list[str]:
    """Three orders' times rewritten late in the evening with a UTC offset: the same day as written
    (SQLite's date() would have moved them to the next, UTC, day)."""
    day = "substr(ordered_at, 1, 10)"
    joined = (
        f"CONCAT({day}, 'T23:30:00-08:00')"
        if dialect == "mariadb"
        else f"{day} || 'T23:30:00-08:00'"
    )
    return [f"UPDATE orders SET ordered_at = {joined} WHERE order_id IN ({_ids(ids[:3])})"]


def _set_revenue(value: str | Callable[[str], str], count: int) -> Writer:
    def sql(dialect: str, ids: tuple[int, ...]) -> list[str]:
        written = value(dialect) if callable(value) else value
        return [f"UPDATE orders SET revenue = {written} WHERE order_id IN ({_ids(ids[:count])})"]

    return sql


@dataclass(frozen=True)
class Fault:
    name: str
    dialects: tuple[str, ...]
    #: The schema the fault needs (applied to the clean company too).
    schema: dict[str, list[str]]
    #: The fault itself, per dialect, on the given orders.
    write: Writer
    #: (check, rows, effect) Data health must add to the clean company's findings.
    finding: tuple[str, int, str]
    #: "orders": the rewritten orders' team-days may change; "units": business units may change
    #: (the company and every team's measures may not); "nothing": no number may change.
    touches: str
    #: What `bridge validate` says (None: OK).
    validate_says: str | None = None


ALL = ("sqlite", "postgresql", "mariadb")
FAULTS = [
    Fault(
        "times that are no date",
        ALL,
        TEXT_TIMES,
        _set_times(["garbage", "", "11/15/2026 10:00", "2026-02-30 10:00:00", "1700000000"]),
        ("time that is no date", 5, "excluded"),
        "orders",
        validate_says="orders.ordered_at that are not, e.g. ",
    ),
    Fault(
        "times with a UTC offset",
        ALL,
        TEXT_TIMES,
        _same_day_with_offset,
        ("time with a UTC offset", 3, "included, flagged"),
        "nothing",
    ),
    Fault(
        "no time",
        ALL,
        TEXT_TIMES,
        lambda _d, ids: [
            f"UPDATE orders SET ordered_at = NULL WHERE order_id IN ({_ids(ids[:2])})"
        ],
        ("no time", 2, "excluded"),
        "orders",
    ),
    Fault(
        "an order in 2099",
        ALL,
        {},
        _set_times(["2099-06-01 10:00:00"]),
        ("in the future", 1, "excluded"),
        "orders",
    ),
    Fault(
        "NaN revenue",
        ("postgresql",),
        {},
        _set_revenue("'NaN'", 2),
        ("not a finite number in revenue", 2, "excluded"),
        "orders",
    ),
    Fault(
        "infinite revenue",
        ("sqlite", "postgresql"),
        {},
        _set_revenue(lambda d: "9e999" if d == "sqlite" else "'Infinity'", 1),
        ("not a finite number in revenue", 1, "excluded"),
        "orders",
    ),
    Fault(
        "text in the revenue column",
        ("sqlite",),
        {},
        _set_revenue("'12,50 EUR'", 2),
        ("not a finite number in revenue", 2, "excluded"),
        "orders",
    ),
    Fault(
        "negative revenue",
        ALL,
        {},
        _set_revenue("-revenue", 2),
        ("negative revenue", 2, "included, flagged"),
        "orders",
    ),
    Fault(
        "orders of a team in no org table",
        ALL,
        {},
        lambda d, ids: [
            *NO_TEAM_KEY[d],
            f"UPDATE orders SET team_id = 'ghost' WHERE order_id IN ({_ids(ids[:3])})",
        ],
        ("team not in org table", 3, "included, flagged"),
        "orders",
    ),
    Fault(
        "a team without a business unit",
        ALL,
        LOOSE_ORG,
        lambda _d, _ids: [
            "UPDATE org_teams SET business_unit = NULL WHERE team_id = 'ret-checkout'"
        ],
        ("team without a business unit", 1, "counted under '(no business unit)'"),
        "units",
    ),
    Fault(
        "a team in two business units",
        ALL,
        LOOSE_ORG,
        lambda _d, _ids: [
            "INSERT INTO org_teams SELECT team_id, team_name, 'Zeta Unit' FROM org_typed "
            "WHERE team_id = 'mkt-ads'"
        ],
        ("team in several business units", 1, "counted once, in the first unit alphabetically"),
        "nothing",  # counted in the first unit alphabetically: where it always was
    ),
]
CASES = [
    pytest.param(
        fault,
        dialect,
        id=f"{fault.name}-{dialect}",
        marks={
            "sqlite": [],
            "postgresql": [pytest.mark.postgres],
            "mariadb": [pytest.mark.mariadb],
        }[dialect],
    )
    for fault in FAULTS
    for dialect in fault.dialects
]


# --- building the variants --------------------------------------------------------------------


@pytest.fixture
def databases(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Empty databases of the test's dialect, by name (dropped afterwards); a name of its own per
    fault, as the app keeps measures per URL for a while (cache_ttl_seconds)."""
    params = request.node.callspec.params
    fault = FAULTS.index(params["fault"])
    with scratches(params["dialect"], f"bridge_fault_{fault}", tmp_path) as new:
        yield new


def _run(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _touched(url: str) -> set[tuple[dt.date, str]]:
    """The (day, team) of the orders a fault rewrites (those whose time reads as a day)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT CAST(ordered_at AS CHAR(40)), team_id FROM orders "
                f"WHERE order_id IN ({_ids(ORDER_IDS)})"
            )
        ).all()
    engine.dispose()
    found = set()
    for written, team in rows:
        try:
            found.add((dt.date.fromisoformat(str(written)[:10]), team))
        except ValueError:
            continue
    return found


@dataclass(frozen=True)
class Variant:
    clean: str
    broken: str
    touched: set[tuple[dt.date, str]]


def _build(fault: Fault, dialect: str, databases: Callable[[str], str]) -> Variant:
    clean, broken = databases("clean"), databases("broken")
    for url in (clean, broken):
        generate(url, as_of=AS_OF, events=EVENTS, history_years=2)
        _run(url, fault.schema.get(dialect, []))
    before = _touched(broken)
    _run(broken, fault.write(dialect, ORDER_IDS))
    return Variant(clean, broken, before | _touched(broken))


# --- what is compared -------------------------------------------------------------------------


def _findings(url: str, registry: Registry) -> set[tuple[str, int, str]]:
    engine = open_source(url)
    report = check(engine, registry, AS_OF)
    engine.dispose()
    return {(r["check"], r["rows"], r["effect"]) for r in report.findings.iter_rows(named=True)}


def _measures(url: str, registry: Registry) -> pl.DataFrame:
    """The daily measures the views read (days before the as-of: a row in 2099 is in no view)."""
    engine = open_source(url)
    measures = load_dataset(engine, registry).measures
    engine.dispose()
    return measures.filter(pl.col("day") < AS_OF).sort("day", "team_id", "measure")


def _cli(
    url: str, cache: Path, *args: str, env: pytest.MonkeyPatch, out: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """``bridge ARGS`` on ``url`` in this process: exit code, stdout, stderr."""
    env.setenv("BRIDGE_SOURCE_URL", url)
    env.setenv("BRIDGE_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    out.readouterr()
    code = main(list(args))
    printed, err = out.readouterr()
    return code, printed, err


@dataclass(frozen=True)
class Shown:
    """One row of ``bridge view horizon`` as printed: its period and its value."""

    start: dt.date
    end: dt.date
    value: str


def _horizon(csv_text: str) -> dict[tuple[str, str, str], Shown]:
    return {
        (r["level"], r["scope"], r["period_start"]): Shown(
            dt.date.fromisoformat(r["period_start"]),
            dt.date.fromisoformat(r["period_end"]),
            r["value"],
        )
        for r in csv.DictReader(io.StringIO(csv_text))
    }


def _empty_bars(specs: list[dict[str, Any]]) -> list[str]:
    """Categories of a bar chart where every bar is "n/a" (nothing to draw, yet a place on the axis)."""
    empty = []
    for spec in specs:
        bars = [t for t in spec["data"] if t.get("type") == "bar" and "text" in t]
        if not bars:
            continue
        texts: dict[str, list[str]] = {}
        for trace in bars:
            for x, label in zip(trace.get("x", []), trace["text"], strict=False):
                texts.setdefault(str(x), []).append(str(label))
        empty += [x for x, labels in texts.items() if all(label == MISSING for label in labels)]
    return empty


def _empty_drawn_bars(markups: list[str]) -> list[str]:
    """Units of a static bar chart (bridge.present.html_charts) with a place but no bar."""
    empty = []
    for markup in markups:
        for group in markup.split('data-scope="')[1:]:
            scope, _, rest = group.partition('"')
            if "data-value=" not in rest:
                empty.append(scope)
    return empty


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12)
    except ValueError:
        return False


@pytest.mark.parametrize(("fault", "dialect"), CASES)
def test_a_fault_is_contained(
    fault: Fault,
    dialect: str,
    databases: Callable[[str], str],
    registry: Registry,
    app: AppTest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    variant = _build(fault, dialect, databases)

    # Data health finds exactly the fault, on top of what the clean company has
    check_name, rows, effect = fault.finding
    assert _findings(variant.broken, registry) == _findings(variant.clean, registry) | {
        (check_name, rows, effect)
    }

    # every number the fault does not touch is unchanged
    clean, broken = _measures(variant.clean, registry), _measures(variant.broken, registry)
    if fault.touches == "orders":
        keys = pl.DataFrame(
            [(d, t) for d, t in variant.touched],
            schema={"day": pl.Date, "team_id": pl.String},
            orient="row",
        )
        clean = clean.join(keys, on=["day", "team_id"], how="anti")
        broken = broken.join(keys, on=["day", "team_id"], how="anti")
    # equal to the last bits of a double: a rewritten row moves in storage (PostgreSQL, MariaDB),
    # and a database sums in storage order
    assert_frame_equal(broken, clean, check_exact=False, rel_tol=1e-12, abs_tol=0)

    # the CLI answers (default as-of: a row in 2099 must not move it), and its numbers outside the
    # fault's periods are the clean company's
    views = {}
    for name, url in (("clean", variant.clean), ("broken", variant.broken)):
        code, out, err = _cli(
            url, tmp_path / f"cache-{name}", "view", "horizon", "--metric", "revenue",
            "--grain", "quarter", "--format", "csv", env=monkeypatch, out=capsys,
        )  # fmt: skip
        assert (code, err) == (0, ""), err
        views[name] = _horizon(out)
    # every row is still there; the only new ones are the units Bridge places lost teams under
    added = {scope for _, scope, _ in views["broken"].keys() - views["clean"].keys()}
    assert views["clean"].keys() <= views["broken"].keys() and added <= {NO_UNIT, UNASSIGNED}
    compared = 0
    for key, row in views["clean"].items():
        in_fault = fault.touches == "orders" and any(
            row.start <= day < row.end for day, _ in variant.touched
        )
        if in_fault or (fault.touches == "units" and key[0] == "business_unit"):
            continue
        # the same days' values, summed where the broken company's frame has other rows: equal to
        # the last bits of a double's rounding (the daily measures above are compared exactly)
        assert _same(views["broken"][key].value, row.value), (key, views["broken"][key], row)
        compared += 1
    assert compared >= 10  # at least every whole quarter of the company is compared
    code, out, err = _cli(
        variant.broken, tmp_path / "cache-v", "validate", env=monkeypatch, out=capsys
    )
    assert "Traceback" not in out + err
    if fault.validate_says is None:
        assert code == 0 and out.startswith("OK:"), err
    else:
        assert code == 1 and fault.validate_says in err
        assert len([line for line in err.splitlines() if line.startswith("  - ")]) == 1

    # every page renders, and Data health shows the finding
    monkeypatch.setenv("BRIDGE_SOURCE_URL", variant.broken)
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache-app"))
    pages = list(PAGES) if dialect == "sqlite" else ["overview", "data_health"]
    for page in pages:
        at = open_page(app, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [shown(e.value) for e in at.error])
        empty = _empty_bars(figures(at)) + _empty_drawn_bars(drawings(at))
        assert not empty, page  # a unit without numbers is not drawn as n/a
    findings = next(d for d in tables(at) if "Check" in d.columns)
    shown_row = findings[findings["Check"] == check_name].iloc[0]
    assert (shown_row["Rows"], shown_row["What the views do"]) == (f"{rows:,}", effect)


# --- every SQLite fault at once (for the real-browser pass) ------------------------------------

#: Names from data that are Markdown and HTML: shown as written, never rendered.
HOSTILE_UNIT = "![x](http://127.0.0.1:9/x.png) **Retail** <a href='http://127.0.0.1:9/'>&</a>"
HOSTILE_TEAM = "<b>Check</b>out <a href='http://127.0.0.1:9/'>go</a>"


def broken_company(path: Path) -> str:
    """A small sample company on SQLite with every SQLite fault above, each in its own orders, and
    a business unit and a team named in Markdown and HTML; returns its URL."""
    url = f"sqlite:///{path}"
    generate(url, as_of=AS_OF, events=EVENTS, history_years=2)
    statements = [*TEXT_TIMES["sqlite"], *LOOSE_ORG["sqlite"]]
    for n, fault in enumerate(f for f in FAULTS if "sqlite" in f.dialects):
        statements += fault.write("sqlite", tuple(i + 100 * n for i in ORDER_IDS))
    _run(url, statements)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE org_teams SET business_unit = :name WHERE business_unit = 'Retail Stores'"
            ),
            {"name": HOSTILE_UNIT},
        )
        conn.execute(
            text("UPDATE org_teams SET team_name = :name WHERE team_id = 'ret-checkout'"),
            {"name": HOSTILE_TEAM},
        )
    engine.dispose()
    return url
