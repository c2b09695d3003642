"""Lineage: an executive number is the sum of the team components listed, and each KPI says what it feeds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.screens.definitions import _components
from bridge.translate.evaluate import value_over
from bridge.translate.lineage import (
    builds_on,
    condition_text,
    feeds,
    formula,
    lineage,
    measure_text,
)
from bridge.translate.windows import trailing_year
from tests.builders import Row, derived, make_dataset, make_registry, ratio, semi, simple
from tests.conftest import AS_OF

REGISTRY = make_registry(
    {
        "revenue": "sum",
        "cost": "sum",
        "orders": "count",
        "on_time": "count",
        "calls": "count",
        "heads": "sum",
    },
    [
        simple("revenue"),
        simple("cost", direction="lower_is_better", lenses=["choice"]),
        derived("margin", "(revenue - cost) / revenue", unit="percent", lenses=["choice"]),
        ratio("on_time_rate", "on_time", "orders"),
        simple("orders", lenses=["action"]),
        simple("calls", lenses=["action"]),  # no executive metric is built on calls
        semi("heads", lenses=["choice"]),
    ],
)
D1, D2 = dt.date(2026, 5, 4), dt.date(2026, 5, 5)
START, END = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
ORG = {"t1": "A", "t2": "A", "t3": "B"}
ROWS: list[Row] = [
    (D1, "t1", "revenue", 100),
    (D1, "t1", "cost", 70),
    (D2, "t1", "revenue", 50),
    (D2, "t1", "cost", 20),
    (D1, "t2", "revenue", 300),
    (D1, "t2", "cost", 150),
    (D1, "t3", "revenue", 40),
    (D1, "t3", "cost", 50),
    (dt.date(2026, 6, 1), "t1", "revenue", 1000),  # outside the window
]


def test_amounts_add_up_to_the_executive_values_components() -> None:
    data = make_dataset(ROWS, ORG)
    rows = lineage(data, REGISTRY, "margin", START, END)
    totals = dict(rows.group_by("measure").agg(pl.col("amount").sum()).iter_rows())
    assert totals == {"revenue": 490, "cost": 290}
    company = value_over(data, REGISTRY, "margin", "company", START, END).get_column("value").item()
    assert company == pytest.approx((totals["revenue"] - totals["cost"]) / totals["revenue"])
    shares = dict(rows.group_by("measure").agg(pl.col("share").sum()).iter_rows())
    assert shares == pytest.approx({"revenue": 1.0, "cost": 1.0})


def test_each_team_row_carries_its_own_value() -> None:
    rows = lineage(make_dataset(ROWS, ORG), REGISTRY, "margin", START, END)
    revenue = rows.filter(pl.col("measure") == "revenue")
    # sorted by amount within each measure, largest first
    assert revenue.select("team_id", "amount", "share", "team_value", "business_unit").rows() == [
        ("t2", 300, pytest.approx(300 / 490), pytest.approx(0.5), "A"),
        ("t1", 150, pytest.approx(150 / 490), pytest.approx(60 / 150), "A"),
        ("t3", 40, pytest.approx(40 / 490), pytest.approx(-10 / 40), "B"),
    ]


def test_lineage_of_one_unit() -> None:
    data = make_dataset(ROWS, ORG)
    rows = lineage(data, REGISTRY, "margin", START, END, business_unit="A")
    assert set(rows.get_column("team_id")) == {"t1", "t2"}
    totals = dict(rows.group_by("measure").agg(pl.col("amount").sum()).iter_rows())
    assert totals == {"revenue": 450, "cost": 240}
    unit = value_over(data, REGISTRY, "margin", "business_unit", START, END)
    assert dict(unit.iter_rows())["A"] == pytest.approx((450 - 240) / 450)
    shares = dict(rows.group_by("measure").agg(pl.col("share").sum()).iter_rows())
    assert shares == pytest.approx({"revenue": 1.0, "cost": 1.0})


@pytest.mark.parametrize(
    ("metric_id", "fed"),
    [
        ("orders", ("on_time_rate",)),  # an action KPI feeds the rate built on its measure
        ("on_time_rate", ("on_time_rate",)),
        ("revenue", ("revenue", "margin")),
        ("cost", ("cost", "margin")),
        ("calls", ()),
        ("heads", ("heads",)),
    ],
)
def test_feeds(metric_id: str, fed: tuple[str, ...]) -> None:
    assert feeds(REGISTRY, metric_id) == fed


def test_builds_on_follows_expressions_not_shared_measures(registry: Registry) -> None:
    assert builds_on(REGISTRY, "margin", "revenue") and builds_on(REGISTRY, "margin", "cost")
    assert not builds_on(REGISTRY, "revenue", "margin")  # the other way round
    assert not builds_on(REGISTRY, "on_time_rate", "orders")  # a ratio sharing a measure
    # through another metric: a margin change built on the margin builds on revenue too
    chained = make_registry(
        {"revenue": "sum", "cost": "sum"},
        [
            simple("revenue"),
            simple("cost", lenses=["choice"]),
            derived("margin", "(revenue - cost) / revenue", unit="percent", lenses=["choice"]),
            derived("margin_pts", "margin * 100", unit="number", lenses=["choice"]),
        ],
    )
    assert builds_on(chained, "margin_pts", "revenue") and not builds_on(
        chained, "margin", "margin_pts"
    )
    assert builds_on(registry, "revenue_per_head", "revenue")  # the shipped config
    assert not builds_on(registry, "on_time_rate", "orders")  # its denominator, not the metric
    assert not builds_on(registry, "contribution_margin", "contribution")  # named its parts itself


@pytest.mark.parametrize(
    ("metric_id", "text"),
    [
        ("revenue", "sum(revenue)"),
        ("orders", "sum(orders)"),  # counts add up
        ("on_time_rate", "sum(on_time) / sum(orders)"),
        ("margin", "(revenue - cost) / revenue"),
        ("heads", "heads at the last snapshot in the period, summed across teams"),
    ],
)
def test_formula(metric_id: str, text: str) -> None:
    assert formula(REGISTRY, metric_id) == text


def test_the_shipped_config_on_time_measures_in_words(registry: Registry) -> None:
    source, measure = registry.measure("orders_on_time")
    assert measure_text(source, measure) == "count of orders rows where on_time = 1"
    assert condition_text(measure.where[0]) == "on_time = 1"
    assert feeds(registry, "orders") == ("orders", "on_time_rate")


def test_the_components_table_does_not_repeat_a_sum_beside_itself(
    sample_dataset: Dataset, registry: Registry
) -> None:
    """Revenue = sum(revenue): 'Amount 14.7M' and 'Revenue (team alone) $14.7M' said one number
    twice, once without its currency. Such a metric's amount is written as the metric is and not
    repeated; a margin keeps its measures' amounts and each team's own margin."""
    window = trailing_year(AS_OF)

    def shown(metric: str) -> pl.DataFrame:
        spec = registry.metrics[metric]
        return _components(sample_dataset, registry, spec, window.start, window.end, None).shown

    revenue = shown("revenue")
    assert revenue.columns == ["Team", "Business unit", "Measure", "Amount", "Share of the measure"]
    assert all(a.startswith("$") for a in revenue["Amount"])
    margin = shown("contribution_margin")
    assert margin.columns[-1] == "Contribution margin (team alone)"
    assert not any(a.startswith("$") for a in margin["Amount"])  # a measure's amount, no unit
