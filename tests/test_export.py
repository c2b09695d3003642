"""The executive brief is a board memo: a summary first, formatted tables, SVG charts that print,
one self-contained HTML file of at most 1 MB that prints on at most three A4 pages."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from bridge.config.registry import Registry
from bridge.data.state import list_records, open_state, record
from bridge.dataset import Dataset
from bridge.present.export import ExportUnavailable, brief_html, png_bytes
from bridge.present.tables import csv_bytes
from bridge.records import RECORDS_SCHEMA, parse_input
from bridge.translate.review import review
from tests.conftest import AS_OF, ROOT
from tests.servers import CHROMIUM_ARGS

#: A resource the browser would fetch: src/href attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:https?:)?//)""",
    re.IGNORECASE,
)
MAX_BYTES = 1_000_000
MAX_PAGES = 3
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def brief(
    sample_dataset: Dataset, registry: Registry, tmp_path_factory: pytest.TempPathFactory
) -> str:
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
    html = brief_html(
        sample_dataset,
        registry,
        AS_OF,
        decisions,
        review(decisions, sample_dataset, registry, AS_OF),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "brief.html").write_text(html, encoding="utf-8")
    return html


def test_the_brief_is_small_and_self_contained(brief: str) -> None:
    assert len(brief.encode("utf-8")) <= MAX_BYTES
    assert "<script" not in brief.lower()  # nothing runs: SVG charts, plain tables
    assert EXTERNAL.findall(brief) == []
    assert "<link" not in brief.lower()
    assert brief.count("<svg") == 6  # three headline metrics by unit, three trade-offs


def test_the_detector_would_catch_an_external_reference() -> None:
    assert EXTERNAL.findall('<script src="https://cdn.plot.ly/plotly-3.0.1.min.js"></script>')
    assert EXTERNAL.findall("<link href='//fonts.example/x.css'>")
    assert EXTERNAL.findall("body{background:url(https://x/y.png)}")


def test_the_brief_opens_with_a_summary(brief: str, registry: Registry) -> None:
    summary = brief[brief.index("<section class='summary'>") : brief.index("</section>")]
    assert brief.index("<section class='summary'>") < brief.index("<h2>Headline metrics")
    for label in ("Revenue", "Contribution margin", "On-time delivery rate"):
        assert label in summary
    assert "2026 Q4 so far (60 of 92 days)" in summary  # the period in progress says so
    assert "$" in summary and "%" in summary and "pts" in summary  # formatted, not raw floats
    assert "Decisions due for review" in summary
    assert "Retail Stores: stop (decided 2025-06-30, review 2026-06-30)" in summary
    for decision in registry.decisions.values():
        assert decision.question in summary


def test_the_brief_holds_trade_offs_definitions_and_decisions(
    brief: str, registry: Registry
) -> None:
    for decision in registry.decisions.values():
        assert decision.question in brief
    assert "Definitions" in brief and "sum(orders_on_time) / sum(orders)" in brief
    assert "Recent decisions" in brief and "falling for years" in brief
    assert "as expected" in brief
    assert "<script>alert" not in brief and "&lt;script&gt;alert" in brief  # text is escaped


def test_no_raw_number_in_the_brief(brief: str) -> None:
    text = re.sub(r"<svg.*?</svg>", "", brief, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"\d+\.\d{3,}", text), "a float with more than two decimals"
    assert "00:00:00" not in text and "None" not in text and " nan" not in text.lower()
    assert "True" not in text and "False" not in text


def test_the_brief_prints_on_three_a4_pages(brief: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs it from Debian's packages)")
    page = tmp_path / "brief.html"
    page.write_text(brief, encoding="utf-8")
    pdf = tmp_path / "brief.pdf"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_ARGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "brief.pdf")
    assert 1 <= pages <= MAX_PAGES, f"the brief prints on {pages} pages"


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised() -> None:
    frame = pl.DataFrame(
        {
            "team": ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "Checkout", "\tx"],
            "value": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    lines = csv_bytes(frame).decode().splitlines()
    assert lines[0] == "team,value"
    assert lines[1].startswith("\"'=HYPERLINK") and lines[2] == "'+1,2.0"
    assert lines[3] == "'-2+3,3.0" and lines[4] == "'@SUM(A1),4.0"
    assert lines[5] == "Checkout,5.0"  # ordinary text untouched
    assert lines[1].endswith(",-1.5")  # numbers stay numbers


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
    assert "No decision recorded yet." in html and "No decision is due for review." in html


def test_a_shared_period_is_said_once_but_kept_in_the_csv(
    sample_dataset: Dataset, registry: Registry
) -> None:
    from bridge.present.format import of
    from bridge.present.tables import horizon_table
    from bridge.translate.horizon import horizon
    from bridge.translate.windows import latest

    last = latest(horizon(sample_dataset, registry, "revenue", "quarter", AS_OF))
    shown = horizon_table(last, of(registry.metric("revenue")))
    assert "Period" not in shown.shown.columns
    assert shown.csv_frame.get_column("Period").n_unique() == 1
    assert shown.csv_frame.height == shown.shown.height == last.height


def test_the_summary_says_why_each_headline_moved(brief: str, registry: Registry) -> None:
    summary = brief.split("<section class='summary'>", 1)[1].split("</section>", 1)[0]
    said = re.findall(r"<p class='why'>(.*?)</p>", summary)
    assert [s.split(" ")[0] for s in said] == ["Revenue", "Contribution", "On-time"]
    assert all(" vs the same " in s and " days last year: " in s for s in said)


def test_a_sparkline_is_a_line_of_its_values_with_an_escaped_title() -> None:
    from bridge.present.svg import SPARK_HEIGHT, SPARK_PAD, sparkline

    assert sparkline([], "x") == sparkline([3.0], "x") == ""  # no trend in fewer than two values
    drawn = sparkline([1.0, 3.0, 2.0], 'Revenue <by> "quarter"')
    points = [
        tuple(map(float, p.split(","))) for p in drawn.split('points="')[1].split('"')[0].split()
    ]
    assert [x for x, _ in points] == [0.0, 120.0, 240.0]
    assert points[1][1] == SPARK_PAD and points[0][1] == SPARK_HEIGHT - SPARK_PAD  # up is up
    assert "<title>Revenue &lt;by&gt; &quot;quarter&quot;</title>" in drawn
    assert sparkline([1.0, float("nan"), 3.0], "t").count(",") == 2  # NaN left out, not drawn
    flat = sparkline([5.0, 5.0], "flat")
    assert 'points="0.0,22.0 240.0,22.0"' in flat  # level, in the middle, not at an edge
