"""Apache Spark as a source, through Spark Connect: a small SQLAlchemy dialect of our own.

``BRIDGE_SOURCE_URL=sc://host:15002`` (Spark Connect's own URL form, ``/;token=…`` parameters
included; ``sc://host:15002/sales`` reads the database ``sales`` by default) gives an
:class:`~sqlalchemy.engine.Engine` like any other source (``sc`` and the dialect's name ``spark``
are registered as SQLAlchemy entry points in ``pyproject.toml``), so the loader, data health,
validation, lineage's "SQL it runs", bounds and incremental refresh run the very same Core queries: compiled here into Spark SQL (backtick identifiers, Spark's type names, named parameters)
and run with ``SparkSession.sql(sql, args=…)``; results arrive as Arrow. No maintained SQLAlchemy
dialect exists for open-source Spark (PyHive's Hive dialect silently turns ``CAST(x AS DATE)`` into
a timestamp), hence this one — it covers what Bridge issues, not all of SQLAlchemy.

What Spark SQL itself needs of Bridge's portable constructs (days of text, Unix seconds, numbers
written as text) is compiled beside each construct in :mod:`bridge.data.load` and
:mod:`bridge.data.zoned`, as for every other dialect.

Read-only: Spark Connect has no read-only session, so a source connection refuses any statement
that is not a query before it reaches Spark (:func:`refuse_writes`); grant Bridge's Spark user
read access only where the cluster can enforce it. Every session reads instants in UTC.

``pyspark`` (``bridge[spark]``) is imported only when a Spark URL is opened.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import URL, default, reflection
from sqlalchemy.engine.interfaces import (
    IsolationLevel,
    ReflectedColumn,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
)
from sqlalchemy.exc import DBAPIError, NoSuchTableError
from sqlalchemy.sql import compiler

# --- the DB-API driver over Spark Connect ---------------------------------------------------------


class Warning(Exception):
    pass


class Error(Exception):
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


apilevel = "2.0"
threadsafety = 1
paramstyle = "named"

#: A statement a read-only connection runs: a query, or a look at the catalog.
_READS = re.compile(r"^\s*(\(\s*)*(SELECT|WITH|VALUES|DESCRIBE|DESC|SHOW|EXPLAIN)\b", re.I)
#: Words that write or change something, wherever they stand outside quotes (a CTE may end in an
#: INSERT in Spark SQL) — unless they call a function (``replace(col, ',', '')``).
_WRITES = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE|REPLACE|LOAD|CACHE|UNCACHE|"
    r"REFRESH|MSCK|REPAIR|SET|RESET|ADD|GRANT|REVOKE|OPTIMIZE|VACUUM|COPY|CALL|USE)\b(?!\s*\()",
    re.I,
)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`]|``)*`")


#: One row of an INSERT's named parameters, and a parameter in it.
_VALUES = re.compile(r"\bVALUES\s*(\([^()]*\))\s*$", re.I)
_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_ROWS_PER_INSERT = 1000
#: Retries of a failed call to the server (under 2 s in all, where pyspark's default is 10 min).
RETRIES = 3


def refuse_writes(sql: str) -> None:
    """A :class:`ProgrammingError` (saying "read-only") unless ``sql`` only reads."""
    bare = _QUOTED.sub("''", sql)
    if not _READS.match(bare) or _WRITES.search(bare):
        first = bare.strip().split(None, 1)[0].upper() if bare.strip() else "(empty)"
        raise ProgrammingError(
            f"this Spark connection is read-only: Bridge runs queries only, not {first} statements"
        )


def _spark() -> Any:
    """pyspark's Connect client, imported on first use (quietly: its own logger prints the JVM's
    stack trace of every failed query, which Bridge reports in one line)."""
    # pyspark warns on every first use that pandas 3 is newer than it knows; Bridge hands it Arrow
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    warnings.filterwarnings("ignore", r"\[RETRIES_EXCEEDED\]", UserWarning)  # Bridge says it
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InterfaceError(
            "reading a Spark source needs the optional Spark client: "
            "install Bridge with its spark extra (uv sync --extra spark, or pip install 'bridge[spark]')"
        ) from None
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return SparkSession


def _parameter(value: object) -> object:
    """A parameter as pyspark sends it. A datetime goes as a typed TIMESTAMP literal: a naive one
    is a UTC instant to Bridge (bridge.data.zoned), where pyspark would read it in this machine's
    zone, and pyspark would ask its thread's "active" session — perhaps another server's, or one
    that never reached its own — which timestamp type to infer."""
    if not isinstance(value, dt.datetime):
        return value
    from pyspark.sql.connect.column import Column
    from pyspark.sql.connect.expressions import LiteralExpression
    from pyspark.sql.types import TimestampType

    instant = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return Column(LiteralExpression(instant, TimestampType()))


_GRPC = re.compile(r'status = StatusCode\.(\w+)\s+details = "([^"]*)"')


def _failure(exc: Exception) -> DatabaseError:
    """pyspark's error as DB-API's: Spark's own first line (e.g. ``[TABLE_OR_VIEW_NOT_FOUND] …``),
    or, where the server was not reached, gRPC's status and details."""
    text = str(exc).strip()
    grpc = _GRPC.search(text)
    if grpc is not None and grpc.group(1) in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN"):
        return OperationalError(
            f"cannot reach the Spark Connect server ({grpc.group(1)}: {grpc.group(2)})"
        )
    return ProgrammingError((text.splitlines() or [type(exc).__name__])[0])


class Cursor:
    """A DB-API cursor whose result is read once, as an Arrow table: handed out whole
    (:meth:`fetch_arrow_table`, as ADBC drivers do, which the loader prefers) or as rows."""

    arraysize = 1000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self._table: Any = None
        self._rows_read: list[tuple[Any, ...]] | None = None
        self._at = 0

    def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        if self.connection.read_only:
            refuse_writes(sql)
        args = {k: _parameter(v) for k, v in (parameters or {}).items()} or None
        try:
            self._table = self.connection.session.sql(sql, args=args).toArrow()
        except Exception as exc:  # pyspark raises its own classes; DB-API wants these
            raise _failure(exc) from exc
        # a command (DDL, INSERT) answers with no columns: no rows to fetch, as DB-API says
        self.description = [
            (f.name, str(f.type), None, None, None, None, True) for f in self._table.schema
        ] or None
        self.rowcount = self._table.num_rows
        self._rows_read, self._at = None, 0

    def fetch_arrow_table(self) -> Any:
        """The whole result as a ``pyarrow.Table`` (what Spark Connect sent), none of it made
        into Python objects."""
        table, self._at = self._table, self.rowcount
        return table

    @property
    def _rows(self) -> list[tuple[Any, ...]]:
        if self._rows_read is None:
            columns = [column.to_pylist() for column in self._table.columns]
            self._rows_read = list(zip(*columns, strict=True)) if columns else []
        return self._rows_read

    def executemany(self, sql: str, seq: Sequence[Mapping[str, Any]]) -> None:
        """An ``INSERT … VALUES (:a, :b)`` runs as one statement per ``_ROWS_PER_INSERT`` rows
        (``VALUES (:a__0, :b__0), (:a__1, :b__1), …``): one round trip to the cluster, not one
        per row. Anything else runs once per parameter set."""
        rows = list(seq)
        values = _VALUES.search(sql)
        if values is None:
            for parameters in rows:
                self.execute(sql, parameters)
            return
        group = values.group(1)
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            tuples, args = [], {}
            for i, parameters in enumerate(rows[start : start + _ROWS_PER_INSERT]):
                tuples.append(_NAMED.sub(lambda m, i=i: f":{m.group(1)}__{i}", group))
                args.update({f"{key}__{i}": value for key, value in parameters.items()})
            self.execute(f"{sql[: values.start()]}VALUES {', '.join(tuples)}", args)

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        end = self._at + (size or self.arraysize)
        rows, self._at = self._rows[self._at : end], min(end, len(self._rows))
        return rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    def close(self) -> None:
        self._table, self._rows_read = None, []

    def setinputsizes(self, *_: Any) -> None:
        pass

    def setoutputsize(self, *_: Any) -> None:
        pass


class Connection:
    """One Spark Connect session (its own temporary views and settings), in UTC."""

    def __init__(self, url: str, read_only: bool = False, database: str | None = None) -> None:
        try:
            self.session = _spark().builder.remote(url).create()
            # pyspark retries an unreachable server for at least ten minutes; a page should say
            # within seconds that the source is down
            from pyspark.sql.connect.client.retries import DefaultPolicy

            self.session.client.set_retry_policies(
                [DefaultPolicy(max_retries=RETRIES, initial_backoff=100, max_backoff=1000)]
            )
            self.session.conf.set("spark.sql.session.timeZone", "UTC")
            if database:
                self.session.catalog.setCurrentDatabase(database)
        except InterfaceError:
            raise
        except Exception as exc:
            raise _failure(exc) from exc
        self.read_only = read_only
        _open.add(self)

    def cursor(self) -> Cursor:
        return Cursor(self)

    def commit(self) -> None:  # Spark has no transactions: every statement stands alone
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        _open.discard(self)
        try:
            self.session.stop()
        except Exception:  # the server may be gone already; nothing is left to release then
            logging.getLogger(__name__).debug("closing a Spark Connect session", exc_info=True)


#: Sessions still open: stopped before the interpreter exits, since a session left to the garbage
#: collector at shutdown blocks the exit in gRPC's channel close.
_open: weakref.WeakSet[Connection] = weakref.WeakSet()


@atexit.register
def _stop_sessions() -> None:
    for connection in list(_open):
        connection.close()


def connect(url: str, read_only: bool = False, database: str | None = None) -> Connection:
    return Connection(url, read_only, database)


# --- the dialect ----------------------------------------------------------------------------------


class SparkIdentifierPreparer(compiler.IdentifierPreparer):
    def __init__(self, dialect: default.DefaultDialect) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`")


class SparkTypeCompiler(compiler.GenericTypeCompiler):
    """Spark SQL's names for SQLAlchemy's generic types (``CAST(x AS STRING)``, ``DOUBLE``)."""

    def visit_string(self, type_: Any, **kw: Any) -> str:
        return "STRING"

    visit_VARCHAR = visit_CHAR = visit_NVARCHAR = visit_NCHAR = visit_TEXT = visit_text = (
        visit_unicode
    ) = visit_unicode_text = visit_string

    def visit_float(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    visit_FLOAT = visit_REAL = visit_DOUBLE = visit_double = visit_DOUBLE_PRECISION = visit_float

    def visit_integer(self, type_: Any, **kw: Any) -> str:
        return "INT"

    visit_INTEGER = visit_integer

    def visit_big_integer(self, type_: Any, **kw: Any) -> str:
        return "BIGINT"

    def visit_small_integer(self, type_: Any, **kw: Any) -> str:
        return "SMALLINT"

    def visit_boolean(self, type_: Any, **kw: Any) -> str:
        return "BOOLEAN"

    def visit_datetime(self, type_: Any, **kw: Any) -> str:
        # a timestamp with a zone is an instant (Spark's TIMESTAMP); without, a wall-clock reading
        return "TIMESTAMP" if getattr(type_, "timezone", False) else "TIMESTAMP_NTZ"

    visit_DATETIME = visit_TIMESTAMP = visit_datetime

    def visit_numeric(self, type_: Any, **kw: Any) -> str:
        if type_.precision is None:
            return "DECIMAL(38, 10)"
        return f"DECIMAL({type_.precision}, {type_.scale or 0})"

    visit_NUMERIC = visit_DECIMAL = visit_numeric


class SparkCompiler(compiler.SQLCompiler):
    def limit_clause(self, select: Any, **kw: Any) -> str:
        # Spark has OFFSET without LIMIT (the default compiler writes SQLite's LIMIT -1)
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            text += "\n OFFSET " + self.process(select._offset_clause, **kw)
        return text

    def visit_mod_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"{self.process(binary.left, **kw)} % {self.process(binary.right, **kw)}"

    def render_literal_value(self, value: Any, type_: Any) -> str:
        # Spark reads a backslash in a string literal as an escape
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if isinstance(value, dt.datetime):
            kind = "TIMESTAMP" if value.tzinfo else "TIMESTAMP_NTZ"
            return f"{kind} '{value.isoformat(sep=' ')}'"
        if isinstance(value, dt.date):
            return f"DATE '{value.isoformat()}'"
        rendered: str = super().render_literal_value(value, type_)
        return rendered


#: Spark's type names (``DESCRIBE``), as SQLAlchemy types.
_TYPES: dict[str, type[sqltypes.TypeEngine[Any]]] = {
    "string": sqltypes.String,
    "varchar": sqltypes.String,
    "char": sqltypes.String,
    "tinyint": sqltypes.SmallInteger,
    "smallint": sqltypes.SmallInteger,
    "int": sqltypes.Integer,
    "integer": sqltypes.Integer,
    "bigint": sqltypes.BigInteger,
    "float": sqltypes.Float,
    "double": sqltypes.Float,
    "boolean": sqltypes.Boolean,
    "date": sqltypes.Date,
    "binary": sqltypes.LargeBinary,
}


def column_type(spark_type: str) -> sqltypes.TypeEngine[Any]:
    """The SQLAlchemy type of a type as Spark's ``DESCRIBE`` writes it."""
    name = spark_type.strip().lower()
    if name == "timestamp":  # an instant (Spark's TIMESTAMP is "with local time zone")
        return sqltypes.DateTime(timezone=True)
    if name == "timestamp_ntz":
        return sqltypes.DateTime()
    decimal = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", name)
    if decimal:
        return sqltypes.Numeric(int(decimal.group(1)), int(decimal.group(2)))
    base = re.split(r"[(<]", name, maxsplit=1)[0]
    kind = _TYPES.get(base)
    return kind() if kind is not None else sqltypes.NullType()


def _not_found(exc: DBAPIError) -> bool:
    """Spark's error for a table, view or schema that does not exist."""
    return any(kind in str(exc.orig) for kind in ("TABLE_OR_VIEW_NOT_FOUND", "SCHEMA_NOT_FOUND"))


class SparkDialect(default.DefaultDialect):
    """Spark SQL over Spark Connect (``sc://host:port``); see the module's notes."""

    name = "spark"
    driver = "connect"
    paramstyle = "named"
    default_paramstyle = "named"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    supports_alter = False
    supports_sequences = False
    supports_comments = False
    postfetch_lastrowid = False
    returns_native_bytes = True
    default_schema_name = "default"
    statement_compiler = SparkCompiler
    type_compiler_cls = SparkTypeCompiler
    preparer = SparkIdentifierPreparer  # type: ignore[assignment]

    @classmethod
    def import_dbapi(cls) -> Any:
        import bridge.data.spark as module

        return module

    def create_connect_args(self, url: URL) -> tuple[list[Any], dict[str, Any]]:
        # Spark Connect's URL is sc://host:port/;param=value;… (token, user_id, use_ssl …); as in
        # every SQLAlchemy URL, a name in the path is the database read by default.
        database, _, params = (url.database or "").partition(";")
        target = f"sc://{url.host or 'localhost'}:{url.port or 15002}"
        if params:
            target += f"/;{params}"
        return [], {"url": target, "database": database or None}

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        version = connection.connection.dbapi_connection.session.version
        return tuple(int(p) for p in re.findall(r"\d+", version)[:3])

    def _get_default_schema_name(self, connection: Any) -> str:
        return str(connection.exec_driver_sql("SELECT current_database()").scalar())

    def get_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        return "AUTOCOMMIT"

    def get_isolation_level_values(self, dbapi_connection: Any) -> list[IsolationLevel]:
        return ["AUTOCOMMIT"]

    def set_isolation_level(self, dbapi_connection: Any, level: IsolationLevel) -> None:
        pass

    def do_ping(self, dbapi_connection: Any) -> bool:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        return True

    # --- reflection: what DESCRIBE and SHOW say ---

    def _qualified(self, name: str, schema: str | None) -> str:
        quote = self.identifier_preparer.quote_identifier
        return f"{quote(schema)}.{quote(name)}" if schema else quote(name)

    @reflection.cache
    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [row[0] for row in connection.exec_driver_sql("SHOW DATABASES")]

    @reflection.cache
    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        where = f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else ""
        rows = connection.exec_driver_sql(f"SHOW TABLES{where}").mappings()
        return [row["tableName"] for row in rows if not row["isTemporary"]]

    @reflection.cache
    def get_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        where = f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else ""
        rows = connection.exec_driver_sql(f"SHOW VIEWS{where}").mappings()
        return [row["viewName"] for row in rows if not row["isTemporary"]]

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        try:
            names = self.get_table_names(connection, schema) + self.get_view_names(
                connection, schema
            )
        except DBAPIError as exc:
            if _not_found(exc):  # no such schema
                return False
            raise
        return table_name.lower() in {n.lower() for n in names}

    @reflection.cache
    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        # one round trip: DESCRIBE says itself when the table (or its schema) does not exist
        sql = f"DESCRIBE TABLE {self._qualified(table_name, schema)}"
        try:
            described = connection.exec_driver_sql(sql).all()
        except DBAPIError as exc:
            if _not_found(exc):
                raise NoSuchTableError(table_name) from None
            raise
        columns: list[ReflectedColumn] = []
        for name, kind, comment in described:
            if not name or name.startswith("#"):  # partitioning and details follow a blank row
                break
            columns.append(
                {
                    "name": name,
                    "type": column_type(kind),
                    "nullable": True,
                    "default": None,
                    "comment": comment,
                }
            )
        return columns

    def get_pk_constraint(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        return {"constrained_columns": [], "name": None}  # Spark tables declare no keys

    def get_foreign_keys(self, *args: Any, **kw: Any) -> list[Any]:
        return []

    def get_indexes(self, *args: Any, **kw: Any) -> list[Any]:
        return []

    def get_unique_constraints(self, *args: Any, **kw: Any) -> list[Any]:
        return []

    def get_check_constraints(self, *args: Any, **kw: Any) -> list[Any]:
        return []

    def get_table_comment(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        return {"text": None}

    def get_table_options(self, *args: Any, **kw: Any) -> dict[str, Any]:
        return {}
