"""The executive brief is one self-contained HTML file: no external reference, charts render offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from bridge.config.registry import Registry
from bridge.data.state import list_records, open_state, record
from bridge.dataset import Dataset
from bridge.present.export import ExportUnavailable, brief_html, csv_bytes, png_bytes
from bridge.records import RECORDS_SCHEMA, parse_input
from bridge.translate.review import review
from tests.conftest import AS_OF, CHROMIUM_ARGS, ROOT

#: A resource the browser would fetch: src/href attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:https?:)?//)""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def brief(
    sample_dataset: Dataset, registry: Registry, tmp_path_factory: pytest.TempPathFactory
) -> str:
    import datetime as dt

    engine = open_state(f"sqlite:///{tmp_path_factory.mktemp('state') / 'bridge.sqlite'}")
    record(
        engine,
        registry,
        sample_dataset.org,
        parse_input(
            {
                "decision_id": "stop",
                "scope": "Retail Stores",
                "choice": "stop",
                "rationale": "<script>alert('x')</script> falling for years",
                "author": "Dana Ortiz",
                "decided_on": dt.date(2025, 6, 30),
                "metric_id": "revenue",
                "expected_direction": "down",
                "review_on": dt.date(2026, 6, 30),
            }
        ),
        now=dt.datetime(2025, 6, 30, 12),
    )
    decisions = list_records(engine)
    return brief_html(
        sample_dataset,
        registry,
        AS_OF,
        decisions,
        review(decisions, sample_dataset, registry, AS_OF),
    )


SCRIPT_BODY = re.compile(r"(<script[^>]*>)(.*?)(</script>)", re.DOTALL | re.IGNORECASE)


def test_the_brief_references_nothing_outside_itself(brief: str) -> None:
    """The markup references no external resource. The inline plotly.js bundle contains link *text*
    (its logo's and map attributions' hrefs, never fetched), so script bodies are set aside here and
    the offline Chromium test below proves nothing is requested at run time."""
    tags = SCRIPT_BODY.findall(brief)
    assert len(tags) >= 7  # plotly.js inline, then one script per chart
    assert all("src=" not in opening.lower() for opening, _, _ in tags)
    markup = SCRIPT_BODY.sub(r"\1\3", brief)
    assert EXTERNAL.findall(markup) == []
    assert "<link" not in markup.lower()
    assert "cdn.plot.ly" not in markup  # (the bundle names it as geo default; no geo chart here)


def test_the_detector_would_catch_an_external_reference() -> None:
    assert EXTERNAL.findall('<script src="https://cdn.plot.ly/plotly-3.0.1.min.js"></script>')
    assert EXTERNAL.findall("<link href='//fonts.example/x.css'>")
    assert EXTERNAL.findall("body{background:url(https://x/y.png)}")


def test_the_brief_holds_views_definitions_and_decisions(brief: str, registry: Registry) -> None:
    for decision in registry.decisions.values():
        assert decision.question in brief
    assert "Definitions" in brief and "sum(orders_on_time) / sum(orders)" in brief
    assert "Recent decisions" in brief and "falling for years" in brief
    assert "as expected" in brief
    assert "<script>alert" not in brief and "&lt;script&gt;alert" in brief  # text is escaped


def test_the_brief_renders_offline_in_chromium(brief: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium is not installed (make test installs it from Debian's packages)")
    from playwright.sync_api import sync_playwright

    path = tmp_path / "brief.html"
    path.write_text(brief, encoding="utf-8")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        context.route(
            "**/*",
            lambda route: (
                (requests.append(route.request.url), route.continue_())
                if route.request.url.startswith("file:")
                else (requests.append(route.request.url), route.abort())
            ),
        )
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6", timeout=60_000
        )
        charts = page.locator(".js-plotly-plot").count()
        page.screenshot(path=str(artifacts / "brief.png"), full_page=False)
        browser.close()
    assert charts == 6  # three trade-offs, three headline metrics
    assert [u for u in requests if not u.startswith("file:")] == []


def test_csv_of_a_view() -> None:
    frame = pl.DataFrame({"business_unit": ["Retail Stores"], "x": [0.1]})
    assert csv_bytes(frame) == b"business_unit,x\nRetail Stores,0.1\n"


def test_png_or_a_clear_message() -> None:
    figure = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    try:
        png = png_bytes(figure, width=300, height=200)
    except ExportUnavailable as exc:
        assert "kaleido" in str(exc) and "Chromium" in str(exc)
    else:
        assert png.startswith(b"\x89PNG")


def test_empty_decisions_say_so(sample_dataset: Dataset, registry: Registry) -> None:
    empty = pl.DataFrame(schema=RECORDS_SCHEMA)
    html = brief_html(
        sample_dataset, registry, AS_OF, empty, review(empty, sample_dataset, registry, AS_OF)
    )
    assert "No decision recorded yet." in html
