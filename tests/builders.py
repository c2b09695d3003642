"""Small hand-made datasets and registries for tests, so every expected number can be worked out by hand.

A registry is built from the spec models directly (the same models ``load_registry`` fills from TOML)
and checked with the same semantic rules, so a mistake in a test's definitions fails loudly instead of
silently testing something else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from bridge.config.decisions import DecisionsFile
from bridge.config.files import ConfigFiles, ParsedConfig
from bridge.config.metrics import MetricsFile
from bridge.config.registry import Registry
from bridge.config.rules import semantic_problems
from bridge.config.sources import SourcesFile
from bridge.dataset import MEASURES_SCHEMA, ORG_SCHEMA, PLAN_SCHEMA, TARGETS_SCHEMA, Dataset
from bridge.errors import ConfigError

COMPANY = "Acme"
EFFECTIVE = dt.date(2000, 1, 1)

Row = tuple[dt.date, str, str, float]


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day in ``[start, end)``."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def make_dataset(
    rows: Iterable[Row],
    org: Mapping[str, str] | None = None,
    targets: Iterable[tuple[Any, ...]] = (),
    plan: Iterable[tuple[str, str, dt.date, dt.date, float]] = (),
) -> Dataset:
    """A :class:`Dataset` from ``(day, team, measure, value)`` rows.

    ``org`` maps team → business unit (the team name is the team id). ``targets`` rows are
    ``(team, metric, valid_from, valid_to | None, target)`` with an optional trailing owner.
    """
    rows = list(rows)
    measures = pl.DataFrame(
        [(d, t, m, float(v)) for d, t, m, v in rows], schema=MEASURES_SCHEMA, orient="row"
    )
    org = dict(org or {})
    org_frame = pl.DataFrame([(t, t, bu) for t, bu in org.items()], schema=ORG_SCHEMA, orient="row")
    target_rows = [
        (t[0], t[1], t[2], t[3], float(t[4]), t[5] if len(t) > 5 else "owner") for t in targets
    ]
    target_frame = pl.DataFrame(target_rows, schema=TARGETS_SCHEMA, orient="row")
    plan_frame = pl.DataFrame(
        [(bu, m, s, e, float(v)) for bu, m, s, e, v in plan], schema=PLAN_SCHEMA, orient="row"
    )
    return Dataset(measures, org_frame, target_frame, plan_frame)


# --- metric specs as plain dicts (the shape of one [[metrics]] entry in metrics.toml) ------------


def _metric(
    kind: str, metric_id: str, unit: str, direction: str, extra: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": metric_id,
        "kind": kind,
        "label": metric_id.replace("_", " ").capitalize(),
        "description": f"{metric_id} (test metric)",
        "unit": unit,
        "direction": direction,
        "owner": "Test Owner",
        "lenses": ["action", "choice"],
        "effective_from": EFFECTIVE,
        **extra,
    }
    spec.update(overrides)
    return spec


def simple(
    metric_id: str,
    measure: str | None = None,
    *,
    unit: str = "currency",
    direction: str = "higher_is_better",
    **overrides: Any,
) -> dict[str, Any]:
    return _metric(
        "simple", metric_id, unit, direction, {"measure": measure or metric_id}, **overrides
    )


def ratio(
    metric_id: str,
    numerator: str,
    denominator: str,
    *,
    reported: str | None = None,
    direction: str = "higher_is_better",
    **overrides: Any,
) -> dict[str, Any]:
    extra: dict[str, Any] = {"numerator": numerator, "denominator": denominator}
    if reported:
        extra["reported_measure"] = reported
    return _metric("ratio", metric_id, "percent", direction, extra, **overrides)


def derived(
    metric_id: str,
    expression: str,
    *,
    unit: str = "number",
    direction: str = "higher_is_better",
    **overrides: Any,
) -> dict[str, Any]:
    return _metric("derived", metric_id, unit, direction, {"expression": expression}, **overrides)


def semi(
    metric_id: str,
    measure: str | None = None,
    *,
    period_agg: str = "last",
    direction: str = "higher_is_better",
    **overrides: Any,
) -> dict[str, Any]:
    return _metric(
        "semi_additive",
        metric_id,
        "count",
        direction,
        {"measure": measure or metric_id, "period_agg": period_agg},
        **overrides,
    )


def quadrant_decision(
    decision_id: str,
    x: dict[str, Any],
    y: dict[str, Any],
    size: dict[str, Any],
    *,
    x_threshold: float,
    y_threshold: float,
    years: int = 3,
) -> dict[str, Any]:
    """A decision with a quadrant rule labelled ``hh`` / ``hl`` / ``lh`` / ``ll`` (x first)."""
    return {
        "id": decision_id,
        "question": f"{decision_id}?",
        "owner": "Test Owner",
        "x": x,
        "y": y,
        "size": size,
        "years": years,
        "rule": {
            "kind": "quadrant",
            "x_threshold": x_threshold,
            "y_threshold": y_threshold,
            "high_x_high_y": "hh",
            "high_x_low_y": "hl",
            "low_x_high_y": "lh",
            "low_x_low_y": "ll",
        },
    }


def diagonal_decision(
    decision_id: str, x: dict[str, Any], y: dict[str, Any], size: dict[str, Any], *, band: float
) -> dict[str, Any]:
    return {
        "id": decision_id,
        "question": f"{decision_id}?",
        "owner": "Test Owner",
        "x": x,
        "y": y,
        "size": size,
        "rule": {"kind": "diagonal", "band": band, "above": "above", "on": "on", "below": "below"},
    }


def make_registry(
    measures: Mapping[str, str],
    metrics: Sequence[dict[str, Any]],
    *,
    decisions: Sequence[dict[str, Any]] = (),
    portfolio: Mapping[str, str] | None = None,
    fiscal_start: int = 1,
    company: str = COMPANY,
) -> Registry:
    """A :class:`Registry` with one source holding ``measures`` (name → agg: sum, count, min, max).

    Raises :class:`ConfigError` when the definitions do not hold together, like ``load_registry``.
    """
    measure_specs = [
        {"name": name, "agg": agg, **({} if agg == "count" else {"column": name})}
        for name, agg in measures.items()
    ]
    sources = SourcesFile.model_validate(
        {
            "org": {
                "table": "org",
                "team_column": "team_id",
                "business_unit_column": "bu",
                "company_name": company,
            },
            "sources": [
                {
                    "name": "events",
                    "table": "events",
                    "time_column": "at",
                    "team_column": "team_id",
                    "measures": measure_specs,
                }
            ],
        }
    )
    metrics_file = MetricsFile.model_validate(
        {"calendar": {"fiscal_year_start_month": fiscal_start}, "metrics": list(metrics)}
    )
    decisions_file = DecisionsFile.model_validate(
        {"portfolio": dict(portfolio or {}), "decisions": list(decisions)}
    )
    config = ParsedConfig(ConfigFiles(Path(".")), sources, metrics_file, decisions_file)
    problems = semantic_problems(config)
    if problems:
        raise ConfigError(problems)
    return Registry.of(config)
