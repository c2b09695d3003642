"""Days cut in the reporting time zone, in SQL, on every dialect.

With ``[calendar] timezone`` set (:mod:`bridge.timezone`), a row's day is the local day of its
*instant* in that zone. No dialect is asked to convert zones itself — MariaDB knows no zone names
unless its zone tables were loaded, SQLite knows none — so every dialect runs the same arithmetic:
the instant as Unix seconds (:class:`unix_seconds`), plus the zone's UTC offset at that instant,
written into the query as a small ``CASE`` over the zone's changes (:func:`offset`), cut into days
by :class:`bridge.data.load.epoch_day`. Only (day × team) rows leave the database, as without a
zone.

What counts as an instant: a TIMESTAMP without zone and ISO text without offset are read as UTC, a
TIMESTAMP WITH TIME ZONE and text with an offset (``Z``, ``+09:00``) as written, an integer epoch as
Unix time. A DATE, and ISO text holding only a day, already are days and are not moved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, case, literal_column
from sqlalchemy import types as sqltypes
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bridge.timezone import Zone


def offset(
    zone: Zone, seconds: ColumnElement[Any], scale: int = 1, since: int | None = None
) -> ColumnElement[int]:
    """The zone's UTC offset at ``seconds`` (an instant in Unix seconds × ``scale``) as SQL, in
    the same unit: a binary tree of ``CASE`` on the zone's changes (depth log₂ of their number).
    With ``since`` (Unix seconds), changes before it are left out: the query reads no earlier
    instant."""
    changes = zone.changes if since is None else zone.since(since)

    def tree(part: tuple[tuple[int, int], ...]) -> ColumnElement[int]:
        if len(part) == 1:
            return literal_column(str(part[0][1] * scale), Integer)
        middle = len(part) // 2
        at = literal_column(str(part[middle][0] * scale), Integer)
        return case((seconds < at, tree(part[:middle])), else_=tree(part[middle:]))

    return tree(changes)


# --- an instant as Unix seconds, on every dialect ------------------------------------------------


class unix_seconds(FunctionElement[int]):
    """The Unix second of a timestamp or ISO-text instant (see the module's rules), else NULL —
    text that is no time, and text holding only a day (a day is not moved)."""

    type = sqltypes.BigInteger()
    inherit_cache = True


#: ISO text holding a time: a day, ' ' or 'T', hours and minutes, optional seconds and fraction, an
#: optional offset ('Z' or ±HH:MM) — as ``bridge validate`` accepts (checks.ISO_TEXT).
_ISO_TIME = (
    "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]"
    "(:[0-5][0-9]([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)


def _value(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> tuple[str, bool, bool]:
    (column,) = element.clauses.clauses
    kind = column.type
    text = isinstance(kind, sqltypes.String) and not isinstance(kind, sqltypes.Date)
    aware = isinstance(kind, sqltypes.DateTime) and bool(kind.timezone)
    return compiler.process(element.clauses, **kw), text, aware


@compiles(unix_seconds)
def _seconds_default(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    value, _, _ = _value(element, compiler, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {value})) AS BIGINT)"


@compiles(unix_seconds, "postgresql")
def _seconds_postgresql(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    value, text, _ = _value(element, compiler, **kw)
    if not text:
        # EXTRACT(EPOCH) reads a TIMESTAMP without zone as UTC, and WITH TIME ZONE as the instant
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {value})) AS BIGINT)"
    # Text: only well-formed times are cast (one bad value would fail the whole query), days that
    # do not exist in their month are refused (the first of the month + day - 1 stays in it), an
    # offset is read as written and no offset as UTC (never the session's zone).
    month_start = f"CAST(substr({value}, 1, 8) || '01' AS DATE)"
    shifted = f"{month_start} + (CAST(substr({value}, 9, 2) AS INTEGER) - 1)"
    zoned = f"CAST({value} AS TIMESTAMP WITH TIME ZONE)"
    plain = f"CAST({value} AS TIMESTAMP)"
    return (
        f"CASE WHEN {value} ~ '{_ISO_TIME}' THEN CASE WHEN EXTRACT(MONTH FROM {shifted}) = "
        f"CAST(substr({value}, 6, 2) AS INTEGER) THEN CAST(FLOOR(EXTRACT(EPOCH FROM "
        f"CASE WHEN {value} ~ '(Z|[+-][0-9]{{2}}:[0-9]{{2}})$' THEN {zoned} "
        f"ELSE {plain} AT TIME ZONE 'UTC' END)) AS BIGINT) END END"
    )


@compiles(unix_seconds, "sqlite")
def _seconds_sqlite(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    value, _, _ = _value(element, compiler, **kw)
    # strftime('%s') reads ISO text (and what SQLAlchemy stores for DATETIME) with or without an
    # offset; a day that does not exist ('2026-02-30 10:00') would be moved into the next month,
    # so the day must survive normalising, and a value needs a time (length > 10).
    day = f"substr({value}, 1, 10)"
    return (
        f"CASE WHEN length({value}) > 10 AND substr({value}, 5, 1) = '-' "
        f"AND date({day}, '+0 days') = {day} "
        f"THEN CAST(strftime('%s', {value}) AS INTEGER) END"
    )


@compiles(unix_seconds, "mysql")
@compiles(unix_seconds, "mariadb")
def _seconds_mysql(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    value, text, _ = _value(element, compiler, **kw)
    epoch = "'1970-01-01 00:00:00'"
    if not text:
        # TIMESTAMPDIFF is arithmetic on the value as read: a DATETIME as UTC; a TIMESTAMP is read
        # in the session's zone, which Bridge sets to UTC (bridge.data.load.open_source)
        return f"TIMESTAMPDIFF(SECOND, {epoch}, {value})"
    # Text: MariaDB reads no offset, so it is cut off and subtracted here ('Z' is +00:00).
    offset = (
        f"CASE WHEN RIGHT({value}, 1) = 'Z' THEN 0 WHEN {value} REGEXP '[+-][0-9]{{2}}:[0-9]{{2}}$' "
        f"THEN (CASE WHEN substr({value}, -6, 1) = '-' THEN -1 ELSE 1 END) * "
        f"(CAST(substr({value}, -5, 2) AS SIGNED) * 3600 + "
        f"CAST(substr({value}, -2, 2) AS SIGNED) * 60) ELSE 0 END"
    )
    local = (
        f"CASE WHEN RIGHT({value}, 1) = 'Z' THEN substr({value}, 1, length({value}) - 1) "
        f"WHEN {value} REGEXP '[+-][0-9]{{2}}:[0-9]{{2}}$' THEN "
        f"substr({value}, 1, length({value}) - 6) ELSE {value} END"
    )
    return (
        f"CASE WHEN {value} REGEXP '{_ISO_TIME}' THEN "
        f"TIMESTAMPDIFF(SECOND, {epoch}, CAST({local} AS DATETIME(6))) - ({offset}) END"
    )


@compiles(unix_seconds, "spark")
def _seconds_spark(element: unix_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    value, text, _ = _value(element, compiler, **kw)
    # unix_micros reads Spark's TIMESTAMP (an instant); a TIMESTAMP_NTZ is cast to one in the
    # session's zone, which Bridge sets to UTC (bridge.data.spark). Micro- to seconds, floored.
    if not text:
        return f"CAST(FLOOR(unix_micros(CAST({value} AS TIMESTAMP)) / 1000000) AS BIGINT)"
    # Text: Spark reads ISO text with an offset ('Z', '+09:00') as written and without one in the
    # session's zone (UTC), but wants seconds before an offset: ':00' is added where they are
    # missing. try_cast is NULL for a day that does not exist ('2026-02-30 10:00').
    with_seconds = (
        f"CASE WHEN substr({value}, 17, 1) = ':' THEN {value} "
        f"ELSE concat(substr({value}, 1, 16), ':00', substr({value}, 17)) END"
    )
    return (
        f"CASE WHEN {value} RLIKE '{_ISO_TIME}' THEN CAST(FLOOR(unix_micros("
        f"try_cast({with_seconds} AS TIMESTAMP)) / 1000000) AS BIGINT) END"
    )
