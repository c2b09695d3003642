"""Tables as people read them: human column names, every value formatted, ids hidden.

A :class:`Table` holds what is shown (strings written by :mod:`bridge.present.format`) and, for the
CSV download, the same columns with plain numbers. Builders here turn views into tables; pages, the
brief and the CLI's table output use the same ones. CSV text cells a spreadsheet would evaluate as a
formula are neutralised (:func:`csv_bytes`).

A table that fits on a screen (:data:`STATIC_ROWS` rows or fewer) is shown as plain HTML
(:func:`static_html`): nothing to scroll, its text wraps in a narrow column instead of being cut at
the edge, and the browser lays it out in a few milliseconds where Streamlit's data grid (a canvas)
cost a page about 35 ms, and the first grid of a browser tab ~200 ms more to load its code (#18).
Longer tables keep the grid: sorting, scrolling and searching are what they need.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from bridge.present.format import MISSING, ChangeKind, NumberFormat, change_text, day_text, yes_no
from bridge.present.palette import STATUSES, status_label

#: Tables up to this many rows (about a screen's height) are shown as plain HTML
#: (:func:`static_html`), longer ones in a grid.
STATIC_ROWS = 25
#: Rules between rows and around the header: half-transparent, on a light or a dark page.
RULE_CSS = "1px solid rgba(128,128,128,0.3)"
#: A cell's text without a space up to this long is kept on one line (2026-12-05, -$276.8K).
NOWRAP_CHARS = 14
_CELL = f"padding:6px 10px 6px 0;border-bottom:{RULE_CSS};vertical-align:top"
_HEAD = f"{_CELL};font-weight:600;vertical-align:bottom"
#: A column of numbers: set right, each digit as wide as the others (they line up).
_RIGHT = ";text-align:right;font-variant-numeric:tabular-nums"
#: The widest a character of a table's 14 px text is taken to be (a little over Source Sans's
#: figures and bold letters), for the width a table needs before its columns would be cut.
CHAR_PX = 7.6
#: A table's rows become blocks below the width its columns need (:func:`static_html`).
_STACK = """@container (max-width: {narrow}px) {{
{t} thead {{display:none}}
{t} table, {t} tbody, {t} tr {{display:block;width:auto}}
{t} tr {{padding:6px 0;border-bottom:{rule}}}
{t} td {{display:flex;justify-content:space-between;gap:12px;border:none !important;
  padding:1px 0 !important}}
{t} td::before {{content:attr(data-label);text-align:left;opacity:0.7}}
{t} td:first-child {{display:block;font-weight:600;text-align:left !important}}
{t} td:first-child::before {{content:none}}
{t} td:first-child[data-number]::before {{content:attr(data-label) " ";font-weight:400}}
}}"""

#: Cells starting with one of these are formulas to a spreadsheet (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PATTERN = "^[=+\\-@\t\r]"


@dataclass(frozen=True)
class Table:
    """``shown``: display strings under human column names; ``raw``: the same columns with plain
    values, for CSV (defaults to ``shown``); ``help``: a tooltip per column."""

    shown: pl.DataFrame
    raw: pl.DataFrame | None = None
    help: Mapping[str, str] = field(default_factory=dict)

    @property
    def csv_frame(self) -> pl.DataFrame:
        return self.raw if self.raw is not None else self.shown

    @property
    def height(self) -> int:
        return self.shown.height


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    raw: Sequence[Mapping[str, Any]] | None = None,
    help: Mapping[str, str] | None = None,
) -> Table:
    """A table from rows of display values (and optionally rows of plain values)."""
    shown = pl.DataFrame(
        [{c: _text(r.get(c)) for c in columns} for r in rows],
        schema=dict.fromkeys(columns, pl.String),
    )
    plain = None
    if raw is not None:
        plain = pl.DataFrame(
            [{c: r.get(c) for c in columns} for r in raw], infer_schema_length=None
        )
        plain = (
            plain.select(columns)
            if plain.width
            else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
        )
    return Table(shown, plain, dict(help or {}))


def _text(value: object) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return f"{value:,.4g}"
    if hasattr(value, "isoformat"):
        return day_text(value)  # type: ignore[arg-type]
    return str(value)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A table as UTF-8 CSV; text cells starting with ``= + - @``, a tab or a carriage return get a
    leading ``'`` so a spreadsheet shows them as text instead of evaluating them."""
    safe = (
        frame.with_columns(
            pl.when(pl.col(c).str.contains(FORMULA_PATTERN).fill_null(False))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c, dtype in frame.schema.items()
            if dtype == pl.String
        )
        if frame.width
        else frame
    )
    buffer = io.BytesIO()
    safe.write_csv(buffer)
    return buffer.getvalue()


def static_html(shown: Table, label: str) -> str:
    """``shown`` as a plain HTML table: its display strings, escaped; a column's help as the
    header's tooltip (a dotted underline says there is one); ``label`` names it to a screen reader.
    A column of numbers (its plain values are numbers) is set right, in figures of one width, so
    its digits line up. In a box narrower than its columns need (a phone, a side column), each row
    becomes a block — its first cell as a heading, then each value beside its column's name — so
    no column is cut at the edge (a CSS container query, no script); a heading that is a number
    says its column ("Rank 2")."""
    e = html.escape
    columns = shown.shown.columns
    numbers = [_numbers(shown.raw, name) for name in columns]

    def header(name: str, right: bool) -> str:
        tip = shown.help.get(name)
        style = f"{_HEAD}{_RIGHT if right else ''}"
        said = (
            f' title="{e(tip)}" style="{style};text-decoration:underline dotted;cursor:help"'
            if tip
            else f' style="{style}"'
        )
        return f'<th scope="col"{said}>{e(name)}</th>'

    def cell(name: str, value: object, right: bool) -> str:
        text = MISSING if value is None else str(value)
        # a date, an amount or a change is one word: never broken at its hyphen or sign; nor a
        # status ("■ off" over "track")
        whole = ";white-space:nowrap" if _one_line(text) else ""
        style = f"{_CELL}{_RIGHT if right else ''}{whole}"
        number = " data-number" if right else ""
        return f'<td data-label="{e(name)}"{number} style="{style}">{_marked(text)}</td>'

    head = "".join(header(name, right) for name, right in zip(columns, numbers, strict=True))
    body = "".join(
        "<tr>"
        + "".join(cell(n, v, r) for n, v, r in zip(columns, row, numbers, strict=True))
        + "</tr>"
        for row in shown.shown.iter_rows()
    ) or (
        f'<tr><td colspan="{shown.shown.width or 1}" style="{_CELL};opacity:0.7">No rows.</td></tr>'
    )
    fit = needed_px(shown)
    selector = f'.bridge-table[data-fit="{fit}"]'
    stack = _STACK.format(narrow=fit - 1, t=selector, rule=RULE_CSS)
    return (
        f"<style>{stack}</style>"
        f'<div class="bridge-table" data-fit="{fit}" '
        f'style="container-type:inline-size;overflow-x:auto;margin:0 0 8px 0">'
        f'<table aria-label="{e(label)}" style="border-collapse:collapse;width:100%;'
        f'font-size:14px;line-height:1.35">'
        f'<thead style="text-align:left">'
        f"<tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


#: A status as a table writes it (``■ off track``) -> its glyph in the status's colour, as the
#: charts draw it (the shape still tells it without colour).
_STATUS_CELLS = {
    status_label(s.name): f'<span style="color:{s.colour}">{s.glyph}</span> {html.escape(s.name)}'
    for s in STATUSES.values()
}


def _marked(text: str) -> str:
    """A cell's text, escaped; a status with its glyph in the status's colour."""
    return _STATUS_CELLS.get(text) or html.escape(text)


def _whole(text: str) -> bool:
    """A cell's text kept on one line: one word, not too long."""
    return " " not in text and len(text) <= NOWRAP_CHARS


def _one_line(text: str) -> bool:
    """A cell kept on one line: one short word, or a status (``■ off track``)."""
    return _whole(text) or text in _STATUS_CELLS


def needed_px(shown: Table) -> int:
    """The width a table's columns need side by side, in CSS pixels: per column its longest word
    (a whole cell where it stays on one line), header included, plus the cell's padding."""
    total = 0.0
    for name in shown.shown.columns:
        texts = [MISSING if v is None else str(v) for v in shown.shown.get_column(name).to_list()]
        words = [w for t in texts for w in ([t] if _one_line(t) else t.split())]
        longest = max((len(w) for w in [*name.split(), *words]), default=1)
        total += longest * CHAR_PX + 10
    return int(total) + 1


def _numbers(raw: pl.DataFrame | None, name: str) -> bool:
    """Whether a column holds numbers: its plain values (the CSV's) are numeric."""
    return raw is not None and name in raw.columns and raw.schema[name].is_numeric()


# --- builders -------------------------------------------------------------------------------------


def kind_of(change_kind: str) -> ChangeKind:
    """The horizon view's ``change_kind`` column as a format's change kind."""
    return "points" if change_kind == "points" else "relative"


def comparison(change: float | None, kind: str, comparable: bool, reason: str | None) -> str:
    """A change, or why there is none: never a bare delta where it is not like for like."""
    if not comparable:
        return f"not comparable: {reason or 'no value'}"
    return change_text(change, kind_of(kind))


def period_text(row: Mapping[str, Any]) -> str:
    """``2026 Q3``, or ``2026 Q4 so far (63 of 92 days)`` for a period in progress."""
    if row.get("in_progress"):
        return f"{row['period_label']} so far ({row['days']} of {row['period_days']} days)"
    return str(row["period_label"])


HORIZON_COLUMNS = (
    "Scope",
    "Period",
    "Value",
    "vs prior period",
    "vs same period last year",
    "Trailing 12 months",
    "vs plan",
    "3-year trend",
)


def horizon_table(latest: pl.DataFrame, fmt: NumberFormat) -> Table:
    """One row per scope for its latest period, every comparison like for like or marked. When every
    scope shares that period, the shown table leaves it out (say it once, around the table)."""
    # Values that differ read differently (one precision to start from), and each value and its
    # plan as precisely as the two need to give back the change shown with them ("$2.1M … -7.1%
    # (plan $2.3M)" read as -8.7 %): a row's own decimals, so "$941.8K" is not "$941.773K" because
    # another row needed "$2.852M".
    start = fmt.places(latest.get_column("value").to_list())
    pairs = [
        fmt.pair_places(
            r["value"], r["plan_value"], r["plan_change"], kind_of(r["change_kind"]), start
        )
        for r in latest.iter_rows(named=True)
    ]
    values = [
        fmt.value(v, own) for v, (own, _) in zip(latest.get_column("value"), pairs, strict=True)
    ]
    # A period in progress is against the plan for its days so far (as the Overview's card says):
    # in the header when every row is in the same such period, else in each such row's cell.
    together = len({period_text(r) for r in latest.iter_rows(named=True)}) == 1
    for_days = (
        together
        and all(latest.get_column("in_progress").to_list())
        and latest.get_column("plan_value").is_not_null().any()
    )
    plan_column = "vs plan for these days" if for_days else "vs plan"
    names = tuple(plan_column if c == "vs plan" else c for c in HORIZON_COLUMNS)
    rows, raw = [], []
    for r, value, (_, plan_places) in zip(latest.iter_rows(named=True), values, pairs, strict=True):
        trend_kind: ChangeKind = (
            "points" if r["growth_3y_kind"] == "points_per_year" else "relative"
        )
        trend = (
            change_text(r["growth_3y"], trend_kind) + "/yr"
            if r["growth_3y_comparable"] and r["growth_3y"] is not None
            else f"not comparable: {r['growth_3y_reason'] or 'no value'}"
        )
        plan_for = "plan for these days" if r["in_progress"] and not for_days else "plan"
        plan = (
            "no plan set"
            if r["plan_value"] is None
            else f"{change_text(r['plan_change'], kind_of(r['change_kind']))}"
            f" ({plan_for} {fmt.value(r['plan_value'], plan_places)})"
        )
        rows.append(
            {
                "Scope": r["scope"],
                "Period": period_text(r),
                "Value": value,
                "vs prior period": comparison(
                    r["prior_change"], r["change_kind"], r["prior_comparable"], r["prior_reason"]
                ),
                "vs same period last year": comparison(
                    r["last_year_change"],
                    r["change_kind"],
                    r["last_year_comparable"],
                    r["last_year_reason"],
                ),
                "Trailing 12 months": fmt.value(r["ttm_value"]),
                plan_column: plan,
                "3-year trend": trend,
            }
        )
        raw.append(
            {
                "Scope": r["scope"],
                "Period": period_text(r),
                "Value": r["value"],
                "vs prior period": r["prior_change"],
                "vs same period last year": r["last_year_change"],
                "Trailing 12 months": r["ttm_value"],
                plan_column: r["plan_change"],
                "3-year trend": r["growth_3y"],
            }
        )
    columns = names
    if together:  # every scope's latest period is the same: said once, in the caption
        columns = tuple(c for c in names if c != "Period")
    out = table(
        rows,
        columns,
        raw,
        help={
            "vs prior period": "A period in progress is compared with the same number of days of "
            "the period before.",
            "vs same period last year": "Like for like: a period in progress against the same days "
            "of last year's period.",
            "Trailing 12 months": "The twelve months to the period's end (to its last day so far "
            "for a period in progress): a month's and a quarter's end on different days.",
            plan_column: "A period in progress against the plan for its days so far, prorated by "
            "day; a whole period against its whole plan.",
            "3-year trend": "Average yearly change of the trailing twelve months over three years.",
        },
    )
    if raw:  # the CSV keeps the period on every row
        out = Table(out.shown, table(raw, names, raw).raw, out.help)
    return out


def fix_now_table(
    ranked: pl.DataFrame, formats: Mapping[str, NumberFormat], labels: Mapping[str, str]
) -> Table:
    """The ranked misses, narrow enough for a side-by-side column: who, which KPI, value against
    target, status, and what it feeds (by name). The CSV keeps every field apart (unit, period)."""
    rows, raw = [], []
    for r in ranked.iter_rows(named=True):
        fmt = formats[r["metric_id"]]
        feeds = ", ".join(labels.get(f, f) for f in (r["feeds"] or "").split(", ") if f)
        rows.append(
            {
                "Rank": r["rank"],
                "Team": f"{r['team_name']} · {r['business_unit']}",
                "KPI": r["metric_label"],
                "Value vs target": f"{fmt.value(r['value'])} vs {fmt.value(r['target'])}",
                "Status": status_label(r["status"]),
                "Feeds": feeds or "—",
            }
        )
        raw.append(
            {
                "Rank": r["rank"],
                "Team": r["team_name"],
                "Business unit": r["business_unit"],
                "KPI": r["metric_label"],
                "Period": r["period_label"],
                "Value": r["value"],
                "Target": r["target"],
                "Status": r["status"],
                "Feeds": feeds,
            }
        )
    shown = table(rows, ("Rank", "Team", "KPI", "Value vs target", "Status", "Feeds"))
    plain = table(raw, tuple(raw[0]) if raw else ("Rank",), raw).raw
    return Table(
        shown.shown,
        plain,
        help={
            "Rank": "Shortfall against target × the team's share of volume: a small miss on a big "
            "team outranks a big miss on a tiny one.",
            "Feeds": "The executive metrics built from the same numbers.",
        },
    )
