"""Why did it move? A metric's change at a scope, split exactly among what drove it.

The executive number moved between two windows (a period so far against the same days of the prior
period or of last year); this view says *which* children of the scope moved it (business units of the
company, teams of a unit) and, for a rate, *how*: a child's own rate changed (**rate** effect) or its
share of the denominator changed (**mix** effect). Contributions add up to the change, to
floating-point precision, by the metric's own rule:

* **additive** (a sum or count; a snapshot metric at its last snapshot): each child's own change;
* **ratio** (sum / sum): with ``w`` a child's share of the denominator, ``r`` its rate and a bar the
  midpoint of the two windows, ``w₁r₁ − w₀r₀ = w̄·Δr + (r̄ − R̄)·Δw`` summed over children is the
  change of the scope's rate ``R`` exactly (the shares' changes sum to zero, so centring ``r̄`` on the
  scope's midpoint rate ``R̄`` changes no total, and makes a shift of volume toward a child with a
  below-average rate read as the negative mix effect it is). The midpoint split is the Shapley value
  of the two factors: nothing is left as an unexplained residual, and swapping the windows negates
  every effect;
* **derived**, a ratio in disguise (``(revenue - cost) / revenue``: a sum of summed inputs over
  another, each with a constant factor): per child its numerator and denominator from its own
  inputs, then rate and mix exactly as for a ratio — a unit that grew at a lower margin than the
  company's moves the company's margin by mix, not by a margin of its own that did not change;
* **derived**, any other expression over other metrics: the change is first split among the
  expression's inputs by their Shapley values (each input's marginal effect averaged over every
  order of switching inputs from the comparison to the current window), then an additive input's
  share among the children in proportion to their own change of it.

A child present in one window only (a unit with no orders a year ago) moves the rate by its entry or
exit: a mix effect. The pure functions here take plain numbers; :func:`drivers` reads them from the
dataset for a request.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from bridge.calendar import ExecutiveGrain
from bridge.config.expression import BinOp, Neg, Node, Num, Ref
from bridge.config.metrics import (
    DerivedMetric,
    Metric,
    RatioMetric,
    SemiAdditiveMetric,
    SimpleMetric,
)
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.evaluate import Level, scoped, value_over
from bridge.translate.horizon import horizon
from bridge.translate.windows import Window, compared_with, recent_periods, to_date

Compare = Literal["last_year", "prior", "plan"]
COMPARES: tuple[Compare, ...] = ("last_year", "prior", "plan")
EffectKind = Literal["change", "rate", "mix"]
#: What a child is: a business unit of the company, or a team.
DriverKind = Literal["business_unit", "team"]

DRIVERS_SCHEMA = pl.Schema(
    {
        "scope": pl.String,
        "child": pl.String,
        "driver_kind": pl.String,
        "effect": pl.String,
        "contribution": pl.Float64,
        "share_of_change": pl.Float64,
        "rank": pl.Int64,
        "input": pl.String,
        "current": pl.Float64,
        "comparison": pl.Float64,
    }
)


@dataclass(frozen=True)
class Effect:
    child: str
    effect: EffectKind
    contribution: float
    #: The metric input it came through (derived metrics), else "".
    input: str = ""


# --- the pure splits ------------------------------------------------------------------------------


def additive_effects(current: Mapping[str, float], before: Mapping[str, float]) -> list[Effect]:
    """Each child's own change (a child missing in a window had nothing there)."""
    children = sorted(set(current) | set(before))
    return [Effect(c, "change", current.get(c, 0.0) - before.get(c, 0.0)) for c in children]


def ratio_effects(
    current: Mapping[str, tuple[float, float]], before: Mapping[str, tuple[float, float]]
) -> list[Effect]:
    """Rate and mix effects per child from (numerator, denominator) in each window; they sum to
    the change of ``Σ numerator / Σ denominator`` (see the module docstring). Empty when either
    window has no denominator (no rate to explain)."""
    den1 = sum(d for _, d in current.values())
    den0 = sum(d for _, d in before.values())
    if den1 == 0 or den0 == 0:
        return []
    big_r = (
        sum(n for n, _ in current.values()) / den1 + sum(n for n, _ in before.values()) / den0
    ) / 2
    effects: list[Effect] = []
    for child in sorted(set(current) | set(before)):
        n1, d1 = current.get(child, (0.0, 0.0))
        n0, d0 = before.get(child, (0.0, 0.0))
        w1, w0 = d1 / den1, d0 / den0
        r1 = n1 / d1 if d1 else None
        r0 = n0 / d0 if d0 else None
        if r1 is None and r0 is None:
            continue
        # a child in one window only: its rate did not change, it entered or left (mix)
        r1 = r0 if r1 is None else r1
        r0 = r1 if r0 is None else r0
        assert r1 is not None and r0 is not None
        effects.append(Effect(child, "rate", (w0 + w1) / 2 * (r1 - r0)))
        effects.append(Effect(child, "mix", ((r0 + r1) / 2 - big_r) * (w1 - w0)))
    return effects


def shapley(
    f: Callable[[Mapping[str, float]], float],
    current: Mapping[str, float],
    before: Mapping[str, float],
) -> dict[str, float]:
    """Each input's Shapley share of ``f(current) − f(before)``: its marginal effect averaged over
    every order of switching the inputs from ``before`` to ``current``. The shares sum to the
    change exactly (up to floating point); an input that did not change gets 0."""
    names = sorted(current)
    n = len(names)
    shares = dict.fromkeys(names, 0.0)
    for k in names:
        others = [x for x in names if x != k]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for switched in itertools.combinations(others, size):
                point = {x: (current[x] if x in switched else before[x]) for x in names}
                without = f(point)
                point[k] = current[k]
                shares[k] += weight * (f(point) - without)
    return shares


def evaluate_tree(node: Node, values: Mapping[str, float]) -> float:
    """A derived metric's expression over input values (a division by zero gives NaN)."""
    if isinstance(node, Ref):
        return values[node.name]
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        return -evaluate_tree(node.operand, values)
    assert isinstance(node, BinOp)
    left, right = evaluate_tree(node.left, values), evaluate_tree(node.right, values)
    if node.op == "/":
        return left / right if right else math.nan
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]


#: A linear combination of a derived metric's inputs: input id -> its constant factor.
Linear = dict[str, float]


def linear_terms(node: Node) -> Linear | None:
    """``node`` as a sum of inputs each times a constant (``revenue - 2 * cost``), or None when it
    is not one (a product or quotient of inputs, or a constant term, which no child holds a share
    of)."""
    if isinstance(node, Ref):
        return {node.name: 1.0}
    if isinstance(node, BinOp) and node.op in ("+", "-"):
        left, right = linear_terms(node.left), linear_terms(node.right)
        if left is None or right is None:
            return None
        return {**left, **_times(right, 1.0 if node.op == "+" else -1.0, left)}
    factor = _constant_factor(node)
    inner = None if factor is None else linear_terms(factor[1])
    return None if factor is None or inner is None else _times(inner, factor[0])


def _times(terms: Linear, factor: float, plus: Linear | None = None) -> Linear:
    """``factor × terms``, added to ``plus`` when given."""
    base = plus or {}
    return {k: base.get(k, 0.0) + factor * v for k, v in terms.items()}


def _constant_factor(node: Node) -> tuple[float, Node] | None:
    """``-x``, ``c * x``, ``x * c`` or ``x / c`` (``c`` a number other than zero) as (the factor,
    ``x``)."""
    if isinstance(node, Neg):
        return -1.0, node.operand
    if not isinstance(node, BinOp):
        return None
    if node.op == "*" and isinstance(node.left, Num):
        return node.left.value, node.right
    if node.op == "*" and isinstance(node.right, Num):
        return node.right.value, node.left
    if node.op == "/" and isinstance(node.right, Num) and node.right.value != 0:
        return 1 / node.right.value, node.left
    return None


def linear_ratio(node: Node) -> tuple[Linear, Linear] | None:
    """A derived metric's expression as numerator and denominator, each linear in the inputs
    (``(revenue - cost) / revenue``, ``100 * cost / revenue``, ``-(a / b)``), or None: then the
    scope's value is its children's summed numerators over their summed denominators, a ratio."""
    factor = _constant_factor(node)
    inner = None if factor is None else linear_ratio(factor[1])
    if factor is not None and inner is not None:
        return _times(inner[0], factor[0]), inner[1]
    if not isinstance(node, BinOp) or node.op != "/":
        return None
    top, bottom = linear_terms(node.left), linear_terms(node.right)
    if top is None or bottom is None or not any(bottom.values()):
        return None
    return top, bottom


def split_among_children(
    share: float, current: Mapping[str, float], before: Mapping[str, float], via: str
) -> list[Effect]:
    """An input's share of the change split among children in proportion to their own change of
    the input (all to "all others" when the input did not change in total)."""
    changes = {c: current.get(c, 0.0) - before.get(c, 0.0) for c in set(current) | set(before)}
    total = sum(changes.values())
    if total == 0:
        return [Effect("(all)", "change", share, via)]
    return [Effect(c, "change", share * d / total, via) for c, d in sorted(changes.items())]


def top_drivers(view: pl.DataFrame, n: int) -> pl.DataFrame:
    """The ``n`` largest effects, and the rest summed into one "(all others)" row (so the rows
    still add up to the change)."""
    if view.height <= n:
        return view
    top, rest = view.filter(pl.col("rank") <= n), view.filter(pl.col("rank") > n)
    others = rest.select(
        scope=pl.col("scope").first(),
        child=pl.lit("(all others)"),
        input=pl.lit(""),
        driver_kind=pl.col("driver_kind").first(),
        effect=pl.lit("change"),
        contribution=pl.col("contribution").sum(),
        share_of_change=pl.col("share_of_change").sum(),
        rank=pl.lit(n + 1, dtype=pl.Int64),
        current=pl.lit(None, dtype=pl.Float64),
        comparison=pl.lit(None, dtype=pl.Float64),
    ).select(DRIVERS_SCHEMA.names())
    return pl.concat([top, others])


# --- from the dataset -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    """A metric's change at a scope, split (``view``, columns in docs/views.md), with what it is
    the change of: the period so far (``now``) and what it is compared with (``then``; None for a
    plan), the scope's values in both, and ``reason`` when there is no split to show."""

    view: pl.DataFrame
    now: Window
    then: Window | None
    current: float | None
    comparison: float | None
    reason: str | None = None


def drivers(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    grain: ExecutiveGrain,
    as_of: dt.date,
    compare: Compare = "last_year",
    business_unit: str | None = None,
    children: Level | None = None,
) -> pl.DataFrame:
    """The view of :func:`attribute` (what ``bridge view drivers`` prints)."""
    return attribute(
        dataset, registry, metric_id, grain, as_of, compare, business_unit, children
    ).view


def attribute(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    grain: ExecutiveGrain,
    as_of: dt.date,
    compare: Compare = "last_year",
    business_unit: str | None = None,
    children: Level | None = None,
) -> Attribution:
    """The change of ``metric_id`` in the period holding ``as_of − 1`` (to date) against the same
    days of the ``compare`` window (or the units' plans), at the company (children: business
    units) or at ``business_unit`` (children: its teams), split into effects that add up to it;
    ``children = "team"`` splits the company's change among all its teams.

    The scope's values, and whether they compare like for like, are the horizon view's for the
    same period (one computation): a period that cannot be compared — fewer than 7 days so far,
    missing history, a changed definition, no plan — gets no split, and the reason.
    """
    metric = registry.metric(metric_id)
    period = recent_periods(as_of, grain, 1, registry.calendar.fiscal_year_start_month)[0]
    now = to_date(period, as_of)
    # The horizon row of the scope alone (its own level), except against plan, which reads every
    # unit's row too: one level of one period is about half the work of both (#18).
    levels: tuple[Level, ...] = (
        ("business_unit", "company")
        if compare == "plan"
        else ("company",)
        if business_unit is None
        else ("business_unit",)
    )
    latest = horizon(dataset, registry, metric_id, grain, as_of, periods=1, levels=levels)
    scope = business_unit or registry.company
    mine = latest.filter(pl.col("scope") == scope)
    row = mine.row(0, named=True) if mine.height else None
    current = row["value"] if row else None
    nothing = pl.DataFrame(schema=DRIVERS_SCHEMA)
    if compare == "plan":
        before = row["plan_value"] if row else None
        reason = _plan_gap(latest, registry, metric_id, business_unit, children)
        if row is None or reason:
            return Attribution(nothing, now, None, current, before, reason)
        return Attribution(_against_plan(latest, registry), now, None, current, before)
    then = compared_with(period, as_of, grain, compare)
    before = row[f"{compare}_value"] if row else None
    if row is not None and not row[f"{compare}_comparable"]:
        reason = str(row[f"{compare}_reason"] or "not comparable")
        return Attribution(nothing, now, then, current, before, reason)
    if current is None or before is None:
        return Attribution(nothing, now, then, current, before)
    child: Level = children or ("business_unit" if business_unit is None else "team")
    change = current - before
    if isinstance(metric, SimpleMetric) and not _sums(registry, metric.id):
        effects = [Effect("(all)", "change", change)]  # a min or a max: no split adds up to it
    else:
        effects = _effects(dataset, registry, metric, child, now, then, business_unit)
    kids_now = _values(dataset, registry, metric_id, child, now, business_unit)
    kids_then = _values(dataset, registry, metric_id, child, then, business_unit)
    rows = [
        {
            "scope": scope,
            "child": e.child,
            "input": e.input,
            "driver_kind": child,
            "effect": e.effect,
            "contribution": e.contribution,
            "share_of_change": e.contribution / change if change else None,
            "current": kids_now.get(e.child),
            "comparison": kids_then.get(e.child),
        }
        for e in effects
    ]
    return Attribution(_ranked(rows), now, then, current, before)


def _plan_gap(
    latest: pl.DataFrame,
    registry: Registry,
    metric_id: str,
    business_unit: str | None,
    children: Level | None,
) -> str | None:
    """Why the latest period cannot be split against plan (None: every unit has a plan)."""
    if business_unit is not None or children == "team":
        return "plans are set per business unit, not per team: compare the teams with last year"
    units = latest.filter(pl.col("level") == "business_unit")
    missing = units.filter(pl.col("plan_value").is_null()).get_column("scope").to_list()
    label = registry.metric(metric_id).label
    if missing and len(missing) == units.height:
        return f"no plan for {label} in this period (a plan for a rate cannot be prorated)"
    if missing:
        return f"no plan for {label} for {', '.join(sorted(missing))}"
    return None


def _against_plan(latest: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """Each business unit's gap to its plan over the period to date (plans prorated by days): the
    gaps add up to the company's, whose plan is the sum of its units'."""
    company = latest.filter(pl.col("level") == "company").row(0, named=True)
    change = company["value"] - company["plan_value"]
    rows = [
        {
            "scope": registry.company,
            "child": r["scope"],
            "input": "",
            "driver_kind": "business_unit",
            "effect": "change",
            "contribution": r["value"] - r["plan_value"],
            "share_of_change": (r["value"] - r["plan_value"]) / change if change else None,
            "current": r["value"],
            "comparison": r["plan_value"],
        }
        for r in latest.filter(pl.col("level") == "business_unit").iter_rows(named=True)
    ]
    return _ranked(rows)


def _ranked(rows: list[dict[str, object]]) -> pl.DataFrame:
    """The rows as a drivers view, ranked by the size of their contribution."""
    frame = pl.DataFrame(rows, schema={k: v for k, v in DRIVERS_SCHEMA.items() if k != "rank"})
    return (
        frame.with_columns(
            rank=pl.col("contribution").abs().rank("ordinal", descending=True).cast(pl.Int64)
        )
        .select(DRIVERS_SCHEMA.names())
        .sort("rank")
    )


def _values(
    dataset: Dataset, registry: Registry, metric_id: str, level: Level, window: Window,
    scope: str | None,
) -> dict[str, float]:  # fmt: skip
    frame = value_over(dataset, registry, metric_id, level, window.start, window.end)
    frame = _within(frame, dataset, level, scope)
    return {s: v for s, v in frame.iter_rows() if v is not None and math.isfinite(v)}


def _within(frame: pl.DataFrame, dataset: Dataset, level: Level, scope: str | None) -> pl.DataFrame:
    """A team-level frame kept to one unit's teams (``scope``), others as they are."""
    if level != "team" or scope is None:
        return frame
    teams = [t for t, unit in dataset.team_units.items() if unit == scope]
    return frame.filter(pl.col("scope").is_in(teams))


def _measure_sums(
    dataset: Dataset, registry: Registry, measures: Sequence[str], level: Level, window: Window,
    scope: str | None,
) -> dict[str, dict[str, float]]:  # fmt: skip
    frame = scoped(dataset, registry, measures, [level]).filter(
        (pl.col("day") >= window.start) & (pl.col("day") < window.end)
    )
    frame = _within(frame, dataset, level, scope)
    sums = frame.group_by("scope", "measure").agg(pl.col("value").sum())
    found: dict[str, dict[str, float]] = {}
    for child, measure, value in sums.iter_rows():
        found.setdefault(measure, {})[child] = float(value)
    return found


def _effects(
    dataset: Dataset, registry: Registry, metric: Metric, child: Level, now: Window, then: Window,
    scope: str | None,
) -> list[Effect]:  # fmt: skip
    if isinstance(metric, RatioMetric):
        names = (metric.numerator, metric.denominator)
        s1 = _measure_sums(dataset, registry, names, child, now, scope)
        s0 = _measure_sums(dataset, registry, names, child, then, scope)

        def pairs(s: dict[str, dict[str, float]]) -> dict[str, tuple[float, float]]:
            num, den = s.get(metric.numerator, {}), s.get(metric.denominator, {})
            return {c: (num.get(c, 0.0), den.get(c, 0.0)) for c in set(num) | set(den)}

        return ratio_effects(pairs(s1), pairs(s0))
    if isinstance(metric, SimpleMetric | SemiAdditiveMetric):  # min/max: each child's own change
        return additive_effects(
            _values(dataset, registry, metric.id, child, now, scope),
            _values(dataset, registry, metric.id, child, then, scope),
        )
    assert isinstance(metric, DerivedMetric)
    ratio = linear_ratio(metric.tree)
    if ratio is not None and all(_sums(registry, r) for r in metric.refs):
        top, bottom = ratio

        def sides(window: Window) -> dict[str, tuple[float, float]]:
            inputs = {r: _values(dataset, registry, r, child, window, scope) for r in metric.refs}

            def combined(side: Linear, c: str) -> float:
                return math.fsum(f * inputs[r].get(c, 0.0) for r, f in side.items())

            kids = set().union(*inputs.values())
            return {c: (combined(top, c), combined(bottom, c)) for c in kids}

        return ratio_effects(sides(now), sides(then))
    parent: Level = "company" if scope is None else "business_unit"
    name = scope or registry.company
    inputs_now = {
        r: _values(dataset, registry, r, parent, now, None).get(name, 0.0) for r in metric.refs
    }
    inputs_then = {
        r: _values(dataset, registry, r, parent, then, None).get(name, 0.0) for r in metric.refs
    }
    shares = shapley(lambda v: evaluate_tree(metric.tree, v), inputs_now, inputs_then)
    effects: list[Effect] = []
    for ref, share in shares.items():
        if not _sums(registry, ref):  # a rate or a formula: its children do not add up to it
            effects.append(Effect("(all)", "change", share, ref))
            continue
        effects += split_among_children(
            share,
            _values(dataset, registry, ref, child, now, scope),
            _values(dataset, registry, ref, child, then, scope),
            ref,
        )
    return effects


def _sums(registry: Registry, metric_id: str) -> bool:
    """A metric whose children's values add up to its own (a sum or count of one measure)."""
    metric = registry.metric(metric_id)
    return isinstance(metric, SimpleMetric) and registry.measure(metric.measure)[1].rollup == "sum"
