"""Does the database agree with ``sources.toml``? Every table, column and type the config names.

Run by ``bridge validate`` (and every CLI command that reads data): each missing schema, table or
column, and each column of the wrong type, is one :class:`~bridge.errors.Problem` located in
``sources.toml``; all are reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import SQLAlchemyError

from bridge.config.files import ConfigFiles
from bridge.config.sources import SourcesFile
from bridge.data.urls import describe_error, safe_url
from bridge.errors import Location, Problem, Step

NUMERIC = (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
TEMPORAL = (sqltypes.Date, sqltypes.DateTime)
Columns = dict[str, sqltypes.TypeEngine[Any]]
DEFAULT_FILES = ConfigFiles(Path("config"))


def database_problems(
    sources: SourcesFile, engine: Engine, files: ConfigFiles = DEFAULT_FILES
) -> list[Problem]:
    """Every table or column ``sources`` names that the database lacks, or has with the wrong type
    (located in ``files``' sources.toml)."""
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
    check = _Check(inspector, sources, files)
    check.org()
    check.sources()
    check.tables_of_reference()
    return check.problems


@dataclass
class _Check:
    inspector: Inspector
    spec: SourcesFile
    files: ConfigFiles
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
        elif kinds and not isinstance(columns[column], kinds):
            found = f"{column!r} of type {columns[column]}"
            self.problems.append(Problem(where, f"a {what} column", found))

    def org(self) -> None:
        org = self.spec.org
        columns = self.columns(org.table, org.db_schema, self.at("org", "table"))
        if columns is not None:
            for key in ("team_column", "team_name_column", "business_unit_column"):
                self.need(columns, getattr(org, key), self.at("org", key), org.table)

    def sources(self) -> None:
        for i, source in enumerate(self.spec.sources):
            entry = ("sources", Step(i, source.name, "name"))
            columns = self.columns(source.table, source.db_schema, self.at(*entry, "table"))
            if columns is None:
                continue
            self.need(
                columns,
                source.time_column,
                self.at(*entry, "time_column"),
                source.table,
                TEMPORAL,
                "date or timestamp",
            )
            self.need(columns, source.team_column, self.at(*entry, "team_column"), source.table)
            self.need(columns, source.id_column, self.at(*entry, "id_column"), source.table)
            for j, measure in enumerate(source.measures):
                at_measure = (*entry, "measures", Step(j, measure.name, "name"))
                # every aggregated value becomes a number (Float64): min/max over text cannot
                numeric = NUMERIC if measure.agg != "count" else ()
                self.need(
                    columns,
                    measure.column,
                    self.at(*at_measure, "column"),
                    source.table,
                    numeric,
                    "numeric",
                )
                for k, cond in enumerate(measure.where):
                    self.need(
                        columns,
                        cond.column,
                        self.at(*at_measure, "where", k, "column"),
                        source.table,
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
