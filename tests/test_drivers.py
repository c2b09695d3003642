"""Driver attribution (``bridge.translate.drivers``): a change split exactly among what drove it.

Properties for every kind (Hypothesis): the effects add up to the change; swapping the windows
negates every effect; one child takes all of it; rate and mix effects equal a naive reference
computed here from raw rows. Hand-computed cases: a textbook Simpson's paradox (the company rate
falls while every unit's rate rises) and a two-input Shapley split. On the sample company, every
headline metric's effects add up to the change the horizon view shows.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from bridge.config.expression import parse_expression
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.charts import LEVEL_HALF, driver_bridge
from bridge.present.format import NumberFormat
from bridge.translate.drivers import (
    additive_effects,
    drivers,
    linear_ratio,
    ratio_effects,
    shapley,
)
from bridge.translate.evaluate import value_over
from bridge.translate.windows import compared_with, recent_periods, to_date
from tests.apptesting import figures, headings, open_folds, open_page, page_text
from tests.conftest import AS_OF

CHILDREN = st.sampled_from(["A", "B", "C", "D", "E"])
AMOUNTS = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)
COUNTS = st.integers(min_value=0, max_value=5_000)


def _total(effects: list) -> float:  # type: ignore[type-arg]
    return math.fsum(e.contribution for e in effects)


# --- additive ---------------------------------------------------------------------------------


@given(st.dictionaries(CHILDREN, AMOUNTS), st.dictionaries(CHILDREN, AMOUNTS))
def test_additive_effects_add_up_and_negate(
    now: dict[str, float], before: dict[str, float]
) -> None:
    effects = additive_effects(now, before)
    change = math.fsum(now.values()) - math.fsum(before.values())
    assert _total(effects) == pytest.approx(change, rel=1e-9, abs=1e-6)
    swapped = {e.child: e.contribution for e in additive_effects(before, now)}
    assert all(swapped[e.child] == -e.contribution for e in effects)


@given(AMOUNTS, AMOUNTS)
def test_one_child_takes_all_of_an_additive_change(now: float, before: float) -> None:
    (effect,) = additive_effects({"A": now}, {"A": before})
    assert effect.contribution == now - before


# --- ratio ------------------------------------------------------------------------------------

#: Raw rows of one window: (child, on time?) — the numerator counts the 1s, the denominator rows.
ROWS = st.lists(st.tuples(CHILDREN, st.integers(0, 1)), min_size=1, max_size=300)


def _sums(rows: list[tuple[str, int]]) -> dict[str, tuple[float, float]]:
    found: dict[str, tuple[float, float]] = {}
    for child, hit in rows:
        n, d = found.get(child, (0.0, 0.0))
        found[child] = (n + hit, d + 1)
    return found


def _naive(
    now_rows: list[tuple[str, int]], before_rows: list[tuple[str, int]]
) -> dict[tuple[str, str], float]:
    """Rate and mix effects written out from the rows, independently of the module."""
    r1 = sum(h for _, h in now_rows) / len(now_rows)
    r0 = sum(h for _, h in before_rows) / len(before_rows)
    out = {}
    for child in {c for c, _ in now_rows} | {c for c, _ in before_rows}:
        mine1 = [h for c, h in now_rows if c == child]
        mine0 = [h for c, h in before_rows if c == child]
        w1, w0 = len(mine1) / len(now_rows), len(mine0) / len(before_rows)
        rate1 = sum(mine1) / len(mine1) if mine1 else sum(mine0) / len(mine0)
        rate0 = sum(mine0) / len(mine0) if mine0 else rate1
        out[(child, "rate")] = (w1 + w0) / 2 * (rate1 - rate0)
        out[(child, "mix")] = ((rate1 + rate0) / 2 - (r1 + r0) / 2) * (w1 - w0)
    return out


@settings(max_examples=200)
@given(ROWS, ROWS)
def test_rate_and_mix_add_up_match_the_naive_reference_and_negate(
    now_rows: list[tuple[str, int]], before_rows: list[tuple[str, int]]
) -> None:
    effects = ratio_effects(_sums(now_rows), _sums(before_rows))
    r1 = sum(h for _, h in now_rows) / len(now_rows)
    r0 = sum(h for _, h in before_rows) / len(before_rows)
    assert _total(effects) == pytest.approx(r1 - r0, rel=1e-9, abs=1e-12)
    naive = _naive(now_rows, before_rows)
    assert {(e.child, e.effect): e.contribution for e in effects} == pytest.approx(naive, abs=1e-12)
    swapped = {
        (e.child, e.effect): e.contribution
        for e in ratio_effects(_sums(before_rows), _sums(now_rows))
    }
    assert all(
        swapped[(e.child, e.effect)] == pytest.approx(-e.contribution, abs=1e-15) for e in effects
    )


@given(COUNTS, st.integers(1, 5_000), COUNTS, st.integers(1, 5_000))
def test_one_child_has_no_mix(n1: int, d1: int, n0: int, d0: int) -> None:
    n1, n0 = min(n1, d1), min(n0, d0)
    effects = {e.effect: e.contribution for e in ratio_effects({"A": (n1, d1)}, {"A": (n0, d0)})}
    assert effects["mix"] == 0 and effects["rate"] == pytest.approx(n1 / d1 - n0 / d0, abs=1e-12)


def test_simpsons_paradox_written_out() -> None:
    """Both units improve; volume moves to the unit with the lower rate; the company falls.

    ==========  =================  =================
    unit        last year          this year
    ==========  =================  =================
    Stores      900 / 1000 = 90 %  460 / 500 = 92 %
    Online       60 / 100  = 60 %  650 / 1000 = 65 %
    company     960 / 1100 ≈ 87.27 %  1110 / 1500 = 74 %
    ==========  =================  =================
    """
    effects = {
        (e.child, e.effect): e.contribution
        for e in ratio_effects(
            {"Stores": (460, 500), "Online": (650, 1000)},
            {"Stores": (900, 1000), "Online": (60, 100)},
        )
    }
    # shares of orders: Stores 10/11 -> 1/3, Online 1/11 -> 2/3; midpoint company rate R̄
    r_mid = (960 / 1100 + 1110 / 1500) / 2
    assert effects[("Stores", "rate")] == pytest.approx((10 / 11 + 1 / 3) / 2 * 0.02)
    assert effects[("Online", "rate")] == pytest.approx((1 / 11 + 2 / 3) / 2 * 0.05)
    assert effects[("Stores", "mix")] == pytest.approx((0.91 - r_mid) * (1 / 3 - 10 / 11))
    assert effects[("Online", "mix")] == pytest.approx((0.625 - r_mid) * (2 / 3 - 1 / 11))
    # the numbers: every rate effect positive, the mix negative and larger
    assert effects[("Stores", "rate")] == pytest.approx(0.0124242, abs=1e-7)
    assert effects[("Online", "rate")] == pytest.approx(0.0189394, abs=1e-7)
    assert effects[("Stores", "mix")] == pytest.approx(-0.0596694, abs=1e-7)
    assert effects[("Online", "mix")] == pytest.approx(-0.1044215, abs=1e-7)
    assert sum(effects.values()) == pytest.approx(1110 / 1500 - 960 / 1100, abs=1e-15)


# --- derived (Shapley over inputs) -------------------------------------------------------------


def test_shapley_of_a_product_written_out() -> None:
    """a·b from (1, 1) to (2, 3): a's share is (1 + 3) / 2, b's (2 + 4) / 2, together 5."""
    shares = shapley(lambda v: v["a"] * v["b"], {"a": 2, "b": 3}, {"a": 1, "b": 1})
    assert shares == {"a": 2.0, "b": 3.0}


@given(
    st.floats(1, 1e6), st.floats(0, 1e6), st.floats(1, 1e6), st.floats(0, 1e6),
)  # fmt: skip
def test_shapley_of_a_margin_adds_up_and_negates(
    rev1: float, cost1: float, rev0: float, cost0: float
) -> None:
    def margin(v: Mapping[str, float]) -> float:
        return (v["revenue"] - v["cost"]) / v["revenue"]

    now, before = {"revenue": rev1, "cost": cost1}, {"revenue": rev0, "cost": cost0}
    shares = shapley(margin, now, before)
    assert math.fsum(shares.values()) == pytest.approx(
        margin(now) - margin(before), rel=1e-9, abs=1e-9
    )
    back = shapley(margin, before, now)
    assert all(back[k] == pytest.approx(-v, rel=1e-9, abs=1e-12) for k, v in shares.items())
    unchanged = shapley(margin, now, {"revenue": rev1, "cost": cost0})
    assert unchanged["revenue"] == 0


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(revenue - cost) / revenue", ({"revenue": 1.0, "cost": -1.0}, {"revenue": 1.0})),
        ("cost / revenue", ({"cost": 1.0}, {"revenue": 1.0})),
        ("100 * cost / revenue", ({"cost": 100.0}, {"revenue": 1.0})),
        ("cost / revenue * 100", ({"cost": 100.0}, {"revenue": 1.0})),
        ("-(cost / revenue)", ({"cost": -1.0}, {"revenue": 1.0})),
        ("(a - b) / (a + b) / 2", ({"a": 0.5, "b": -0.5}, {"a": 1.0, "b": 1.0})),
        ("(2 * a - b / 4) / -c", ({"a": 2.0, "b": -0.25}, {"c": -1.0})),
        # not a ratio of sums: a product, a constant term, a sum, a constant denominator, a
        # quotient of a quotient, a denominator that is zero whatever the inputs
        ("a * b / c", None),
        ("(a + 1) / b", None),
        ("revenue - cost", None),
        ("revenue / 1000", None),
        ("a / b / c", None),
        ("a / (b - b)", None),
        ("a / 0", None),
    ],
)
def test_a_derived_ratio_of_sums_is_read_as_numerator_and_denominator(
    expression: str, expected: object
) -> None:
    assert linear_ratio(parse_expression(expression)) == expected


# --- on the sample company -----------------------------------------------------------------------


@pytest.mark.parametrize("unit", [None, "Marketplace"])
def test_a_margin_s_change_is_rates_and_mix_each_child_s_rate_its_own(
    sample_dataset: Dataset, registry: Registry, unit: str | None
) -> None:
    """Contribution margin, (revenue − cost) / revenue, is a ratio of sums: a unit that grew at a
    margin below the company's moves the company's margin by mix, and its rate effect is its own
    margin's change (none when its margin held) — not a share of revenue's and cost's changes,
    which read "Marketplace −1.6 pts" while Marketplace's margin held at 4.7 %. The effects still
    add up to the change (the test above)."""
    view = drivers(
        sample_dataset, registry, "contribution_margin", "quarter", AS_OF, "last_year", unit
    )
    assert set(view.get_column("effect")) == {"rate", "mix"}
    rates = view.filter(pl.col("effect") == "rate")
    assert rates.height >= 2
    for child, contribution, current, comparison in rates.select(
        "child", "contribution", "current", "comparison"
    ).iter_rows():
        own = current - comparison  # the child's own margin, now and then
        assert math.copysign(1, contribution) == math.copysign(1, own) or own == 0, child
        assert (contribution == 0) == (own == 0), child


@pytest.mark.parametrize("compare", ["last_year", "prior"])
@pytest.mark.parametrize("unit", [None, "Marketplace"])
def test_every_headline_metric_adds_up_on_the_sample(
    sample_dataset: Dataset, registry: Registry, compare: str, unit: str | None
) -> None:
    period = recent_periods(AS_OF, "quarter", 1, 1)[0]
    now = to_date(period, AS_OF)
    then = compared_with(period, AS_OF, "quarter", compare)  # type: ignore[arg-type]
    level = "company" if unit is None else "business_unit"
    scope = unit or registry.company
    for metric in registry.metrics.values():
        view = drivers(sample_dataset, registry, metric.id, "quarter", AS_OF, compare, unit)  # type: ignore[arg-type]
        values = [
            value_over(sample_dataset, registry, metric.id, level, w.start, w.end)
            .filter(pl.col("scope") == scope).get_column("value").item()
            for w in (now, then)
        ]  # fmt: skip
        change = values[0] - values[1]
        assert math.fsum(view.get_column("contribution")) == pytest.approx(
            change, rel=1e-9, abs=1e-9
        ), metric.id
        assert view.get_column("rank").to_list() == list(range(1, view.height + 1))
    on_time = drivers(sample_dataset, registry, "on_time_rate", "quarter", AS_OF, compare, unit)  # type: ignore[arg-type]
    assert set(on_time.get_column("effect")) == {"rate", "mix"}
    children = set(on_time.get_column("child"))
    if unit is None:
        assert children == set(sample_dataset.org.get_column("business_unit"))
    else:
        assert children <= set(
            sample_dataset.org.filter(pl.col("business_unit") == unit).get_column("team_id")
        )


# --- the command line ---------------------------------------------------------------------------


def test_the_cli_prints_the_drivers_and_the_rest_as_one_row(
    sample_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    clean_settings: None, tmp_path: Path,
) -> None:  # fmt: skip
    from bridge.app.cli import main

    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    args = ["view", "drivers", "--metric", "on_time_rate", "--as-of", AS_OF.isoformat()]
    assert main([*args, "--format", "csv"]) == 0
    every = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert main([*args, "--format", "csv", "--top", "3"]) == 0
    top = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert top.height == 4 and top.get_column("child")[-1] == "(all others)"
    assert math.fsum(top.get_column("contribution")) == pytest.approx(
        math.fsum(every.get_column("contribution")), rel=1e-9
    )
    assert main([*args, "--compare", "yesterday"]) == 1
    assert "unknown comparison 'yesterday'; expected one of: last_year, prior, plan" in (
        capsys.readouterr().err
    )
    assert main(["view", "horizon", "--top", "3"]) == 1
    assert "--top takes a number of at least 1, and only with `view drivers`" in (
        capsys.readouterr().err
    )


# --- in the app ---------------------------------------------------------------------------------


def _bridges(at: AppTest) -> list[dict]:  # type: ignore[type-arg]
    return [f["data"][0] for f in figures(at) if f["data"][0].get("type") == "waterfall"]


@pytest.mark.parametrize("page", ["overview", "time-horizons"])
@pytest.mark.parametrize("lens", ["choice", "action", "both"])
def test_the_bridge_chart_is_on_the_page_and_its_steps_add_up(
    app: AppTest, page: str, lens: str
) -> None:
    at = open_page(app, page, lens=lens, metric="on_time_rate")
    assert _bridges(at) == []  # folded under the sentence, not drawn until opened
    bridges = _bridges(open_folds(at))
    by_unit = [h for h in headings(at) if h.startswith("Why ") and not h.endswith("team by team")]
    by_team = [h for h in headings(at) if h.endswith("team by team")]
    assert bool(by_unit) == (lens != "action") and bool(by_team) == (lens != "choice")
    assert len(bridges) == len(by_unit) + len(by_team) > 0
    for trace in bridges:
        first, *moves, last = trace["y"]
        assert trace["measure"] == ["absolute", *["relative"] * len(moves), "total"]
        assert math.fsum(moves) == pytest.approx(last - first, rel=1e-9, abs=1e-12)
        assert all(c == [""] or c[0] in ("Enterprise Software", "Logistics Services",
                   "Marketplace", "Retail Stores") for c in trace["customdata"])  # fmt: skip
    captions = page_text(at)
    assert ("On-time delivery rate" if page == "time-horizons" else "Revenue") in captions
    assert " vs the same " in captions and " days last year: " in captions
    if by_team:  # each team beside its status on its own frontline KPI
        assert "In the bridge chart, each team is marked with its status against its own " in (
            captions
        )
        teams = [t for t in bridges if any(str(x).startswith("■ ") for x in t["x"])] or [
            t for t in bridges if any(str(x)[:1] in "●▲○" for x in t["x"])
        ]
        assert teams, "no team step carries its status"


def test_a_bridge_on_an_axis_without_zero_draws_its_ends_as_levels_not_bars() -> None:
    """A margin from 22.6 % to 20.6 % on an axis from about 19.7 %: bars for the two ends drawn
    from the axis's floor showed the first 2.5 times the last (a 2-point dip read as margin more
    than halved). The ends are level marks as wide as a bar; the steps stay bars. With zero on
    the axis (a loss turned into a profit) the ends stay bars."""
    pct, pts = NumberFormat("percent", 1), NumberFormat("points", 1, signed=True)
    steps = [("A · mix", -0.0118, "A"), ("B · rate", -0.0082, "B")]
    fig = driver_bridge(("then", 0.226), steps, ("now", 0.206), pct, pts)
    waterfall = fig.data[0]
    assert fig.layout.yaxis.range[0] > 0  # zero is not on the axis
    assert waterfall.totals.marker.color == "rgba(0,0,0,0)"  # no bar from the floor
    levels = [(sh.x0, sh.x1, sh.y0, sh.y1) for sh in fig.layout.shapes]
    assert levels == [
        (-LEVEL_HALF, LEVEL_HALF, 0.226, 0.226),
        (3 - LEVEL_HALF, 3 + LEVEL_HALF, 0.206, 0.206),
    ]
    money, change = NumberFormat("currency", 1), NumberFormat("currency", 1, signed=True)
    crossing = driver_bridge(("then", -50.0), [("A", 120.0, "A")], ("now", 70.0), money, change)
    assert crossing.layout.yaxis.range[0] < 0 < crossing.layout.yaxis.range[1]
    assert not crossing.layout.shapes and crossing.data[0].totals.marker.color != "rgba(0,0,0,0)"


def test_a_step_written_as_zero_is_drawn_flat_neither_helped_nor_hurt() -> None:
    """'all others 0.00 pts' was a green sliver beside '+0.01 pts' (a reader took it for a help).
    A step written as zero is drawn flat; every other step keeps its value, and its text."""
    pct, pts = NumberFormat("percent", 1), NumberFormat("points", 1, signed=True)
    steps = [("A", -0.0118, "A"), ("B", 0.0001, "B"), ("others", 0.00002, "")]
    fig = driver_bridge(("then", 0.226), steps, ("now", 0.21432), pct, pts)
    waterfall = fig.data[0]
    assert list(waterfall.y[1:-1]) == [pytest.approx(-0.0118 + 0.00002, abs=1e-15), 0.0001, 0.0]
    assert list(waterfall.text[1:-1]) == ["-1.18 pts", "+0.01 pts", "0.00 pts"]
    # what it held went to the largest step: the drawn steps still add up to the change
    assert math.fsum(waterfall.y[1:-1]) == pytest.approx(0.21432 - 0.226, rel=1e-9, abs=1e-12)


def test_the_sentence_says_what_the_effects_show() -> None:
    from bridge.present.attribution import delta_format, sentence
    from bridge.present.format import NumberFormat

    effects = ratio_effects(
        {"Stores": (460, 500), "Online": (650, 1000)}, {"Stores": (900, 1000), "Online": (60, 100)}
    )
    view = pl.DataFrame(
        [
            {"child": e.child, "input": "", "effect": e.effect, "contribution": e.contribution}
            for e in effects
        ]
    ).with_columns(rank=pl.col("contribution").abs().rank("ordinal", descending=True))
    delta = delta_format(NumberFormat("percent", 1))
    assert sentence(view, "On-time rate", delta, "last year", {}) == (
        "On-time rate -13.3 pts vs last year: mix -16.4 pts (volume moved toward units with lower "
        "rates; largest mix effect Online -10.4 pts), outweighing rates +3.1 pts (better in every "
        "one of the 2 units)."
    )
    revenue = pl.DataFrame(
        {"child": ["A", "B", "C"], "input": [""] * 3, "effect": ["change"] * 3,
         "contribution": [1_200_000.0, -250_000.0, 40_000.0], "rank": [1, 2, 3]}
    )  # fmt: skip
    money = delta_format(NumberFormat("currency", 1))
    assert sentence(revenue, "Revenue", money, "last year", {"A": "Alpha"}) == (
        "Revenue +$1.0M vs last year: Alpha +$1.2M, B -$250.0K, all others +$40.0K."
    )


def test_a_period_not_comparable_gets_no_attribution_and_says_why(
    sample_dataset: Dataset, registry: Registry
) -> None:
    from bridge.translate.drivers import attribute

    early = dt.date(2026, 10, 3)  # two days into the quarter: fewer than 7, not compared
    assert drivers(sample_dataset, registry, "revenue", "quarter", early).is_empty()
    assert attribute(sample_dataset, registry, "revenue", "quarter", early).reason == (
        "partial period: only 2 of 92 days so far"
    )
    first_year = dt.date(2022, 6, 1)  # no last year to compare with
    assert drivers(sample_dataset, registry, "revenue", "year", first_year).is_empty()
    assert attribute(sample_dataset, registry, "revenue", "year", first_year).reason == (
        "missing history: data starts 2022-01-01"
    )
    assert attribute(sample_dataset, registry, "revenue", "quarter", AS_OF).reason is None


def test_against_plan_each_unit_s_gap_adds_up_to_the_company_s(
    sample_dataset: Dataset, registry: Registry
) -> None:
    from bridge.translate.drivers import attribute
    from bridge.translate.horizon import horizon

    view = drivers(sample_dataset, registry, "revenue", "quarter", AS_OF, "plan")
    company = (
        horizon(sample_dataset, registry, "revenue", "quarter", AS_OF, periods=1)
        .filter(pl.col("level") == "company")
        .row(-1, named=True)
    )
    assert math.fsum(view.get_column("contribution")) == pytest.approx(
        company["value"] - company["plan_value"], rel=1e-9
    )
    assert set(view.get_column("child")) == set(sample_dataset.units)
    assert drivers(sample_dataset, registry, "on_time_rate", "quarter", AS_OF, "plan").is_empty()
    assert attribute(sample_dataset, registry, "on_time_rate", "quarter", AS_OF, "plan").reason == (
        "no plan for On-time delivery rate in this period (a plan for a rate cannot be prorated)"
    )
    assert (
        attribute(
            sample_dataset, registry, "revenue", "quarter", AS_OF, "plan", "Marketplace"
        ).reason
        == "plans are set per business unit, not per team: compare the teams with last year"
    )
