"""Problem locations are data: rendered for people, read by code (never parsed back from text)."""

from __future__ import annotations

import pytest

from bridge.errors import Location, Problem, Step


@pytest.mark.parametrize(
    ("steps", "entry", "named"),
    [
        ((), "(file)", None),
        (
            (Step("metrics"), Step(3, "margin"), Step("expression")),
            "metrics[3] (id='margin').expression",
            ("metrics", "margin"),
        ),
        ((Step("metrics", "revenue"),), "metrics (id='revenue')", ("metrics", "revenue")),
        (
            (
                Step("sources"),
                Step(0, "orders", "name"),
                Step("measures"),
                Step(2, "x", "name"),
                Step("agg"),
            ),
            "sources[0] (name='orders').measures[2] (name='x').agg",
            ("sources", "orders"),
        ),
        ((Step("measures", "orders", "name"),), "measures (name='orders')", ("measures", "orders")),
        ((Step("portfolio"), Step("investment")), "portfolio.investment", None),
        ((Step("org"), Step("table")), "org.table", None),
        ((Step("metrics"), Step(4)), "metrics[4]", None),
    ],
)
def test_location_renders_and_names_its_entry(
    steps: tuple[Step, ...], entry: str, named: tuple[str, str] | None
) -> None:
    location = Location("config/metrics.toml", steps)
    assert location.entry == entry
    assert location.named() == named


def test_a_name_that_looks_like_syntax_is_still_data() -> None:
    """An id holding quotes and brackets cannot confuse code that asks which entry is broken."""
    tricky = "x') (id='y"
    location = Location("f.toml", (Step("metrics"), Step(0, tricky), Step("unit")))
    assert location.named() == ("metrics", tricky)
    problem = Problem(location, "a unit", "'euros'")
    assert str(problem).startswith("f.toml: metrics[0] (id=\"x') (id='y\").unit: expected a unit")


def test_child_adds_steps() -> None:
    base = Location("config/sources.toml")
    assert base.child("sources", Step(1, "tickets", "name"), "table").entry == (
        "sources[1] (name='tickets').table"
    )
