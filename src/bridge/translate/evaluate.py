"""One way to compute a metric, used by every view at every level and over every window.

The pipeline is: keep the measures a metric needs → attach the scope (team, business unit, company) →
optionally attach windows (periods, like-for-like comparison spans, trailing twelve months) →
:func:`evaluate` by the requested keys, following the metric's own rule:

* simple: the measure's rollup (sum, min or max);
* ratio: ``sum(numerator) / sum(denominator)`` within each group;
* derived: each referenced metric computed within the group first, then the expression;
* semi-additive: within each group, the snapshot on the group's last snapshot day (summed across
  teams), or the average over snapshot days of the team total.

A division by zero gives null (shown as "n/a"), never ``inf`` or a misleading 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Final, Literal

import polars as pl

from bridge.config.expression import BinOp, Neg, Node, Num, Ref
from bridge.config.metrics import DerivedMetric, RatioMetric, SemiAdditiveMetric, SimpleMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset

Level = Literal["team", "business_unit", "company"]
UNASSIGNED = "Unassigned"
#: The Polars engine for the core's lazy queries: their frames are small (days × scopes), and the
#: in-memory engine starts each query about twice as fast as the streaming one would.
ENGINE: Final = "in-memory"


def measures_of(registry: Registry, metric_id: str) -> tuple[str, ...]:
    """Every measure a metric is built from, through derived metrics, in first-use order."""
    found: list[str] = []

    def visit(mid: str) -> None:
        metric = registry.metric(mid)
        names: tuple[str, ...]
        if isinstance(metric, SimpleMetric | SemiAdditiveMetric):
            names = (metric.measure,)
        elif isinstance(metric, RatioMetric):
            names = (metric.numerator, metric.denominator)
        else:
            for ref in metric.refs:
                visit(ref)
            names = ()
        found.extend(n for n in names if n not in found)

    visit(metric_id)
    return tuple(found)


def scoped(
    dataset: Dataset, registry: Registry, measures: Sequence[str], levels: Sequence[Level]
) -> pl.DataFrame:
    """Measures rolled up to (day, level, scope, measure) for each requested level.

    Pre-aggregating within a day is valid for every metric kind (sums, min/max and same-day snapshots all
    combine across teams), and it shrinks the frame before windows multiply it.
    ``scope`` is the team id, the business unit name, or the company name.

    Every measure is rolled up to a level once per dataset (:func:`_level_frame`); a request takes its
    rows from those frames, and all of them are kept in ``dataset.memo`` for the other views and panels.
    """
    key = ("scoped", tuple(measures), tuple(levels), _rollups_key(registry))
    if key not in dataset.memo:
        wanted = pl.col("measure").is_in(list(measures))
        only = _only(dataset, measures)
        dataset.memo[key] = pl.concat(
            [_level_frame(dataset, registry, level, only).filter(wanted) for level in levels]
        )
    return dataset.memo[key]


def _only(dataset: Dataset, measures: Sequence[str]) -> frozenset[str] | None:
    """The measures to roll up: those asked for when the dataset serves one view, else every one."""
    return frozenset(measures) if dataset.one_view else None


def _rollups_key(registry: Registry) -> tuple[object, ...]:
    """What a scoped frame depends on in the registry: the company name and each measure's rollup."""
    rollups = tuple(sorted((name, m.rollup) for name, (_, m) in registry.measures.items()))
    return (registry.sources_file.org.company_name, rollups)


def _level_frame(
    dataset: Dataset, registry: Registry, level: Level, only: frozenset[str] | None = None
) -> pl.DataFrame:
    """Every measure of the registry (or ``only`` those) rolled up to (day, scope) at one level."""
    key = ("level", level, _rollups_key(registry), only)
    if key not in dataset.memo:
        rollups = {
            name: measure.rollup
            for name, (_, measure) in registry.measures.items()
            if only is None or name in only
        }
        base = dataset.measures.lazy().filter(pl.col("measure").is_in(list(rollups)))
        if level == "team":
            scope = pl.col("team_id")
        elif level == "business_unit":
            base = base.join(
                dataset.org.lazy().select("team_id", "business_unit"), on="team_id", how="left"
            )
            scope = pl.col("business_unit").fill_null(UNASSIGNED)
        else:
            scope = pl.lit(registry.sources_file.org.company_name)
        framed = base.with_columns(level=pl.lit(level), scope=scope)
        dataset.memo[key] = _rollup(framed, ["day", "level", "scope", "measure"], rollups).collect(
            engine=ENGINE
        )
    return dataset.memo[key]


def _rollup(frame: pl.LazyFrame, keys: list[str], rollups: Mapping[str, str]) -> pl.LazyFrame:
    """Combine rows within ``keys``, each measure by its own rollup (sum, min or max)."""
    parts = []
    for rule, agg in (
        ("sum", pl.col("value").sum()),
        ("min", pl.col("value").min()),
        ("max", pl.col("value").max()),
    ):
        names = [m for m, r in rollups.items() if r == rule]
        if names:
            parts.append(frame.filter(pl.col("measure").is_in(names)).group_by(keys).agg(value=agg))
    return pl.concat(parts).select(*keys, "value")


def in_windows(frame: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``frame`` repeated once per window ``[start, end)`` containing their day.

    ``windows`` has ``window_id``, ``start`` and ``end`` (plus any label columns, carried along).
    """
    if windows.is_empty():
        return frame.join(windows, how="cross")  # no window: no row, with the columns of both
    # keep only the days some window covers before the join multiplies the rows
    first, last = windows.get_column("start").min(), windows.get_column("end").max()
    inside = frame.filter(pl.col("day") >= first, pl.col("day") < last)
    return inside.join_where(
        windows, pl.col("day") >= pl.col("start"), pl.col("day") < pl.col("end")
    )


def additive(registry: Registry, metric_id: str) -> bool:
    """True when the metric is built only from sums (simple sums, ratios, derived of those)."""
    metric = registry.metric(metric_id)
    if isinstance(metric, SemiAdditiveMetric):
        return False
    if isinstance(metric, DerivedMetric):
        return all(additive(registry, ref) for ref in metric.refs)
    return all(registry.measure(m)[1].rollup == "sum" for m in measures_of(registry, metric_id))


def accumulates(registry: Registry, metric_id: str) -> bool:
    """True when the metric grows with the days of a period (a sum, a difference of sums, a sum per
    head…), so a period in progress must be scaled before it is set beside whole periods; False for
    rates and snapshots, which are on the scale of a whole period already."""
    return _days_degree(registry, metric_id) == 1


def _days_degree(registry: Registry, metric_id: str) -> int | None:
    """How the metric scales with the number of days: 1 for sums, 0 for rates and snapshots."""
    metric = registry.metric(metric_id)
    if isinstance(metric, SimpleMetric):
        return 1 if registry.measure(metric.measure)[1].rollup == "sum" else 0
    if isinstance(metric, RatioMetric | SemiAdditiveMetric):
        return 0
    return _node_degree(registry, metric.tree)


def _node_degree(registry: Registry, node: Node) -> int | None:
    if isinstance(node, Ref):
        return _days_degree(registry, node.name)
    if isinstance(node, Num):
        return 0
    if isinstance(node, Neg):
        return _node_degree(registry, node.operand)
    left, right = _node_degree(registry, node.left), _node_degree(registry, node.right)
    if left is None or right is None:
        return None
    if node.op in ("+", "-"):
        return left if left == right else None
    return left + right if node.op == "*" else left - right


def evaluate_windows(
    dataset: Dataset,
    registry: Registry,
    metric_id: str,
    windows: pl.DataFrame,
    keys: Sequence[str],
    levels: Sequence[Level],
) -> pl.LazyFrame:
    """The metric per window at ``levels`` (``keys`` name window and scope columns), as a lazy query.

    Same result as ``evaluate(in_windows(scoped(...), windows), ...)``. For metrics built only from sums
    (most of them) each window's sums come from :func:`window_sums`, computed once per set of windows
    for every measure and shared by every metric asking for the same windows.
    """
    measures = measures_of(registry, metric_id)
    if not additive(registry, metric_id):
        frame = in_windows(scoped(dataset, registry, measures, levels), windows)
    else:
        frame = window_sums(dataset, registry, windows, levels, _only(dataset, measures))
    return evaluate_lazy(
        frame.lazy().filter(pl.col("measure").is_in(measures)), registry, metric_id, keys
    )


def per_window(
    long: pl.LazyFrame, index: Sequence[str], windows: Sequence[str], prefix: str = ""
) -> pl.LazyFrame:
    """One row per ``index`` with a column ``<prefix><window>`` per window label in ``windows``.

    ``long`` is :func:`evaluate_windows` keyed by ``index`` and ``role``; a window without a value
    for a row is null (a lazy pivot with known columns).
    """
    value, role = pl.col("value"), pl.col("role")
    return long.group_by(index).agg(
        value.filter(role == w).first().cast(pl.Float64).alias(f"{prefix}{w}") for w in windows
    )


def window_sums(
    dataset: Dataset,
    registry: Registry,
    windows: pl.DataFrame,
    levels: Sequence[Level],
    only: frozenset[str] | None = None,
) -> pl.DataFrame:
    """One row per (level, scope, measure, window) with the sum of each sum-measure over the window.

    ``windows`` has ``start`` and ``end`` (``end`` exclusive) plus label columns, which are carried
    along; ``day`` is the window's start. A window without any day keeps no row, like the inequality
    join of :func:`in_windows`. Each sum is the difference of two running totals (two as-of look-ups,
    whatever the window's length); the result is kept in ``dataset.memo`` for the same windows.
    """
    key = (
        "window_sums",
        tuple(levels),
        tuple(windows.columns),
        tuple(windows.rows()),
        _rollups_key(registry),
        only,
    )
    if key not in dataset.memo:
        running = pl.concat([_running_totals(dataset, registry, level, only) for level in levels])
        dataset.memo[key] = _window_sums(running.sort("day"), windows)
    return dataset.memo[key]


_GROUPS = ["level", "scope", "measure"]


def _running_totals(
    dataset: Dataset, registry: Registry, level: Level, only: frozenset[str] | None = None
) -> pl.DataFrame:
    """Per sum-measure (level, scope, measure) and day: the running ``total`` and row ``index``."""
    key = ("running_totals", level, _rollups_key(registry), only)
    if key not in dataset.memo:
        sums = [name for name, (_, m) in registry.measures.items() if m.rollup == "sum"]
        dataset.memo[key] = (
            _level_frame(dataset, registry, level, only)
            .lazy()
            .filter(pl.col("measure").is_in(sums))
            .sort(*_GROUPS, "day")
            .with_columns(
                total=pl.col("value").cum_sum().over(_GROUPS),
                index=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(_GROUPS),
            )
            .select(*_GROUPS, "day", "total", "index")
            .collect(engine=ENGINE)
        )
    return dataset.memo[key]


def _window_sums(running: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    totals = running.lazy()
    labels = windows.columns
    spans = totals.select(_GROUPS).unique().join(windows.lazy(), how="cross").with_row_index("span")

    def before(column: str, alias: str) -> pl.LazyFrame:
        # the running total on the last day strictly before ``column`` (0 when there is none)
        return (
            spans.select("span", *_GROUPS, probe=pl.col(column) - pl.duration(days=1))
            .sort("probe")
            .join_asof(
                totals,
                left_on="probe",
                right_on="day",
                by=_GROUPS,
                strategy="backward",
                check_sortedness=False,  # sorted by day within each group, as join_asof needs
            )
            .select(
                "span",
                pl.col("total").fill_null(0.0).alias(f"{alias}_total"),
                pl.col("index").fill_null(0).alias(f"{alias}_index"),
            )
        )

    return (
        spans.join(before("end", "upper"), on="span")
        .join(before("start", "lower"), on="span")
        .filter(pl.col("upper_index") > pl.col("lower_index"))
        .select(
            *_GROUPS,
            *labels,
            day=pl.col("start"),
            value=pl.col("upper_total") - pl.col("lower_total"),
        )
        .collect(engine=ENGINE)
    )


def evaluate(
    frame: pl.DataFrame, registry: Registry, metric_id: str, keys: Sequence[str]
) -> pl.DataFrame:
    """``keys`` + ``value`` for one metric, from long measures (``measure``, ``value``, ``day``…).

    Groups with no rows for the metric's measures do not appear; a zero denominator gives null.
    """
    return evaluate_lazy(frame.lazy(), registry, metric_id, keys).collect(engine=ENGINE)


def evaluate_lazy(
    frame: pl.LazyFrame, registry: Registry, metric_id: str, keys: Sequence[str]
) -> pl.LazyFrame:
    """:func:`evaluate` as a lazy query, for views that run their whole computation as one query."""
    metric = registry.metric(metric_id)
    keys = list(keys)
    if isinstance(metric, SimpleMetric):
        rollup = registry.measure(metric.measure)[1].rollup
        col = pl.col("value")
        agg = {"sum": col.sum(), "min": col.min(), "max": col.max()}[rollup]
        return frame.filter(pl.col("measure") == metric.measure).group_by(keys).agg(value=agg)
    if isinstance(metric, RatioMetric):
        num = pl.col("value").filter(pl.col("measure") == metric.numerator).sum()
        den = pl.col("value").filter(pl.col("measure") == metric.denominator).sum()
        return (
            frame.filter(pl.col("measure").is_in([metric.numerator, metric.denominator]))
            .group_by(keys)
            .agg(num=num, den=den)
            .select(*keys, value=_safe_div(pl.col("num"), pl.col("den")))
        )
    if isinstance(metric, SemiAdditiveMetric):
        snaps = frame.filter(pl.col("measure") == metric.measure)
        per_day = snaps.group_by([*keys, "day"]).agg(pl.col("value").sum())
        if metric.period_agg == "last":
            last = pl.col("day").max().over(keys) if keys else pl.col("day").max()
            return per_day.filter(pl.col("day") == last).group_by(keys).agg(pl.col("value").sum())
        return per_day.group_by(keys).agg(pl.col("value").mean())
    return _evaluate_derived(frame, registry, metric, keys)


def _evaluate_derived(
    frame: pl.LazyFrame, registry: Registry, metric: DerivedMetric, keys: list[str]
) -> pl.LazyFrame:
    joined: pl.LazyFrame | None = None
    for ref in metric.refs:
        part = evaluate_lazy(frame, registry, ref, keys).rename({"value": f"__{ref}"})
        if joined is None:
            joined = part
        elif keys:
            joined = joined.join(part, on=keys, how="full", coalesce=True)
        else:
            joined = pl.concat([joined, part], how="horizontal")
    assert joined is not None  # a derived metric refers to at least one metric (validated)
    return joined.select(*keys, value=to_expr(metric.tree))


def to_expr(node: Node) -> pl.Expr:
    """A Polars expression computing a derived-metric tree over ``__<ref>`` columns."""
    if isinstance(node, Ref):
        return pl.col(f"__{node.name}")
    if isinstance(node, Num):
        return pl.lit(node.value, dtype=pl.Float64)
    if isinstance(node, Neg):
        return -to_expr(node.operand)
    left, right = to_expr(node.left), to_expr(node.right)
    if isinstance(node, BinOp) and node.op == "/":
        return _safe_div(left, right)
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]


def _safe_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den != 0).then(num / den).otherwise(None)


def value_over(
    dataset: Dataset, registry: Registry, metric_id: str, level: Level, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """``scope`` + ``value`` of a metric over ``[start, end)`` at one level (a convenience)."""
    frame = scoped(dataset, registry, measures_of(registry, metric_id), [level])
    frame = frame.filter((pl.col("day") >= start) & (pl.col("day") < end))
    return evaluate(frame, registry, metric_id, ["scope"]).sort("scope")
