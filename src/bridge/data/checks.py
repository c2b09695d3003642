"""Does the database agree with ``sources.toml``? Every table, column and type the config names.

Run by ``bridge validate`` (and every CLI command that reads data): each missing schema, table or
column, and each column of the wrong type, is one :class:`~bridge.errors.Problem` located in
``sources.toml``; all are reported at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, column, func, inspect, select, table, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import FromClause

from bridge.config.files import ConfigFiles
from bridge.config.sources import Source, SourcesFile
from bridge.data.load import LAST_UNIX_SECOND, read_epoch, relation
from bridge.data.urls import describe_error, safe_url
from bridge.errors import Location, Problem, Step

NUMERIC = (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
TEMPORAL = (sqltypes.Date, sqltypes.DateTime)
#: A time column may also hold ISO-8601 text (how most SQLite files store dates): checked by sample.
TIME_KINDS = (*TEMPORAL, sqltypes.String)
#: A day, or a timestamp (with or without a UTC offset): what sorts and truncates to the right day
#: as text. A time with an offset counts on the day as written (see ``bridge.data.load.day_of``).
ISO_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?"
)
#: How many of the smallest, the largest and the first values a text time column is checked on:
#: text that is no ISO date sorts before ('', '11/15/2026') or after ('garbage') the dates.
SAMPLE_ROWS = 50
#: A number written as text, as measures read it (bridge.data.load.text_number).
TEXT_NUMBER = re.compile(r"\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*")
Columns = dict[str, sqltypes.TypeEngine[Any]]
DEFAULT_FILES = ConfigFiles(Path("config"))


def database_problems(
    sources: SourcesFile, engine: Engine, files: ConfigFiles = DEFAULT_FILES, *, values: bool = True
) -> list[Problem]:
    """Every table or column ``sources`` names that the database lacks, or has with the wrong type
    (located in ``files``' sources.toml); with ``values``, also text time columns holding values
    that are no date (sampled). Views need only the first kind: they leave such values out in SQL
    and Data health counts them, so one bad row never stops a view."""
    try:
        inspector = inspect(engine)
    except SQLAlchemyError as exc:
        return [
            Problem(
                Location("database", (Step("(connection)"),)),
                f"a reachable database at {safe_url(engine.url)}",
                f"{type(exc).__name__}: {describe_error(exc, engine.url)}",
            )
        ]
    check = _Check(inspector, sources, files, engine, values)
    check.org()
    check.sources()
    check.tables_of_reference()
    return check.problems


@dataclass
class _Check:
    inspector: Inspector
    spec: SourcesFile
    files: ConfigFiles
    engine: Engine | None = None
    values: bool = True
    problems: list[Problem] = field(default_factory=list)
    _tables: dict[str | None, set[str]] = field(default_factory=dict)
    _missing_schemas: set[str | None] = field(default_factory=set)

    def at(self, *steps: Step | str | int) -> Location:
        return self.files.at("sources", *steps)

    def columns(self, table: str, schema: str | None, where: Location) -> Columns | None:
        """The table's columns and types, or None (with a problem) when it or its schema is missing."""
        if schema in self._missing_schemas:
            return None  # already reported once; its tables cannot be checked
        if schema not in self._tables:
            try:
                self._tables[schema] = set(self.inspector.get_table_names(schema=schema))
            except SQLAlchemyError:
                self._missing_schemas.add(schema)
                parent = Location(where.where, where.steps[:-1])
                self.problems.append(
                    Problem(parent.child("schema"), "a schema that exists", repr(schema))
                )
                return None
        if table not in self._tables[schema]:
            available = ", ".join(sorted(self._tables[schema])) or "no tables"
            self.problems.append(Problem(where, f"a table that exists ({available})", repr(table)))
            return None
        return {c["name"]: c["type"] for c in self.inspector.get_columns(table, schema=schema)}

    def need(
        self,
        columns: Columns,
        column: str | None,
        where: Location,
        table: str,
        kinds: tuple[type, ...] = (),
        what: str = "",
    ) -> None:
        if column is None:
            return
        if column not in columns:
            listing = ", ".join(columns)
            self.problems.append(
                Problem(where, f"a column of table {table!r} ({listing})", repr(column))
            )
        elif kinds and not isinstance(columns[column], (*kinds, sqltypes.NullType)):
            # (NullType: a query's column with only NULLs among the rows read — type unknown)
            found = f"{column!r} of type {columns[column]}"
            self.problems.append(Problem(where, f"a {what} column", found))

    def org(self) -> None:
        org = self.spec.org
        columns = self.columns(org.table, org.db_schema, self.at("org", "table"))
        if columns is not None:
            for key in ("team_column", "team_name_column", "business_unit_column"):
                self.need(columns, getattr(org, key), self.at("org", key), org.table)

    def query_columns(self, source: Source, where: Location) -> Columns | None:
        """The columns of a source's ``sql`` and their types (read from a few of its rows), or
        None with a problem saying what the database answered."""
        if self.engine is None:
            return None
        try:
            with self.engine.connect() as conn:
                return {c.name: c.type for c in relation(conn, source).columns}
        except SQLAlchemyError as exc:
            self.problems.append(
                Problem(
                    where,
                    "one SELECT the source database can run",
                    describe_error(exc, self.engine.url),
                )
            )
            return None

    def sources(self) -> None:
        for i, source in enumerate(self.spec.sources):
            entry = ("sources", Step(i, source.name, "name"))
            if source.sql is not None:
                columns = self.query_columns(source, self.at(*entry, "sql"))
                query = text(source.sql).columns(column(source.time_column))
                origin: FromClause = query.subquery(source.name)
            else:
                assert source.table is not None  # one of the two, by the config's rule
                columns = self.columns(source.table, source.db_schema, self.at(*entry, "table"))
                origin = table(source.table, column(source.time_column), schema=source.db_schema)
            if columns is None:
                continue
            kind = columns.get(source.time_column)
            if source.epoch is not None:
                self.need(
                    columns,
                    source.time_column,
                    self.at(*entry, "time_column"),
                    source.relation,
                    (sqltypes.Integer,),
                    f"integer (Unix time in {source.epoch}, as `epoch` says)",
                )
                kind = None  # integers: nothing to sample as text
            elif isinstance(kind, sqltypes.Integer):
                self.problems.append(self.epoch_hint(origin, source, entry, kind))
                kind = None
            else:
                self.need(
                    columns,
                    source.time_column,
                    self.at(*entry, "time_column"),
                    source.relation,
                    TIME_KINDS,
                    "date, timestamp or ISO-8601 text",
                )
            is_text = isinstance(kind, sqltypes.String) and not isinstance(kind, TEMPORAL)
            # SQLite keeps any value in a DATE/DATETIME column: its values are checked like text
            sqlite = self.engine is not None and self.engine.dialect.name == "sqlite"
            if (
                self.values
                and kind is not None
                and (is_text or (sqlite and isinstance(kind, TEMPORAL)))
            ):
                self.text_times(source, entry)
            self.need(columns, source.team_column, self.at(*entry, "team_column"), source.relation)
            self.need(columns, source.id_column, self.at(*entry, "id_column"), source.relation)
            sampled: set[str] = set()
            for j, measure in enumerate(source.measures):
                at_measure = (*entry, "measures", Step(j, measure.name, "name"))
                # every aggregated value becomes a number (Float64): min/max over text cannot
                # (numbers written as text are read as numbers, in SQL: load.text_number)
                numeric = (*NUMERIC, sqltypes.String) if measure.agg != "count" else ()
                self.need(
                    columns,
                    measure.column,
                    self.at(*at_measure, "column"),
                    source.relation,
                    numeric,
                    "numeric (or text holding numbers)",
                )
                if (
                    self.values
                    and numeric
                    and measure.column is not None
                    and measure.column not in sampled  # once per column, at its first measure
                    and isinstance(columns.get(measure.column), sqltypes.String)
                    and not isinstance(columns.get(measure.column), TEMPORAL)
                ):
                    sampled.add(measure.column)
                    self.text_numbers(source, measure.column, self.at(*at_measure, "column"))
                for k, cond in enumerate(measure.where):
                    self.need(
                        columns,
                        cond.column,
                        self.at(*at_measure, "where", k, "column"),
                        source.relation,
                    )

    def epoch_hint(
        self,
        origin: FromClause,
        source: Source,
        entry: tuple[Any, ...],
        kind: sqltypes.TypeEngine[Any],
    ) -> Problem:
        """An integer time column without ``epoch``: say how to declare it, with the unit its
        largest plausible value suggests (Unix seconds stop at 9999-12-31, then milliseconds)."""
        found = f"{source.time_column!r} of type {kind}"
        largest = None
        if self.engine is not None:
            col = origin.c[source.time_column]
            try:
                with self.engine.connect() as conn:
                    largest = conn.execute(  # the largest that could be a time in ms
                        select(func.max(col)).where(col.between(0, LAST_UNIX_SECOND * 1000))
                    ).scalar()
            except SQLAlchemyError:
                largest = None
        unit: Literal["seconds", "milliseconds"] = "seconds"
        if isinstance(largest, int):
            unit = "milliseconds" if largest > LAST_UNIX_SECOND else "seconds"
            day = read_epoch(largest, unit)
            found += f", e.g. {largest}" + (f" (as Unix {unit}: {day})" if day else "")
        return Problem(
            self.at(*entry, "time_column"),
            "a date, timestamp or ISO-8601 text column — or, for integer Unix times, "
            "`epoch` on this source",
            found,
            example=f'epoch = "{unit}"',
        )

    def sample(self, source: Source, name: str, where: Location) -> set[str] | None:
        """The smallest, the largest and the first values of a column, as text (None, with a
        problem at ``where``, when the database refuses the query). Text that is no date or no
        number sorts before ('', '11/15/2026') or after ('garbage') the others."""
        assert self.engine is not None
        origin: FromClause
        if source.sql is not None:
            origin = text(source.sql).columns(column(name)).subquery(source.name)
        else:
            assert source.table is not None  # one of the two, by the config's rule
            origin = table(source.table, column(name), schema=source.db_schema)
        col = origin.c[name]
        present = col.isnot(None)
        queries = [
            select(col).where(present).order_by(col).limit(SAMPLE_ROWS),
            select(col).where(present).order_by(col.desc()).limit(SAMPLE_ROWS),
            select(col).where(present).limit(SAMPLE_ROWS),
        ]
        try:
            with self.engine.connect() as conn:
                return {str(v) for q in queries for v in conn.execute(q).scalars()}
        except SQLAlchemyError as exc:
            self.problems.append(
                Problem(where, "a column Bridge can read", describe_error(exc, self.engine.url))
            )
            return None

    def text_times(self, source: Source, entry: tuple[Any, ...]) -> None:
        """A text time column must hold ISO dates or timestamps: checked on a sample."""
        if self.engine is None:
            return
        values = self.sample(source, source.time_column, self.at(*entry, "time_column"))
        if values is None:
            return
        bad = sorted(v for v in values if not iso_day_or_time(v))
        if bad:
            shown = ", ".join(repr(v[:40]) for v in bad[:3])
            self.problems.append(
                Problem(
                    self.at(*entry, "time_column"),
                    "ISO-8601 dates or timestamps, as text (like '2026-11-30', "
                    "'2026-11-30 14:05:00' or '2026-11-30T14:05:00-08:00')",
                    f"{len(bad)} of {len(values)} values checked in "
                    f"{source.relation}.{source.time_column} "
                    f"that are not, e.g. {shown} (views leave such rows out; Data health "
                    "counts them)",
                )
            )

    def text_numbers(self, source: Source, name: str, where: Location) -> None:
        """A text measure column must hold numbers written plainly: checked on a sample."""
        if self.engine is None:
            return
        values = self.sample(source, name, where)
        if values is None:
            return
        bad = sorted(v for v in values if TEXT_NUMBER.fullmatch(v) is None)
        if bad:
            shown = ", ".join(repr(v[:40]) for v in bad[:3])
            self.problems.append(
                Problem(
                    where,
                    "numbers, as text written with a sign, digits and at most one point "
                    "(like '1234.50', '-3' or '+.5'; no grouping, currency or exponent)",
                    f"{len(bad)} of {len(values)} values checked in {source.relation}.{name} "
                    f"that are not, e.g. {shown} (measures leave such values out; Data health "
                    "counts them)",
                )
            )

    def tables_of_reference(self) -> None:
        spec_file = self.spec
        for key, spec in (("targets", spec_file.targets), ("plan", spec_file.plan)):
            if spec is None:
                continue
            columns = self.columns(spec.table, spec.db_schema, self.at(key, "table"))
            if columns is None:
                continue
            for name in type(spec).model_fields:
                if name.endswith("_column"):
                    self.need(columns, getattr(spec, name), self.at(key, name), spec.table)


def iso_day_or_time(text: str) -> bool:
    """``2026-11-30`` or ``2026-11-30 14:05[:00[.123]][Z|±HH:MM]`` (``T`` allowed), and a real day
    and time. A UTC offset counts on the day as written — or, with ``[calendar] timezone``, as
    the instant it names (bridge.data.zoned); Data health counts such rows."""
    if ISO_TEXT.fullmatch(text) is None:
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
