"""Where the operational numbers live: source tables, their measures, the org table, targets and plans.

A *measure* is an additive aggregation computed by the database at (day × team) grain. Everything the
app shows is built from measures, so raw events never travel to Python.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bridge.config.base import Identifier, Spec, SqlName

Scalar = str | int | float | bool


class Condition(Spec):
    """A filter on one column, e.g. ``{ column = "on_time", op = "eq", value = 1 }``. Values are bound."""

    column: SqlName
    op: Literal["eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "is_null", "not_null"] = "eq"
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        if self.op in ("is_null", "not_null"):
            if self.value is not None:
                raise ValueError(f"op '{self.op}' takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(
                    f"op '{self.op}' needs a non-empty list value, e.g. value = [1, 2]"
                )
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' needs a single value, e.g. value = 1")
        return self


class Measure(Spec):
    """An aggregation pushed down to the database: ``sum``/``min``/``max`` of a column, or ``count``.

    ``count`` counts rows (or non-null values of ``column`` when given); ``where`` restricts any
    aggregation to matching rows, which is how "count with a condition" is written.
    """

    name: Identifier
    agg: Literal["sum", "count", "min", "max"]
    column: SqlName | None = None
    where: tuple[Condition, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _column_needed(self) -> Measure:
        if self.agg != "count" and self.column is None:
            raise ValueError(f"agg '{self.agg}' needs a column, e.g. column = \"revenue\"")
        return self

    @property
    def rollup(self) -> Literal["sum", "min", "max"]:
        """How values of this measure combine across days and teams."""
        if self.agg == "min" or self.agg == "max":
            return self.agg
        return "sum"


#: The longest ``sql`` a source may hold.
MAX_SQL_CHARS = 20_000
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def one_select(sql: str) -> str:
    """``sql`` as one read-only SELECT (``WITH`` allowed), without a trailing ``;``; ValueError
    saying what is wrong otherwise. The source connection is read-only as well: this is to say
    early and clearly what Bridge runs, not the only guard."""
    body = sql.strip().rstrip(";").strip()
    bare = _COMMENTS.sub(" ", body).strip()
    if ";" in bare:
        raise ValueError("sql must be one SELECT statement (found ';' inside it)")
    first = bare.split(None, 1)[0].lower() if bare else ""
    if first not in ("select", "with"):
        raise ValueError(f"sql must be a SELECT (or WITH … SELECT); found {first[:20]!r}")
    return body


class Source(Spec):
    """One table, or one read-only SELECT, read by one ``GROUP BY day, team`` query."""

    name: Identifier
    table: SqlName | None = None
    sql: str | None = Field(
        default=None,
        max_length=MAX_SQL_CHARS,
        description="A read-only SELECT read instead of a table (run as a subquery).",
    )
    db_schema: SqlName | None = Field(default=None, alias="schema")
    time_column: SqlName
    epoch: Literal["seconds", "milliseconds"] | None = Field(
        default=None,
        description="The time column holds integer Unix times in this unit; days are cut in UTC.",
    )
    team_column: SqlName
    id_column: SqlName | None = Field(
        default=None, description="A column unique per event; Data health counts duplicates of it."
    )
    freshness_days: int = Field(
        default=1,
        ge=1,
        le=366,
        description="Days without a new row before Data health calls the source stale.",
    )
    grain: Literal["event", "day"] = "event"
    description: str = ""
    measures: tuple[Measure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _table_or_sql(self) -> Source:
        if (self.table is None) == (self.sql is None):
            raise ValueError(
                'give either table = "orders" or sql = "select … from orders join …", '
                + ("not both" if self.table else "one of them")
            )
        if self.sql is not None and self.db_schema is not None:
            raise ValueError("schema goes with table; with sql, name the schema inside it")
        return self

    @field_validator("sql")
    @classmethod
    def _one_select(cls, sql: str | None) -> str | None:
        return None if sql is None else one_select(sql)

    @property
    def relation(self) -> str:
        """What the source reads, as people read it: the table, or ``query orders``."""
        return self.table if self.table is not None else f"query {self.name}"


class Org(Spec):
    """The org table: one row per team, naming its business unit (team → business unit → company)."""

    table: SqlName
    db_schema: SqlName | None = Field(default=None, alias="schema")
    team_column: SqlName
    team_name_column: SqlName | None = None
    business_unit_column: SqlName
    company_name: str = "Company"


class Targets(Spec):
    """Time-phased team targets per metric (``valid_to`` exclusive, empty = open-ended)."""

    table: SqlName
    db_schema: SqlName | None = Field(default=None, alias="schema")
    team_column: SqlName = "team_id"
    metric_column: SqlName = "metric_id"
    valid_from_column: SqlName = "valid_from"
    valid_to_column: SqlName = "valid_to"
    target_column: SqlName = "target"
    owner_column: SqlName | None = "owner"


class Plan(Spec):
    """Plan values per business unit, metric and period (``period_end`` exclusive)."""

    table: SqlName
    db_schema: SqlName | None = Field(default=None, alias="schema")
    business_unit_column: SqlName = "business_unit"
    metric_column: SqlName = "metric_id"
    period_start_column: SqlName = "period_start"
    period_end_column: SqlName = "period_end"
    value_column: SqlName = "value"


class SourcesFile(Spec):
    """The whole of ``config/sources.toml``."""

    org: Org
    sources: tuple[Source, ...] = Field(min_length=1)
    targets: Targets | None = None
    plan: Plan | None = None
