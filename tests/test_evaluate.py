"""One way to compute a metric: hand-worked cases per kind, and properties against a naive reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.calendar import with_period
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.evaluate import (
    UNASSIGNED,
    evaluate,
    evaluate_windows,
    in_windows,
    measures_of,
    scoped,
    value_over,
)
from tests.builders import COMPANY, Row, derived, make_dataset, make_registry, ratio, semi, simple

Key = tuple[Any, ...]
Values = dict[Key, float | None]
LEVELS = ("team", "business_unit", "company")
MEASURES = {
    "revenue": "sum",
    "cost": "sum",
    "orders": "count",
    "on_time": "count",
    "low": "min",
    "high": "max",
    "heads": "sum",
}
REGISTRY = make_registry(
    MEASURES,
    [
        simple("revenue"),
        simple("cost", direction="lower_is_better"),
        simple("low", unit="number"),
        simple("high", unit="number"),
        ratio("rate", "on_time", "orders"),
        derived("margin", "(revenue - cost) / revenue", unit="percent"),
        derived("contribution", "revenue - cost", unit="currency"),
        semi("heads_last", "heads", period_agg="last"),
        semi("heads_avg", "heads", period_agg="average"),
        derived("contribution_per_head", "contribution / heads_last", unit="currency"),
    ],
)

D1, D2, D3 = dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)
ORG = {"t1": "A", "t2": "A", "t3": "B"}


def _events(day: dt.date, team: str, **values: float) -> list[Row]:
    return [(day, team, m, v) for m, v in values.items()]


HAND_ROWS: list[Row] = [
    *_events(D1, "t1", revenue=100, cost=60, orders=10, on_time=9, low=5, high=50),
    *_events(D2, "t1", revenue=50, cost=40, orders=40, on_time=20, low=3, high=70),
    *_events(D1, "t2", revenue=200, cost=100, orders=100, on_time=90, low=8, high=20),
    *_events(D2, "t3", revenue=0, cost=30, orders=0, on_time=0, low=1, high=90),
    (D1, "t1", "heads", 10),
    (D3, "t1", "heads", 12),
    (D1, "t2", "heads", 5),
    (D3, "t2", "heads", 6),
    (D1, "t3", "heads", 7),
    (D3, "t3", "heads", 9),
]


def by_scope(
    frame: pl.DataFrame, keys: Iterable[str] = ("level", "scope")
) -> dict[Key, float | None]:
    keys = list(keys)
    return {tuple(row[k] for k in keys): row["value"] for row in frame.iter_rows(named=True)}


def evaluate_all_levels(dataset: Dataset, registry: Registry, metric_id: str) -> Values:
    frame = scoped(dataset, registry, measures_of(registry, metric_id), LEVELS)
    return by_scope(evaluate(frame, registry, metric_id, ["level", "scope"]))


def approx_equal(actual: Mapping[Key, Any], expected: Mapping[Key, Any]) -> None:
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if value is None:
            assert actual[key] is None, key
        else:
            assert actual[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def levels(
    team: dict[str, float | None], unit: dict[str, float | None], company: float | None
) -> dict[tuple[str, str], float | None]:
    return {
        **{("team", t): v for t, v in team.items()},
        **{("business_unit", u): v for u, v in unit.items()},
        ("company", COMPANY): company,
    }


@pytest.mark.parametrize(
    ("metric_id", "expected"),
    [
        ("revenue", levels({"t1": 150, "t2": 200, "t3": 0}, {"A": 350, "B": 0}, 350)),
        ("cost", levels({"t1": 100, "t2": 100, "t3": 30}, {"A": 200, "B": 30}, 230)),
        ("low", levels({"t1": 3, "t2": 8, "t3": 1}, {"A": 3, "B": 1}, 1)),
        ("high", levels({"t1": 70, "t2": 20, "t3": 90}, {"A": 70, "B": 90}, 90)),
        # ratio of sums: A = (29 + 90) / (50 + 100); not the mean of team rates (0.58 + 0.9) / 2
        # nor of daily rates (0.9 + 0.5 + 0.9) / 3; t3 has no orders → null
        (
            "rate",
            levels({"t1": 29 / 50, "t2": 0.9, "t3": None}, {"A": 119 / 150, "B": None}, 119 / 150),
        ),
        # derived from summed revenue and cost; revenue 0 → null, never inf
        (
            "margin",
            levels({"t1": 50 / 150, "t2": 0.5, "t3": None}, {"A": 150 / 350, "B": None}, 120 / 350),
        ),
        ("contribution", levels({"t1": 50, "t2": 100, "t3": -30}, {"A": 150, "B": -30}, 120)),
        # snapshots: the last snapshot day (D3), summed across teams — never summed over time
        ("heads_last", levels({"t1": 12, "t2": 6, "t3": 9}, {"A": 18, "B": 9}, 27)),
        # average over snapshot days of the day's total: A = (15 + 18) / 2
        ("heads_avg", levels({"t1": 11, "t2": 5.5, "t3": 8}, {"A": 16.5, "B": 8}, 24.5)),
        (
            "contribution_per_head",
            levels(
                {"t1": 50 / 12, "t2": 100 / 6, "t3": -30 / 9},
                {"A": 150 / 18, "B": -30 / 9},
                120 / 27,
            ),
        ),
    ],
)
def test_each_kind_by_hand(metric_id: str, expected: Values) -> None:
    dataset = make_dataset(HAND_ROWS, ORG)
    approx_equal(evaluate_all_levels(dataset, REGISTRY, metric_id), expected)


def test_a_ratio_is_not_the_average_of_team_or_daily_rates() -> None:
    dataset = make_dataset(HAND_ROWS, ORG)
    unit_a = evaluate_all_levels(dataset, REGISTRY, "rate")[("business_unit", "A")]
    assert unit_a == pytest.approx(119 / 150)
    assert unit_a != pytest.approx((29 / 50 + 0.9) / 2)
    assert unit_a != pytest.approx((0.9 + 0.5 + 0.9) / 3)


def test_semi_additive_last_uses_the_groups_last_snapshot_day() -> None:
    # t2's snapshots are on D1 and D2 only: on A's last snapshot day (D3) only t1 reports
    rows = [
        (D1, "t1", "heads", 10),
        (D3, "t1", "heads", 12),
        (D1, "t2", "heads", 5),
        (D2, "t2", "heads", 6),
    ]
    dataset = make_dataset(rows, {"t1": "A", "t2": "A"})
    last = evaluate_all_levels(dataset, REGISTRY, "heads_last")
    assert last[("business_unit", "A")] == 12
    assert last[("team", "t2")] == 6
    avg = evaluate_all_levels(dataset, REGISTRY, "heads_avg")
    assert avg[("business_unit", "A")] == pytest.approx((15 + 6 + 12) / 3)


def test_a_division_by_zero_in_a_derived_expression_is_null() -> None:
    rows = _events(D1, "t1", revenue=0, cost=0)
    dataset = make_dataset(rows, {"t1": "A"})
    values = evaluate_all_levels(dataset, REGISTRY, "margin")
    assert values == {
        ("team", "t1"): None,
        ("business_unit", "A"): None,
        ("company", COMPANY): None,
    }


def test_a_team_missing_from_the_org_rolls_up_as_unassigned() -> None:
    rows = _events(D1, "t1", revenue=10) + _events(D1, "ghost", revenue=5)
    dataset = make_dataset(rows, {"t1": "A"})
    values = evaluate_all_levels(dataset, REGISTRY, "revenue")
    assert values[("business_unit", UNASSIGNED)] == 5
    assert values[("company", COMPANY)] == 15


@pytest.mark.parametrize(
    ("metric_id", "measures"),
    [
        ("revenue", ("revenue",)),
        ("rate", ("on_time", "orders")),
        ("margin", ("revenue", "cost")),
        ("heads_avg", ("heads",)),
        ("contribution_per_head", ("revenue", "cost", "heads")),
    ],
)
def test_measures_of(metric_id: str, measures: tuple[str, ...]) -> None:
    assert measures_of(REGISTRY, metric_id) == measures


def test_value_over_bounds_the_window_end_exclusive() -> None:
    dataset = make_dataset(HAND_ROWS, ORG)
    out = value_over(dataset, REGISTRY, "revenue", "team", D1, D2)
    assert out.rows() == [("t1", 100.0), ("t2", 200.0)]


# --- properties against a naive reference over raw rows -------------------------------------------

START = dt.date(2026, 1, 1)
TEAMS = ("t1", "t2", "t3", "t4", "t5")
PROP_ORG = {"t1": "A", "t2": "A", "t3": "B", "t4": "C"}  # t5 is not in the org table
day_offsets = st.integers(min_value=0, max_value=45)  # crosses the January/February boundary


@st.composite
def raw_rows(draw: st.DrawFn) -> list[Row]:
    events = draw(
        st.dictionaries(
            st.tuples(day_offsets, st.sampled_from(TEAMS)),
            st.tuples(
                st.integers(0, 500),
                st.integers(0, 500),
                st.integers(0, 40),
                st.floats(0, 1),
                st.integers(-50, 50),
                st.integers(-50, 50),
            ),
            max_size=25,
        )
    )
    snapshots = draw(
        st.dictionaries(
            st.tuples(day_offsets, st.sampled_from(TEAMS)), st.integers(0, 30), max_size=15
        )
    )
    rows: list[Row] = []
    for (offset, team), (rev, cost, orders, share, low, high) in events.items():
        day = START + dt.timedelta(days=offset)
        rows += _events(
            day,
            team,
            revenue=rev,
            cost=cost,
            orders=orders,
            on_time=int(orders * share),
            low=low,
            high=high,
        )
    for (offset, team), heads in snapshots.items():
        rows.append((START + dt.timedelta(days=offset), team, "heads", heads))
    return rows


def scope_of(team: str, level: str) -> str:
    if level == "team":
        return team
    if level == "business_unit":
        return PROP_ORG.get(team) or UNASSIGNED
    return COMPANY


def grouped(
    rows: list[Row], measure: str, extra: Callable[[dt.date], object] | None = None
) -> dict[Key, list[tuple[dt.date, float]]]:
    """(level, scope[, extra]) → [(day, value)] of one measure, straight from the raw rows."""
    out: dict[Key, list[tuple[dt.date, float]]] = defaultdict(list)
    for day, team, name, value in rows:
        if name != measure:
            continue
        for level in LEVELS:
            key = (level, scope_of(team, level)) + (() if extra is None else (extra(day),))
            out[key].append((day, value))
    return out


def sums(rows: list[Row], measure: str) -> dict[Key, float]:
    return {k: sum(v for _, v in vals) for k, vals in grouped(rows, measure).items()}


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(rows=raw_rows())
def test_additive_metrics_sum_from_team_to_unit_to_company(rows: list[Row]) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    values = evaluate_all_levels(dataset, REGISTRY, "revenue")
    approx_equal(values, sums(rows, "revenue"))
    for unit in {scope_of(t, "business_unit") for _, t, m, _ in rows if m == "revenue"}:
        teams = [
            v
            for (lvl, t), v in values.items()
            if lvl == "team" and scope_of(t, "business_unit") == unit and v is not None
        ]
        assert values[("business_unit", unit)] == pytest.approx(sum(teams))
    if values:
        units = [v for (lvl, _), v in values.items() if lvl == "business_unit" and v is not None]
        assert values[("company", COMPANY)] == pytest.approx(sum(units))


@PROPERTY
@given(rows=raw_rows())
def test_min_and_max_measures_roll_up_by_their_own_rule(rows: list[Row]) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    for metric_id, pick in (("low", min), ("high", max)):
        expected = {k: pick(v for _, v in vals) for k, vals in grouped(rows, metric_id).items()}
        approx_equal(evaluate_all_levels(dataset, REGISTRY, metric_id), expected)


@PROPERTY
@given(rows=raw_rows())
def test_ratios_are_sum_over_sum_at_every_level(rows: list[Row]) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    num, den = sums(rows, "on_time"), sums(rows, "orders")
    expected = {k: (num.get(k, 0) / d if d else None) for k, d in den.items()}
    values = evaluate_all_levels(dataset, REGISTRY, "rate")
    approx_equal(values, expected)
    # never the plain average of the team ratios, whenever the two differ
    for unit in {k[1] for k in expected if k[0] == "business_unit"}:
        team_rates = [
            v
            for (lvl, t), v in expected.items()
            if lvl == "team" and scope_of(t, "business_unit") == unit and v is not None
        ]
        true = expected[("business_unit", unit)]
        if team_rates and true is not None:
            mean = sum(team_rates) / len(team_rates)
            if abs(mean - true) > 1e-9:
                assert values[("business_unit", unit)] != pytest.approx(mean, abs=1e-12)


@PROPERTY
@given(rows=raw_rows())
def test_derived_metrics_are_computed_from_the_groups_own_sums(rows: list[Row]) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    revenue, cost = sums(rows, "revenue"), sums(rows, "cost")
    expected = {k: ((r - cost[k]) / r if r else None) for k, r in revenue.items()}
    approx_equal(evaluate_all_levels(dataset, REGISTRY, "margin"), expected)


@PROPERTY
@given(rows=raw_rows())
def test_semi_additive_snapshots_per_month(rows: list[Row]) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    frame = with_period(scoped(dataset, REGISTRY, ["heads"], LEVELS), "month")
    keys = ["level", "scope", "period_start"]
    groups = grouped(rows, "heads", extra=lambda day: day.replace(day=1))
    expected_last, expected_avg = {}, {}
    for key, values in groups.items():
        per_day: dict[dt.date, float] = defaultdict(float)
        for day, value in values:
            per_day[day] += value
        expected_last[key] = per_day[max(per_day)]
        expected_avg[key] = sum(per_day.values()) / len(per_day)
    approx_equal(by_scope(evaluate(frame, REGISTRY, "heads_last", keys), keys), expected_last)
    approx_equal(by_scope(evaluate(frame, REGISTRY, "heads_avg", keys), keys), expected_avg)


windows_strategy = st.lists(
    st.tuples(st.integers(-5, 45), st.integers(0, 30)), min_size=1, max_size=4
)


@PROPERTY
@given(
    rows=raw_rows(),
    spans=windows_strategy,
    metric_id=st.sampled_from(["revenue", "low", "rate", "margin", "heads_last", "heads_avg"]),
)
def test_evaluate_over_windows_equals_evaluate_on_the_filtered_frame(
    rows: list[Row], spans: list[tuple[int, int]], metric_id: str
) -> None:
    dataset = make_dataset(rows, PROP_ORG)
    frame = scoped(dataset, REGISTRY, measures_of(REGISTRY, metric_id), LEVELS)
    windows = pl.DataFrame(
        {
            "window_id": list(range(len(spans))),
            "start": [START + dt.timedelta(days=a) for a, _ in spans],
            "end": [START + dt.timedelta(days=a + n) for a, n in spans],
        },
        schema={"window_id": pl.Int64, "start": pl.Date, "end": pl.Date},
    )
    keys = ["level", "scope", "window_id"]
    together = by_scope(evaluate(in_windows(frame, windows), REGISTRY, metric_id, keys), keys)
    one_by_one: dict[Key, float | None] = {}
    for window_id, start, end in windows.iter_rows():
        part = frame.filter((pl.col("day") >= start) & (pl.col("day") < end))
        for (level, scope), value in by_scope(
            evaluate(part, REGISTRY, metric_id, ["level", "scope"])
        ).items():
            one_by_one[(level, scope, window_id)] = value
    approx_equal(together, one_by_one)


@PROPERTY
@given(
    rows=raw_rows(),
    spans=windows_strategy,
    metric_id=st.sampled_from(
        ["revenue", "high", "rate", "margin", "contribution", "heads_avg", "contribution_per_head"]
    ),
    levels=st.sampled_from([LEVELS, ("business_unit", "company"), ("business_unit",)]),
)
def test_evaluate_windows_equals_the_inequality_join(
    rows: list[Row], spans: list[tuple[int, int]], metric_id: str, levels: tuple[Any, ...]
) -> None:
    """The running-totals path (sums shared across metrics) gives what the plain join gives."""
    dataset = make_dataset(rows, PROP_ORG)
    windows = pl.DataFrame(
        {
            "window_id": list(range(len(spans))),
            "start": [START + dt.timedelta(days=a) for a, _ in spans],
            "end": [START + dt.timedelta(days=a + n) for a, n in spans],
            "role": [f"w{i}" for i in range(len(spans))],
        },
        schema={"window_id": pl.Int64, "start": pl.Date, "end": pl.Date, "role": pl.String},
    )
    keys = ["level", "scope", "role"]
    frame = scoped(dataset, REGISTRY, measures_of(REGISTRY, metric_id), levels)
    expected = by_scope(evaluate(in_windows(frame, windows), REGISTRY, metric_id, keys), keys)
    # twice: the second call reads the window sums the first one kept in dataset.memo
    for _ in range(2):
        actual = evaluate_windows(dataset, REGISTRY, metric_id, windows, keys, levels).collect()
        approx_equal(by_scope(actual, keys), expected)
