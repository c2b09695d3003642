"""The sample company's stories are really in the data, checked with raw SQL on a generated file."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Date, DateTime, Float, Integer, String, create_engine, inspect

from bridge.sample import DEFAULT_SEED, TABLE_NAMES, SampleSummary, generate

AS_OF = date(2026, 11, 30)
LAST_YEAR = AS_OF.year - 1  # last complete calendar year
TTM_START = date(AS_OF.year - 1, AS_OF.month, AS_OF.day)  # trailing twelve months ending as_of
UNITS = ("Marketplace", "Enterprise Software", "Retail Stores", "Logistics Services")
LOOSE_TEAMS = ("log-fleet", "log-lastmile")


@dataclass(frozen=True)
class Sample:
    path: Path
    summary: SampleSummary
    db: sqlite3.Connection


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    """The default company (four years of history), generated once for the module."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    summary = generate(f"sqlite:///{path}", as_of=AS_OF)
    db = sqlite3.connect(path)
    yield Sample(path, summary, db)
    db.close()


def scalar(db: sqlite3.Connection, sql: str, *params: object) -> Any:
    """The single value of a one-row, one-column query."""
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


@dataclass(frozen=True)
class YearTotals:
    revenue: float
    cost: float

    @property
    def margin(self) -> float:
        return (self.revenue - self.cost) / self.revenue


@pytest.fixture(scope="module")
def unit_years(sample: Sample) -> dict[str, dict[int, YearTotals]]:
    """Revenue and cost per business unit and calendar year."""
    rows = sample.db.execute(
        """
        SELECT t.business_unit, CAST(strftime('%Y', o.ordered_at) AS INTEGER),
               SUM(o.revenue), SUM(o.cost)
        FROM orders o JOIN org_teams t ON t.team_id = o.team_id
        GROUP BY 1, 2
        """
    ).fetchall()
    result: dict[str, dict[int, YearTotals]] = {}
    for unit, year, revenue, cost in rows:
        result.setdefault(unit, {})[year] = YearTotals(revenue, cost)
    return result


def growth_by_year(totals: dict[int, YearTotals]) -> dict[int, float]:
    """Revenue growth of each complete year over the year before."""
    years = range(min(totals) + 1, AS_OF.year)
    return {y: totals[y].revenue / totals[y - 1].revenue - 1 for y in years}


# --- shape and sanity --------------------------------------------------------------------------


def test_summary_reports_what_was_written(sample: Sample) -> None:
    summary = sample.summary
    assert summary.seed == DEFAULT_SEED
    assert (summary.start, summary.end) == (date(2022, 1, 1), date(2026, 11, 29))
    assert summary.url_display.endswith("sample.sqlite")
    assert set(summary.row_counts) == set(TABLE_NAMES)
    for table, count in summary.row_counts.items():
        assert scalar(sample.db, f"SELECT COUNT(*) FROM {table}") == count


def test_org_has_four_units_of_four_to_six_teams(sample: Sample) -> None:
    rows = sample.db.execute(
        "SELECT business_unit, COUNT(*) FROM org_teams GROUP BY business_unit"
    ).fetchall()
    sizes = dict(rows)
    assert sorted(sizes) == sorted(UNITS)
    assert all(4 <= size <= 6 for size in sizes.values())
    assert 15 <= sum(sizes.values()) <= 25


def test_every_team_has_orders_and_none_on_or_after_as_of(sample: Sample) -> None:
    silent = scalar(
        sample.db,
        "SELECT COUNT(*) FROM org_teams t "
        "WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.team_id = t.team_id)",
    )
    assert silent == 0
    first, last = sample.db.execute(
        "SELECT MIN(ordered_at), MAX(ordered_at) FROM orders"
    ).fetchone()
    assert first >= "2022-01-01" and first < "2022-01-02"
    assert last >= "2026-11-29" and last < AS_OF.isoformat()
    assert scalar(sample.db, "SELECT MAX(opened_at) FROM tickets") < AS_OF.isoformat()
    assert scalar(sample.db, "SELECT MAX(day) FROM team_kpi_sheet") == "2026-11-29"


def test_default_history_has_over_a_million_orders(sample: Sample) -> None:
    assert sample.summary.row_counts["orders"] >= 1_000_000
    assert 300_000 <= sample.summary.row_counts["tickets"] <= 500_000


def test_reflection_sees_declared_types_and_indexes(sample: Sample) -> None:
    engine = create_engine(f"sqlite:///{sample.path}")
    try:
        inspector = inspect(engine)
        types = {c["name"]: c["type"] for c in inspector.get_columns("orders")}
        assert isinstance(types["ordered_at"], DateTime)
        assert isinstance(types["team_id"], String)
        assert isinstance(types["revenue"], Float)
        assert isinstance(types["on_time"], Integer)
        spend_types = {c["name"]: c["type"] for c in inspector.get_columns("spend")}
        assert isinstance(spend_types["month"], Date)
        for table, time_column in (("orders", "ordered_at"), ("tickets", "opened_at")):
            indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
            # the time index leads with the time column and covers the loader's columns
            assert any(cols[0] == time_column and "team_id" in cols for cols in indexed)
            assert ("team_id",) in indexed
    finally:
        engine.dispose()


def test_weekly_rhythm_is_visible(sample: Sample) -> None:
    """Enterprise customers buy on weekdays: charts should show the weekly shape."""
    weekday, weekend = sample.db.execute(
        """
        SELECT AVG(CASE WHEN dow NOT IN ('0', '6') THEN n END),
               AVG(CASE WHEN dow IN ('0', '6') THEN n END)
        FROM (SELECT date(ordered_at) AS day, strftime('%w', ordered_at) AS dow, COUNT(*) AS n
              FROM orders WHERE team_id = 'ent-sales' GROUP BY 1, 2)
        """
    ).fetchone()
    assert weekday > 1.5 * weekend


# --- the stories ------------------------------------------------------------------------------


def test_marketplace_grows_fast_on_thin_margin(
    unit_years: dict[str, dict[int, YearTotals]],
) -> None:
    totals = unit_years["Marketplace"]
    assert all(g >= 0.30 for g in growth_by_year(totals).values())
    assert all(0.02 <= t.margin <= 0.08 for t in totals.values())


def test_marketplace_takes_most_of_the_investment(sample: Sample) -> None:
    # The twelve calendar months that end with the month of as_of − 1 day.
    after_month = TTM_START.replace(day=1)
    share = scalar(
        sample.db,
        """
        SELECT SUM(CASE WHEN t.business_unit = 'Marketplace' THEN s.amount END) / SUM(s.amount)
        FROM spend s JOIN org_teams t ON t.team_id = s.team_id
        WHERE s.category = 'investment' AND s.month > ? AND s.month < ?
        """,
        after_month.isoformat(),
        AS_OF.isoformat(),
    )
    assert isinstance(share, float)
    assert share >= 0.50


def test_enterprise_is_mature(unit_years: dict[str, dict[int, YearTotals]]) -> None:
    totals = unit_years["Enterprise Software"]
    assert all(abs(g) <= 0.04 for g in growth_by_year(totals).values())
    assert all(t.margin >= 0.30 for t in totals.values())


def test_retail_declines_and_its_margin_falls(
    unit_years: dict[str, dict[int, YearTotals]],
) -> None:
    totals = unit_years["Retail Stores"]
    assert all(g <= -0.08 for g in growth_by_year(totals).values())
    years = sorted(totals)
    for before, after in itertools.pairwise(years):
        assert totals[after].margin <= totals[before].margin - 0.02


def test_ret_checkout_meets_its_daily_on_time_target_every_day(sample: Sample) -> None:
    days, matched, missed = sample.db.execute(
        """
        WITH daily AS (
            SELECT date(ordered_at) AS day, SUM(on_time) AS on_time, COUNT(*) AS n
            FROM orders WHERE team_id = 'ret-checkout' GROUP BY 1)
        SELECT COUNT(DISTINCT d.day), COUNT(k.target),
               SUM(CAST(d.on_time AS REAL) / d.n < k.target)
        FROM daily d
        LEFT JOIN kpi_targets k
          ON k.team_id = 'ret-checkout' AND k.metric_id = 'on_time_rate'
         AND k.valid_from <= d.day AND (k.valid_to IS NULL OR d.day < k.valid_to)
        """
    ).fetchone()
    history_days = (AS_OF - date(2022, 1, 1)).days
    assert days == matched == history_days  # orders every day, exactly one target each day
    assert missed == 0


def test_average_of_team_rates_overstates_the_true_on_time_ratio(sample: Sample) -> None:
    def gap(unit_filter: str) -> float:
        mean_of_rates, ratio = sample.db.execute(
            f"""
            WITH per_team AS (
                SELECT o.team_id, SUM(o.on_time) AS on_time, COUNT(*) AS n
                FROM orders o JOIN org_teams t ON t.team_id = o.team_id
                WHERE o.ordered_at >= ? AND o.ordered_at < ? {unit_filter}
                GROUP BY o.team_id)
            SELECT AVG(CAST(on_time AS REAL) / n), CAST(SUM(on_time) AS REAL) / SUM(n)
            FROM per_team
            """,
            (TTM_START.isoformat(), AS_OF.isoformat()),
        ).fetchone()
        return float(mean_of_rates - ratio)

    assert gap("") >= 0.04
    assert gap("AND t.business_unit = 'Marketplace'") >= 0.03


def test_team_sheet_reports_true_rates_except_logistics_loose_definition(
    sample: Sample,
) -> None:
    rows = sample.db.execute(
        """
        WITH truth AS (
            SELECT date(ordered_at) AS day, team_id, CAST(SUM(on_time) AS REAL) / COUNT(*) AS rate
            FROM orders GROUP BY 1, 2)
        SELECT t.team_id, COUNT(*), COUNT(s.day), AVG(s.on_time_rate - t.rate),
               MAX(ABS(s.on_time_rate - t.rate))
        FROM truth t LEFT JOIN team_kpi_sheet s ON s.day = t.day AND s.team_id = t.team_id
        GROUP BY t.team_id
        """
    ).fetchall()
    assert scalar(sample.db, "SELECT COUNT(*) FROM team_kpi_sheet") == sum(r[1] for r in rows)
    for team_id, days_with_orders, reported_days, mean_gap, worst_gap in rows:
        assert reported_days == days_with_orders, team_id
        if team_id in LOOSE_TEAMS:
            assert 0.04 <= mean_gap <= 0.08, team_id
        else:
            assert worst_gap <= 0.0005 + 1e-9, team_id  # only rounding to three decimals


def test_every_team_has_days_below_its_revenue_target(sample: Sample) -> None:
    rows = sample.db.execute(
        """
        WITH daily AS (
            SELECT date(ordered_at) AS day, team_id, SUM(revenue) AS revenue
            FROM orders GROUP BY 1, 2)
        SELECT d.team_id, SUM(d.revenue < k.target), AVG(d.revenue) / AVG(k.target)
        FROM daily d JOIN kpi_targets k
          ON k.team_id = d.team_id AND k.metric_id = 'revenue'
         AND k.valid_from <= d.day AND (k.valid_to IS NULL OR d.day < k.valid_to)
        WHERE d.day >= ? AND d.day < ?
        GROUP BY d.team_id
        """,
        (f"{LAST_YEAR}-01-01", f"{LAST_YEAR + 1}-01-01"),
    ).fetchall()
    assert len(rows) == 20
    assert all(days_below > 0 for _, days_below, _ in rows)
    vs_target = [ratio for _, _, ratio in rows]
    assert any(r > 1 for r in vs_target) and any(r < 1 for r in vs_target)
    assert all(0.8 <= r <= 1.25 for r in vs_target)  # plausible, not arbitrary


# --- supporting tables ------------------------------------------------------------------------


def test_targets_are_time_phased_per_year_and_owned(sample: Sample) -> None:
    rows = sample.db.execute(
        "SELECT team_id, metric_id, valid_from, valid_to, target, owner FROM kpi_targets "
        "ORDER BY team_id, metric_id, valid_from"
    ).fetchall()
    assert {r[1] for r in rows} == {"on_time_rate", "sla_rate", "revenue"}
    assert len(rows) == 20 * 3 * 5
    for _, metric_id, valid_from, valid_to, target, owner in rows:
        year = int(valid_from[:4])
        assert valid_from == f"{year}-01-01"
        assert valid_to == (None if year == AS_OF.year else f"{year + 1}-01-01")
        assert "(" in owner and owner.endswith(")")
        if metric_id == "on_time_rate":
            assert 0.85 <= target <= 0.96
        elif metric_id == "sla_rate":
            assert 0.80 <= target <= 0.93
    assert ("ret-checkout", "on_time_rate") in {(r[0], r[1]) for r in rows}
    lead = scalar(sample.db, "SELECT owner FROM kpi_targets WHERE team_id = 'ret-checkout' LIMIT 1")
    assert lead == "Ana Lima (Team lead, ret-checkout)"


def test_spend_and_headcount_cover_every_month(sample: Sample) -> None:
    months = (AS_OF.year - 2022) * 12 + AS_OF.month  # Jan 2022 .. Nov 2026
    assert scalar(sample.db, "SELECT COUNT(DISTINCT month) FROM spend") == months
    assert scalar(sample.db, "SELECT COUNT(*) FROM spend") == months * 20 * 2
    assert scalar(sample.db, "SELECT COUNT(*) FROM spend WHERE substr(month, 9) != '01'") == 0
    categories = sample.db.execute("SELECT DISTINCT category FROM spend ORDER BY 1").fetchall()
    assert categories == [("investment",), ("operating",)]
    assert scalar(sample.db, "SELECT COUNT(*) FROM headcount") == months * 20
    assert scalar(sample.db, "SELECT MAX(snapshot_date) FROM headcount") == "2026-11-01"
    assert scalar(sample.db, "SELECT MIN(headcount) FROM headcount") >= 1


def test_bu_plan_has_every_quarter_through_the_current_one(sample: Sample) -> None:
    rows = sample.db.execute(
        "SELECT business_unit, metric_id, period_start, period_end, value FROM bu_plan "
        "ORDER BY business_unit, period_start"
    ).fetchall()
    assert len(rows) == 4 * 20  # 2022 Q1 .. 2026 Q4
    for unit in UNITS:
        quarters = [r for r in rows if r[0] == unit]
        assert quarters[0][2] == "2022-01-01" and quarters[-1][3] == "2027-01-01"
        for before, after in itertools.pairwise(quarters):
            assert before[3] == after[2]  # contiguous, end exclusive
        assert all(r[1] == "revenue" and r[4] > 0 for r in quarters)


# --- determinism and overwriting --------------------------------------------------------------

SMALL_AS_OF = date(2026, 1, 1)  # one year of history: the smallest generation


def checksums(path: Path) -> dict[str, str]:
    """A digest of each table's rows, read in primary-key order."""
    with sqlite3.connect(path) as db:
        result = {}
        for table in TABLE_NAMES:
            columns = db.execute(f"PRAGMA table_info({table})").fetchall()
            key = ", ".join(c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5] > 0)
            digest = hashlib.sha256()
            for row in db.execute(f"SELECT * FROM {table} ORDER BY {key}"):
                digest.update(repr(row).encode())
            result[table] = digest.hexdigest()
    return result


def test_same_seed_gives_identical_tables_and_replace_regenerates(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "sample.sqlite", tmp_path / "b" / "sample.sqlite"
    summary_seven = generate(f"sqlite:///{first}", seed=7, as_of=SMALL_AS_OF, history_years=1)
    generate(f"sqlite:///{second}", seed=7, as_of=SMALL_AS_OF, history_years=1)
    seven = checksums(second)
    assert checksums(first) == seven

    with pytest.raises(FileExistsError, match="already has sample tables"):
        generate(f"sqlite:///{first}", seed=8, as_of=SMALL_AS_OF, history_years=1)
    with sqlite3.connect(first) as db:  # the refusal left the existing tables alone
        assert scalar(db, "SELECT COUNT(*) FROM orders") == summary_seven.row_counts["orders"]

    summary = generate(
        f"sqlite:///{first}", seed=8, as_of=SMALL_AS_OF, history_years=1, replace=True
    )
    assert summary.start == date(2025, 1, 1) and summary.end == date(2025, 12, 31)
    eight = checksums(first)
    assert eight["orders"] != seven["orders"]
    assert eight["org_teams"] == seven["org_teams"]  # the org chart does not depend on the seed


def test_rejects_empty_history(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="history_years"):
        generate(f"sqlite:///{tmp_path / 'x.sqlite'}", as_of=SMALL_AS_OF, history_years=0)
