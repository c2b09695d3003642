"""Tables as people read them: one that fits a screen as plain HTML (every cell, escaped, its help on
the header), a longer one in Streamlit's grid — on the pages as in the builder."""

from __future__ import annotations

import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.format import MISSING, NumberFormat
from bridge.present.palette import STATUSES, status_label
from bridge.present.tables import (
    CHAR_PX,
    STATIC_ROWS,
    Table,
    horizon_table,
    needed_px,
    static_html,
    table,
)
from bridge.translate.horizon import horizon
from bridge.translate.windows import latest
from tests.apptesting import open_page, read_html_table, tables
from tests.conftest import AS_OF


def test_a_small_table_is_written_cell_by_cell_and_escaped() -> None:
    rows = [
        {"Team": "<b>Stores</b> & Co", "Value": "$1.2M"},
        {"Team": 'Say "hi"', "Value": None},  # a missing value is written as such, never "None"
    ]
    shown = table(rows, ("Team", "Value"), help={"Value": "Sum of <orders> booked"})
    markup = static_html(shown, "Teams & values")
    assert "<b>Stores</b>" not in markup and "&lt;b&gt;Stores&lt;/b&gt; &amp; Co" in markup
    assert 'aria-label="Teams &amp; values"' in markup
    # the help is the header's tooltip, and only that header has one
    assert markup.count("title=") == 1
    assert 'title="Sum of &lt;orders&gt; booked"' in markup
    read = read_html_table(markup)
    assert list(read.columns) == ["Team", "Value"]
    assert read["Team"].to_list() == ["<b>Stores</b> & Co", 'Say "hi"']
    assert read["Value"].to_list() == ["$1.2M", MISSING]


def test_a_status_in_a_table_keeps_its_colour() -> None:
    """Fix now's statuses were black glyphs beside the heatmap's coloured ones: a status cell's
    glyph is drawn in the status's colour; its text reads as before, and other text is escaped."""
    rows = [
        {"Team": "Checkout", "Status": status_label("off track")},
        {"Team": "■ off track <b>", "Status": status_label("at risk")},
    ]
    markup = static_html(table(rows, ("Team", "Status")), "Fix now")
    assert f'<span style="color:{STATUSES["off track"].colour}">■</span> off track' in markup
    assert f'<span style="color:{STATUSES["at risk"].colour}">▲</span> at risk' in markup
    assert "■ off track &lt;b&gt;" in markup  # a name that starts like a status is only text
    # kept on one line ("■ off" over "track" in Fix now's narrow column), and measured so
    assert re.search(r'white-space:nowrap"><span style="color:[^"]+">■</span> off track<', markup)
    assert needed_px(table(rows[:1], ("Status",))) >= len("■ off track") * CHAR_PX
    read = read_html_table(markup)
    assert read["Status"].to_list() == ["■ off track", "▲ at risk"]


def test_a_short_word_stays_on_one_line_and_a_sentence_wraps() -> None:
    sentence = "not comparable: partial period: only 5 of 31 days so far"
    markup = static_html(table([{"Day": "2026-12-05", "Why": sentence}], ("Day", "Why")), "t")
    cells = re.findall(
        r'<td data-label="[^"]*"(?: data-number)? style="([^"]*)">([^<]*)</td>', markup
    )
    assert [("nowrap" in style, text) for style, text in cells] == [
        (True, "2026-12-05"),  # never "2026-" / "12-05"
        (False, sentence),
    ]


def test_a_column_of_numbers_is_set_right_and_text_left() -> None:
    """Digits line up in a column whose plain values are numbers, whatever its cells say."""
    rows = [
        {"Team": "Stores", "Revenue": "$1.2M", "vs plan": "+4.1%"},
        {"Team": "Online", "Revenue": "$980.0K", "vs plan": "no plan set"},
    ]
    raw = [
        {"Team": "Stores", "Revenue": 1_200_000.0, "vs plan": 0.041},
        {"Team": "Online", "Revenue": 980_000.0, "vs plan": None},
    ]
    markup = static_html(table(rows, ("Team", "Revenue", "vs plan"), raw), "t")
    heads = re.findall(r'<th scope="col" style="([^"]*)">([^<]*)</th>', markup)
    cells = re.findall(
        r'<td data-label="[^"]*"(?: data-number)? style="([^"]*)">([^<]*)</td>', markup
    )
    right = "text-align:right"
    assert [(right in style, name) for style, name in heads] == [
        (False, "Team"),
        (True, "Revenue"),
        (True, "vs plan"),
    ]
    assert [right in style for style, _ in cells] == [False, True, True] * 2
    assert all("tabular-nums" in style for style, _ in cells if right in style)
    # without plain values nothing says a column holds numbers: every column is set left
    cells_only = static_html(table(rows, ("Team", "Revenue")), "t").split("</style>")[1]
    assert right not in cells_only


def test_an_empty_table_keeps_its_header_and_says_so() -> None:
    markup = static_html(Table(pl.DataFrame(schema={"Team": pl.String})), "Nothing")
    assert "No rows." in markup
    read = read_html_table(markup)
    assert list(read.columns) == ["Team"] and read.empty


def test_pages_show_small_tables_as_html_and_long_ones_in_the_grid(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table of the sample's pages fits a screen (HTML); with a lower bar, Definitions' team
    table (20 rows) goes to the grid and the shorter ones stay HTML."""
    at = open_page(app, "frontline", metric="revenue")
    assert not at.dataframe, "a small table drawn in the grid"
    small = [t for t in tables(at) if "Rank" in t.columns]
    assert small and 0 < len(small[0]) <= STATIC_ROWS
    at = open_page(app, "definitions")
    assert not at.dataframe and len(tables(at)) == 3
    monkeypatch.setattr("bridge.app.ui.STATIC_ROWS", 12)
    at = open_page(app, "definitions")
    grids = [d.value for d in at.dataframe]
    assert len(grids) == 1 and all(len(g) > 12 for g in grids)
    written = [read_html_table(h.value) for h in at.get("html") if "bridge-table" in h.value]
    assert len(written) == 2 and all(len(t) <= 12 for t in written)
    assert len(tables(at)) == len(grids) + len(written)


def test_a_table_in_too_narrow_a_box_lays_each_row_out_as_a_block() -> None:
    """The width a table's columns need is their longest words (a one-line cell whole); in a box
    narrower than that, a container query stacks each row — its first cell as a heading, each
    value beside its column's name (every cell carries it) — instead of cutting columns off."""
    rows = [
        {"Scope": "Enterprise Software", "3-year trend": "+38.3%/yr", "Why": "a b c"},
        {"Scope": "Retail", "3-year trend": "-1.2%/yr", "Why": "incomprehensibilities"},
    ]
    shown = table(rows, ("Scope", "3-year trend", "Why"))
    # "Enterprise" (10), "+38.3%/yr" (9, one line), "incomprehensibilities" (21), + padding
    assert needed_px(shown) == int((10 + 9 + 21) * CHAR_PX + 3 * 10) + 1
    fit = needed_px(shown)
    markup = static_html(shown, "t")
    assert f'class="bridge-table" data-fit="{fit}" style="container-type:inline-size;' in markup
    assert f"@container (max-width: {fit - 1}px)" in markup
    assert f'.bridge-table[data-fit="{fit}"] td::before {{content:attr(data-label)' in markup
    assert markup.count('data-label="3-year trend"') == 2  # each row's cell says its column
    # a heading that is a number ("Rank 2") says its column; a name needs no label
    assert 'td:first-child[data-number]::before {content:attr(data-label) " "' in markup
    wider = table([{**rows[0], "3-year trend": "+1,234,567.8%/yr"}], ("Scope", "3-year trend"))
    assert needed_px(wider) > needed_px(table(rows[:1], ("Scope", "3-year trend")))


def test_the_plan_of_a_period_in_progress_says_it_is_for_its_days(
    sample_dataset: Dataset, registry: Registry
) -> None:
    """The Overview's card says 'plan for these days'; the horizon table said only '(plan
    $17.8M)' beside a chart of the whole quarter's pace — read as the quarter's plan. Every row in
    the same period in progress: the header says it once (in each cell it wrapped to three lines);
    rows in different periods: each cell of a period in progress says it."""
    view = horizon(sample_dataset, registry, "revenue", "quarter", AS_OF)
    money = NumberFormat("currency", 1)
    running = horizon_table(latest(view), money)
    assert "vs plan" not in running.shown.columns
    assert all(
        re.fullmatch(r"\S+ \(plan \$\S+\)", c) for c in running.shown["vs plan for these days"]
    )
    assert running.csv_frame.columns[-2] == "vs plan for these days"
    assert "prorated by day" in running.help["vs plan for these days"]
    assert "last day so far" in running.help["Trailing 12 months"]
    whole = horizon_table(latest(view, complete=True), money)
    assert all(" (plan $" in cell for cell in whole.shown["vs plan"])
    mixed = pl.concat(
        [
            latest(view).filter(pl.col("scope") == "Retail Stores"),
            latest(view, complete=True).filter(pl.col("scope") == "Marketplace"),
        ]
    )
    shown = horizon_table(mixed, money).shown
    assert ["so far" in period for period in shown["Period"]] == [True, False]
    running_cell, whole_cell = shown["vs plan"].to_list()
    assert " (plan for these days $" in running_cell and " (plan $" in whole_cell


def _read(text: str) -> float:
    """A reader's reading of a written amount: ``$2.14M`` → 2_140_000."""
    found = re.fullmatch(r"(-?)\$([\d,.]+)([KMB]?)", text)
    assert found, text
    scale = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}[found[3]]
    return (-1 if found[1] else 1) * float(found[2].replace(",", "")) * scale


@pytest.mark.parametrize("complete", [False, True])
def test_a_value_and_its_plan_as_written_give_back_the_change_beside_them(
    sample_dataset: Dataset, registry: Registry, complete: bool
) -> None:
    """'$2.1M … -7.1% (plan for these days $2.3M)': a reader's 2.1 / 2.3 is -8.7 %. Each row's
    value and plan, as written, give back its 'vs plan' change to within one unit of its last digit,
    and no value is written more precisely than that needs ("$941.773K" for another row's sake)."""
    money = NumberFormat("currency", 1)
    checked = 0
    for grain in ("month", "quarter", "year"):
        view = horizon(sample_dataset, registry, "revenue", grain, AS_OF)
        shown = horizon_table(latest(view, complete=complete), money).shown
        plan = next(c for c in shown.columns if c.startswith("vs plan"))
        for value, cell in zip(shown["Value"], shown[plan], strict=True):
            found = re.fullmatch(r"([+-]?[\d.]+)% \(plan (?:for these days )?(\S+)\)", cell)
            assert found, cell
            read = (_read(value) / _read(found[2]) - 1) * 100
            assert abs(round(read, 1) - float(found[1])) <= 0.1 + 1e-9, (grain, value, cell)
            checked += 1
        rows = latest(view, complete=complete)
        least = money.places(rows.get_column("value").to_list())
        for r, value, cell in zip(
            rows.iter_rows(named=True), shown["Value"], shown[plan], strict=True
        ):
            decimals = len(value.split(".")[1].rstrip("KMB"))
            written = re.search(r"\(plan (?:for these days )?(\S+)\)", cell)
            assert written, cell
            # more decimals than the column starts from only where the pair needs them: one
            # fewer (for both, where both are in millions or both in thousands) would not give
            # the change back
            if decimals > least:
                fewer = money.value(r["value"], decimals - 1)
                base = written[1]
                if base[-1] == fewer[-1]:
                    base = money.value(r["plan_value"], len(base.split(".")[1]) - 2)
                read = (_read(fewer) / _read(base) - 1) * 100
                shown_change = float(cell.split("%")[0])
                assert abs(round(read, 1) - shown_change) > 0.1, (grain, value, fewer, base, cell)
    assert checked >= 15
