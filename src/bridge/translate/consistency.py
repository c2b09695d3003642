"""The consistency view: "why do these numbers differ?" for ratio metrics.

For each scope it sets the canonical value (sum of numerator / sum of denominator) against the usual
frontline shortcuts, with the size and the cause of each gap:

* ``average_of_daily_team_rates``: every team-day counts the same, whatever its volume;
* ``average_of_team_rates``: every team counts the same over the window, whatever its volume;
* ``average_of_reported_rates``: the rates teams type into their own KPI sheet — no denominator,
  possibly a different definition; it cannot be weighted, so it is never safely aggregable.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from bridge.config.metrics import RatioMetric
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.translate.evaluate import UNASSIGNED

#: A team whose reported rate differs from its computed rate by more than this is named as a cause.
REPORTING_GAP = 0.01


def consistency(
    dataset: Dataset, registry: Registry, metric_id: str, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """Columns: level, scope, method, value, gap (method − canonical), safely_aggregable, cause."""
    metric = registry.metric(metric_id)
    if not isinstance(metric, RatioMetric):
        raise RequestError(
            f"the consistency view compares ways of computing a rate; {metric_id!r} is a "
            f"{metric.kind} metric, expected a ratio metric"
        )
    m = dataset.measures.filter((pl.col("day") >= start) & (pl.col("day") < end))
    wanted = [metric.numerator, metric.denominator]
    daily = m.filter(pl.col("measure").is_in(wanted)).pivot(
        on="measure", index=["day", "team_id"], values="value"
    )
    for name in wanted:
        if name not in daily.columns:
            daily = daily.with_columns(pl.lit(0.0).alias(name))
    daily = daily.rename({metric.numerator: "num", metric.denominator: "den"}).fill_null(0.0)
    reported = (
        m.filter(pl.col("measure") == metric.reported_measure).select(
            "day", "team_id", reported="value"
        )
        if metric.reported_measure
        else pl.DataFrame(schema={"day": pl.Date, "team_id": pl.String, "reported": pl.Float64})
    )
    company = registry.sources_file.org.company_name
    org = dataset.org.select("team_id", "business_unit")
    daily = daily.join(org, on="team_id", how="left").with_columns(
        pl.col("business_unit").fill_null(UNASSIGNED)
    )
    reported = reported.join(org, on="team_id", how="left").with_columns(
        pl.col("business_unit").fill_null(UNASSIGNED)
    )
    rows: list[dict[str, object]] = []
    scopes = [("company", company, pl.lit(True))] + [
        ("business_unit", bu, pl.col("business_unit") == bu)
        for bu in sorted(daily.get_column("business_unit").unique().to_list())
    ]
    for level, scope, keep in scopes:
        rows.extend(
            _methods(
                daily.filter(keep),
                reported.filter(keep),
                level,
                scope,
                metric.reported_measure is not None,
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "level": pl.String,
            "scope": pl.String,
            "method": pl.String,
            "value": pl.Float64,
            "gap": pl.Float64,
            "safely_aggregable": pl.Boolean,
            "cause": pl.String,
        },
    )


def _methods(
    daily: pl.DataFrame, reported: pl.DataFrame, level: str, scope: str, has_reported: bool
) -> list[dict[str, object]]:
    num, den = float(daily.get_column("num").sum()), float(daily.get_column("den").sum())
    canonical = num / den if den else None
    per_day = daily.filter(pl.col("den") > 0).select(rate=pl.col("num") / pl.col("den"))
    teams = (
        daily.group_by("team_id")
        .agg(pl.col("num").sum(), pl.col("den").sum())
        .filter(pl.col("den") > 0)
    )
    team_rates = teams.select(
        "team_id", rate=pl.col("num") / pl.col("den"), share=pl.col("den") / den
    )

    def row(method: str, value: float | None, safe: bool, cause: str) -> dict[str, object]:
        gap = None if value is None or canonical is None else value - canonical
        return {
            "level": level,
            "scope": scope,
            "method": method,
            "value": value,
            "gap": gap,
            "safely_aggregable": safe,
            "cause": cause,
        }

    big = team_rates.sort("share", descending=True).head(1)
    weight_note = ""
    if len(big):
        t, rate, share = big.row(0)
        weight_note = f" — largest team {t} carries {share:.0%} of the volume at {rate:.1%}"
    out = [
        row("canonical", canonical, True, "sum of numerator / sum of denominator (the definition)"),
        row(
            "average_of_daily_team_rates",
            _mean(per_day.get_column("rate")),
            False,
            "unweighted: each team-day counts the same whatever its volume" + weight_note,
        ),
        row(
            "average_of_team_rates",
            _mean(team_rates.get_column("rate")),
            False,
            "unweighted: each team counts the same whatever its volume" + weight_note,
        ),
    ]
    if has_reported:
        out.append(
            row(
                "average_of_reported_rates",
                _mean(reported.get_column("reported")),
                False,
                _reported_cause(daily, reported),
            )
        )
    return out


def _mean(series: pl.Series) -> float | None:
    value = series.mean()
    return float(value) if isinstance(value, int | float) else None


def _reported_cause(daily: pl.DataFrame, reported: pl.DataFrame) -> str:
    """Name the teams whose self-reported rate departs from the rate their own rows give."""
    cause = "self-reported rates without denominators: not safely aggregable"
    compared = (
        reported.join(daily, on=["day", "team_id"], how="inner")
        .filter(pl.col("den") > 0)
        .group_by("team_id")
        .agg(reported=pl.col("reported").mean(), computed=(pl.col("num") / pl.col("den")).mean())
        .with_columns(diff=pl.col("reported") - pl.col("computed"))
        .filter(pl.col("diff").abs() > REPORTING_GAP)
        .sort("diff", descending=True)
    )
    if compared.is_empty():
        return cause
    named = ", ".join(f"{t} ({d:+.1%})" for t, d in compared.select("team_id", "diff").iter_rows())
    return cause + f"; teams reporting a different definition than their own rows show: {named}"
