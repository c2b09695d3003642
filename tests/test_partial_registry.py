"""The app's forgiving registry: a broken entry is left out with what is built on it, the rest stays.

Each case breaks the shipped config in one place and asserts three things: the problems are exactly
those :func:`load_registry` reports, the entries left out are exactly the broken one and its
dependants, and every other entry is kept unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config.partial import load_partial_registry
from bridge.config.registry import Registry
from tests.configs import Edit, apply_edits, problems_of, replace

ALL_METRICS = [
    "revenue",
    "cost",
    "contribution",
    "contribution_margin",
    "orders",
    "on_time_rate",
    "sla_rate",
    "investment",
    "headcount",
    "revenue_per_head",
]


def partial(config_dir: Path, *edits: Edit) -> tuple[Registry, tuple[str, ...]]:
    """Apply ``edits``; return the partial registry (which must exist) and what it left out."""
    apply_edits(config_dir, *edits)
    result = load_partial_registry(config_dir)
    assert result.problems == problems_of(config_dir, relative=False)
    assert result.registry is not None
    return result.registry, result.left_out


def test_a_valid_config_is_the_whole_registry(config_copy: Path, registry: Registry) -> None:
    result = load_partial_registry(config_copy)
    assert result.problems == () and result.left_out == ()
    assert result.registry is not None
    assert list(result.registry.metrics) == list(registry.metrics)
    assert result.registry.metrics == registry.metrics
    assert result.registry.decisions == registry.decisions


def test_a_broken_derived_metric_takes_its_decisions_with_it(
    config_copy: Path, registry: Registry
) -> None:
    kept, left_out = partial(
        config_copy, replace("metrics.toml", '"(revenue - cost) / revenue"', '"(revenue - costs)"')
    )
    assert left_out == ("metric 'contribution_margin'", "decision 'bet'", "decision 'stop'")
    assert list(kept.metrics) == [m for m in ALL_METRICS if m != "contribution_margin"]
    assert list(kept.decisions) == ["invest"]
    # untouched entries are the very same specs, except that revenue no longer serves bet / stop
    assert kept.metrics["cost"] == registry.metrics["cost"]
    assert kept.metrics["revenue"].decisions == ()
    assert kept.decisions["invest"] == registry.decisions["invest"]
    assert kept.portfolio == registry.portfolio


def test_a_metric_with_a_wrong_kind_takes_its_dependants_with_it(config_copy: Path) -> None:
    kept, left_out = partial(
        config_copy, replace("metrics.toml", 'kind = "simple"', 'kind = "simpel"')
    )
    # revenue is broken; contribution, the margin and revenue per head are built on it;
    # every decision uses one of them
    assert left_out == (
        "metric 'revenue'",
        "metric 'contribution'",
        "metric 'contribution_margin'",
        "metric 'revenue_per_head'",
        "decision 'bet'",
        "decision 'invest'",
        "decision 'stop'",
        "portfolio (part of it)",
    )
    assert list(kept.metrics) == [
        "cost",
        "orders",
        "on_time_rate",
        "sla_rate",
        "investment",
        "headcount",
    ]
    assert kept.portfolio.investment == "investment" and kept.portfolio.contribution is None


def test_a_broken_decision_leaves_every_metric(config_copy: Path, registry: Registry) -> None:
    kept, left_out = partial(
        config_copy, replace("decisions.toml", 'transform = "share", label', "transform = 3, label")
    )
    assert left_out == ("decision 'invest'",)
    assert list(kept.metrics) == ALL_METRICS
    assert list(kept.decisions) == ["bet", "stop"]
    assert kept.metrics["investment"].decisions == ()
    assert kept.metrics["revenue"] == registry.metrics["revenue"]


def test_invalid_toml_in_decisions_leaves_out_every_decision_only(config_copy: Path) -> None:
    kept, left_out = partial(config_copy, ("decisions.toml", lambda text: text + "\n[["))
    assert left_out == (f"everything in {config_copy / 'decisions.toml'} (it cannot be read)",)
    assert list(kept.metrics) == ALL_METRICS
    assert not kept.decisions


def test_a_broken_source_takes_its_measures_metrics_with_it(config_copy: Path) -> None:
    kept, left_out = partial(
        config_copy, replace("sources.toml", 'time_column = "opened_at"', "time_column = 7")
    )
    assert left_out == ("source 'tickets'", "metric 'sla_rate'")
    assert [s.name for s in kept.sources] == ["orders", "spend", "headcount", "kpi_sheet"]
    assert "tickets" not in kept.measures
    assert list(kept.metrics) == [m for m in ALL_METRICS if m != "sla_rate"]


def test_a_broken_portfolio_key_is_left_out_alone(config_copy: Path) -> None:
    kept, left_out = partial(
        config_copy,
        replace("decisions.toml", 'contribution = "contribution"', 'contribution = "profit"'),
    )
    assert left_out == ("portfolio (part of it)",)
    assert kept.portfolio.contribution is None and kept.portfolio.investment == "investment"
    assert list(kept.decisions) == ["bet", "invest", "stop"]


def test_a_cycle_leaves_out_the_metrics_in_it(config_copy: Path) -> None:
    kept, left_out = partial(
        config_copy,
        replace("metrics.toml", '"revenue - cost"', '"contribution_margin - cost"'),
        replace("metrics.toml", '"(revenue - cost) / revenue"', '"contribution / revenue"'),
    )
    assert {"metric 'contribution'", "metric 'contribution_margin'"} <= set(left_out)
    assert "contribution" not in kept.metrics and "contribution_margin" not in kept.metrics
    assert "revenue" in kept.metrics and "on_time_rate" in kept.metrics


@pytest.mark.parametrize(
    "edit",
    [
        ("metrics.toml", lambda text: text + "\n[["),  # invalid TOML in a file every page needs
        (
            "sources.toml",
            lambda text: text.replace('team_column = "team_id"', "team_column = 5", 1),
        ),
        ("sources.toml", lambda text: "colour = 'blue'\n" + text),  # a top-level key, not an entry
    ],
    ids=["metrics_not_toml", "org_broken", "unknown_top_level_key"],
)
def test_nothing_usable_is_no_registry(config_copy: Path, edit: Edit) -> None:
    apply_edits(config_copy, edit)
    result = load_partial_registry(config_copy)
    assert result.registry is None
    assert result.problems == problems_of(config_copy, relative=False)


def test_a_missing_metrics_file_is_no_registry(config_copy: Path) -> None:
    (config_copy / "metrics.toml").unlink()
    result = load_partial_registry(config_copy)
    assert result.registry is None
    assert [p.file for p in result.problems] == [str(config_copy / "metrics.toml")]


def test_no_metric_left_is_nothing_to_show(config_copy: Path) -> None:
    """A broken source that every metric is built on (found by tests/test_config_fuzz.py): the
    registry would hold sources and no metric, so the app shows the problems instead of pages."""
    sources = config_copy / "sources.toml"
    sources.write_text(
        sources.read_text().replace('name = "orders"\n', 'name = "orders"\ncolour = "blue"\n', 1)
    )
    metrics = config_copy / "metrics.toml"
    kept = [
        block
        for block in metrics.read_text().split("[[metrics]]")
        if '"orders' in block or '"revenue"' in block or '"cost"' in block or "[calendar]" in block
    ]
    metrics.write_text("[[metrics]]".join(kept))
    partial = load_partial_registry(config_copy)
    assert partial.registry is None
    assert any("colour" in str(p) for p in partial.problems)
