"""The views tell the sample company's stories, and their numbers agree with raw SQL on its database."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.consistency import consistency
from bridge.translate.frontline import frontline
from bridge.translate.horizon import horizon
from bridge.translate.tradeoff import tradeoff
from bridge.translate.windows import trailing_year
from tests.conftest import AS_OF

TTM = trailing_year(AS_OF)  # [2025-11-30, 2026-11-30)
COMPANY = "Northwind Group"


@pytest.fixture(scope="module")
def db(sample_db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)
    yield connection
    connection.close()


def scalar(db: sqlite3.Connection, sql: str, *params: object) -> Any:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def by_unit(frame: pl.DataFrame, column: str) -> dict[str, Any]:
    return dict(
        zip(
            frame.get_column("business_unit").to_list(),
            frame.get_column(column).to_list(),
            strict=True,
        )
    )


def only(frame: pl.DataFrame) -> dict[str, Any]:
    assert frame.height == 1, frame
    return frame.row(0, named=True)


# --- the stories -------------------------------------------------------------------------------


def test_bet_retail_is_a_stop_and_marketplace_needs_fixing(
    sample_dataset: Dataset, registry: Registry
) -> None:
    quadrant = by_unit(tradeoff(sample_dataset, registry, "bet", AS_OF), "quadrant")
    assert quadrant["Retail Stores"] == "stop"
    assert quadrant["Marketplace"] == "fix"


def test_stop_names_retail_stores(sample_dataset: Dataset, registry: Registry) -> None:
    view = tradeoff(sample_dataset, registry, "stop", AS_OF)
    assert by_unit(view, "quadrant")["Retail Stores"] == "stop"
    assert by_unit(view, "note")["Retail Stores"] is None


def test_marketplace_receives_more_than_it_earns(
    sample_dataset: Dataset, registry: Registry
) -> None:
    view = tradeoff(sample_dataset, registry, "invest", AS_OF)
    investment = by_unit(view, "investment_share")
    contribution = by_unit(view, "contribution_share")
    assert max(investment, key=investment.__getitem__) == "Marketplace"
    assert investment["Marketplace"] > 0.5
    assert contribution["Marketplace"] < investment["Marketplace"]
    assert by_unit(view, "quadrant")["Marketplace"] == "receives more than it earns"
    assert sum(investment.values()) == pytest.approx(1.0)
    assert sum(contribution.values()) == pytest.approx(1.0)


def test_average_of_team_rates_flatters_the_on_time_rate(
    sample_dataset: Dataset, registry: Registry
) -> None:
    view = consistency(sample_dataset, registry, "on_time_rate", TTM.start, TTM.end)
    company = view.filter(pl.col("level") == "company")
    value = dict(zip(company.get_column("method"), company.get_column("value"), strict=True))
    assert value["average_of_team_rates"] - value["canonical"] >= 0.04


def test_checkout_is_green_every_day_while_retail_margin_falls(
    sample_dataset: Dataset, registry: Registry
) -> None:
    days = frontline(sample_dataset, registry, "on_time_rate", "day", AS_OF).filter(
        pl.col("team_id") == "ret-checkout"
    )
    assert days.height == 28
    assert days.get_column("status").to_list() == ["on track"] * 28
    years = horizon(sample_dataset, registry, "contribution_margin", "year", AS_OF).filter(
        (pl.col("scope") == "Retail Stores") & pl.col("last_year_comparable")
    )
    assert years.height >= 1
    assert (years.get_column("last_year_change") < 0).all()
    current = only(years.filter(pl.col("in_progress")))
    assert current["last_year_change"] < 0


# --- the same numbers, by hand in SQL ---------------------------------------------------------


def test_marketplace_ttm_revenue_matches_sql(
    sample_dataset: Dataset, registry: Registry, db: sqlite3.Connection
) -> None:
    expected = scalar(
        db,
        "SELECT SUM(o.revenue) FROM orders o JOIN org_teams t ON t.team_id = o.team_id "
        "WHERE t.business_unit = 'Marketplace' AND date(o.ordered_at) >= ? "
        "AND date(o.ordered_at) < ?",
        TTM.start.isoformat(),
        TTM.end.isoformat(),
    )
    months = horizon(sample_dataset, registry, "revenue", "month", AS_OF, periods=1)
    marketplace = only(months.filter(pl.col("scope") == "Marketplace"))
    assert marketplace["ttm_value"] == pytest.approx(expected, rel=1e-9)
    bet = tradeoff(sample_dataset, registry, "bet", AS_OF)
    assert by_unit(bet, "size")["Marketplace"] == pytest.approx(expected, rel=1e-9)


def test_company_on_time_rate_for_the_last_twelve_months_matches_sql(
    sample_dataset: Dataset, registry: Registry, db: sqlite3.Connection
) -> None:
    on_time, orders = db.execute(
        "SELECT SUM(on_time), COUNT(*) FROM orders WHERE date(ordered_at) >= ? "
        "AND date(ordered_at) < ?",
        (TTM.start.isoformat(), TTM.end.isoformat()),
    ).fetchone()
    expected = on_time / orders
    view = consistency(sample_dataset, registry, "on_time_rate", TTM.start, TTM.end)
    canonical = only(
        view.filter((pl.col("level") == "company") & (pl.col("method") == "canonical"))
    )
    assert canonical["value"] == pytest.approx(expected, rel=1e-12)
    months = horizon(sample_dataset, registry, "on_time_rate", "month", AS_OF, periods=1)
    assert only(months.filter(pl.col("scope") == COMPANY))["ttm_value"] == pytest.approx(
        expected, rel=1e-12
    )


def test_average_of_team_rates_matches_sql(
    sample_dataset: Dataset, registry: Registry, db: sqlite3.Connection
) -> None:
    rates = [
        r
        for (r,) in db.execute(
            "SELECT 1.0 * SUM(on_time) / COUNT(*) FROM orders WHERE date(ordered_at) >= ? "
            "AND date(ordered_at) < ? GROUP BY team_id",
            (TTM.start.isoformat(), TTM.end.isoformat()),
        )
    ]
    view = consistency(sample_dataset, registry, "on_time_rate", TTM.start, TTM.end)
    row = only(
        view.filter((pl.col("level") == "company") & (pl.col("method") == "average_of_team_rates"))
    )
    assert row["value"] == pytest.approx(sum(rates) / len(rates), rel=1e-12)


def test_retail_margin_for_a_complete_year_matches_sql(
    sample_dataset: Dataset, registry: Registry, db: sqlite3.Connection
) -> None:
    revenue, cost = db.execute(
        "SELECT SUM(o.revenue), SUM(o.cost) FROM orders o JOIN org_teams t ON t.team_id = o.team_id "
        "WHERE t.business_unit = 'Retail Stores' AND date(o.ordered_at) >= '2025-01-01' "
        "AND date(o.ordered_at) < '2026-01-01'"
    ).fetchone()
    years = horizon(sample_dataset, registry, "contribution_margin", "year", AS_OF)
    retail_2025 = only(
        years.filter((pl.col("scope") == "Retail Stores") & (pl.col("period_label") == "2025"))
    )
    assert retail_2025["value"] == pytest.approx((revenue - cost) / revenue, rel=1e-12)


def test_checkout_daily_on_time_rate_matches_sql(
    sample_dataset: Dataset, registry: Registry, db: sqlite3.Connection
) -> None:
    day = AS_OF.replace(day=29)
    on_time, orders = db.execute(
        "SELECT SUM(on_time), COUNT(*) FROM orders WHERE team_id = 'ret-checkout' "
        "AND date(ordered_at) = ?",
        (day.isoformat(),),
    ).fetchone()
    view = frontline(sample_dataset, registry, "on_time_rate", "day", AS_OF, periods=1)
    checkout = only(view.filter(pl.col("team_id") == "ret-checkout"))
    assert checkout["period_start"] == day
    assert checkout["value"] == pytest.approx(on_time / orders, rel=1e-12)
    assert checkout["volume"] == orders


def test_retail_stores_misses_its_plan_every_complete_quarter(
    sample_dataset: Dataset, registry: Registry
) -> None:
    from bridge.translate.horizon import horizon as horizon_view

    view = horizon_view(sample_dataset, registry, "revenue", "quarter", AS_OF, periods=8)
    retail = view.filter((pl.col("scope") == "Retail Stores") & ~pl.col("in_progress"))
    assert retail.height == 7
    assert (retail.get_column("plan_change") < 0).all()
    company = view.filter(pl.col("level") == "company")
    units = view.filter(pl.col("level") == "business_unit")
    assert company.get_column("plan_value").sum() == pytest.approx(
        units.get_column("plan_value").sum()
    )


def test_every_unit_gets_more_punctual_yet_the_company_does_not(
    db: sqlite3.Connection, sample_dataset: Dataset, registry: Registry
) -> None:
    """Simpson's paradox: year to date against the same days last year, every business unit's
    on-time rate rises and the company's falls — orders moved to Marketplace, the least punctual
    unit. Only the mix effect of the drivers view explains it."""
    from bridge.translate.drivers import drivers

    view = drivers(sample_dataset, registry, "on_time_rate", "year", AS_OF, "last_year")
    rate = view.filter(pl.col("effect") == "rate")
    mix = view.filter(pl.col("effect") == "mix")
    assert (rate.get_column("current") > rate.get_column("comparison")).all()  # every unit up
    assert (rate.get_column("contribution") > 0).all()
    mix_total, rate_total = (
        mix.get_column("contribution").sum(),
        rate.get_column("contribution").sum(),
    )
    assert mix_total < 0 and abs(mix_total) > rate_total  # the mix outweighs them
    # the company falls: written as plain SQL over the same days (2026-01-01 .. 2026-11-29 and
    # 2025-01-01 .. 2025-11-29)
    now, before = (
        scalar(db, "SELECT 1.0 * SUM(on_time) / COUNT(*) FROM orders WHERE ordered_at >= ? "
               "AND ordered_at < ?", start, end)
        for start, end in (("2026-01-01", "2026-11-30"), ("2025-01-01", "2025-11-30"))
    )  # fmt: skip
    assert now < before
    assert mix_total + rate_total == pytest.approx(now - before, rel=1e-9)
    # Marketplace, the least punctual unit, took a larger share of the orders
    shares = {
        year: scalar(db, "SELECT 1.0 * SUM(t.business_unit = 'Marketplace') / COUNT(*) FROM orders "
                     "o JOIN org_teams t USING (team_id) WHERE ordered_at >= ? AND ordered_at < ?",
                     f"{year}-01-01", f"{year}-11-30")
        for year in (2025, 2026)
    }  # fmt: skip
    assert shares[2026] > shares[2025]

    # the consistency view over the same days of each year shows it too: every unit's canonical
    # rate up, the company's down
    def canonical(start: str, end: str) -> dict[str, float]:
        view = consistency(sample_dataset, registry, "on_time_rate", dt.date.fromisoformat(start),
                           dt.date.fromisoformat(end))  # fmt: skip
        return {
            r["scope"]: r["value"]
            for r in view.filter(pl.col("method") == "canonical").iter_rows(named=True)
        }

    this, last = canonical("2026-01-01", "2026-11-30"), canonical("2025-01-01", "2025-11-30")
    assert this[registry.company] < last[registry.company]
    assert all(this[u] > last[u] for u in sample_dataset.units)
