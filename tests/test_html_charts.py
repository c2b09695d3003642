"""The static bar charts (bridge.present.html_charts): what they draw is what the numbers are — bar sizes in
proportion, every value written as the metric writes it, nothing from data read as markup."""

from __future__ import annotations

import html
import itertools
import math
import re

import polars as pl

from bridge.present.format import NumberFormat
from bridge.present.html_charts import (
    LINE_BOTTOM,
    LINE_H,
    LINE_TOP,
    LINEAGE_NARROW_PX,
    MIN_LABEL_PX,
    TICKS_PX,
    horizon_lines,
    lineage_flow,
    share_bars,
    status_bars,
    status_grid,
    unit_bars,
)
from bridge.present.palette import DECISION, STATUSES

MONEY = NumberFormat(unit="currency", decimals=1)
PERCENT = NumberFormat(unit="percent", decimals=1)


def _units(rows: list[tuple[str, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"scope": pl.String, "value": pl.Float64, "last_year_value": pl.Float64},
        orient="row",
    )


def _bars(markup: str) -> list[tuple[float, float, float]]:
    """(value, bottom %, height %) of every bar, in order."""
    return [
        (float(v), float(b), float(h))
        for v, b, h in re.findall(
            r'data-value="([^"]+)" style="[^"]*bottom:([\d.]+)%;height:([\d.]+)%', markup
        )
    ]


def _ticks(markup: str, axis: str) -> list[str]:
    block = re.search(rf'data-axis="{axis}"[^>]*>(.*?)</div></div>', markup)
    assert block, f"no {axis} axis"
    return re.findall(r">([^<>]+)</div>", block.group(1) + "</div>")


def test_unit_bars_draw_each_value_in_proportion_and_write_it() -> None:
    markup = unit_bars(
        _units([("Marketplace", 5.2e6, 3.8e6), ("Retail Stores", 2.1e6, 2.4e6)]),
        MONEY,
        "2026 Q4 so far",
        "the same 66 days last year",
    )
    bars = _bars(markup)
    assert [v for v, _, _ in bars] == [3.8e6, 5.2e6, 2.4e6, 2.1e6]  # last year first, per unit
    zero = {b for _, b, _ in bars}
    assert len(zero) == 1, "every bar starts at zero"
    per_dollar = bars[0][2] / bars[0][0]  # heights in proportion to the values (to 0.01 %)
    assert all(abs(h - v * per_dollar) < 0.02 for v, _, h in bars), bars
    for written in ("$5.2M", "$3.8M", "$2.1M", "$2.4M"):
        assert f">{written}</div>" in markup
    assert 'title="Marketplace: $5.2M (2026 Q4 so far)"' in markup
    # said in words, for a screen reader
    assert "Marketplace: $3.8M the same 66 days last year, $5.2M 2026 Q4 so far" in markup
    ticks = _ticks(markup, "y")
    assert ticks[0] == "$0" and len(set(ticks)) == len(ticks) > 2


def test_unit_bars_in_a_narrow_box_write_only_the_latest_values_and_larger() -> None:
    """In Frontline's side column every bar's value was written at 7 px: below the width at which
    they would be smaller than MIN_LABEL_PX, last year's values are left to the tooltips and this
    period's are written as wide as their group (a container query: the width is the box's)."""
    markup = unit_bars(
        _units([("Marketplace", 5.2e6, 3.8e6), ("Retail Stores", 2.1e6, 2.4e6)]),
        MONEY,
        "2026-11",
        "the same month last year",
    )
    narrow = math.ceil(MIN_LABEL_PX * 4 * len("$5.2M") * 0.7 / 0.9) + TICKS_PX
    assert f"@container (max-width: {narrow}px)" in markup
    assert f'[data-narrow="{narrow}"] [data-label="earlier"] {{display:none}}' in markup
    assert f'<div data-narrow="{narrow}"' in markup
    labels = re.findall(r'data-label="(\w+)"[^>]*>([^<]+)</div>', markup)
    assert labels == [
        ("earlier", "$3.8M"), ("last", "$5.2M"), ("earlier", "$2.4M"), ("last", "$2.1M")
    ]  # fmt: skip
    assert 'title="Retail Stores: $2.4M (the same month last year)"' in markup  # still there


def test_unit_bars_leave_out_what_has_no_number() -> None:
    markup = unit_bars(
        _units([("Marketplace", 5.0, None), ("Nothing yet", None, None), ("Retail", 4.0, None)]),
        MONEY,
    )
    assert 'data-scope="Nothing yet"' not in markup, "a unit with no number takes no place"
    assert markup.count("data-scope=") == 2
    assert "#BBBBBB" not in markup, "no grey bar promised when last year has no number"
    assert "last year" not in markup, "nor said"
    assert len(_bars(markup)) == 2


def _dots(markup: str) -> list[tuple[float, float]]:
    """(value, height % of its centre) of every dot, in order."""
    return [
        (float(v), float(b))
        for v, b in re.findall(
            r'data-value="([^"]+)" data-mark="dot" style="[^"]*bottom:calc\(([\d.]+)% - ', markup
        )
    ]


def test_a_rate_on_an_axis_without_zero_is_a_dot_and_a_loss_hangs_below_zero() -> None:
    """A bar's length says its value: from an axis starting at 80 %, 84 % would be drawn a fifth
    of 95 %. Such an axis gets a dot at each value (placed in proportion), never a bar."""
    rates = unit_bars(_units([("A", 0.951, 0.95), ("B", 0.843, 0.86)]), PERCENT)
    ticks = _ticks(rates, "y")
    assert ticks[0] != "0%", "a rate's axis need not start at zero"
    assert _bars(rates) == [], "no bar from an axis's floor"
    dots = _dots(rates)
    assert sorted(v for v, _ in dots) == sorted([0.951, 0.95, 0.843, 0.86])
    (v0, h0), (v1, h1) = min(dots), max(dots)
    per_point = (h1 - h0) / (v1 - v0)  # heights in proportion to the values (to 0.01 %)
    assert per_point > 0 and all(abs(h - h0 - (v - v0) * per_point) < 0.02 for v, h in dots)
    assert rates.count("border-radius:50%") == len(dots) + 2, "the legend's swatches are dots too"
    # an axis holding zero keeps its bars
    assert not _dots(unit_bars(_units([("A", 0.41, 0.40), ("B", 0.05, 0.04)]), PERCENT))
    losses = unit_bars(_units([("A", -2.0e6, 1.0e6)]), MONEY)
    (_, before_bottom, _), (now_value, now_bottom, now_height) = _bars(losses)
    assert now_value < 0 and now_bottom < before_bottom, "a loss hangs below the zero line"
    assert abs(now_bottom + now_height - before_bottom) < 0.02  # from the zero line down
    assert "top:calc(" in losses, "a loss's value is written under its bar"


def test_bars_write_names_from_data_as_text() -> None:
    hostile = '<img src=x onerror=alert(1)> "A" & B'
    markup = unit_bars(_units([(hostile, 1.0, 2.0)]), MONEY, now="<b>now</b>")
    assert "<img" not in markup and "<b>" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;A&quot; &amp; B" in markup
    status = status_bars(
        pl.DataFrame(
            {
                "business_unit": [hostile],
                "metric_label": ["<script>x</script>"],
                "on_track": [1],
                "at_risk": [0],
                "off_track": [0],
                "no_target": [0],
            }
        )
    )
    assert "<script>" not in status and "<img" not in status
    assert "&lt;script&gt;x&lt;/script&gt;" in status  # the row is there, its name as text


def test_status_bars_stack_each_rows_teams_in_proportion() -> None:
    summary = pl.DataFrame(
        {
            "business_unit": ["Marketplace", "Retail Stores"],
            "metric_label": ["Revenue", "Revenue"],
            "on_track": [4, 2],
            "at_risk": [0, 1],
            "off_track": [1, 2],
            "no_target": [0, 0],
        }
    )
    markup = status_bars(summary)
    rows = re.findall(r'data-row="([^"]+)"', markup)
    assert rows == ["Marketplace · Revenue", "Retail Stores · Revenue"]
    segments = re.findall(
        r'title="([^"]+)" data-status="([^"]+)" data-count="(\d+)" style="width:([\d.]+)%;'
        r'background:([^;"]+)[;"]',
        markup,
    )
    assert [(s, int(n)) for _, s, n, _, _ in segments] == [
        ("on track", 4),
        ("off track", 1),
        ("on track", 2),
        ("at risk", 1),
        ("off track", 2),
    ]  # fmt: skip  (a status with no team draws nothing)
    # the axis runs to 5.5 teams (the biggest row, 5, and half a team of room): n teams are n/5.5
    assert all(abs(float(w) - int(n) * 100 / 5.5) < 0.01 for _, _, n, w, _ in segments)
    assert all(colour == STATUSES[s].colour for _, s, _, _, colour in segments)
    assert segments[0][0] == "Marketplace · Revenue: 4 teams on track"
    counts = re.findall(r'data-count="(\d+)" style="[^"]*">(\d+)</div>', markup)
    assert counts and all(a == b for a, b in counts)  # each segment writes its count
    ticks = _ticks(markup, "x")
    assert ticks == ["0", "1", "2", "3", "4", "5"]
    assert "Marketplace · Revenue: 4 on track, 1 off track" in markup  # said in words


def _frontline(rows: list[tuple[str, str, str, str, float, float, bool]]) -> pl.DataFrame:
    """team_id, team_name, business_unit, period_label, value, target, in_progress → a frontline
    view (status from value against target, higher is better)."""
    frame = pl.DataFrame(
        rows,
        schema=["team_id", "team_name", "business_unit", "period_label", "value", "target",
                "in_progress"],
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        period_start=pl.col("period_label"),
        status=pl.when(pl.col("value") >= pl.col("target"))
        .then(pl.lit("on track"))
        .otherwise(pl.lit("off track")),
    )


def _team_mark(team: str, period: str, text: str) -> pl.DataFrame:
    """A recorded decision's mark on one team's period (as ``decision_marks`` writes them)."""
    return pl.DataFrame(
        {"scope_level": ["team"], "scope": [team], "period_label": [period], "text": [text]}
    )


def _row_headers(markup: str) -> list[str]:
    """The grid's row names, top to bottom, as written in the markup."""
    return re.findall(r'role="rowheader"[^>]*>([^<]*)<', markup)


def test_status_grid_gives_each_cell_its_colour_shape_and_numbers() -> None:
    view = _frontline(
        [
            ("t1", "Checkout", "Retail", "2026-W47", 5.0, 4.0, False),
            ("t1", "Checkout", "Retail", "2026-W48", 3.0, 4.0, True),
            ("t2", '<b>Fulfil</b>ment "x"', "Retail", "2026-W48", 4.0, 4.0, True),
        ]
    )
    marks = _team_mark("t1", "2026-W47", "★ Decision: stop <i>Retail</i> (2026-11-18)")
    markup = status_grid(view, MONEY, marks)
    rows = _row_headers(markup)
    assert rows == ["&lt;b&gt;Fulfil&lt;/b&gt;ment &quot;x&quot;", "Checkout"]  # sorted, escaped
    assert "<b>" not in markup and "<i>" not in markup
    cells = re.findall(r'title="([^"]+)"[^>]*data-status="([^"]+)"[^>]*><span[^>]*>([^<]+)', markup)
    assert [(s, g) for _, s, g in cells] == [
        ("on track", "●"),
        ("on track", "●"),
        ("off track", "■"),
    ]
    # the team with no number in W47 has an empty cell there, not a status
    assert markup.count('aria-label="no data"') == 1
    said = [t for t, _, _ in cells]
    assert said[1].startswith(
        "Checkout · 2026-W47: $5.00 vs target $4.00, ● on track; ★ Decision: stop"
    )
    assert "★ ★" not in markup  # the mark's text names it once
    assert said[2] == "Checkout · 2026-W48 so far: $3.00 vs target $4.00, ■ off track"
    assert re.findall(r'data-decision="([^"]+)"', markup) == [
        "★ Decision: stop &lt;i&gt;Retail&lt;/i&gt; (2026-11-18)"
    ]
    labels = re.findall(r'role="columnheader" aria-label="([^"]*)"[^>]*>([^<]*)<', markup)
    assert labels == [("2026-W47", "2026-W47"), ("2026-W48", "W48 so far")]


def test_status_grid_labels_the_latest_period_and_each_year_when_crowded() -> None:
    days = [f"2026-12-{d:02d}" for d in range(1, 21)] + [f"2027-01-{d:02d}" for d in range(1, 11)]
    view = _frontline([("t1", "Checkout", "Retail", d, 1.0, 1.0, False) for d in days])
    labels = re.findall(
        r'role="columnheader" aria-label="([^"]*)"[^>]*>([^<]*)<', status_grid(view, MONEY)
    )
    shown = [text for _, text in labels]
    assert len(shown) == 30 and 10 <= sum(1 for t in shown if t) <= 17
    assert shown[-1] == "01-10", "the latest period is always labelled"
    assert shown[0] == "2026-12-01" and "2027-01-01" in shown, "each year's first period says it"
    at = [i for i, text in enumerate(shown) if text]
    assert all(b - a >= 2 for a, b in itertools.pairwise(at)), f"labels touch: {at}"


def test_status_grid_keeps_two_teams_of_one_name_apart_and_stars_only_drawn_cells() -> None:
    view = _frontline(
        [
            ("t1", "Support", "Retail", "2026-W47", 5.0, 4.0, False),
            ("t2", "Support", "Marketplace", "2026-W47", 1.0, 4.0, False),
            ("t3", "Checkout", "Retail", "2026-W48", 5.0, 4.0, False),
        ]
    )
    marks = _team_mark("t3", "2026-W47", "★ Decision: stop")
    markup = status_grid(view, MONEY, marks)
    rows = _row_headers(markup)
    assert rows == ["Checkout", "Support · Marketplace", "Support · Retail"]
    said = re.findall(r'title="([^"]+)"', markup)
    assert "Support · Marketplace · 2026-W47: $1.00 vs target $4.00, ■ off track" in said
    assert "Support · Retail · 2026-W47: $5.00 vs target $4.00, ● on track" in said
    # Checkout has no number in W47: no star is drawn there, and the legend promises none
    assert "data-decision" not in markup and "decision recorded" not in markup


def test_share_bars_hatch_investment_and_colour_each_unit() -> None:
    view = pl.DataFrame(
        {
            "business_unit": ["Marketplace", "Retail Stores"],
            "investment_share": [0.681, 0.043],
            "contribution_share": [0.057, 0.053],
        }
    )
    markup = share_bars(view, {"Marketplace": "#009E73", "Retail Stores": "#CC79A7"}, "the total")
    bars = _bars(markup)
    assert [v for v, _, _ in bars] == [0.681, 0.057, 0.043, 0.053]
    per_share = bars[0][2] / bars[0][0]
    assert all(abs(h - v * per_share) < 0.02 for v, _, h in bars)
    paints = re.findall(r'data-value="[^"]+" style="[^"]*background:([^"]+)"', markup)
    assert paints[0].startswith("repeating-linear-gradient(135deg,#009E73")  # hatched
    assert paints[1] == "#009E73" and paints[3] == "#CC79A7"  # solid, in the unit's colour
    for written in ("68.1%", "5.7%", "4.3%", "5.3%"):
        assert f">{written}</div>" in markup
    assert "share of the total" in markup
    assert _ticks(markup, "y")[0] == "0%"


def _horizon(
    values: dict[str, list[float | None]],
    *,
    running: float | None = None,
    labels: list[str] | None = None,
    reason: str = "no data last year",
) -> pl.DataFrame:
    """A horizon view: per scope (the first is the company) one row a period, the last one in
    progress at pace ``running`` when given; last year at 90 % of each value."""
    rows = []
    for s, (scope, series) in enumerate(values.items()):
        names = labels or [f"2026-{m:02d}" for m in range(1, len(series) + 1)]
        for i, (label, value) in enumerate(zip(names, series, strict=True)):
            live = running is not None and i == len(series) - 1
            rows.append(
                {
                    "scope": scope,
                    "level": "company" if s == 0 else "business_unit",
                    "period_start": i,
                    "period_label": label,
                    "in_progress": live,
                    "value": value,
                    "pace": running if live else None,
                    "pace_basis": "last year's pattern",
                    "days": 10,
                    "period_days": 30,
                    "last_year_value": None if value is None or i == 0 else value * 0.9,
                    "last_year_whole": running * 0.8 if live and running is not None else None,
                    "last_year_change": None if i == 0 else 0.111,
                    "change_kind": "relative",
                    "last_year_comparable": i != 0,
                    "last_year_reason": reason if i == 0 else None,
                }
            )
    return pl.DataFrame(rows)


def _svgs(markup: str) -> dict[str, str]:
    return dict(re.findall(r'<div data-scope="([^"]+)" role="img".*?<svg(.*?)</svg>', markup, re.S))


def _points(svg: str) -> list[tuple[str, str, float, float]]:
    """(period, shape, value, y) of each point: circles, then the diamond of a period in progress."""
    circles = re.findall(
        r'data-period="([^"]+)" data-shape="(circle[^"]*)" data-value="([^"]+)">'
        r'<title>[^<]*</title><circle cx="[\d.]+" cy="([\d.]+)"',
        svg,
    )
    diamonds = re.findall(
        r'data-period="([^"]+)" data-shape="(diamond-open)" data-pace="([^"]+)">'
        r'<title>[^<]*</title><path d="M[\d.]+ [\d.]+ L[\d.]+ ([\d.]+)',  # its centre's height
        svg,
    )
    return [(p, s, float(v), float(y)) for p, s, v, y in [*circles, *diamonds]]


def test_horizon_lines_draw_each_point_in_proportion_and_a_pace_not_a_cliff() -> None:
    markup = horizon_lines(
        _horizon({"Group": [10.0, 20.0, 40.0, 5.0], "Unit": [1.0, 2.0, 3.0, 0.5]}, running=38.0),
        MONEY,
        {"Unit": "#D55E00"},
    )
    charts = _svgs(markup)
    assert list(charts) == ["Group", "Unit"]  # the company first
    points = _points(charts["Group"])
    assert [p[:3] for p in points] == [
        ("2026-01", "circle-open", 10.0),  # no last year to compare with: open
        ("2026-02", "circle", 20.0),
        ("2026-03", "circle", 40.0),
        ("2026-04", "diamond-open", 38.0),  # drawn at its pace (38), not its 5 so far
    ]
    (_, _, v0, y0), (_, _, v1, y1) = points[:2]
    for _, _, v, y in points[2:]:  # one straight scale: heights in proportion to values
        assert abs((y - y0) / (y1 - y0) - (v - v0) / (v1 - v0)) < 0.01
    # joined to 2026-03 by a dashed segment, drawn unlike last year's dotted line
    segment = re.search(r'data-segment="pace"[^>]*stroke-dasharray="([^"]+)"', charts["Group"])
    last_year = re.search(r'data-line="last year"[^>]*stroke-dasharray="([^"]+)"', charts["Group"])
    assert segment and last_year and segment.group(1) != last_year.group(1)
    assert "at its pace for the whole period" in markup  # a sum's legend
    assert 'stroke="#D55E00"' in charts["Unit"]  # each unit in its colour
    assert "whole 2026-04 at this pace (last year's pattern): $38.0" in html.unescape(
        charts["Group"]
    )
    # last year's dotted line goes on to its whole period beside the diamond (0.8 × 38 here)
    dotted = re.findall(r'data-line="last year" points="([^"]+)"', charts["Group"])
    ends = [tuple(map(float, p.split(","))) for p in dotted[-1].split()]
    diamond = next(p for p in points if p[1] == "diamond-open")
    (_, _, v_lo, y_lo), (_, _, v_hi, y_hi) = points[0], points[2]  # 10 and 40
    assert abs(ends[-1][1] - (y_lo + (0.8 * 38 - v_lo) / (v_hi - v_lo) * (y_hi - y_lo))) < 0.2
    assert ends[-1][0] > ends[-2][0] and diamond[0] == "2026-04"
    assert "last year's whole period: $30.4" in html.unescape(charts["Group"])


def test_horizon_lines_say_a_rate_in_progress_is_drawn_at_its_value_so_far() -> None:
    view = _horizon({"Group": [0.9, 0.92, 0.91]}, running=0.91).with_columns(
        pace_basis=pl.lit("rate so far")
    )
    markup = horizon_lines(view, PERCENT, {})
    assert "period in progress, at its value so far" in markup
    assert "at its pace for the whole period" not in markup


def test_horizon_lines_break_where_a_period_has_no_value() -> None:
    markup = horizon_lines(_horizon({"Group": [10.0, None, 30.0, 40.0]}), MONEY, {})
    svg = _svgs(markup)["Group"]
    assert svg.count('data-line="value"') == 2  # never a line through the empty period
    assert [p[0] for p in _points(svg)] == ["2026-01", "2026-03", "2026-04"]


def test_horizon_lines_share_the_units_scale_for_a_rate_only_when_asked() -> None:
    view = _horizon({"Group": [0.5, 0.52, 0.51], "A": [0.9, 0.91, 0.92], "B": [0.2, 0.25, 0.3]})
    for shared in (True, False):
        charts = _svgs(horizon_lines(view, PERCENT, {}, scale="shared" if shared else "own"))
        ticks = {
            scope: re.findall(r">([^<>]+)</text>", svg.split('data-axis="y"')[1].split("</g>")[0])
            for scope, svg in charts.items()
        }
        assert (ticks["A"] == ticks["B"]) is shared
        assert ticks["Group"] != ticks["A"]  # the company keeps its own
        assert all(len(set(t)) == len(t) for t in ticks.values())  # no label twice


def _bottom_and_top(svg: str) -> tuple[float, float]:
    """The values at the bottom and the top of a chart's plot, read back from two of its points."""
    points = _points(svg)
    (_, _, va, ya), (_, _, vb, yb) = (
        min(points, key=lambda p: p[2]),
        max(points, key=lambda p: p[2]),
    )
    per_px = (vb - va) / (ya - yb)  # values per pixel (up is a smaller y)
    bottom = va - (LINE_H - LINE_BOTTOM - ya) * per_px
    return bottom, bottom + (LINE_H - LINE_BOTTOM - LINE_TOP) * per_px


def test_horizon_lines_scale_a_sum_by_the_same_ratio_in_every_chart() -> None:
    """A unit up 10 % and one up threefold, each on an axis of its own, both filled their charts:
    the 10 % read like the threefold. On a "ratio" scale every chart spans the same ratio of top
    to bottom around its own level, so the 10 % is a gentle slope; a unit with a loss, or one that
    moved more than fivefold, keeps its own axis and says so beside its name."""
    view = _horizon(
        {
            "Group": [200.0, 215.0, 260.0],
            "Steady": [100.0, 104.0, 110.0],
            "Twin": [1000.0, 1040.0, 1100.0],  # the same story, ten times the size
            "Grower": [10.0, 18.0, 30.0],
            "Loss": [-5.0, 2.0, 4.0],
            "Rocket": [1.0, 8.0, 20.0],
        }
    )
    charts = _svgs(horizon_lines(view, MONEY, {}, scale="ratio"))
    spans = {scope: _bottom_and_top(svg) for scope, svg in charts.items()}
    ratios = {scope: top / bottom for scope, (bottom, top) in spans.items() if bottom > 0}
    shared = [ratios[s] for s in ("Group", "Steady", "Twin", "Grower")]
    assert max(shared) / min(shared) < 1.02, spans
    assert shared[0] >= 3.0  # room for Grower's threefold (last year's line at 90 % too)
    for scope in ("Group", "Steady", "Grower"):
        bottom, top = spans[scope]
        values = [p[2] for p in _points(charts[scope])]
        assert bottom <= min(values) and max(values) <= top, scope

    def height(scope: str) -> float:
        ys = [p[3] for p in _points(charts[scope])]
        return (max(ys) - min(ys)) / (LINE_H - LINE_BOTTOM - LINE_TOP)

    assert height("Steady") < 0.15 < 0.6 < height("Grower")
    assert abs(height("Twin") - height("Steady")) < 0.01  # the same share, the same height
    markup = horizon_lines(view, MONEY, {}, scale="ratio")
    titles = dict(
        re.findall(r'data-scope="([^"]+)" role="img"[^>]*><div [^>]*>([^<]+)</div>', markup)
    )
    assert titles["Loss"] == "Loss (own scale)" and titles["Rocket"] == "Rocket (own scale)"
    assert titles["Steady"] == "Steady" and titles["Group"] == "Group"
    assert height("Loss") > 0.6 and height("Rocket") > 0.6  # their own axes: filled
    # "own" (the old way for a sum): the steady unit's 10 % took half its chart, like a threefold
    charts = _svgs(horizon_lines(view, MONEY, {}, scale="own"))
    assert height("Steady") > 0.4
    assert "(own scale)" not in horizon_lines(view, MONEY, {}, scale="own")


def test_horizon_lines_label_as_many_periods_as_fit_and_always_the_latest() -> None:
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(36)]
    view = _horizon({"Group": [float(m) for m in range(36)]}, labels=months)
    svg = _svgs(horizon_lines(view, MONEY, {}))["Group"]
    labels = re.findall(r">([^<>]+)</text>", svg.split('data-axis="x"')[1].split("</g>")[0])
    assert labels[-1] == "2026-12" and 3 <= len(labels) <= 8
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"', svg.split('data-axis="x"')[1])]
    gaps = [b - a for a, b in itertools.pairwise(xs[: len(labels)])]
    assert min(gaps) > 7 * 6.0  # a 7-character label's width apart: never touching


def test_horizon_lines_write_names_and_reasons_from_data_as_text() -> None:
    hostile = "<b>Stores</b><script>x()</script>"
    view = _horizon({hostile: [1.0, 2.0]}, reason="<img src=x onerror=alert(1)>")
    marks = pl.DataFrame(
        {"scope": [hostile], "period_label": ["2026-02"], "text": ["★ <i>stop</i>"]}
    )
    markup = horizon_lines(view, MONEY, {}, marks)
    assert "<b>" not in markup and "<script>" not in markup and "<img" not in markup
    assert "<i>" not in markup
    # shown through Markdown (SVG): Markdown's syntax is written as text too, "$" never opens math
    assert not re.search(r"[*_$\[\]`]", re.sub(r"<[^>]*>", "", markup.split("</div>", 1)[1]))
    read = html.unescape(markup)
    assert hostile in read and "<img src=x onerror=alert(1)>" in read and "$2.0" in read
    assert 'data-decision="★ <i>stop</i>"' in read
    assert DECISION.text in read  # the legend says what the star means


def test_lineage_flows_from_tables_to_decisions_in_steps() -> None:
    """Each node one step after the furthest node feeding it, decisions last; the metric outlined;
    side by side with → and, in a narrow box, one step under the other with ↓ (the Sankey it
    replaces laid its labels over one another in a phone's width)."""
    links = [
        ("table: orders", "measure: revenue"),
        ("measure: revenue", "metric: Revenue"),
        ("metric: Revenue", "decision: Which <business> do we bet on?"),
        ("measure: revenue", "metric: Contribution"),
        ("metric: Contribution", "metric: Contribution margin"),
    ]
    markup = lineage_flow(links, "metric: Revenue")
    steps = [re.findall(r'data-node="([^"]+)"', step) for step in markup.split("data-step=")[1:]]
    assert steps == [
        ["table: orders"],
        ["measure: revenue"],
        ["metric: Revenue"],
        ["decision: Which &lt;business&gt; do we bet on?"],  # escaped, and after the metric
    ]
    # built from the same measure, not from Revenue: named beside the steps, not in them
    assert re.findall(r'data-beside="([^"]+)"', markup) == [
        "metric: Contribution",
        "metric: Contribution margin",
    ]
    assert markup.count("data-node=") == 4
    assert markup.count('data-arrow=""') == len(steps) - 1
    focus = re.search(r'<div data-node="metric: Revenue"[^>]*>', markup)
    assert focus and "2px solid" in focus.group(0) and "font-weight:600" in focus.group(0)
    assert 'title="measure: revenue feeds metric: Revenue, metric: Contribution"' in markup
    chain = [("table: t", "measure: m"), ("measure: m", "metric: A"), ("metric: A", "metric: B")]
    flow = lineage_flow(chain, "metric: B")
    assert [re.findall(r'data-node="([^"]+)"', p) for p in flow.split("data-step=")[1:]] == [
        ["table: t"],
        ["measure: m"],
        ["metric: A"],  # what B is built from, a step before it
        ["metric: B"],
    ]
    narrow = re.search(r"@container \(max-width: (\d+)px\) \{(.*)\}</style>", markup)
    assert narrow and int(narrow.group(1)) == LINEAGE_NARROW_PX
    assert "flex-direction:column" in narrow.group(2) and '[data-way="down"]' in narrow.group(2)
    assert "<business>" not in markup and "<svg" not in markup  # st.html can show it
    assert 'aria-label="Lineage of metric: Revenue: table: orders feeds measure: revenue;' in markup
