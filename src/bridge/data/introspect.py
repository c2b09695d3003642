"""``bridge init``: what a database holds that Bridge could read, from its own description.

Tables, column types and keys come from SQLAlchemy's inspector; a few values (the smallest and
largest time, a row count) from read-only queries. Nothing is written to the database. The result is
a :class:`~bridge.config.starter.Starter`: the org table (a team column beside a business-unit
column), and every table with a time column and a team column as a source, its numeric columns as
``sum`` measures and its rows as a ``count``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import Engine, column, func, inspect, select, table
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError

from bridge.config.starter import Starter, StarterMeasure, StarterOrg, StarterSource
from bridge.data.checks import iso_day_or_time
from bridge.data.load import LAST_UNIX_SECOND, read_day, read_epoch
from bridge.data.urls import describe_error, safe_url
from bridge.errors import SourceError

#: Column names that say "the team", best first (compared in lower case).
TEAM_NAMES = ("team_id", "team", "team_code", "team_key")
TEAM_WORDS = ("team", "store", "branch", "agent", "seller", "squad")
#: Column names that say "the business unit".
UNIT_WORDS = ("business_unit", "businessunit", "division", "segment", "unit", "bu", "department")
#: Column names that say "when it happened" (updated/modified times are not when).
TIME_NAME = re.compile(
    r"(_at$|_on$|_ts$|date|time|^ts$|timestamp|^day$|^month$|^week$|created|occurred|snapshot)"
)
NOT_WHEN = re.compile(r"updated|modified|deleted|valid_to|expires|_end$")
NUMERIC = (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
#: A name the config accepts for a table or column (config.base.SqlName).
SQL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,127}")
TEMPORAL = (sqltypes.Date, sqltypes.DateTime)
Columns = dict[str, sqltypes.TypeEngine[Any]]


def introspect(engine: Engine, where: str | None = None) -> Starter:
    """Read the database's description and a few values; :class:`SourceError` if it cannot.
    ``where`` names the database in the files written (default: the engine's URL, no password)."""
    try:
        inspector = inspect(engine)
        tables = sorted(inspector.get_table_names())
        columns: dict[str, Columns] = {
            t: {c["name"]: c["type"] for c in inspector.get_columns(t)} for t in tables
        }
        keys = {t: inspector.get_pk_constraint(t).get("constrained_columns") or [] for t in tables}
        org = _org(columns, keys)
        sources: list[StarterSource] = []
        skipped: list[str] = []
        taken: set[str] = set()
        with engine.connect() as conn:
            for name in tables:
                if org is not None and name == org.table:
                    continue
                found = _source(conn, name, columns[name], keys[name], taken)
                if isinstance(found, str):
                    skipped.append(f"{name}: {found}")
                else:
                    sources.append(found)
    except SQLAlchemyError as exc:
        raise SourceError(
            f"cannot read the description of {safe_url(engine.url)}: "
            f"{describe_error(exc, engine.url)}"
        ) from None
    return Starter(where or safe_url(engine.url), org, tuple(sources), tuple(skipped))


def _named(columns: Columns, exact: tuple[str, ...], words: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for name in exact:
        if name in lower:
            return lower[name]
    for word in words:
        for low, name in lower.items():
            if word in low:
                return name
    return None


def _org(columns: dict[str, Columns], keys: dict[str, list[str]]) -> StarterOrg | None:
    """The table naming a business unit for each team: a team column beside a unit column; one
    whose key is the team column first, then the smallest."""
    found = []
    for name, cols in columns.items():
        team = _named(cols, TEAM_NAMES, TEAM_WORDS)
        unit = _named({c: t for c, t in cols.items() if c != team}, ("business_unit",), UNIT_WORDS)
        if team and unit and isinstance(cols[unit], sqltypes.String):
            keyed = keys[name] == [team]
            team_name = _named({c: t for c, t in cols.items() if c not in (team, unit)},
                               ("team_name", "name"), ())  # fmt: skip
            found.append((not keyed, len(cols), name, StarterOrg(name, team, unit, team_name)))
    return min(found)[3] if found else None


def _source(
    conn: Any, name: str, cols: Columns, key: list[str], taken: set[str]
) -> StarterSource | str:
    if not SQL_NAME.fullmatch(name) or any(not SQL_NAME.fullmatch(c) for c in cols):
        return "a table or column name Bridge cannot write in a config (letters, digits, _)"
    lower = {c.lower() for c in cols}
    if {"valid_from", "valid_to"} <= lower or {"period_start", "period_end"} <= lower:
        return "a table of targets or plans (valid_from/valid_to, period_start/period_end)"
    team = _named(cols, TEAM_NAMES, TEAM_WORDS)
    if team is None:
        return "no team column (a name with team, store, branch, agent, seller …)"
    when = _time(conn, name, cols)
    if when is None:
        return "no time column (a date, a timestamp, ISO text or Unix times)"
    time_column, epoch = when
    measures = [StarterMeasure(_unique(f"{name}_rows", taken), "count")]
    for col, kind in cols.items():
        low = col.lower()
        if col in (team, time_column) or col in key or low == "id" or low.endswith("_id"):
            continue
        if isinstance(kind, NUMERIC) and not isinstance(kind, sqltypes.Boolean):
            measures.append(StarterMeasure(_unique(col, taken, name), "sum", col))
    t = table(name, column(time_column))
    rows, first = conn.execute(
        select(func.count(), func.min(t.c[time_column])).select_from(t)
    ).one()
    first_day = read_epoch(first, epoch) if epoch else read_day(first)
    why = (f"guessed: {name} has a time column ({time_column}) and a team column ({team})",)
    return StarterSource(
        name=_unique(_identifier(name), set()),
        table=name,
        time_column=time_column,
        team_column=team,
        measures=tuple(measures),
        epoch=epoch,
        id_column=key[0] if len(key) == 1 else None,
        rows=int(rows),
        first_day=first_day,
        why=why,
    )


def _time(
    conn: Any, name: str, cols: Columns
) -> tuple[str, Literal["seconds", "milliseconds"] | None] | None:
    """The column telling when a row happened: a date or timestamp first (one named like a time
    of happening before others), then ISO text or Unix times in a column named like a time."""
    named = [c for c in cols if TIME_NAME.search(c.lower()) and not NOT_WHEN.search(c.lower())]
    typed = [c for c in cols if isinstance(cols[c], TEMPORAL) and not NOT_WHEN.search(c.lower())]
    for col in [c for c in typed if c in named] + typed:
        return col, None
    for col in named:
        kind = cols[col]
        if not isinstance(kind, sqltypes.String | sqltypes.Integer):
            continue
        t = table(name, column(col))
        value = conn.execute(
            select(t.c[col]).where(t.c[col].is_not(None)).order_by(t.c[col].desc()).limit(1)
        ).scalar()
        if isinstance(kind, sqltypes.String) and value is not None and iso_day_or_time(value):
            return col, None
        if isinstance(value, int) and 0 < value <= LAST_UNIX_SECOND * 1000:
            return col, "milliseconds" if value > LAST_UNIX_SECOND else "seconds"
    return None


def _identifier(text: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "x"
    return (name if name[0].isalpha() else f"m_{name}")[:63]


def _unique(text: str, taken: set[str], prefix: str = "") -> str:
    name = _identifier(text)
    if name in taken and prefix:
        name = _identifier(f"{prefix}_{text}")
    base, n = name, 2
    while name in taken:
        name, n = f"{base[:60]}_{n}", n + 1
    taken.add(name)
    return name
