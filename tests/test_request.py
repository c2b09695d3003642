"""One way in: every check of a request lives in resolve(); the CLI and the URL get the same words.

A table of cases, valid and refused, through :func:`bridge.translate.request.resolve` directly; then
the same refused values through ``bridge view`` and through a page's URL, which must print and show
exactly the same message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from bridge.app.cli import main
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import RequestError
from bridge.translate.request import (
    ConsistencyRequest,
    Coverage,
    FrontlineRequest,
    HorizonRequest,
    RawRequest,
    TradeoffRequest,
    resolve,
)
from tests.apptesting import drawings, open_page, shown
from tests.conftest import AS_OF

TODAY = dt.date(2026, 12, 3)
UNITS = ", ".join(["Enterprise Software", "Logistics Services", "Marketplace", "Retail Stores"])
CHOICE = "revenue, cost, contribution, contribution_margin, orders, on_time_rate, sla_rate, investment, headcount, revenue_per_head"
ACTION = "revenue, orders, on_time_rate, sla_rate, headcount"


@pytest.fixture(scope="module")
def coverage(sample_dataset: Dataset) -> Coverage:
    return Coverage.of(sample_dataset, TODAY)


VALID: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("horizon", {}, {"metric": "revenue", "grain": "quarter", "unit": None, "as_of": AS_OF}),
    ("horizon", {"metric": "contribution_margin", "grain": "month"}, {"metric": "contribution_margin", "grain": "month"}),
    ("frontline", {}, {"metric": "revenue", "grain": "week"}),
    ("frontline", {"metric": "on_time_rate", "grain": "day", "unit": "Retail Stores"}, {"grain": "day", "unit": "Retail Stores"}),
    ("tradeoff", {}, {"decision": "bet"}),
    ("tradeoff", {"decision": "stop"}, {"decision": "stop"}),
    ("consistency", {}, {"metric": "on_time_rate", "grain": "ttm"}),
    ("consistency", {"metric": "sla_rate", "grain": "quarter"}, {"metric": "sla_rate", "grain": "quarter"}),
    ("overview", {"lens": "choice"}, {"grain": "quarter", "lens": "choice"}),
    ("overview", {"lens": "CHOICE"}, {"lens": "choice"}),
    ("definitions", {"metric": "headcount"}, {"metric": "headcount"}),
    ("decisions", {}, {"decision": None}),
    ("fix_now", {"grain": "day"}, {"grain": "day"}),
    ("health", {"as_of": "2026-06-30"}, {"as_of": dt.date(2026, 6, 30), "data_end": dt.date(2026, 6, 30)}),
    # after the last data day: allowed up to tomorrow, but the data still ends on its last day
    ("horizon", {"as_of": "2026-12-04"}, {"as_of": dt.date(2026, 12, 4), "data_end": AS_OF}),
]  # fmt: skip


@pytest.mark.parametrize(("view", "given", "expected"), VALID)
def test_valid_requests_resolve(
    registry: Registry,
    coverage: Coverage,
    view: str,
    given: dict[str, str],
    expected: dict[str, Any],
) -> None:
    request = resolve(view, RawRequest(**given), registry, coverage)
    assert request.view == view
    for name, value in expected.items():
        got = getattr(request, name)
        assert getattr(got, "id", got) == value, name


def test_requests_are_typed_per_view(registry: Registry, coverage: Coverage) -> None:
    assert isinstance(resolve("horizon", RawRequest(), registry, coverage), HorizonRequest)
    assert isinstance(resolve("frontline", RawRequest(), registry, coverage), FrontlineRequest)
    assert isinstance(resolve("tradeoff", RawRequest(), registry, coverage), TradeoffRequest)
    assert isinstance(resolve("consistency", RawRequest(), registry, coverage), ConsistencyRequest)


REFUSED: list[tuple[str, dict[str, str], str]] = [
    ("horizon", {"metric": "bogus"}, f"unknown metric 'bogus'; expected one of: {CHOICE}"),
    ("frontline", {"metric": "contribution_margin"}, f"metric 'contribution_margin' is not in the action lens, which the frontline view shows; expected one of: {ACTION}"),
    ("horizon", {"grain": "week"}, "grain 'week' is not available for the horizon view; expected one of: month, quarter, year"),
    ("frontline", {"grain": "quarter"}, "grain 'quarter' is not available for the frontline view; expected one of: day, week"),
    ("consistency", {"metric": "revenue"}, "the consistency view compares ways of computing a rate; 'revenue' is a simple metric, expected a ratio metric"),
    ("tradeoff", {"decision": "merge"}, "unknown decision 'merge'; expected one of: bet, invest, stop"),
    ("horizon", {"unit": "Atlantis"}, f"unknown business unit 'Atlantis'; expected one of: {UNITS}"),
    ("horizon", {"as_of": "2026-13-01"}, "as-of date '2026-13-01' is not a date; expected a day like 2026-11-30"),
    ("horizon", {"as_of": "2030-01-01"}, "as-of date 2030-01-01 is after today (2026-12-03); expected a day up to 2026-12-04"),
    ("horizon", {"as_of": "2021-06-30"}, "as-of date 2021-06-30 leaves no data (the first day with data is 2022-01-01); expected a day from 2022-01-02 to 2026-12-04"),
    ("overview", {"lens": "sideways"}, "unknown lens 'sideways'; expected one of: action, choice, both"),
    ("horizon", {"metric": "x" * 500}, "unknown metric 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"),
    # every refused field at once, in one message
    ("horizon", {"metric": "bogus", "grain": "week", "unit": "Atlantis"}, "unknown metric 'bogus'"),
]  # fmt: skip


@pytest.mark.parametrize(("view", "given", "message"), REFUSED)
def test_refused_requests_name_what_and_why(
    registry: Registry, coverage: Coverage, view: str, given: dict[str, str], message: str
) -> None:
    with pytest.raises(RequestError) as info:
        resolve(view, RawRequest(**given), registry, coverage)
    assert str(info.value).startswith(message)
    assert set(info.value.fields) == set(given)


def test_every_refusal_is_listed_together(registry: Registry, coverage: Coverage) -> None:
    with pytest.raises(RequestError) as info:
        resolve(
            "horizon", RawRequest(metric="bogus", grain="week", unit="Atlantis"), registry, coverage
        )
    parts = str(info.value).split("; expected one of: ")
    assert len(parts) == 4  # three refusals, each naming what it expected
    assert info.value.fields == ("metric", "grain", "unit")


# --- the same words from both entrances ----------------------------------------------------------

#: (page, view, CLI flags, URL parameters): one refused field of each kind.
ENTRANCES = [
    ("time-horizons", "horizon", ["--metric", "bogus"], {"metric": "bogus"}),
    ("time-horizons", "horizon", ["--grain", "week"], {"grain": "week"}),
    ("frontline", "frontline", ["--grain", "quarter"], {"grain": "quarter"}),
    ("trade-offs", "tradeoff", ["--decision", "merge"], {"decision": "merge"}),
    ("time-horizons", "horizon", ["--business-unit", "Atlantis"], {"unit": "Atlantis"}),
    ("time-horizons", "horizon", ["--as-of", "2030-01-01"], {"as_of": "2030-01-01"}),
    ("time-horizons", "horizon", ["--as-of", "yesterday"], {"as_of": "yesterday"}),
]


@pytest.mark.parametrize(("page", "view", "flags", "params"), ENTRANCES)
def test_cli_and_url_refuse_with_the_same_message(
    app: AppTest,
    sample_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    page: str,
    view: str,
    flags: list[str],
    params: dict[str, str],
) -> None:
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["view", view, *flags]) == 1
    printed = capsys.readouterr().err.strip()
    assert printed.startswith("error: ")
    message = printed.removeprefix("error: ")
    at = open_page(app, page, **params)
    on_page = [shown(e.value) for e in at.error]
    assert on_page == [f"{message} — showing the default instead."]


def test_a_crafted_url_is_echoed_as_text_never_as_a_link(app: AppTest) -> None:
    """A refused value is said back in the message: a link crafted into a Bridge URL
    (``?unit=[click here](http://…)``) showed as a link inside Bridge's own error box."""
    crafted = "[click here](http://127.0.0.1:9/x) **now**"
    at = open_page(app, "trade-offs", unit=crafted)
    raw = [e.value for e in at.error]
    assert len(raw) == 1 and crafted in shown(raw[0])  # said as it was written
    assert "[click here](" not in raw[0] and "**now**" not in raw[0]  # as text, not Markdown


# --- as-of lives only in the core --------------------------------------------------------------


def _files(folder: Any) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    }


def test_moving_the_as_of_date_neither_queries_nor_rewrites_the_cache(
    app: AppTest, sample_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back and forth in time: the views recompute from the loaded days; the source is not asked
    again and the measure cache on disk is not touched."""
    from sqlalchemy import Engine, event

    cache = tmp_path / "cache"
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(cache))
    source_file = sample_url.removeprefix("sqlite:///")
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if source_file in str(conn.engine.url):
            sent.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        at = open_page(app, "time-horizons", lens="choice")
        assert sent, "the first page loads the measures from the source"
        files = _files(cache)
        assert any(name.endswith("measures.parquet") for name in files)
        sent.clear()
        first_x = None
        for day in (dt.date(2025, 6, 30), dt.date(2024, 1, 15), AS_OF, dt.date(2025, 6, 30)):
            at = at.sidebar.date_input(key="as_of").set_value(day).run()
            assert not at.exception and not at.error
            chart = next(d for d in drawings(at) if 'data-kind="horizon"' in d)
            if day == dt.date(2025, 6, 30):
                first_x = first_x or chart
                assert chart == first_x  # the same view each time
        assert sent == []
        assert _files(cache) == files
        assert at.query_params["as_of"] == "2025-06-30"
    finally:
        event.remove(Engine, "before_cursor_execute", count)
