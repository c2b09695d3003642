"""Writing the sample into a database: the engine, the overwrite guard, and one writer per
dialect, each through its fast bulk path (SQLite ``executemany``, PostgreSQL ``COPY``,
MariaDB/MySQL ``LOAD DATA LOCAL INFILE``)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    inspect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from bridge.sample.draws import Company, EventBatch, Row
from bridge.sample.schema import TABLE_NAMES
from bridge.sample.story import TEAM_IDS, TEAMS, Calendar, to_date

_BATCH_ROWS = 100_000  # rows built and inserted at a time (executemany)
_CSV_ROWS = 500_000  # rows per CSV piece for COPY / LOAD DATA
_SPARK_ROWS = 250_000  # rows per Arrow batch sent to Spark Connect (the driver holds it whole)
_SECONDS_PER_DAY = 86_400
# SQLAlchemy's own SQLite storage format for DateTime; writing the same text keeps string
# comparisons against bound datetime parameters correct (a shorter string sorts first).
_TIME_SUFFIX = ".000000"


def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database
    backend = parsed.get_backend_name()
    is_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
    if backend == "sqlite" and is_file:
        Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
    if backend in ("mysql", "mariadb") and parsed.get_driver_name() == "pymysql":
        # LOAD DATA LOCAL INFILE needs the client's consent too; the server may still refuse.
        return create_engine(parsed, connect_args={"local_infile": True})
    return create_engine(parsed)


def _refuse_to_overwrite(conn: Connection, metadata: MetaData, replace: bool) -> None:
    schema = metadata.sorted_tables[0].schema
    existing = sorted(set(inspect(conn).get_table_names(schema=schema)) & set(TABLE_NAMES))
    if existing and not replace:
        where = conn.engine.url.render_as_string(hide_password=True)
        if schema is not None:
            where += f" (schema {schema})"
        raise FileExistsError(f"{where} already has sample tables ({', '.join(existing)})")


def write(engine: Engine, metadata: MetaData, company: Company, replace: bool) -> dict[str, int]:
    """Create the tables and load the company through the fastest path of the dialect."""
    writer_class = _WRITERS.get(engine.dialect.name, _Writer)
    tables = {table.name: table for table in metadata.sorted_tables}
    with engine.connect() as conn:
        schema = tables["orders"].schema
        if schema is not None:
            quoted = conn.dialect.identifier_preparer.quote_schema(schema)
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        _refuse_to_overwrite(conn, metadata, replace)
        writer = writer_class(conn, company.calendar)
        writer.prepare()
        if replace:
            metadata.drop_all(conn)
        writer.create(metadata)
        writer.rows(tables["org_teams"], company.org_rows())
        for chunk in company.chunks():
            writer.events(tables["orders"], chunk.orders)
            writer.events(tables["tickets"], chunk.tickets)
            writer.rows(tables["team_kpi_sheet"], chunk.sheet)
        for name, rows in company.other_tables().items():
            writer.rows(tables[name], rows)
        writer.finish(metadata)
        conn.commit()
    return {name: writer.counts[name] for name in TABLE_NAMES}


def _event_tuples(calendar: Calendar, batch: EventBatch) -> Iterator[list[Row]]:
    """The batch as rows ``(id, timestamp, team_id, *values)``, ``_BATCH_ROWS`` at a time.

    Timestamps are naive local time as text in SQLAlchemy's SQLite format, built by looking
    up the day and the second of the day rather than formatting a datetime per row.
    """
    prefixes = _day_prefixes(calendar.days[0], calendar.n_days)
    clock = _clock_texts()
    team_ids = np.array([t.team_id for t in TEAMS], dtype=object)
    for start in range(0, len(batch), _BATCH_ROWS):
        part = slice(start, start + _BATCH_ROWS)
        days, seconds = batch.day[part].tolist(), batch.second[part].tolist()
        stamps = [prefixes[d] + clock[s] for d, s in zip(days, seconds, strict=True)]
        ids = range(batch.first_id + start, batch.first_id + start + len(days))
        columns = [v[part].tolist() for v in batch.values]
        yield list(zip(ids, stamps, team_ids[batch.team[part]].tolist(), *columns, strict=True))


@functools.cache
def _day_prefixes(first: np.datetime64, n_days: int) -> tuple[str, ...]:
    """``YYYY-MM-DD `` for each of ``n_days`` days from ``first``."""
    days = first + np.arange(n_days)
    return tuple(f"{to_date(d).isoformat()} " for d in days)


@functools.cache
def _clock_texts() -> tuple[str, ...]:
    """``HH:MM:SS.000000`` for every second of a day."""
    return tuple(
        f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{_TIME_SUFFIX}"
        for s in range(_SECONDS_PER_DAY)
    )


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class _Writer:
    """Loads rows through the DBAPI ``executemany``: SQLite, and any dialect without a faster path.

    Values are in database form already: dates and timestamps as ISO text, which SQLite stores
    as is and PostgreSQL and MariaDB parse into DATE and TIMESTAMP/DATETIME columns.
    """

    def __init__(self, conn: Connection, calendar: Calendar) -> None:
        self.conn = conn
        self.calendar = calendar
        self.counts: dict[str, int] = dict.fromkeys(TABLE_NAMES, 0)

    def prepare(self) -> None:
        """Session settings for a fast bulk load."""

    def create(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.conn.execute(CreateTable(table))

    def rows(self, table: Table, rows: list[Row]) -> None:
        self._executemany(table, [rows])
        self.counts[table.name] += len(rows)

    def events(self, table: Table, batch: EventBatch) -> None:
        self._executemany(table, _event_tuples(self.calendar, batch))
        self.counts[table.name] += len(batch)

    def finish(self, metadata: MetaData) -> None:
        # Indexes after the load: one sort per index is much cheaper than maintaining them.
        for table in metadata.sorted_tables:
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                self.conn.execute(CreateIndex(index))

    def add_foreign_keys(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            for constraint in sorted(
                table.foreign_key_constraints, key=lambda c: tuple(c.column_keys)
            ):
                self.conn.execute(AddConstraint(constraint))

    def qualified(self, table: Table) -> str:
        return self.conn.dialect.identifier_preparer.format_table(table)

    def column_list(self, table: Table) -> str:
        quote = self.conn.dialect.identifier_preparer.quote
        return ", ".join(quote(column.name) for column in table.columns)

    def _executemany(self, table: Table, batches: Iterable[list[Row]]) -> None:
        """Positional rows straight to the DBAPI ``executemany``, bypassing per-row processing."""
        dialect = self.conn.dialect
        placeholder = _PLACEHOLDERS.get(dialect.paramstyle or "")
        if placeholder is None:
            raise NotImplementedError(f"bulk insert for paramstyle {dialect.paramstyle!r}")
        values = ", ".join(placeholder for _ in table.columns)
        sql = f"INSERT INTO {self.qualified(table)} ({self.column_list(table)}) VALUES ({values})"
        cursor = self.conn.connection.cursor()
        try:
            for batch in batches:
                cursor.executemany(sql, batch)
        finally:
            cursor.close()

    def event_csv(self, table: Table, batch: EventBatch) -> Iterator[bytes]:
        """The batch as headerless CSV, ``_CSV_ROWS`` rows at a time, written by Polars.

        Floats are written in their shortest round-trip form, so the database parses back the
        very doubles SQLite stores; timestamps as ``YYYY-MM-DD HH:MM:SS`` (naive local time).
        """
        for frame in self.event_frames(table, batch, _CSV_ROWS):
            yield frame.write_csv(
                include_header=False, datetime_format="%Y-%m-%d %H:%M:%S"
            ).encode()

    def event_frames(self, table: Table, batch: EventBatch, size: int) -> Iterator[pl.DataFrame]:
        """The batch as Polars frames of ``size`` rows: ids, naive local timestamps, team ids and
        the values, named like the table's columns."""
        names = [column.name for column in table.columns]
        day_starts = self.calendar.days.astype("datetime64[ms]")
        for start in range(0, len(batch), size):
            part = slice(start, start + size)
            ids = np.arange(batch.first_id + start, batch.first_id + start + len(batch.day[part]))
            stamps = day_starts[batch.day[part]] + (batch.second[part] * 1000).astype(
                "timedelta64[ms]"
            )
            yield pl.DataFrame(
                [
                    pl.Series(names[0], ids),
                    pl.Series(names[1], stamps),
                    TEAM_IDS.gather(batch.team[part]).alias(names[2]),
                    *(pl.Series(n, v[part]) for n, v in zip(names[3:], batch.values, strict=True)),
                ]
            )


class _SqliteWriter(_Writer):
    def prepare(self) -> None:
        # A throwaway, regenerable file: no rollback journal and no fsyncs during the load; a
        # bigger page cache lets the index builds sort in memory.
        self.conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        self.conn.exec_driver_sql("PRAGMA synchronous=OFF")
        self.conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB
        self.conn.exec_driver_sql("PRAGMA temp_store=MEMORY")


class _PostgresWriter(_Writer):
    """``COPY ... FROM STDIN`` with ``FREEZE``: the tables are created in the same transaction, so
    rows land already frozen and visible (no vacuum and no hint-bit writes on the first read).

    Tables are created with their columns only; primary keys, indexes and foreign keys are added
    after the load (one sort per key and one join per foreign key, instead of maintaining them
    row by row), which ends with the very tables ``CREATE TABLE`` would have made.
    """

    def prepare(self) -> None:
        self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        self.conn.exec_driver_sql("SET LOCAL synchronous_commit = off")

    def create(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            columns = [Column(c.name, c.type, nullable=c.nullable) for c in table.columns]
            bare = Table(table.name, MetaData(), *columns, schema=table.schema)
            self.conn.execute(CreateTable(bare))

    def rows(self, table: Table, rows: list[Row]) -> None:
        with self._copy(table, "text") as copy:
            for row in rows:
                copy.write_row(row)
        self.counts[table.name] += len(rows)

    def events(self, table: Table, batch: EventBatch) -> None:
        with self._copy(table, "csv") as copy:
            for data in self.event_csv(table, batch):
                copy.write(data)
        self.counts[table.name] += len(batch)

    def finish(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.conn.execute(AddConstraint(table.primary_key))
        super().finish(metadata)
        self.add_foreign_keys(metadata)
        for table in metadata.sorted_tables:
            self.conn.exec_driver_sql(f"ANALYZE {self.qualified(table)}")

    @contextmanager
    def _copy(self, table: Table, fmt: str) -> Iterator[Any]:
        columns = self.column_list(table)
        sql = f"COPY {self.qualified(table)} ({columns}) FROM STDIN (FORMAT {fmt}, FREEZE)"
        cursor: Any = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(sql) as copy:
                yield copy
        finally:
            cursor.close()


class _MySQLWriter(_Writer):
    """``LOAD DATA LOCAL INFILE`` from temporary CSV files where the server allows it (the
    ``local_infile`` system variable), else multi-row ``INSERT`` (PyMySQL's ``executemany``
    rewrites the statement into as many rows per statement as ``max_allowed_packet`` permits).

    Tables are created with their primary keys (InnoDB stores rows in key order, and ids arrive
    in order); secondary indexes and foreign keys are added after the load. Foreign-key checks
    are off meanwhile, so adding a key is a metadata change instead of a table copy: the rows
    are consistent by construction, and the keys are declared all the same.
    """

    def __init__(self, conn: Connection, calendar: Calendar) -> None:
        super().__init__(conn, calendar)
        self.local_infile = self._server_allows_local_infile()

    def _server_allows_local_infile(self) -> bool:
        return str(self.conn.exec_driver_sql("SELECT @@local_infile").scalar()) in ("1", "ON")

    def prepare(self) -> None:
        self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")

    def events(self, table: Table, batch: EventBatch) -> None:
        if not self.local_infile:
            super().events(table, batch)
            return
        sql = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.qualified(table)} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' "
            f"({self.column_list(table)})"
        )
        cursor = self.conn.connection.cursor()
        try:
            with tempfile.TemporaryDirectory(prefix="bridge-sample-") as directory:
                path = Path(directory) / f"{table.name}.csv"
                for data in self.event_csv(table, batch):
                    path.write_bytes(data)
                    cursor.execute(sql, (str(path),))
        finally:
            cursor.close()
        self.counts[table.name] += len(batch)

    def create(self, metadata: MetaData) -> None:
        # Without its foreign keys: InnoDB would add an index for each, maintained row by row.
        for table in metadata.sorted_tables:
            self.conn.execute(CreateTable(table, include_foreign_key_constraints=[]))

    def finish(self, metadata: MetaData) -> None:
        super().finish(metadata)
        self.add_foreign_keys(metadata)
        self.conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
        for table in metadata.sorted_tables:
            self.conn.exec_driver_sql(f"ANALYZE TABLE {self.qualified(table)}").all()


class _SparkWriter(_Writer):
    """Spark through Spark Connect: Parquet tables (``CREATE TABLE … USING parquet``, no keys or
    indexes — Spark has none), rows sent as Arrow batches the size of a Connect message and
    appended with ``insertInto``. Timestamps are TIMESTAMP_NTZ: naive local time, as written
    everywhere else."""

    def create(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.conn.exec_driver_sql(
                f"CREATE TABLE {self.qualified(table)} ({self._columns(table)}) USING parquet"
            )

    def rows(self, table: Table, rows: list[Row]) -> None:
        frame = pl.DataFrame(rows, schema=[c.name for c in table.columns], orient="row")
        parsed = [
            pl.col(c.name).str.to_date()
            if isinstance(c.type, Date)
            else pl.col(c.name).str.to_datetime()
            for c in table.columns
            if isinstance(c.type, Date | DateTime) and frame.schema[c.name] == pl.String
        ]
        self._append(table, frame.with_columns(parsed) if parsed else frame)
        self.counts[table.name] += len(rows)

    def events(self, table: Table, batch: EventBatch) -> None:
        for frame in self.event_frames(table, batch, _SPARK_ROWS):
            self._append(table, frame)
        self.counts[table.name] += len(batch)

    def finish(self, metadata: MetaData) -> None:
        pass

    def _columns(self, table: Table) -> str:
        quote = self.conn.dialect.identifier_preparer.quote
        return ", ".join(
            f"{quote(c.name)} {c.type.compile(dialect=self.conn.dialect)}" for c in table.columns
        )

    def _append(self, table: Table, frame: pl.DataFrame) -> None:
        session = self.conn.connection.dbapi_connection.session  # type: ignore[union-attr]
        data = session.createDataFrame(frame.to_arrow(), schema=self._columns(table))
        data.write.insertInto(self.qualified(table))


_WRITERS: dict[str, type[_Writer]] = {
    "sqlite": _SqliteWriter,
    "postgresql": _PostgresWriter,
    "mysql": _MySQLWriter,
    "mariadb": _MySQLWriter,
    "spark": _SparkWriter,
}
