"""The consistency view: the canonical rate against the frontline shortcuts, with size and cause."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.translate.consistency import consistency
from tests.builders import COMPANY, Row, make_dataset, make_registry, ratio, simple

REGISTRY = make_registry(
    {"ok": "count", "n": "count", "reported": "max", "sales": "sum"},
    [
        ratio("rate", "ok", "n", reported="reported"),
        ratio("plain_rate", "ok", "n"),
        simple("sales"),
    ],
)
D1, D2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def dataset() -> Dataset:
    rows: list[Row] = [
        # t1 (unit A): a big day at 100% and a small one at 10% → 810 / 900 = 0.9
        (D1, "t1", "n", 800),
        (D1, "t1", "ok", 800),
        (D2, "t1", "n", 100),
        (D2, "t1", "ok", 10),
        # t2 (unit A): two small days at 50%
        (D1, "t2", "n", 50),
        (D1, "t2", "ok", 25),
        (D2, "t2", "n", 50),
        (D2, "t2", "ok", 25),
        # t3 (unit B): one day at 70%
        (D1, "t3", "n", 100),
        (D1, "t3", "ok", 70),
        # the KPI sheet: t1 types 95% (its own rows say 55% on average), the others type the truth
        (D1, "t1", "reported", 0.95),
        (D2, "t1", "reported", 0.95),
        (D1, "t2", "reported", 0.5),
        (D2, "t2", "reported", 0.5),
        (D1, "t3", "reported", 0.7),
        # outside the window
        (dt.date(2026, 10, 31), "t1", "n", 1000),
        (dt.date(2026, 10, 31), "t1", "ok", 0),
    ]
    return make_dataset(rows, {"t1": "A", "t2": "A", "t3": "B"})


def method(view: pl.DataFrame, scope: str, name: str) -> dict[str, Any]:
    found = view.filter((pl.col("scope") == scope) & (pl.col("method") == name))
    assert found.height == 1, found
    return found.row(0, named=True)


@pytest.mark.parametrize(
    ("scope", "name", "value"),
    [
        ("A", "canonical", 860 / 1000),
        ("A", "average_of_daily_team_rates", (1.0 + 0.1 + 0.5 + 0.5) / 4),
        ("A", "average_of_team_rates", (0.9 + 0.5) / 2),
        ("A", "average_of_reported_rates", (0.95 + 0.95 + 0.5 + 0.5) / 4),
        ("B", "canonical", 0.7),
        ("B", "average_of_team_rates", 0.7),
        (COMPANY, "canonical", 930 / 1100),
        (COMPANY, "average_of_daily_team_rates", (1.0 + 0.1 + 0.5 + 0.5 + 0.7) / 5),
        (COMPANY, "average_of_team_rates", (0.9 + 0.5 + 0.7) / 3),
        (COMPANY, "average_of_reported_rates", (0.95 + 0.95 + 0.5 + 0.5 + 0.7) / 5),
    ],
)
def test_methods_against_the_canonical_value(scope: str, name: str, value: float) -> None:
    view = consistency(dataset(), REGISTRY, "rate", START, END)
    row = method(view, scope, name)
    canonical = method(view, scope, "canonical")["value"]
    assert row["value"] == pytest.approx(value)
    assert row["gap"] == pytest.approx(value - canonical)
    assert row["level"] == ("company" if scope == COMPANY else "business_unit")


def test_only_the_canonical_value_is_safely_aggregable() -> None:
    view = consistency(dataset(), REGISTRY, "rate", START, END)
    safe = {(r["scope"], r["method"]): r["safely_aggregable"] for r in view.iter_rows(named=True)}
    assert all(safe[(s, "canonical")] for s in ("A", "B", COMPANY))
    assert not any(v for (_, m), v in safe.items() if m != "canonical")
    # rates without denominators can never be weighted back into the true rate
    assert method(view, "A", "average_of_reported_rates")["safely_aggregable"] is False


def test_the_cause_names_the_volume_weighting() -> None:
    view = consistency(dataset(), REGISTRY, "rate", START, END)
    cause = method(view, "A", "average_of_team_rates")["cause"]
    assert cause.startswith("unweighted: each team counts the same")
    assert "largest team t1 carries 90% of the volume at 90.0%" in cause
    assert "team-day" in method(view, "A", "average_of_daily_team_rates")["cause"]


def test_the_cause_names_a_team_reporting_a_looser_definition() -> None:
    view = consistency(dataset(), REGISTRY, "rate", START, END)
    for scope in ("A", COMPANY):
        cause = method(view, scope, "average_of_reported_rates")["cause"]
        assert "t1 (+40.0%)" in cause  # reports 95% where its own rows give 55% a day on average
        assert "t2" not in cause and "t3" not in cause
    # in unit B everyone reports what its rows say: no team to name
    assert method(view, "B", "average_of_reported_rates")["cause"] == (
        "self-reported rates without denominators: not safely aggregable"
    )


def test_a_rate_without_a_reported_measure_has_no_reported_row() -> None:
    view = consistency(dataset(), REGISTRY, "plain_rate", START, END)
    assert set(view.get_column("method")) == {
        "canonical",
        "average_of_daily_team_rates",
        "average_of_team_rates",
    }
    assert sorted(set(view.get_column("scope"))) == sorted(["A", "B", COMPANY])


def test_only_ratio_metrics_have_a_consistency_view() -> None:
    with pytest.raises(RequestError, match="expected a ratio metric"):
        consistency(dataset(), REGISTRY, "sales", START, END)
