"""The in-memory inputs of every view: measures at (day × team) grain plus the small reference tables.

Frames are tidy and typed; their schemas are fixed here so the loader, the sample generator's tests and
hand-built test fixtures all agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import polars as pl

MEASURES_SCHEMA = pl.Schema(
    {"day": pl.Date, "team_id": pl.String, "measure": pl.String, "value": pl.Float64}
)
ORG_SCHEMA = pl.Schema({"team_id": pl.String, "team_name": pl.String, "business_unit": pl.String})
TARGETS_SCHEMA = pl.Schema(
    {
        "team_id": pl.String,
        "metric_id": pl.String,
        "valid_from": pl.Date,
        "valid_to": pl.Date,
        "target": pl.Float64,
        "owner": pl.String,
    }
)
PLAN_SCHEMA = pl.Schema(
    {
        "business_unit": pl.String,
        "metric_id": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "value": pl.Float64,
    }
)


#: For a person who sees the company's total but only some units' detail: the other units, summed in
#: the database into one line (a team of that name in a unit of that name). Nobody records a choice
#: for it.
OTHER_UNITS = "Other business units (combined)"


@dataclass(frozen=True)
class Dataset:
    """What the translation core works on.

    ``measures`` is long: one row per (day, team, measure) with the value the database aggregated,
    for every day the source holds (the as-of date of a view lives in the view, never here).
    """

    measures: pl.DataFrame
    org: pl.DataFrame
    targets: pl.DataFrame
    plan: pl.DataFrame
    #: True in a process that builds one view and ends (``bridge view``): the core then rolls up only
    #: the measures that view reads. The app (False) rolls up every measure once and shares the
    #: result between its views and panels. The numbers are the same either way.
    one_view: bool = False

    def __post_init__(self) -> None:
        for name, frame, schema in (
            ("measures", self.measures, MEASURES_SCHEMA),
            ("org", self.org, ORG_SCHEMA),
            ("targets", self.targets, TARGETS_SCHEMA),
            ("plan", self.plan, PLAN_SCHEMA),
        ):
            if frame.schema != schema:
                raise TypeError(f"Dataset.{name} has schema {frame.schema}, expected {schema}")

    @cached_property
    def memo(self) -> dict[tuple[object, ...], pl.DataFrame]:
        """Results derived from this (immutable) dataset, kept for reuse by the views."""
        return {}

    @property
    def first_day(self) -> dt.date | None:
        """The earliest day with any measure (None when there is no data)."""
        value = self.measures.get_column("day").min()
        return value if isinstance(value, dt.date) else None

    @property
    def last_day(self) -> dt.date | None:
        """The latest day with any measure (None when there is no data)."""
        value = self.measures.get_column("day").max()
        return value if isinstance(value, dt.date) else None

    def last_day_until(self, today: dt.date) -> dt.date | None:
        """The latest day with data that is not after ``today`` (rows dated later are not counted)."""
        days = self.measures.get_column("day")
        value = days.filter(days <= today).max()
        return value if isinstance(value, dt.date) else None

    @cached_property
    def team_names(self) -> dict[str, str]:
        """Each team's name, by team id (what people read instead of the id)."""
        return dict(
            zip(self.org.get_column("team_id"), self.org.get_column("team_name"), strict=True)
        )

    @cached_property
    def team_units(self) -> dict[str, str]:
        """Each team's business unit, by team id."""
        org = self.org
        return dict(zip(org.get_column("team_id"), org.get_column("business_unit"), strict=True))

    @cached_property
    def units(self) -> tuple[str, ...]:
        """The business units of the org table, sorted."""
        names = self.org.get_column("business_unit").drop_nulls().unique().sort()
        return tuple(names.to_list())


def empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
