"""The trade-off view: quadrants, the diagonal rule, the efficient frontier and portfolio shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from bridge.config.decisions import Decision
from bridge.dataset import Dataset
from bridge.translate.tradeoff import classify, tradeoff
from tests.builders import (
    Row,
    derived,
    diagonal_decision,
    make_dataset,
    make_registry,
    quadrant_decision,
    simple,
)

AS_OF = dt.date(
    2026, 11, 30
)  # trailing year [2025-11-30, 2026-11-30); the one before from 2024-11-30
NOW, BASE, BASE_2Y = dt.date(2026, 6, 1), dt.date(2025, 6, 1), dt.date(2024, 6, 1)
UNITS = ("A", "B", "C", "D")
ORG = {"a1": "A", "b1": "B", "c1": "C", "d1": "D"}
TEAM = {unit: team for team, unit in ORG.items()}

MEASURES = {m: "sum" for m in ("sales", "cost", "spend", "xv", "yv")}
METRICS = [
    simple("sales"),
    simple("cost", direction="lower_is_better"),
    simple("spend", direction="lower_is_better"),
    derived("contribution", "sales - cost", unit="currency"),
    derived("margin", "(sales - cost) / sales", unit="percent"),
    simple("xv", unit="number"),
    simple("xcost", "xv", unit="number", direction="lower_is_better"),
    simple("yv", unit="number"),
]


def axis(metric: str, transform: str = "value", **extra: Any) -> dict[str, Any]:
    return {"metric": metric, "transform": transform, **extra}


REGISTRY = make_registry(
    MEASURES,
    METRICS,
    decisions=[
        quadrant_decision(
            "quad", axis("xv"), axis("yv"), axis("sales"), x_threshold=2.0, y_threshold=3.0
        ),
        quadrant_decision(
            "quad_low_x",
            axis("xv", better="lower"),
            axis("yv"),
            axis("sales"),
            x_threshold=2.0,
            y_threshold=3.0,
        ),
        quadrant_decision(
            "quad_cost_x",
            axis("xcost"),
            axis("yv"),
            axis("sales"),
            x_threshold=2.0,
            y_threshold=3.0,
        ),
        quadrant_decision(
            "growth",
            axis("sales", "growth_yoy"),
            axis("yv"),
            axis("sales"),
            x_threshold=0.1,
            y_threshold=3.0,
        ),
        quadrant_decision(
            "multi",
            axis("sales", "growth_multi_year"),
            axis("margin", "trend_multi_year"),
            axis("sales"),
            x_threshold=0.0,
            y_threshold=0.0,
            years=2,
        ),
        diagonal_decision(
            "diag",
            axis("spend", "share", better="lower"),
            axis("contribution", "share"),
            axis("spend"),
            band=0.1,
        ),
    ],
    portfolio={"investment": "spend", "contribution": "contribution"},
)

# per unit, over the trailing year: (xv, yv, sales, cost, spend)
NOW_VALUES = {
    "A": (1, 4, 100, 50, 10),
    "B": (2, 3, 200, 100, 30),
    "C": (3, 1, 300, 150, 60),
    "D": (1.5, 2, 400, 100, 0),
}
BASE_SALES = {"A": 80, "B": 200, "C": 400, "D": 0}


def dataset(*, long_history: bool = True) -> Dataset:
    """Four units; with ``long_history`` data starts 2023-11-30, else 2025-06-01."""
    rows: list[Row] = []
    for unit, (xv, yv, sales, cost, spend) in NOW_VALUES.items():
        team = TEAM[unit]
        rows += [
            (NOW, team, "xv", xv),
            (NOW, team, "yv", yv),
            (NOW, team, "sales", sales),
            (NOW, team, "cost", cost),
            (NOW, team, "spend", spend),
        ]
        rows.append((BASE, team, "sales", BASE_SALES[unit]))
    if long_history:
        rows += [
            (BASE_2Y, "a1", "sales", 25),
            (BASE_2Y, "a1", "cost", 5),
            (dt.date(2023, 11, 30), "a1", "spend", 0),
        ]
    return make_dataset(rows, ORG)


def by_unit(frame: pl.DataFrame, column: str) -> dict[str, Any]:
    return dict(
        zip(
            frame.get_column("business_unit").to_list(),
            frame.get_column(column).to_list(),
            strict=True,
        )
    )


def decision(spec: dict[str, Any]) -> Decision:
    return Decision.model_validate(spec)


QUADRANT = decision(
    quadrant_decision(
        "q", axis("xv"), axis("yv"), axis("sales"), x_threshold=0.05, y_threshold=0.10
    )
)
DIAGONAL = decision(diagonal_decision("d", axis("xv"), axis("yv"), axis("sales"), band=0.25))


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0.20, 0.30, "hh"),
        (0.05, 0.10, "hh"),  # exactly on both thresholds counts as high
        (0.05, 0.0999, "hl"),
        (0.0499, 0.10, "lh"),
        (0.20, -0.5, "hl"),
        (-0.10, 0.09, "ll"),
        (None, 0.30, None),
        (0.20, None, None),
    ],
)
def test_quadrant_classification(x: float | None, y: float | None, expected: str | None) -> None:
    frame = pl.DataFrame({"x": [x], "y": [y]}, schema={"x": pl.Float64, "y": pl.Float64})
    assert frame.select(classify(QUADRANT)).item() == expected


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0.0, 0.5, "above"),
        (0.5, 0.0, "below"),
        (0.25, 0.5, "on"),  # exactly one band above the diagonal is still balanced
        (0.5, 0.25, "on"),
        (0.25, 0.5625, "above"),
        (0.3, 0.3, "on"),
        (None, 0.3, None),
    ],
)
def test_diagonal_rule(x: float | None, y: float | None, expected: str | None) -> None:
    frame = pl.DataFrame({"x": [x], "y": [y]}, schema={"x": pl.Float64, "y": pl.Float64})
    assert frame.select(classify(DIAGONAL)).item() == expected


def test_units_are_placed_over_the_trailing_year() -> None:
    view = tradeoff(dataset(), REGISTRY, "quad", AS_OF)
    assert view.get_column("business_unit").to_list() == list(UNITS)
    assert by_unit(view, "x") == {"A": 1, "B": 2, "C": 3, "D": 1.5}
    assert by_unit(view, "y") == {"A": 4, "B": 3, "C": 1, "D": 2}
    assert by_unit(view, "size") == {"A": 100, "B": 200, "C": 300, "D": 400}
    # B sits exactly on both thresholds
    assert by_unit(view, "quadrant") == {"A": "lh", "B": "hh", "C": "hl", "D": "ll"}
    assert by_unit(view, "note") == dict.fromkeys(UNITS)


@pytest.mark.parametrize(
    ("decision_id", "frontier"),
    [
        # higher is better on both axes: D (1.5, 2) is beaten by B (2, 3); A, B and C trade off
        ("quad", {"A": True, "B": True, "C": True, "D": False}),
        # smaller x is better (set on the axis): A (1, 4) beats every other unit on both axes
        ("quad_low_x", {"A": True, "B": False, "C": False, "D": False}),
        # the same, from the metric's own direction (lower_is_better)
        ("quad_cost_x", {"A": True, "B": False, "C": False, "D": False}),
    ],
)
def test_efficient_frontier(decision_id: str, frontier: dict[str, bool]) -> None:
    view = tradeoff(dataset(), REGISTRY, decision_id, AS_OF)
    assert by_unit(view, "on_frontier") == frontier


def test_shares_of_investment_and_contribution_sum_to_one() -> None:
    view = tradeoff(dataset(), REGISTRY, "quad", AS_OF)
    investment = by_unit(view, "investment_share")
    contribution = by_unit(view, "contribution_share")
    assert investment == pytest.approx({"A": 0.1, "B": 0.3, "C": 0.6, "D": 0.0})
    # contribution = sales - cost: 50, 100, 150, 300 of 600
    assert contribution == pytest.approx(
        {"A": 50 / 600, "B": 100 / 600, "C": 150 / 600, "D": 300 / 600}
    )
    assert sum(investment.values()) == pytest.approx(1.0)
    assert sum(contribution.values()) == pytest.approx(1.0)


def test_diagonal_decision_on_portfolio_shares() -> None:
    view = tradeoff(dataset(), REGISTRY, "diag", AS_OF)
    assert by_unit(view, "x") == by_unit(view, "investment_share")
    assert by_unit(view, "y") == by_unit(view, "contribution_share")
    # y - x: A -0.017 (within the 0.1 band), B -0.133, C -0.35, D +0.5
    assert by_unit(view, "quadrant") == {"A": "on", "B": "below", "C": "below", "D": "above"}
    assert by_unit(view, "size") == {"A": 10, "B": 30, "C": 60, "D": 0}


def test_growth_against_the_trailing_year_before() -> None:
    view = tradeoff(dataset(), REGISTRY, "growth", AS_OF)
    x = by_unit(view, "x")
    assert x["A"] == pytest.approx(100 / 80 - 1)
    assert x["B"] == pytest.approx(0.0)
    assert x["C"] == pytest.approx(300 / 400 - 1)
    assert x["D"] is None  # no base to grow from: not placed, never an infinite growth
    assert by_unit(view, "quadrant") == {"A": "hh", "B": "lh", "C": "ll", "D": None}


def test_multi_year_transforms() -> None:
    view = tradeoff(dataset(), REGISTRY, "multi", AS_OF).filter(pl.col("business_unit") == "A")
    a = view.row(0, named=True)
    assert a["x"] == pytest.approx((100 / 25) ** (1 / 2) - 1)  # CAGR over two years
    assert a["y"] == pytest.approx((0.5 - 0.8) / 2)  # margin points per year
    assert a["quadrant"] == "hl"


def test_too_short_a_history_leaves_units_unplaced_with_a_note() -> None:
    view = tradeoff(dataset(long_history=False), REGISTRY, "growth", AS_OF)
    assert by_unit(view, "x") == dict.fromkeys(UNITS)
    assert by_unit(view, "quadrant") == dict.fromkeys(UNITS)
    assert by_unit(view, "on_frontier") == dict.fromkeys(UNITS)
    for note in by_unit(view, "note").values():
        assert note.startswith("x: missing history: data starts 2025-06-01")
