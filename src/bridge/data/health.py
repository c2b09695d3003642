"""Data health: what is wrong in the source data, counted, with what Bridge does about it.

A second, separate reader of the source database: where :mod:`bridge.data.load` aggregates measures, this
module counts row-level problems — nulls, negative amounts, duplicate ids, events in the future,
missing days, teams absent from the org table, time-zone-aware timestamps, text times with a UTC
offset, an empty database. All
queries are aggregates with bound parameters on the read-only source engine.

Each finding says its *effect* on the views, so no number is silently wrong:

* ``excluded``: the rows are left out of every view (no day or no team: they cannot be placed);
* ``included, flagged``: the rows count, and the page says so (e.g. a negative amount may be a refund).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import FromClause

from bridge.config.registry import Registry
from bridge.config.sources import Source
from bridge.data.load import (
    NO_UNIT,
    TimeColumn,
    as_date,
    number,
    reflect,
    relation,
    zone_of,
)
from bridge.data.urls import describe_error, safe_url
from bridge.errors import SourceError
from bridge.timezone import Zone

#: Missing days are looked for in this many days before as-of (older gaps are history).
GAP_WINDOW_DAYS = 90

FINDINGS_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "check": pl.String(),
        "rows": pl.Int64(),
        "effect": pl.String(),
        "detail": pl.String(),
    }
)
SOURCES_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "table": pl.String(),
        "rows": pl.Int64(),
        "first_day": pl.Date(),
        "last_day": pl.Date(),
        "days_behind": pl.Int64(),
        "freshness_days": pl.Int64(),
        "status": pl.String(),
    }
)


@dataclass(frozen=True)
class HealthReport:
    """``sources``: freshness and row counts per source; ``findings``: one row per problem found."""

    sources: pl.DataFrame
    findings: pl.DataFrame
    as_of: dt.date

    @property
    def empty(self) -> bool:
        return int(self.sources.get_column("rows").sum() or 0) == 0

    @property
    def problem_count(self) -> int:
        return self.findings.height


def check(engine: Engine, registry: Registry, as_of: dt.date) -> HealthReport:
    """Run every check on every source."""
    sources, findings = [], []
    try:
        with engine.connect() as conn:
            org_spec = registry.sources_file.org
            org = reflect(conn, org_spec.table, org_spec.db_schema)
            findings.extend(
                _check_org(conn, org, org_spec.team_column, org_spec.business_unit_column)
            )
            zone = zone_of(registry)
            for source in registry.sources:
                summary, found = _check_source(
                    conn, source, org.c[org_spec.team_column], as_of, zone
                )
                sources.append(summary)
                findings.extend(found)
    except SQLAlchemyError as exc:
        raise SourceError(
            f"the data health check on {safe_url(engine.url)} failed: "
            f"{describe_error(exc, engine.url)}"
        ) from None
    report = HealthReport(
        sources=pl.DataFrame(sources, schema=SOURCES_SCHEMA),
        findings=pl.DataFrame(findings, schema=FINDINGS_SCHEMA),
        as_of=as_of,
    )
    if report.empty:
        extra = {
            "source": "(all)",
            "check": "empty database",
            "rows": 0,
            "effect": "no view",
            "detail": "no configured source has any row: check BRIDGE_SOURCE_URL and table names",
        }
        report = HealthReport(
            report.sources,
            pl.concat([report.findings, pl.DataFrame([extra], schema=FINDINGS_SCHEMA)]),
            as_of,
        )
    return report


def _check_org(
    conn: Connection, org: Table, team_column: str, unit_column: str
) -> list[dict[str, object]]:
    """Teams the views had to place themselves: without a business unit, or under several."""
    team, unit = org.c[team_column], org.c[unit_column]
    no_unit = conn.execute(
        select(func.count())
        .select_from(org)
        .where(team.isnot(None), or_(unit.is_(None), func.trim(unit) == ""))
    ).scalar_one()
    several = conn.execute(
        select(team).where(team.isnot(None), unit.isnot(None)).group_by(team)
        .having(func.count(unit.distinct()) > 1).order_by(team)
    ).scalars().all()  # fmt: skip
    found: list[dict[str, object]] = []
    if no_unit:
        found.append(
            {
                "source": org.name,
                "check": "team without a business unit",
                "rows": no_unit,
                "effect": f"counted under '{NO_UNIT}'",
                "detail": f"{unit_column} is empty: set each team's business unit",
            }
        )
    if several:
        shown = ", ".join(str(t) for t in several[:5]) + (" …" if len(several) > 5 else "")
        found.append(
            {
                "source": org.name,
                "check": "team in several business units",
                "rows": len(several),
                "effect": "counted once, in the first unit alphabetically",
                "detail": f"teams listed under more than one {unit_column}: {shown}",
            }
        )
    return found


def _check_source(
    conn: Connection, source: Source, org_team: Column[Any], as_of: dt.date, zone: Zone | None
) -> tuple[dict[str, object], list[dict[str, object]]]:
    raw = relation(conn, source)
    raw_when = TimeColumn.of(source, raw, zone)
    # with a zone, the one scan reads rows whose instant is computed once (TimeColumn.fence)
    table, when = raw_when.fence(raw) if raw_when.zoned else (raw, raw_when)
    time_col, day, team = when.column, when.day, table.c[source.team_column]
    found: list[dict[str, object]] = []

    def add(check: str, rows: int, effect: str, detail: str) -> None:
        if rows:
            found.append(
                {
                    "source": source.name,
                    "check": check,
                    "rows": rows,
                    "effect": effect,
                    "detail": detail,
                }
            )

    before = when.before(as_of)
    numeric = (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
    # (check, condition, effect, detail): all counted in ONE scan of the table.
    checks: list[tuple[str, ColumnElement[bool], str, str]] = [
        (
            "no time",
            time_col.is_(None),
            "excluded",
            f"{source.time_column} is empty: the row has no day",
        ),
        (
            "time that is no date",
            and_(time_col.is_not(None), day.is_(None)),
            "excluded",
            f"{source.time_column} holds a value that reads as no day (e.g. text or a number)",
        ),
        (
            "no team",
            team.is_(None),
            "excluded",
            f"{source.team_column} is empty: the row belongs to no team",
        ),
        (
            "in the future",
            and_(when.since(as_of), day.is_not(None)),
            "excluded",
            f"{source.time_column} on or after {as_of}: outside every view",
        ),
    ]
    if source.epoch is None and (
        conn.dialect.name == "sqlite" or isinstance(time_col.type, sqltypes.String)
    ):
        written = type_coerce(time_col, sqltypes.String())  # SQLite keeps text in any column
        checks.append(
            (
                "time with a UTC offset",
                or_(written.like("%+__:__"), written.like("%-__:__"), written.like("%Z")),
                "included, flagged",
                f"{source.time_column} holds times with a UTC offset (like '…T23:30:00-08:00'): "
                + (
                    f"each counts on its day in {zone.name} (the reporting time zone)"
                    if zone is not None
                    else "each counts on the day as written, not moved to UTC or to one time zone"
                ),
            )
        )
    for measure in source.measures:
        if measure.column is None:
            continue
        col = table.c[measure.column]
        checks.append(
            (
                f"empty {measure.column}",
                and_(col.is_(None), before),
                "included, flagged",
                f"measure {measure.name} ignores rows with no value",
            )
        )
        if measure.agg != "count":
            checks.append(
                (
                    f"not a finite number in {measure.column}",
                    and_(col.is_not(None), number(col).is_(None), before),
                    "excluded",
                    f"NaN, infinite or text values: measure {measure.name} leaves them out"
                    + (
                        " (text is read as a number when it is one: a sign, digits, one point)"
                        if isinstance(col.type, sqltypes.String)
                        else ""
                    ),
                )
            )
        if measure.agg == "sum" and isinstance(col.type, (*numeric, sqltypes.String)):
            checks.append(
                (
                    f"negative {measure.column}",
                    and_(number(col) < 0, before),
                    "included, flagged",
                    f"measure {measure.name} sums them (refunds or errors?)",
                )
            )
    checks = list({name: (name, cond, eff, det) for name, cond, eff, det in checks}.values())
    counts = conn.execute(
        select(
            func.count(),
            # first and last *day*: a time that reads as no day is left out (and counted below),
            # and the last day is the last before the as-of: one row in 2099 (counted as "in the
            # future") must not make a source that stopped weeks ago look fresh
            func.min(day),
            func.max(case((before, day))),
            *(func.count(case((cond, 1))) for _, cond, _, _ in checks),
        ).select_from(table)
    ).one()
    total, first, last = counts[0], counts[1], counts[2]
    for (name, _, effect, detail), rows in zip(checks, counts[3:], strict=True):
        add(name, int(rows or 0), effect, detail)
    first_day = as_date(first) if first is not None else None
    last_day = as_date(last) if last is not None else None
    behind = None if last_day is None else max((as_of - dt.timedelta(days=1) - last_day).days, 0)
    status = (
        "empty" if not total else "stale" if behind and behind > source.freshness_days else "fresh"
    )
    execute = conn.execute
    if source.id_column is not None:
        ident = raw.c[source.id_column]  # the bare table: its index
        # GROUP BY the id walks its index; COUNT(DISTINCT) would sort the whole column.
        groups = (
            select(func.count().label("n"))
            .where(ident.is_not(None))
            .group_by(ident)
            .having(func.count() > 1)
            .subquery()
        )
        dupes = execute(select(func.coalesce(func.sum(groups.c.n - 1), 0))).scalar_one()
        add(
            "duplicate id",
            int(dupes or 0),
            "included, flagged",
            f"rows sharing a {source.id_column}: each is counted in every measure",
        )
    team = raw.c[source.team_column]
    unknown = execute(
        select(team, func.count())
        .where(and_(team.is_not(None), team.not_in(select(org_team))))
        .group_by(team)
        .order_by(func.count().desc())
    ).all()
    if unknown:
        names = ", ".join(f"{t} ({n})" for t, n in unknown[:8])
        add(
            "team not in org table",
            sum(int(n) for _, n in unknown),
            "included, flagged",
            f"counted for the company, under 'Unassigned' by business unit: {names}",
        )
    if isinstance(time_col.type, sqltypes.DateTime) and time_col.type.timezone:
        add(
            "time zone",
            int(total),
            "included, flagged",
            f"{source.time_column} carries a time zone: days are cut in "
            + (f"{zone.name} (the reporting time zone)" if zone is not None else "UTC"),
        )
    if source.grain == "event" and last_day is not None:
        missing = _missing_days(conn, raw, raw_when, as_of, first_day)
        if missing:
            shown = ", ".join(d.isoformat() for d in missing[:10])
            add(
                "missing days",
                len(missing),
                "included, flagged",
                f"no row on {len(missing)} day(s) in the last {GAP_WINDOW_DAYS} days: {shown}"
                + ("…" if len(missing) > 10 else ""),
            )
    summary = {
        "source": source.name,
        "table": source.relation,
        "rows": int(total),
        "first_day": first_day,
        "last_day": last_day,
        "days_behind": behind,
        "freshness_days": source.freshness_days,
        "status": status,
    }
    return summary, found


def _missing_days(
    conn: Connection, table: FromClause, when: TimeColumn, as_of: dt.date, first_day: dt.date | None
) -> list[dt.date]:
    start = max(as_of - dt.timedelta(days=GAP_WINDOW_DAYS), first_day or as_of)
    query: Select[Any]
    if when.zoned:  # the window's rows (bounds on the bare column), their days cut in the zone
        rows, on_rows = when.fence(
            table,
            when.column >= when.bound(start - when.SLACK),
            when.column < when.bound(as_of + when.SLACK),
        )
        day = on_rows.local_day(start)
        query = select(day).select_from(rows).group_by(day)
    else:
        day = when.day
        query = select(day).where(when.since(start), when.before(as_of)).group_by(day)
    seen = {as_date(r[0]) for r in conn.execute(query).all() if r[0] is not None}
    expected = [start + dt.timedelta(days=i) for i in range((as_of - start).days)]
    return [d for d in expected if d not in seen]
