"""The frontline view: targets rolled up by the metric's rule, status with tolerance, and what to fix."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from bridge.dataset import Dataset
from bridge.present.charts import frontline_trends
from bridge.present.format import NumberFormat
from bridge.translate.frontline import fix_now, frontline, status_expr
from bridge.translate.targets import daily_targets, rolled_target
from tests.builders import Row, days, make_dataset, make_registry, ratio, semi, simple

MEASURES = {"ok": "count", "n": "count", "sales": "sum", "minutes": "sum", "heads": "sum"}
REGISTRY = make_registry(
    MEASURES,
    [
        ratio("rate", "ok", "n"),
        simple("sales"),
        simple("minutes", unit="number", direction="lower_is_better"),
        semi("heads"),
    ],
)
AS_OF = dt.date(2026, 11, 30)  # a Monday: the week of Nov 23 is complete
WEEK = dt.date(2026, 11, 23)
SWITCH = dt.date(2026, 11, 26)  # a Thursday: the targets change mid-week
OPEN = None


def team_row(view: pl.DataFrame, team: str, start: dt.date) -> dict[str, Any]:
    found = view.filter((pl.col("team_id") == team) & (pl.col("period_start") == start))
    assert found.height == 1, found
    return found.row(0, named=True)


def rate_dataset() -> Dataset:
    """t1: Mon–Wed 100 orders a day, Thu–Sun 50; t2 (same unit) 100 a day all week."""
    rows: list[Row] = []
    for day in days(WEEK, AS_OF):
        early = day < SWITCH
        rows += [(day, "t1", "n", 100 if early else 50), (day, "t1", "ok", 90 if early else 45)]
        rows += [(day, "t2", "n", 100), (day, "t2", "ok", 80)]
    targets = [
        ("t1", "rate", dt.date(2026, 11, 1), SWITCH, 0.9),
        ("t1", "rate", SWITCH, OPEN, 0.8),
        ("t2", "rate", dt.date(2026, 11, 1), OPEN, 0.8),
    ]
    return make_dataset(rows, {"t1": "A", "t2": "A"}, targets)


def test_a_ratio_target_is_weighted_by_the_denominator() -> None:
    view = frontline(rate_dataset(), REGISTRY, "rate", "week", AS_OF, periods=1)
    t1 = team_row(view, "t1", WEEK)
    # 3 days × 100 orders at 0.9 and 4 days × 50 orders at 0.8 → (270 + 160) / 500,
    # not the plain average of the seven daily targets (0.843)
    assert t1["target"] == pytest.approx(0.86)
    assert t1["value"] == pytest.approx((3 * 90 + 4 * 45) / 500)
    assert t1["volume"] == 500
    assert t1["gap"] == pytest.approx(0.9 - 0.86)
    assert t1["status"] == "on track"
    assert t1["in_progress"] is False
    assert t1["period_label"] == "2026-W48"


def test_daily_targets_switch_on_their_valid_from_day() -> None:
    view = frontline(rate_dataset(), REGISTRY, "rate", "day", AS_OF, periods=7)
    targets = {
        r["period_start"]: r["target"]
        for r in view.filter(pl.col("team_id") == "t1").iter_rows(named=True)
    }
    assert targets == {day: (0.9 if day < SWITCH else 0.8) for day in days(WEEK, AS_OF)}


def test_a_units_ratio_target_is_what_its_teams_targets_imply_for_their_volume() -> None:
    data = rate_dataset()
    org = data.org.select("team_id", "business_unit")
    daily = daily_targets(data, "rate", WEEK, AS_OF).join(org, on="team_id")
    measures = data.measures.join(org, on="team_id")
    unit = rolled_target(data, REGISTRY, "rate", daily, measures, ["business_unit"])
    # t1: 270 + 160 over 500 orders; t2: 0.8 × 700 orders
    assert unit.rows() == [("A", pytest.approx((270 + 160 + 0.8 * 700) / 1200))]


def sales_dataset() -> Dataset:
    rows = [(day, "t1", "sales", 12.0) for day in days(dt.date(2026, 11, 16), AS_OF)]
    targets = [
        ("t1", "sales", dt.date(2026, 1, 1), SWITCH, 10.0),
        ("t1", "sales", SWITCH, OPEN, 20.0),
    ]
    return make_dataset(rows, {"t1": "A"}, targets)


def test_an_additive_target_is_summed_over_the_days() -> None:
    view = frontline(sales_dataset(), REGISTRY, "sales", "week", AS_OF, periods=2)
    assert team_row(view, "t1", dt.date(2026, 11, 16))["target"] == 7 * 10
    week = team_row(view, "t1", WEEK)
    assert week["target"] == 3 * 10 + 4 * 20
    assert week["value"] == 7 * 12
    assert week["status"] == "off track"  # 84 against 110


def test_a_week_in_progress_is_held_to_the_targets_of_its_elapsed_days() -> None:
    as_of = dt.date(2026, 11, 27)  # Friday: Mon–Thu have data
    view = frontline(sales_dataset(), REGISTRY, "sales", "week", as_of, periods=2)
    week = team_row(view, "t1", WEEK)
    assert week["in_progress"] is True
    assert week["value"] == 4 * 12
    assert week["target"] == 3 * 10 + 1 * 20


def test_a_snapshot_target_is_the_one_in_force_on_the_last_day() -> None:
    rows = [(day, t, "heads", 10.0) for day in days(WEEK, AS_OF) for t in ("t1", "t2")]
    targets = [
        ("t1", "heads", dt.date(2026, 1, 1), SWITCH, 10.0),
        ("t1", "heads", SWITCH, OPEN, 12.0),
        ("t2", "heads", dt.date(2026, 1, 1), OPEN, 5.0),
    ]
    data = make_dataset(rows, {"t1": "A", "t2": "A"}, targets)
    view = frontline(data, REGISTRY, "heads", "week", AS_OF, periods=1)
    assert team_row(view, "t1", WEEK)["target"] == 12
    org = data.org.select("team_id", "business_unit")
    daily = daily_targets(data, "heads", WEEK, AS_OF).join(org, on="team_id")
    unit = rolled_target(
        data, REGISTRY, "heads", daily, data.measures.join(org, on="team_id"), ["business_unit"]
    )
    assert unit.rows() == [("A", 12 + 5)]


@pytest.mark.parametrize(
    ("value", "target", "sign", "expected"),
    [
        (100.0, 100.0, 1.0, "on track"),
        (101.0, 100.0, 1.0, "on track"),
        (99.0, 100.0, 1.0, "at risk"),
        (98.0, 100.0, 1.0, "at risk"),  # exactly 2% short: still within the tolerance
        (97.9, 100.0, 1.0, "off track"),
        (None, 100.0, 1.0, "no target"),
        (100.0, None, 1.0, "no target"),
        # lower is better: above target is the miss
        (9.0, 10.0, -1.0, "on track"),
        (10.0, 10.0, -1.0, "on track"),
        (10.1, 10.0, -1.0, "at risk"),
        (10.3, 10.0, -1.0, "off track"),
    ],
)
def test_status(value: float | None, target: float | None, sign: float, expected: str) -> None:
    frame = pl.DataFrame(
        {"value": [value], "target": [target]}, schema={"value": pl.Float64, "target": pl.Float64}
    )
    frame = frame.with_columns(gap=pl.col("value") - pl.col("target"))
    assert frame.select(status_expr(sign)).item() == expected


def test_status_of_a_lower_is_better_metric_end_to_end() -> None:
    minutes = {"t1": 650.0, "t2": 710.0, "t3": 800.0}  # a week's target is 7 × 100
    rows = [(WEEK, team, "minutes", total) for team, total in minutes.items()]
    targets = [(team, "minutes", dt.date(2026, 1, 1), OPEN, 100.0) for team in minutes]
    data = make_dataset(rows, dict.fromkeys(minutes, "A"), targets)
    view = frontline(data, REGISTRY, "minutes", "week", AS_OF, periods=1)
    status = {r["team_id"]: r["status"] for r in view.iter_rows(named=True)}
    assert status == {"t1": "on track", "t2": "at risk", "t3": "off track"}
    assert team_row(view, "t2", WEEK)["gap"] == 10.0


def fix_dataset() -> Dataset:
    # orders and on-time orders in the week of Nov 23; every team's target is 0.9
    week = {"t1": (1000, 855), "t2": (100, 72), "t3": (900, 855), "t4": (100, 89)}
    rows: list[Row] = []
    for team, (n, ok) in week.items():
        rows += [(dt.date(2026, 11, 25), team, "n", n), (dt.date(2026, 11, 25), team, "ok", ok)]
    rows += [(dt.date(2026, 11, 18), team, "n", 10) for team in week]  # the week before
    targets = [(team, "rate", dt.date(2026, 1, 1), OPEN, 0.9) for team in week]
    return make_dataset(rows, {"t1": "A", "t2": "A", "t3": "B", "t4": "B"}, targets)


def test_fix_now_ranks_by_shortfall_times_volume_share() -> None:
    ranked = fix_now(fix_dataset(), REGISTRY, AS_OF, "week")
    # t1 misses by 5% on 1000 of 2100 orders; t2 by 20% on 100; t4 by 1.1% on 100; t3 is on track
    assert ranked.get_column("team_id").to_list() == ["t1", "t2", "t4"]
    assert ranked.get_column("rank").to_list() == [1, 2, 3]
    scores = dict(zip(ranked.get_column("team_id"), ranked.get_column("score"), strict=True))
    assert scores == pytest.approx(
        {
            "t1": (0.045 / 0.9) * 1000 / 2100,
            "t2": (0.18 / 0.9) * 100 / 2100,
            "t4": (0.01 / 0.9) * 100 / 2100,
        }
    )
    status = dict(zip(ranked.get_column("team_id"), ranked.get_column("status"), strict=True))
    assert status == {"t1": "off track", "t2": "off track", "t4": "at risk"}
    assert set(ranked.get_column("metric_id")) == {"rate"}
    assert set(ranked.get_column("period_label")) == {"2026-W48"}
    assert set(ranked.get_column("feeds")) == {"rate"}


def test_fix_now_for_one_unit() -> None:
    ranked = fix_now(fix_dataset(), REGISTRY, AS_OF, "week", business_unit="B")
    assert ranked.select("rank", "team_id").rows() == [(1, "t4")]


def _weeks(teams: dict[str, tuple[list[float], float]]) -> pl.DataFrame:
    """A frontline view of whole weeks: per team its values and one target."""
    return pl.DataFrame(
        [
            {
                "team_id": team, "team_name": team.title(), "period_start": i,
                "period_label": f"2026-W{40 + i}", "in_progress": False,
                "value": value, "target": target,
            }
            for team, (values, target) in teams.items()
            for i, value in enumerate(values)
        ]
    )  # fmt: skip


def test_furthest_from_target_draws_a_sum_as_a_share_of_each_team_s_target() -> None:
    """A small team 17 % short and a large one 1 % short: on one axis of amounts the small
    team's line sat flat at the bottom; as shares of their own targets it shows at 83 %, the
    large one at 99 %, against one dashed line at 100 %."""
    view = _weeks({"small": ([50.0, 55.0], 60.0), "large": ([990.0, 1000.0], 1000.0)})
    money = NumberFormat("currency", 1)
    fig = frontline_trends(view, money, ["small", "large"], of_target=True)
    lines = {t.name: t for t in fig.data if t.mode == "lines+markers"}
    assert list(lines) == ["Small", "Large"]  # no target line per team: one for all
    assert list(lines["Small"].y) == pytest.approx([50 / 60, 55 / 60])
    assert list(lines["Large"].y) == pytest.approx([0.99, 1.0])
    assert [s.y0 for s in fig.layout.shapes] == [1.0]  # the one target line, at 100 %
    assert lines["Small"].hovertext[0] == "Small · 2026-W40: $50.00, 83.3% of its target $60.00"
    assert "each team's own target (100%)" in {t.name for t in fig.data}
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks and all(t.endswith("%") for t in ticks)
    # a rate keeps its own scale, each team's target dashed in its colour
    rate = frontline_trends(view, money, ["small", "large"])
    assert len([t for t in rate.data if t.name and t.name.endswith(": target")]) == 2
    assert not rate.layout.shapes
