"""A starter config: what ``bridge init`` found in a database, written as commented TOML.

:mod:`bridge.data.introspect` fills a :class:`Starter` from the database's own description (tables,
column types, a few values); :func:`render` writes ``sources.toml`` and ``metrics.toml`` from it —
every guess marked ``# guessed``, every blank a person must fill marked ``TODO``, so the result
either passes ``bridge validate`` or ``validate`` says exactly what is left.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Literal

from bridge.config.metrics import Unit

#: What a word in a column name says a number is (for the metric's unit and a label).
_MONEY = re.compile(r"revenue|amount|price|cost|sales|spend|gmv|value|fee|income|margin|total")
TODO_ORG = "TODO_org_table"


@dataclass(frozen=True)
class StarterMeasure:
    name: str
    agg: Literal["sum", "count"]
    column: str | None = None


@dataclass(frozen=True)
class StarterSource:
    name: str
    table: str
    time_column: str
    team_column: str
    measures: tuple[StarterMeasure, ...]
    epoch: Literal["seconds", "milliseconds"] | None = None
    id_column: str | None = None
    rows: int | None = None
    first_day: dt.date | None = None
    #: Why each column was taken (shown as comments).
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class StarterOrg:
    table: str
    team_column: str
    business_unit_column: str
    team_name_column: str | None = None


@dataclass(frozen=True)
class Starter:
    """What was found: the database (URL without password), the org table, the sources."""

    where: str
    org: StarterOrg | None
    sources: tuple[StarterSource, ...]
    #: Tables looked at and left out, with the reason (shown as comments).
    skipped: tuple[str, ...] = field(default_factory=tuple)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string is a JSON string


def unit_of(measure: StarterMeasure) -> Unit:
    if measure.agg == "count":
        return "count"
    return "currency" if _MONEY.search(measure.column or "") else "number"


def label_of(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()[:80] or name


def render(starter: Starter, today: dt.date) -> dict[str, str]:
    """``{"sources.toml": …, "metrics.toml": …}`` for ``starter``."""
    return {"sources.toml": _sources(starter), "metrics.toml": _metrics(starter, today)}


def _sources(starter: Starter) -> str:
    lines = [
        f"# Written by `bridge init` from {starter.where}. Every key: docs/config.md.",
        "# Review each '# guessed' line and fill each TODO, then run `bridge validate`.",
        "",
    ]
    org = starter.org
    if org is None:
        lines += [
            "# TODO: no table with a team column and a business-unit column was found. Point",
            "# [org] at the table that says which business unit each team belongs to.",
            "[org]",
            f"table = {_q(TODO_ORG)}",
            'team_column = "team_id"',
            'business_unit_column = "business_unit"',
        ]
    else:
        lines += [
            "[org]  # guessed: the table naming a business unit for each team",
            f"table = {_q(org.table)}",
            f"team_column = {_q(org.team_column)}",
        ]
        if org.team_name_column:
            lines.append(f"team_name_column = {_q(org.team_name_column)}")
        lines.append(f"business_unit_column = {_q(org.business_unit_column)}")
    lines += ['company_name = "TODO: your company\'s name"', ""]
    lines += [f"# left out: {reason}" for reason in starter.skipped]
    for source in starter.sources:
        lines += ["", "[[sources]]"]
        lines += [f"# {reason}" for reason in source.why]
        lines += [
            f"name = {_q(source.name)}",
            f"table = {_q(source.table)}",
            f"time_column = {_q(source.time_column)}  # guessed",
        ]
        if source.epoch:
            lines.append(f"epoch = {_q(source.epoch)}  # guessed from the values' size")
        lines.append(f"team_column = {_q(source.team_column)}  # guessed")
        if source.id_column:
            lines.append(f"id_column = {_q(source.id_column)}")
        rows = f"{source.rows:,} rows" if source.rows is not None else "rows"
        since = f" since {source.first_day}" if source.first_day else ""
        lines.append(f"description = {_q(f'TODO: what one row is ({rows}{since}).')}")
        for measure in source.measures:
            lines += ["", "  [[sources.measures]]", f"  name = {_q(measure.name)}"]
            lines.append(f"  agg = {_q(measure.agg)}")
            if measure.column:
                lines.append(f"  column = {_q(measure.column)}")
    return "\n".join(lines) + "\n"


def _metrics(starter: Starter, today: dt.date) -> str:
    lines = [
        "# Written by `bridge init`: one metric per measure. Keep the ones people talk about,",
        "# give each a real description and owner, and add ratios and derived metrics",
        '# (docs/config.md, "Metrics").',
        "",
        "[calendar]",
        "fiscal_year_start_month = 1  # TODO: the month your fiscal year starts",
        '# timezone = "Europe/Berlin"  # TODO: where your day ends, if times are stored in UTC',
    ]
    for source in starter.sources:
        since = source.first_day or today.replace(month=1, day=1)
        for measure in source.measures:
            what = (
                f"rows of {source.table}"
                if measure.column is None
                else f"{measure.agg} of {source.table}.{measure.column}"
            )
            lines += [
                "",
                "[[metrics]]",
                f"id = {_q(measure.name)}",
                'kind = "simple"',
                f"measure = {_q(measure.name)}",
                f"label = {_q(label_of(measure.name))}",
                f"description = {_q(f'TODO: what this number means ({what}, per day and team).')}",
                f"unit = {_q(unit_of(measure))}  # guessed",
                'direction = "higher_is_better"  # TODO: or "lower_is_better"',
                'owner = "TODO: who answers for this number"',
                'lenses = ["action", "choice"]',
                f"effective_from = {since.isoformat()}",
            ]
    return "\n".join(lines) + "\n"
