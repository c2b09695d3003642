"""Axis ticks (bridge.present.format): every label distinct, and each saying its tick's whole value."""

from __future__ import annotations

import pytest

from bridge.present.format import NumberFormat

MONEY = NumberFormat("currency", 1)
PERCENT = NumberFormat("percent", 1)
COUNT = NumberFormat("count", 0)
POINTS = NumberFormat("points", 1, signed=True)


@pytest.mark.parametrize(
    ("fmt", "values", "zero", "labels"),
    [
        # a quarter-million step: "$8.2M" and "$8.8M" would round 8.25 M and 8.75 M
        (MONEY, [8.1e6, 8.8e6], False, ["$8.00M", "$8.25M", "$8.50M", "$8.75M", "$9.00M"]),
        (MONEY, [250, 900], True, ["$0", "$250", "$500", "$750", "$1K"]),
        # whole ticks without a ".0" (a short amount otherwise keeps one decimal: $1.2M)
        (MONEY, [1.2e6, 2.9e6], True, ["$0", "$1M", "$2M", "$3M"]),
        (MONEY, [60e3, 320e3], True, ["$0", "$100K", "$200K", "$300K", "$400K"]),
        # a magnitude at a time: the thousands are whole, the millions keep their decimal
        (MONEY, [0.6e6, 1.2e6], False, ["$600K", "$800K", "$1.0M", "$1.2M"]),
        # whole percentages need no decimals (a range under 2 points is widened to 2, so noise
        # does not fill the chart); a 2.5-point step gets its decimal ("82%" and "88%" would not
        # say 82.5 % and 87.5 %)
        (PERCENT, [0.8, 1.0], False, ["80%", "85%", "90%", "95%", "100%"]),
        (PERCENT, [0.405, 0.418], False, ["40%", "41%", "42%", "43%"]),
        (PERCENT, [0.871, 0.874], False, ["86%", "87%", "88%", "89%"]),
        (PERCENT, [0.8, 0.9], False, ["80.0%", "82.5%", "85.0%", "87.5%", "90.0%"]),
        (POINTS, [-0.012, 0.03], False, ["-2 pts", "0 pts", "+2 pts", "+4 pts"]),
        # a count is whole: a small one is not cut into halves that read alike
        (COUNT, [0, 2], False, ["0", "1", "2"]),
        (COUNT, [3, 4], True, ["0", "1", "2", "3", "4"]),
    ],
)
def test_axis_labels_are_distinct_and_exact(
    fmt: NumberFormat, values: list[float], zero: bool, labels: list[str]
) -> None:
    axis = fmt.axis(values, zero=zero)
    assert list(axis.ticktext) == labels
    assert len(set(axis.ticktext)) == len(axis.ticktext)
    assert axis.range is not None and axis.range[0] <= min(values) and axis.range[1] >= max(values)


def test_values_still_write_only_what_tells_neighbours_apart() -> None:
    """Outside axes, the metric's decimals stay (8.25 M reads $8.2M in a table or a tooltip)."""
    assert MONEY.values([8.25e6, 9.1e6]) == ["$8.2M", "$9.1M"]
    assert PERCENT.values([0.8712, 0.8714]) == ["87.12%", "87.14%"]


@pytest.mark.parametrize(
    ("fmt", "bottom", "top", "labels"),
    [
        # a step of a quarter of the span would leave two ticks ($2M, $4M): a finer one, three
        (MONEY, 1.31e6, 5.4e6, ["$2M", "$3M", "$4M", "$5M"]),
        (MONEY, 3.5e6, 10.6e6, ["$4M", "$6M", "$8M", "$10M"]),
        (MONEY, 0.5e6, 1.3e6, ["$600K", "$800K", "$1.0M", "$1.2M"]),
        (MONEY, 0.52e6, 1.33e6, ["$750K", "$1.00M", "$1.25M"]),
        (COUNT, 0.4, 2.6, ["1", "2"]),  # a count never steps by halves, even for a third tick
    ],
)
def test_an_axis_between_two_values_shows_exactly_them_with_ticks_inside(
    fmt: NumberFormat, bottom: float, top: float, labels: list[str]
) -> None:
    """Time horizons' "ratio" charts each show an exact span (the same ratio in every chart)."""
    axis = fmt.axis_between(bottom, top)
    assert axis.range == (bottom, top)
    assert list(axis.ticktext) == labels
    assert all(bottom <= v <= top for v in axis.tickvals)


def test_a_pair_is_written_precisely_enough_to_give_back_its_change() -> None:
    money = NumberFormat("currency", 1)
    # 2.14 M against a plan of 2.30 M is -7.0 %: "$2.1M" / "$2.3M" would read as -8.7 %
    own, plan = money.pair_places(2_140_000, 2_303_000, 2_140_000 / 2_303_000 - 1, "relative")
    assert (money.value(2_140_000, own), money.value(2_303_000, plan)) == ("$2.14M", "$2.30M")
    # the coarser one gets a decimal first: a value in thousands is not written to the dollar for
    # a plan in millions ("$941.773K" beside "$1.022M")
    own, plan = money.pair_places(941_773, 1_022_000, 941_773 / 1_022_000 - 1, "relative")
    assert (money.value(941_773, own), money.value(1_022_000, plan)) == ("$941.8K", "$1.022M")
    # a pair that already reads right keeps the metric's decimals (one unit of the last digit:
    # $16.8M / $17.8M is -5.6 % beside -5.5 %), or those it starts from
    assert money.pair_places(16_830_000, 17_810_000, -0.0550, "relative") == (1, 1)
    assert money.pair_places(16_830_000, 17_810_000, -0.0550, "relative", 2) == (2, 2)
    # against a loss, the change is against its size (as the views compute it): -$1.0M planned,
    # -$0.8M made is +20 %
    assert money.pair_places(-800_000, -1_000_000, 0.2, "relative") == (1, 1)
    # points: a difference of two rates as written
    rate = NumberFormat("percent", 1)
    assert rate.pair_places(0.8751, 0.8799, 0.8751 - 0.8799, "points") == (1, 1)
    # nothing to pair: the metric's decimals
    assert money.pair_places(None, 2.0, None, "relative") == (1, 1)
    assert money.pair_places(1.0, 0.0, None, "relative") == (1, 1)
