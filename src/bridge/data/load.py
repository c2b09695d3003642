"""The one module that talks to the source database.

Per source, one SQLAlchemy Core query ``SELECT day, team, <measures> ... WHERE time in [start, end)
GROUP BY day, team``: the database does the aggregation, every value is a bound parameter, and only
(day × team) rows travel to Python, where they become a long Polars frame (see :mod:`bridge.dataset`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import SecretStr
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    Float,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    column,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy import (
    Engine as Engine,  # re-exported: the type callers hold (app imports no SQLAlchemy)
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.sql.functions import FunctionElement

from bridge.config.access import AccessDenied
from bridge.config.registry import Registry
from bridge.config.sources import Condition, Measure, Source
from bridge.data.urls import UrlError, describe_error, parse_url, safe_url
from bridge.data.zoned import offset, unix_seconds
from bridge.dataset import (
    MEASURES_SCHEMA,
    ORG_SCHEMA,
    OTHER_UNITS,
    PLAN_SCHEMA,
    TARGETS_SCHEMA,
    Dataset,
    empty,
)
from bridge.errors import SourceError
from bridge.timezone import END_YEAR, FIRST_YEAR, Zone

# --- connecting -------------------------------------------------------------------------------


def open_source(url: str | SecretStr, *, timeout_seconds: int = 30) -> Engine:
    """An engine on the source database, opened read-only where the dialect allows it.

    SQLite files are opened with ``mode=ro``; PostgreSQL sessions default to read-only transactions;
    MariaDB/MySQL sessions are set ``READ ONLY``. Server sessions read instants in UTC. Connection and read timeouts keep the app from hanging.
    """
    try:
        parsed = parse_url(url, "source database URL")
    except UrlError as exc:
        raise SourceError(str(exc)) from None
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        parsed = _sqlite_read_only(parsed)
        kwargs["connect_args"] = {"timeout": timeout_seconds}
    elif backend == "postgresql":
        kwargs["connect_args"] = {
            "connect_timeout": timeout_seconds,
            # instants are read in UTC, whatever the server's default zone (bridge.data.zoned)
            "options": "-c default_transaction_read_only=on -c TimeZone=UTC",
        }
    elif backend in ("mysql", "mariadb"):
        kwargs["connect_args"] = {
            "connect_timeout": timeout_seconds,
            "read_timeout": max(timeout_seconds, 60),
        }
    elif backend == "sc":
        # Spark Connect has no read-only session: the connection refuses what is not a query
        kwargs["connect_args"] = {"read_only": True}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise SourceError(f"cannot open {safe_url(url)}: {exc}") from None
    if backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _mysql_read_only)
    return engine


def _sqlite_read_only(url: URL) -> URL:
    database = url.database or ""
    if database in ("", ":memory:"):
        return url
    if database.startswith("file:"):
        # A URI the user wrote (``sqlite:///file:/path?uri=true``): its own mode (rw, rwc) would
        # allow writes, so read-only is imposed on it too.
        return url.set(query={**url.query, "mode": "ro", "uri": "true"})
    path = Path(database)
    if not path.exists():
        raise SourceError(
            f"no SQLite database at {path}; create the sample with `bridge sample-data` "
            "or point BRIDGE_SOURCE_URL at your database"
        )
    return url.set(
        database=f"file:{path.resolve()}", query={**url.query, "mode": "ro", "uri": "true"}
    )


def _mysql_read_only(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        # a TIMESTAMP column is read in the session's zone: UTC, whatever the server's default
        cursor.execute("SET time_zone = '+00:00'")


# --- dialect-portable day truncation -----------------------------------------------------------


class day_of(FunctionElement[dt.date]):
    """The calendar day of a date or timestamp column, as a DATE, on every dialect. A timestamp
    written as text with a UTC offset counts on the day as written (no conversion to UTC)."""

    type = Date()
    inherit_cache = True


#: The start of an ISO day as text: a four-digit year from 1000, a month 01-12, a day 01-31.
_ISO_DAY = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


def _is_text(element: day_of) -> bool:
    (value,) = element.clauses.clauses
    return isinstance(value.type, sqltypes.String) and not isinstance(value.type, sqltypes.Date)


@compiles(day_of)
def _day_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(day_of, "postgresql")
def _day_postgresql(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    if not _is_text(element):
        return f"CAST({value} AS DATE)"
    # Text: one value that is no date ('garbage', '2026-02-30') would make CAST fail the whole
    # query. Only ISO days are cast, and only once the day is known to exist in its month (the
    # first of the month plus day - 1 stays in the month); anything else is NULL, like SQLite.
    day = f"substr({value}, 1, 10)"
    month_start = f"CAST(substr({value}, 1, 8) || '01' AS DATE)"
    shifted = f"{month_start} + (CAST(substr({value}, 9, 2) AS INTEGER) - 1)"
    return (
        f"CASE WHEN {value} ~ '{_ISO_DAY}' THEN CASE WHEN EXTRACT(MONTH FROM {shifted}) = "
        f"CAST(substr({value}, 6, 2) AS INTEGER) THEN CAST({day} AS DATE) END END"
    )


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has no DATE type: date() gives 'YYYY-MM-DD' text, which the Date type parses. Only the
    # first ten characters are read: date() would move a time with a UTC offset ('…23:30-08:00')
    # to the UTC day, while PostgreSQL and MariaDB keep the day as written, and so does Bridge.
    # date() also passes '2026-02-30' through as it is (and reads a bare number as a Julian day):
    # a day after the 28th must survive normalising ('+0 days'), and a day needs its '-'. Both
    # are NULL then, as on the other dialects.
    value = compiler.process(element.clauses, **kw)
    day = f"substr({value}, 1, 10)"
    return (
        f"CASE WHEN substr({value}, 9, 2) <= '28' AND substr({value}, 5, 1) = '-' "
        f"THEN date({day}) WHEN date({day}, '+0 days') = {day} THEN {day} END"
    )


class day_key(FunctionElement[Any]):
    """What a ``GROUP BY`` of days groups rows on: the day itself (:class:`day_of`) on every
    dialect but SQLite. There the day is read from a value's first ten characters, and is either
    those characters or NULL, so grouping on the characters makes the same groups of days; the
    day is then read once per group, not once per row for the sort (on the sample's 1.3 million
    orders the query took 1.25 s instead of 1.6 s). A value that is no day is a group of its own
    instead of one with every such value, and its day is NULL either way: such rows are dropped
    before any number is made of them (Data health counts them)."""

    inherit_cache = True


@compiles(day_key)
def _day_key_default(element: day_key, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(day_of(*element.clauses.clauses), **kw)


@compiles(day_key, "sqlite")
def _day_key_sqlite(element: day_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(day_of, "mysql")
@compiles(day_of, "mariadb")
def _day_mysql(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    if not _is_text(element):
        return f"DATE({value})"
    # Text: DATE() reads '1700000000' as '2017-00-00' and '0000-00-00' as itself (no day at all);
    # only ISO days are read (a day that does not exist, '2026-02-30', is NULL already).
    return f"CASE WHEN {value} REGEXP '{_ISO_DAY}' THEN DATE(substr({value}, 1, 10)) END"


@compiles(day_of, "spark")
def _day_spark(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    if not _is_text(element):
        return f"CAST({value} AS DATE)"
    # Text: CAST fails the query on text that is no day (Spark's ANSI mode); try_cast is NULL for
    # a day that does not exist ('2026-02-30'), and only ISO days are read.
    return f"CASE WHEN {value} RLIKE '{_ISO_DAY}' THEN try_cast(substr({value}, 1, 10) AS DATE) END"


# --- building queries --------------------------------------------------------------------------


#: The first day of Unix time, and the last moment a date can hold (9999-12-31 23:59:59), in seconds.
EPOCH = dt.date(1970, 1, 1)
LAST_UNIX_SECOND = 253_402_300_799
_PER_DAY = {"seconds": 86_400, "milliseconds": 86_400_000}


class epoch_day(FunctionElement[dt.date]):
    """The UTC day of an integer Unix time: ``epoch_day(column, per_day)`` with ``per_day`` a literal
    (86400 for seconds, 86400000 for milliseconds). Pure arithmetic on every dialect, so no
    session time zone moves it; a value that is no time (negative, past year 9999, text) is NULL."""

    type = Date()
    inherit_cache = True


def _epoch_parts(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> tuple[str, int, int]:
    value, per_day = (compiler.process(c, **kw) for c in element.clauses.clauses)
    per = int(per_day)
    # in parentheses: the value may be a sum (an instant plus a zone's offset)
    return f"({value})", per, LAST_UNIX_SECOND * (per // 86_400)


@compiles(epoch_day)
def _epoch_default(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, per, last = _epoch_parts(element, compiler, **kw)
    return (
        f"CASE WHEN {value} BETWEEN 0 AND {last} "
        f"THEN DATE '1970-01-01' + CAST(FLOOR({value} / {per}.0) AS INTEGER) END"
    )


@compiles(epoch_day, "sqlite")
def _epoch_sqlite(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, per, last = _epoch_parts(element, compiler, **kw)
    seconds = value if per == 86_400 else f"({value} / {per // 86_400})"
    return (
        f"CASE WHEN typeof({value}) IN ('integer', 'real') AND {value} BETWEEN 0 AND {last} "
        f"THEN date({seconds}, 'unixepoch') END"
    )


@compiles(epoch_day, "mysql")
@compiles(epoch_day, "mariadb")
def _epoch_mysql(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, per, last = _epoch_parts(element, compiler, **kw)
    return (
        f"CASE WHEN {value} BETWEEN 0 AND {last} "
        f"THEN DATE(DATE_ADD('1970-01-01', INTERVAL FLOOR({value} / {per}) DAY)) END"
    )


@compiles(epoch_day, "spark")
def _epoch_spark(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, per, last = _epoch_parts(element, compiler, **kw)
    # DIV is integer division (exact, where '/' gives a double); the value is never negative here
    return (
        f"CASE WHEN {value} BETWEEN 0 AND {last} "
        f"THEN date_add(DATE '1970-01-01', CAST(CAST({value} AS BIGINT) DIV {per} AS INT)) END"
    )


@dataclass(frozen=True)
class TimeColumn:
    """A source's time column as days: the SQL day of each row, bounds typed like the column (so
    comparisons use its index), and a value read back. A date, a timestamp or ISO text, or — with
    ``epoch`` in the config — an integer Unix time. Without a ``zone``, a timestamp counts on the
    day it is written with (an epoch: its UTC day); with one, an instant counts on its local day
    there (see :mod:`bridge.data.zoned`)."""

    column: ColumnElement[Any]
    epoch: Literal["seconds", "milliseconds"] | None = None
    zone: Zone | None = None
    #: On the rows of :meth:`fence`: the instant and the written day, computed once per row there.
    computed: tuple[ColumnElement[Any], ColumnElement[Any] | None] | None = None

    @classmethod
    def of(cls, source: Source, table: FromClause, zone: Zone | None = None) -> TimeColumn:
        return cls(table.c[source.time_column], source.epoch, zone)

    @property
    def is_text(self) -> bool:
        kind = self.column.type
        return isinstance(kind, sqltypes.String) and not isinstance(kind, sqltypes.Date)

    @property
    def zoned(self) -> bool:
        """Whether days are moved into a zone: a DATE is a day already, and stays."""
        kind = self.column.type
        is_day = isinstance(kind, sqltypes.Date) and not isinstance(kind, sqltypes.DateTime)
        return self.zone is not None and not is_day

    @property
    def seconds(self) -> ColumnElement[Any]:
        """The instant in Unix seconds (× 1000 for a milliseconds epoch); NULL for a day as text."""
        if self.computed is not None:
            return self.computed[0]
        return self.column if self.epoch is not None else unix_seconds(self.column)

    @property
    def written_day(self) -> ColumnElement[Any] | None:
        """For text: the day as written, used where a value holds a day and no time."""
        if self.computed is not None:
            return self.computed[1]
        return day_of(self.column) if self.is_text and self.epoch is None else None

    def fence(
        self, table: FromClause, *where: ColumnElement[bool]
    ) -> tuple[FromClause, TimeColumn]:
        """The rows of ``table`` (matching ``where``) with their instant and written day computed
        once per row, and this time column on them. ``OFFSET 0`` keeps every database from merging
        the step into the query around it, which would compute the instant again at each branch
        of the zone's ``CASE``."""
        columns: list[ColumnElement[Any]] = [*table.c, self.seconds.label("bridge_seconds")]
        written = self.written_day
        if written is not None:
            columns.append(written.label("bridge_written"))
        rows = select(*columns).where(*where).offset(0).subquery("bridge_rows")
        computed = (rows.c.bridge_seconds, rows.c.bridge_written if written is not None else None)
        name = self.column.key
        assert name is not None  # a column of a table or a query has a name
        return rows, TimeColumn(rows.c[name], self.epoch, self.zone, computed)

    def day_from(
        self,
        seconds: ColumnElement[Any],
        written: ColumnElement[Any] | None = None,
        since: dt.date | None = None,
    ) -> ColumnElement[dt.date]:
        """The local day of ``seconds`` (see :attr:`seconds`) in the zone; ``written`` where that
        is NULL. ``since`` leaves out the zone's changes before that day (none is read)."""
        assert self.zone is not None
        scale = 1000 if self.epoch == "milliseconds" else 1
        first = None if since is None else self.zone.midnight(since - dt.timedelta(days=2))
        local = seconds + offset(self.zone, seconds, scale, first)
        day = epoch_day(local, literal_column(str(86_400 * scale)))
        return day if written is None else func.coalesce(day, written)

    def local_day(self, since: dt.date | None = None) -> ColumnElement[dt.date]:
        """The zoned day (see :meth:`day_from`), reading no zone change before ``since``."""
        return self.day_from(self.seconds, self.written_day, since)

    @property
    def group_key(self) -> ColumnElement[Any]:
        """What rows are grouped on to make :attr:`day`'s groups: for a day read by :class:`day_of`,
        its :class:`day_key`; any other day groups as itself."""
        day = self.day
        return day_key(*day.clauses.clauses) if isinstance(day, day_of) else day

    @property
    def day(self) -> ColumnElement[dt.date]:
        if self.zoned:
            return self.local_day()
        if self.epoch is None:
            return day_of(self.column)
        return epoch_day(self.column, literal_column(str(_PER_DAY[self.epoch])))

    def bound(self, day: dt.date) -> dt.date | str | int | ColumnElement[dt.datetime]:
        """The column's value at the start of ``day`` as written (no zone)."""
        if self.epoch is None:
            return time_bound(self.column, day)
        return (day - EPOCH).days * _PER_DAY[self.epoch]

    #: How far a zoned day's rows can be from the day written (an offset is at most ±14 hours).
    SLACK = dt.timedelta(days=2)

    def since(self, day: dt.date) -> ColumnElement[bool]:
        """Rows on ``day`` or later: a comparison on the bare column (its index), exact per day."""
        if not self.zoned:
            return self.column >= self.bound(day)
        return and_(self.column >= self.bound(day - self.SLACK), self.day >= day)

    def before(self, day: dt.date) -> ColumnElement[bool]:
        """Rows before ``day`` (see :meth:`since`)."""
        if not self.zoned:
            return self.column < self.bound(day)
        return and_(self.column < self.bound(day + self.SLACK), self.day < day)

    def read(self, value: object) -> dt.date | None:
        """The day of a value as the database returns it (None: no day)."""
        if self.epoch is not None:
            if self.zoned:
                assert self.zone is not None
                try:
                    number = int(str(value))
                except ValueError:
                    return None
                seconds = number // (1000 if self.epoch == "milliseconds" else 1)
                if read_epoch(value, self.epoch) is None:
                    return None
                return self.zone.day_of(dt.datetime.fromtimestamp(seconds, dt.UTC))
            return read_epoch(value, self.epoch)
        if self.zoned:
            assert self.zone is not None
            instant = read_instant(value)
            if instant is not None:
                return self.zone.day_of(instant)
        return read_day(value)


def read_instant(value: object) -> dt.datetime | None:
    """The instant of a timestamp or ISO text holding a time (None: a day, or no time at all)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) > 10:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def read_epoch(value: object, epoch: Literal["seconds", "milliseconds"]) -> dt.date | None:
    """The UTC day of a Unix time in ``epoch`` units (None: not such a time)."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    if not 0 <= number <= LAST_UNIX_SECOND * (_PER_DAY[epoch] // 86_400):
        return None
    return EPOCH + dt.timedelta(days=number // _PER_DAY[epoch])


def reflect(engine: Engine | Any, name: str, schema: str | None) -> Table:
    """The table as the database describes it: its columns and their types, and nothing else
    Bridge does not use (keys, indexes and constraints were a third of an incremental refresh's
    time, each table's asked for again by a new engine)."""
    try:
        described = sa_inspect(engine).get_columns(name, schema)
        if not described:  # a dialect that answers an unknown table with no columns
            raise NoSuchTableError(name)
        columns = [Column(c["name"], c["type"]) for c in described]
        return Table(name, MetaData(), *columns, schema=schema)
    except NoSuchTableError:
        raise SourceError(
            f"table {name!r} does not exist in the source database (run `bridge validate`)"
        ) from None


#: How many rows of a source's SELECT are read to learn its columns' types.
PROBE_ROWS = 50


def relation(conn: Any, source: Source) -> FromClause:
    """What a source reads, with its columns and their types: the reflected table, or — for a
    source given as ``sql`` — that SELECT as a subquery (named like the source), its types taken
    from the first non-empty value of each column in a few of its rows (a driver returns a date,
    a timestamp, text or a number; nothing is written or created)."""
    if source.sql is None:
        assert source.table is not None  # one of the two, by the config's rule
        return reflect(conn, source.table, source.db_schema)
    probe: Select[Any] = (
        select(literal_column("*"))
        .select_from(text(f"({source.sql}) AS bridge_probe"))
        .limit(PROBE_ROWS)
    )
    result = conn.execute(probe)
    names = list(result.keys())
    rows = result.all()
    columns = []
    for i, name in enumerate(names):
        seen = next((row[i] for row in rows if row[i] is not None), None)
        columns.append(column(name, _type_of(seen)))
    return text(source.sql).columns(*columns).subquery(source.name)


def _type_of(value: object) -> sqltypes.TypeEngine[Any]:
    """The SQL type a value read from a driver stands for (NullType: only NULLs seen)."""
    if isinstance(value, dt.datetime):
        return sqltypes.DateTime()
    if isinstance(value, dt.date):
        return sqltypes.Date()
    if isinstance(value, bool):
        return sqltypes.Boolean()
    if isinstance(value, int):
        return sqltypes.BigInteger()
    if isinstance(value, float | Decimal):
        return sqltypes.Float()
    if isinstance(value, str):
        return sqltypes.String()
    return sqltypes.NullType()


class day_start(FunctionElement[dt.datetime]):
    """Midnight of a day as a bound for a timestamp column: a timestamp parameter, or on SQLite
    (where a timestamp is text) the day alone — ``'2026-03-28'`` sorts before every time written
    that day, ``'2026-03-28 00:00:00'`` as well as ``'2026-03-28 00:00:00.000000'``, which the
    timestamp parameter (written with microseconds) would sort after."""

    type = sqltypes.DateTime()
    inherit_cache = True


@compiles(day_start)
def _day_start_default(element: day_start, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(day_start, "sqlite")
def _day_start_sqlite(element: day_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


def time_bound(
    column: ColumnElement[Any], day: dt.date
) -> dt.date | str | ColumnElement[dt.datetime]:
    """A date bound typed like the column, so comparisons use its index and storage format.

    ISO-8601 text (checked by ``bridge validate``) compares as text: ``'2026-11-30 14:05'`` sorts
    after ``'2026-11-30'`` and before ``'2026-12-01'``.
    """
    if isinstance(column.type, sqltypes.DateTime):
        return day_start(literal(dt.datetime.combine(day, dt.time()), column.type))
    if isinstance(column.type, sqltypes.String) and not isinstance(column.type, sqltypes.Date):
        return day.isoformat()
    return day


def condition(table: FromClause, cond: Condition) -> ColumnElement[bool]:
    """The SQL form of a measure filter; values are bound parameters, never spliced into SQL."""
    col = table.c[cond.column]
    match cond.op:
        case "eq":
            return col == cond.value
        case "ne":
            return col != cond.value
        case "gt":
            return col > cond.value
        case "ge":
            return col >= cond.value
        case "lt":
            return col < cond.value
        case "le":
            return col <= cond.value
        case "in":
            return col.in_(cond.value if isinstance(cond.value, list) else [cond.value])
        case "not_in":
            return col.not_in(cond.value if isinstance(cond.value, list) else [cond.value])
        case "is_null":
            return col.is_(None)
        case "not_null":
            return col.is_not(None)
    raise AssertionError(cond.op)  # pragma: no cover - Literal is closed


class is_number(FunctionElement[bool]):
    """True where a value is a finite number — on every dialect, in SQL.

    ``x - x = 0`` holds for every finite number and fails for NaN and ±infinity (PostgreSQL stores
    both; SQLite turns ``inf - inf`` into NULL). SQLite also keeps text in a numeric column, which
    arithmetic would read as its leading digits (``'12,50 EUR'`` as 12): there the value must also
    be stored as a number.
    """

    type = Boolean()
    inherit_cache = True


@compiles(is_number)
def _is_number_default(element: is_number, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"({value} - {value} = 0)"


@compiles(is_number, "sqlite")
def _is_number_sqlite(element: is_number, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(typeof({value}) IN ('integer', 'real') AND {value} - {value} = 0)"


def finite(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """The value where it is a finite number, else NULL (see :class:`is_number`): one NaN or one
    text never makes a whole sum wrong. Data health counts the rows left out."""
    return case((is_number(value), value), else_=None)


class text_number(FunctionElement[float]):
    """The number a text value writes — a sign, digits and at most one point, blanks around
    (``'1234.50'``, ``' -3 '``, ``'+.5'``) — else NULL: grouping, a currency, a comma for a
    point or an exponent (``'1,234.00'``, ``'12,50 EUR'``, ``'1e3'``) is no number here, on every
    dialect (a bare CAST would fail the query on PostgreSQL, or read the leading digits on
    SQLite and MariaDB)."""

    type = Float(asdecimal=False)
    inherit_cache = True


#: What ``text_number`` reads, as a POSIX regular expression (PostgreSQL and MariaDB).
TEXT_NUMBER = "^[[:space:]]*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)[[:space:]]*$"


@compiles(text_number)
def _text_number_default(element: text_number, compiler: SQLCompiler, **kw: Any) -> str:
    # other dialects (untested here): the standard CAST, which may refuse text that is no number
    return f"CAST({compiler.process(element.clauses, **kw)} AS DOUBLE PRECISION)"


@compiles(text_number, "postgresql")
def _text_number_postgresql(element: text_number, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {value} ~ '{TEXT_NUMBER}' THEN CAST(trim({value}) AS DOUBLE PRECISION) END"


@compiles(text_number, "mysql")
@compiles(text_number, "mariadb")
def _text_number_mysql(element: text_number, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {value} REGEXP '{TEXT_NUMBER}' THEN CAST(trim({value}) AS DOUBLE) END"


@compiles(text_number, "spark")
def _text_number_spark(element: text_number, compiler: SQLCompiler, **kw: Any) -> str:
    # Java's regular expressions know no [[:space:]]: \s is the same six characters. A backslash
    # is an escape in Spark's string literals, hence two.
    value = compiler.process(element.clauses, **kw)
    pattern = TEXT_NUMBER.replace("[[:space:]]", "\\\\s")
    return f"CASE WHEN {value} RLIKE '{pattern}' THEN try_cast({value} AS DOUBLE) END"


@compiles(text_number, "sqlite")
def _text_number_sqlite(element: text_number, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has no regular expressions: the text without its sign holds only digits and points,
    # at least one digit, at most one point. A number stored in the text column passes as it is.
    value = compiler.process(element.clauses, **kw)
    bare = f"trim({value})"
    unsigned = (
        f"(CASE WHEN substr({bare}, 1, 1) IN ('-', '+') THEN substr({bare}, 2) ELSE {bare} END)"
    )
    return (
        f"CASE WHEN typeof({value}) IN ('integer', 'real') THEN {value} "
        f"WHEN typeof({value}) = 'text' AND {unsigned} NOT GLOB '*[^0-9.]*' "
        f"AND {unsigned} GLOB '*[0-9]*' "
        f"AND length({unsigned}) - length(replace({unsigned}, '.', '')) <= 1 "
        f"THEN CAST({bare} AS REAL) END"
    )


def number(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """A measure column's value as a number, or NULL where it holds none: a finite number of a
    numeric column (:func:`finite`), or the number a text column writes (:class:`text_number`)."""
    kind = value.type
    if isinstance(kind, sqltypes.String) and not isinstance(kind, sqltypes.Date):
        return text_number(value)
    return finite(value)


def aggregate(table: FromClause, measure: Measure) -> ColumnElement[float]:
    """The aggregate expression of one measure (``count`` with a ``where`` is a conditional count);
    sums, minima and maxima take finite numbers only."""
    target: ColumnElement[Any] = table.c[measure.column] if measure.column else literal(1)
    if measure.column and measure.agg != "count":
        target = number(target)
    if measure.where:
        target = case((and_(*(condition(table, c) for c in measure.where)), target), else_=None)
    expr: ColumnElement[Any]
    if measure.agg == "sum":
        expr = func.sum(target)
    elif measure.agg == "count":
        expr = func.count(target)
    elif measure.agg == "min":
        expr = func.min(target)
    else:
        expr = func.max(target)
    if measure.agg == "sum":
        # SUM over no matching row is NULL; an empty sum is 0 for an additive measure.
        expr = func.coalesce(expr, 0)
    return type_coerce(expr, Float(asdecimal=False))


def measure_query(
    source: Source,
    table: FromClause,
    start: dt.date | None = None,
    end: dt.date | None = None,
    zone: Zone | None = None,
    teams: Sequence[str] | None = None,
    combined: str | None = None,
) -> Select[*tuple[Any, ...]]:
    """``SELECT day, team_id, <one column per measure> ... GROUP BY day, team`` for days in
    [start, end) — every day when a bound is None — cut in ``zone`` when given, and only for
    ``teams`` when given (a person's access scope: the other teams' rows are never read).

    With ``combined``, the rows of every team *not* in ``teams`` instead, summed by day into one
    line called ``combined`` (the rest of the company, for a person who sees its total only).
    """
    when = TimeColumn.of(source, table, zone)
    if when.zoned:
        return _zoned_measure_query(source, table, when, start, end, teams, combined)
    time_col, day, key = when.column, when.day, when.group_key
    team_col = table.c[source.team_column]
    team: ColumnElement[Any] = (
        type_coerce(team_col, String) if combined is None else literal(combined, String)
    )
    columns = [aggregate(table, m).label(m.name) for m in source.measures]
    query = select(day.label("day"), team.label("team_id"), *columns)
    if start is not None:
        query = query.where(when.since(start))
    if end is not None:
        query = query.where(when.before(end))
    if teams is not None:
        query = query.where(_of_teams(team_col, teams, combined))
    # a row with no time or no team cannot be placed (Data health counts it)
    query = query.where(time_col.is_not(None), team_col.is_not(None))
    if combined is not None:
        return query.group_by(key)
    if start is not None or end is not None:
        # day first: with team first, SQLite reads the whole table through the team index (to
        # save a sort) instead of the range's days through the time index — an incremental
        # refresh of three days took 0.67 s on the sample's 1.3 M orders, 0.006 s this way
        return query.group_by(key, team_col)
    # team first: SQLite sorts fewer distinct leading keys, and the result is the same
    return query.group_by(team_col, key)


def _zoned_measure_query(
    source: Source,
    table: FromClause,
    when: TimeColumn,
    start: dt.date | None,
    end: dt.date | None,
    teams: Sequence[str] | None = None,
    combined: str | None = None,
) -> Select[*tuple[Any, ...]]:
    """The same query with days cut in a zone, in two steps: the rows in range (bounds on the bare
    column, widened by a day or two, so its index serves) with their instant computed once
    (:meth:`TimeColumn.fence`); then days by the zone's offsets, grouped, and the range made
    exact on the days."""
    where: list[ColumnElement[bool]] = [
        when.column.is_not(None),
        table.c[source.team_column].is_not(None),
    ]
    if start is not None:
        where.append(when.column >= when.bound(start - when.SLACK))
    if end is not None:
        where.append(when.column < when.bound(end + when.SLACK))
    if teams is not None:
        where.append(_of_teams(table.c[source.team_column], teams, combined))
    rows, on_rows = when.fence(table, *where)
    day = on_rows.local_day(start)
    measures = [aggregate(rows, m).label(m.name) for m in source.measures]
    if combined is None:
        team = type_coerce(rows.c[source.team_column], String)
        query = select(day.label("day"), team.label("team_id"), *measures).group_by(
            rows.c[source.team_column], day
        )
    else:
        query = select(
            day.label("day"), literal(combined, String).label("team_id"), *measures
        ).group_by(day)
    # the range made exact on the days (MariaDB's HAVING reads no expression of grouped columns)
    if start is not None:
        query = query.where(day >= start)
    if end is not None:
        query = query.where(day < end)
    return query


def _of_teams(
    column: ColumnElement[Any], teams: Sequence[str], combined: str | None
) -> ColumnElement[bool]:
    """The rows of ``teams`` — or, for the ``combined`` line, the rows of every other team."""
    inside = among(column, teams)
    return inside if combined is None else ~inside


def among(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN (values)`` for ids read as text: a column that is no text column is compared as
    text (``CAST``), so an integer team id matches on every dialect."""
    wanted = sorted(values)
    if isinstance(column.type, sqltypes.String):
        return column.in_(wanted)
    return cast(column, String).in_(wanted)


def source_sql(source: Source, dialect_name: str, zone: Zone | None = None) -> str:
    """The query a source runs on a full load, in a dialect's SQL (for people to read).

    Built from the config alone (no reflection): the time column is taken as a timestamp. An
    incremental refresh runs the same query with ``time >= :start`` added.
    """
    names = {source.time_column, source.team_column}
    names |= {m.column for m in source.measures if m.column}
    names |= {c.column for m in source.measures for c in m.where}
    time_type = sqltypes.BigInteger if source.epoch else sqltypes.DateTime
    columns = [
        Column(n, time_type if n == source.time_column else sqltypes.NullType)
        for n in sorted(names)
    ]
    table: FromClause
    if source.sql is not None:  # the SELECT as a subquery, as the load runs it
        table = text(source.sql).columns(*columns).subquery(source.name)
    else:
        assert source.table is not None  # one of the two, by the config's rule
        table = Table(source.table, MetaData(), *columns, schema=source.db_schema)
    # Through a URL rather than the dialect registry: registry.load("mariadb") gives an instance.
    dialect = make_url(f"{dialect_name}://").get_dialect()()
    query = measure_query(source, table, zone=zone)
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    # SQLAlchemy's SQLite compiler writes the LIMIT it adds for an OFFSET as a parameter even when
    # literal values are asked for: show the value it binds
    sql = sql.replace("LIMIT ? OFFSET 0", "LIMIT -1 OFFSET 0")
    if zone is None:
        return sql
    changes = len(zone.changes) - 1
    if changes:
        offset_text = f"its UTC offset at that second (a CASE over its {changes} changes {FIRST_YEAR}-{END_YEAR})"
    else:
        hours, rest = divmod(abs(zone.changes[0][1]), 3600)
        sign = "-" if zone.changes[0][1] < 0 else "+"
        offset_text = (
            f"its UTC offset, {sign}{hours:02d}:{rest // 60:02d} (unchanged since {FIRST_YEAR})"
        )
    return (
        f"-- days cut in {zone.name}: each row's Unix second (bridge_seconds), computed once, plus\n"
        f"-- {offset_text}\n{sql}"
    )


# --- loading ------------------------------------------------------------------------------------

#: Parallel source queries per load (the machine has 2 cores; more mostly queues in the database).
LOAD_THREADS = 3
#: A table whose time column leads an index is read in up to this many slices of days at once...
SLICES = LOAD_THREADS
#: ...each at least this long: for a shorter span the extra queries' fixed costs outweigh the gain.
MIN_SLICE_DAYS = 92
#: Databases that answer one query with one core (SQLite, MariaDB and MySQL always, PostgreSQL for
#: its grouping's larger part), so slices on parallel connections use the others. A Spark cluster
#: spreads one query over its workers already and plans each query for seconds: one query there.
SLICED_DIALECTS = frozenset({"sqlite", "mysql", "mariadb", "postgresql"})

#: Days [start, end) of one query; None: unbounded on that side.
Span = tuple[dt.date | None, dt.date | None]


def slices(
    start: dt.date | None,
    end: dt.date | None,
    first: dt.date,
    today: dt.date,
    count: int,
    min_days: int,
) -> list[Span]:
    """[start, end) cut into up to ``count`` consecutive spans, of equal days between the source's
    ``first`` day with data and ``today`` (its last day, for all anyone knows before reading it).
    The first span keeps ``start`` and the last keeps ``end``, so a row outside those days (a
    future-dated one) is read as before; every day is in exactly one span, so each (day, team) row
    is still summed by the database from all its events. A range too short for two slices of
    ``min_days`` stays one query."""
    low = first if start is None else max(start, first)
    high = today + dt.timedelta(days=1) if end is None else min(end, today + dt.timedelta(days=1))
    days = (high - low).days
    parts = min(count, days // min_days) if days > 0 else 1
    if parts < 2:
        return [(start, end)]
    cuts = [low + dt.timedelta(days=days * k // parts) for k in range(1, parts)]
    return list(zip([start, *cuts], [*cuts, end], strict=True))


def _time_indexed(conn: Any, source: Source) -> bool:
    """Whether the source is a table whose time column leads one of its indexes, so that a slice
    of days is a range of that index (without one, each slice would read the whole table). A
    source given as ``sql`` stays one query: how its SELECT takes a range is its own."""
    if source.table is None:
        return False
    inspector = sa_inspect(conn)
    keys = [
        index["column_names"] for index in inspector.get_indexes(source.table, source.db_schema)
    ]
    keys.append(inspector.get_pk_constraint(source.table, source.db_schema)["constrained_columns"])
    wanted = source.time_column.lower()
    return any(key and (key[0] or "").lower() == wanted for key in keys)


def _spans(
    engine: Engine,
    registry: Registry,
    start: dt.date | None,
    end: dt.date | None,
    firsts: Mapping[str, dt.date] | None,
) -> dict[str, list[Span]]:
    """The spans each source is read in: slices of a long history on an indexed time column (see
    :func:`slices`), else the one span [start, end)."""
    whole: dict[str, list[Span]] = {source.name: [(start, end)] for source in registry.sources}
    if engine.dialect.name not in SLICED_DIALECTS:
        return whole
    today = registry.today()

    def cut(first: dt.date) -> list[Span]:
        return slices(start, end, first, today, SLICES, MIN_SLICE_DAYS)

    # a refresh of the last days is too short to slice whatever a source's first day (no source
    # holds more days than [start, end)): no need to look at indexes
    if start is not None and len(cut(start)) < 2:
        return whole
    with engine.connect() as conn:
        indexed = [source for source in registry.sources if _time_indexed(conn, source)]
    if not indexed:
        return whole
    firsts = first_days(engine, registry) if firsts is None else firsts
    for source in indexed:
        if source.name in firsts:  # a source without rows is one (empty) query
            whole[source.name] = cut(firsts[source.name])
    return whole


def load_dataset(
    engine: Engine,
    registry: Registry,
    start: dt.date | None = None,
    end: dt.date | None = None,
    units: frozenset[str] | None = None,
    company: bool = False,
    firsts: Mapping[str, dt.date] | None = None,
) -> Dataset:
    """Measures for days in [start, end) — every day by default — plus org, targets and plan.

    With ``units`` (a person's access scope), only those business units' teams are read: the org
    table is read first (it says which teams they are), then every measure, target and plan query
    carries the teams or units in its WHERE clause, so no other unit's number leaves the database.
    With ``company`` too, the other units come as one line, :data:`OTHER_UNITS`, summed by the
    database (so the company's total is right, and no other unit's own number is read).

    A long history of a table with an indexed time column is read in slices of days on parallel
    connections (:func:`slices`); ``firsts`` (each source's first day, :func:`first_days`) saves
    asking for them again when the caller has them.
    """

    zone = zone_of(registry)

    def one_source(
        source: Source, teams: Sequence[str] | None, combined: str | None, span: Span
    ) -> pl.DataFrame:
        with engine.connect() as conn:
            return _load_source(conn, source, *span, zone, teams, combined)

    try:
        teams: list[str] | None = None
        if units is not None:  # the org table says which teams are the person's
            with engine.connect() as conn:
                org = _load_org(conn, registry).filter(pl.col("business_unit").is_in(units))
            if org.is_empty():
                raise AccessDenied(
                    f"none of the business units this person may see ({', '.join(sorted(units))}) "
                    "is in the org table; ask whoever keeps the access policy"
                )
            teams = org.get_column("team_id").to_list()
        spans = _spans(engine, registry, start, end, firsts)
        combined: list[str | None] = (
            [None, OTHER_UNITS] if units is not None and company else [None]
        )
        jobs = [
            (source, teams, line, span)
            for line in combined
            for source in registry.sources
            for span in spans[source.name]
        ]
        # Sources (and slices) are independent queries: run them on parallel connections (the
        # drivers release the GIL while the database works), so a load takes about as long as its
        # largest query.
        with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
            pending = [pool.submit(one_source, *job) for job in jobs]
            with engine.connect() as conn:
                if units is None:
                    org = _load_org(conn, registry)
                targets = _load_targets(conn, registry, teams)
                plan = _load_plan(conn, registry, units)
                if units is not None and company:
                    plan = pl.concat([plan, _load_plan(conn, registry, units, combined=True)])
            frames = [p.result() for p in pending]
    except SQLAlchemyError as exc:
        raise SourceError(_describe(exc, engine)) from None
    if units is not None and company:
        org = pl.concat([org, pl.DataFrame([[OTHER_UNITS] * 3], ORG_SCHEMA, orient="row")])
    measures = pl.concat(frames) if frames else empty(MEASURES_SCHEMA)
    return Dataset(measures=measures, org=org, targets=targets, plan=plan)


def _describe(exc: SQLAlchemyError, engine: Engine) -> str:
    return f"the source database {safe_url(engine.url)} failed: {describe_error(exc, engine.url)}"


def _load_source(
    conn: Any,
    source: Source,
    start: dt.date | None,
    end: dt.date | None,
    zone: Zone | None,
    teams: Sequence[str] | None = None,
    combined: str | None = None,
) -> pl.DataFrame:
    table = relation(conn, source)
    result = conn.execute(measure_query(source, table, start, end, zone, teams, combined))
    names = [m.name for m in source.measures]
    schema = {"day": pl.Date, "team_id": pl.String, **dict.fromkeys(names, pl.Float64)}
    # A driver that hands out Arrow (Spark: bridge.data.spark) goes straight into Polars.
    arrow = getattr(result.cursor, "fetch_arrow_table", None)
    if arrow is not None:
        frame = pl.from_arrow(arrow())
        assert isinstance(frame, pl.DataFrame)
        wide = frame.rename(dict(zip(frame.columns, schema, strict=True))).cast(schema)  # type: ignore[arg-type]
    else:
        wide = pl.DataFrame(result.all(), schema=schema, orient="row")
    return (
        wide.unpivot(index=["day", "team_id"], on=names, variable_name="measure")
        # a time that reads as no day ('garbage', '') has no place in any period: Data health
        # counts those rows ("time that is no date")
        .drop_nulls(["day", "value"])
        .select(MEASURES_SCHEMA.names())
        .cast(MEASURES_SCHEMA)
    )


def _select_frame(
    conn: Any,
    columns: Sequence[Any],
    schema: pl.Schema,
    where: ColumnElement[bool] | None = None,
) -> pl.DataFrame:
    query = select(*columns)
    if where is not None:
        query = query.where(where)
    rows = conn.execute(query).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _load_org(conn: Any, registry: Registry) -> pl.DataFrame:
    org = registry.sources_file.org
    t = reflect(conn, org.table, org.db_schema)
    team = type_coerce(t.c[org.team_column], String)
    name = type_coerce(t.c[org.team_name_column], String) if org.team_name_column else team
    bu = type_coerce(t.c[org.business_unit_column], String)
    return clean_org(_select_frame(conn, [team, name, bu], ORG_SCHEMA))


#: Where a team without a business unit is counted (so units still add up to the company).
NO_UNIT = "(no business unit)"


def clean_org(org: pl.DataFrame) -> pl.DataFrame:
    """One row per team, every team in exactly one unit (Data health reports what was mended).

    A team without a business unit is counted under :data:`NO_UNIT`; a team listed under several
    units is counted once, under the first of them alphabetically, so the units' totals add up to
    the company's; a team without a name shows its id; rows without a team id are dropped.
    """
    blank = pl.col("business_unit").is_null() | (pl.col("business_unit").str.strip_chars() == "")
    return (
        org.filter(pl.col("team_id").is_not_null())
        .with_columns(
            business_unit=pl.when(blank).then(pl.lit(NO_UNIT)).otherwise(pl.col("business_unit")),
            team_name=pl.coalesce("team_name", "team_id"),
        )
        .sort("team_id", "business_unit")
        .unique("team_id", keep="first", maintain_order=True)
    )


def _load_targets(
    conn: Any, registry: Registry, teams: Sequence[str] | None = None
) -> pl.DataFrame:
    spec = registry.sources_file.targets
    if spec is None:
        return empty(TARGETS_SCHEMA)
    t = reflect(conn, spec.table, spec.db_schema)
    owner = type_coerce(t.c[spec.owner_column], String) if spec.owner_column else literal("")
    cols = [
        type_coerce(t.c[spec.team_column], String),
        type_coerce(t.c[spec.metric_column], String),
        type_coerce(t.c[spec.valid_from_column], Date),
        type_coerce(t.c[spec.valid_to_column], Date),
        type_coerce(t.c[spec.target_column], Float(asdecimal=False)),
        owner,
    ]
    where = None if teams is None else among(t.c[spec.team_column], teams)
    return _select_frame(conn, cols, TARGETS_SCHEMA, where)


def _load_plan(
    conn: Any, registry: Registry, units: frozenset[str] | None = None, *, combined: bool = False
) -> pl.DataFrame:
    """The plan rows (of ``units`` only, when given); ``combined``: those of every *other* unit,
    summed per metric and period by the database into :data:`OTHER_UNITS`."""
    spec = registry.sources_file.plan
    if spec is None:
        return empty(PLAN_SCHEMA)
    t = reflect(conn, spec.table, spec.db_schema)
    cols: list[ColumnElement[Any]] = [
        type_coerce(t.c[spec.business_unit_column], String),
        type_coerce(t.c[spec.metric_column], String),
        type_coerce(t.c[spec.period_start_column], Date),
        type_coerce(t.c[spec.period_end_column], Date),
        type_coerce(t.c[spec.value_column], Float(asdecimal=False)),
    ]
    if combined:
        assert units is not None  # the rest of the company is the rest of some units
        summed: list[ColumnElement[Any]] = [
            literal(OTHER_UNITS, String),
            cols[1],
            cols[2],
            cols[3],
            func.sum(cols[4]),
        ]
        query = (
            select(*summed)
            .where(~among(t.c[spec.business_unit_column], units))
            .group_by(cols[1], cols[2], cols[3])
        )
        return pl.DataFrame(conn.execute(query).all(), schema=PLAN_SCHEMA, orient="row")
    where = None if units is None else among(t.c[spec.business_unit_column], units)
    return _select_frame(conn, cols, PLAN_SCHEMA, where)


def first_days(engine: Engine, registry: Registry) -> dict[str, dt.date]:
    """The first day with an event in each source (sources without rows are left out).

    ``MIN`` of the bare time column in its own statement, which every dialect answers from the
    column's index (SQLite would scan the whole table for ``MIN`` and ``MAX`` in one statement).
    """
    found: dict[str, dt.date] = {}
    zone = zone_of(registry)
    try:
        with engine.connect() as conn:
            for source in registry.sources:
                table = relation(conn, source)
                when = TimeColumn.of(source, table, zone)
                # the raw value (no driver-side parsing): a value that is no date sorts first
                value = conn.execute(select(type_coerce(func.min(when.column), String))).scalar()
                day = when.read(value)
                if value is not None and day is None:
                    # ...so the first value that reads as a day is asked for (a full scan, only
                    # when such values exist; Data health counts them)
                    on_rows = when.fence(table)[1] if when.zoned else when
                    day = read_day(conn.execute(select(func.min(on_rows.day))).scalar())
                if day is not None:
                    found[source.name] = day
    except SQLAlchemyError as exc:
        raise SourceError(_describe(exc, engine)) from None
    return found


def zone_of(registry: Registry) -> Zone | None:
    """The reporting time zone of the config (None: days as written)."""
    name = registry.calendar.timezone
    return None if name is None else Zone.named(name)


def read_day(value: object) -> dt.date | None:
    """The day of a date, timestamp or ISO text; None for anything else (``'garbage'``, an int)."""
    if isinstance(value, dt.date | dt.datetime):
        return as_date(value)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_date(value: object) -> dt.date:
    """A date from what a driver returns for a date or timestamp (date, datetime or ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
