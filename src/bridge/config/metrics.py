"""What people talk about: metrics built from measures, one definition used at every level.

Four kinds, as a discriminated union on ``kind``:

* ``simple``: one measure, rolled up by the measure's own rule (sum, min or max);
* ``ratio``: sum of a numerator measure / sum of a denominator measure at every level — never an
  average of daily or per-team ratios;
* ``derived``: an expression of other metrics, each computed at the same level first,
  e.g. ``(revenue - cost) / revenue``;
* ``semi_additive``: snapshots (headcount, backlog), never summed over time: ``last`` takes, within
  each group, the rows of the group's last snapshot day and sums them across teams; ``average``
  averages the team total over the snapshot days of the period.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator

from bridge.config.base import Identifier, Spec
from bridge.config.expression import Node, parse_expression, references
from bridge.money import CurrencyCode
from bridge.timezone import check_zone_name

Lens = Literal["action", "choice"]
Unit = Literal["currency", "percent", "count", "number"]
Direction = Literal["higher_is_better", "lower_is_better"]


class MetricBase(Spec):
    """Fields every metric has, whatever its kind."""

    id: Identifier
    label: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    unit: Unit
    decimals: StrictInt = Field(default=1, ge=0, le=6)
    direction: Direction
    owner: str = Field(min_length=1)
    lenses: tuple[Lens, ...] = Field(min_length=1)
    decisions: tuple[Identifier, ...] = ()
    headline: bool = Field(default=False, description="Shown on the Overview page.")
    version: int = Field(default=1, ge=1)
    effective_from: dt.date
    changelog: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


class SimpleMetric(MetricBase):
    kind: Literal["simple"]
    measure: Identifier


class RatioMetric(MetricBase):
    kind: Literal["ratio"]
    numerator: Identifier
    denominator: Identifier
    reported_measure: Identifier | None = Field(
        default=None,
        description="A measure holding the rate teams report themselves (no denominator), "
        "shown by the consistency view as a frontline shortcut.",
    )


class DerivedMetric(MetricBase):
    kind: Literal["derived"]
    expression: str = Field(min_length=1)

    @field_validator("expression")
    @classmethod
    def _parses(cls, value: str) -> str:
        tree = parse_expression(value)  # raises ExpressionError (a ValueError) with the reason
        if not references(tree):
            raise ValueError(
                "an expression using at least one metric id, e.g. (revenue - cost) / revenue"
            )
        return value

    @cached_property
    def tree(self) -> Node:
        return parse_expression(self.expression)

    @property
    def refs(self) -> tuple[str, ...]:
        return references(self.tree)


class SemiAdditiveMetric(MetricBase):
    kind: Literal["semi_additive"]
    measure: Identifier
    period_agg: Literal["last", "average"] = "last"


Metric = Annotated[
    SimpleMetric | RatioMetric | DerivedMetric | SemiAdditiveMetric, Field(discriminator="kind")
]


class Calendar(Spec):
    """Calendar settings shared by every metric."""

    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    #: The IANA zone days are cut in (None: each time counts on the day it is written with).
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone_name(value)


class Money(Spec):
    """The reporting currency every amount is written in (an ISO 4217 code)."""

    currency: CurrencyCode = "USD"


class MetricsFile(Spec):
    """The whole of ``config/metrics.toml``."""

    calendar: Calendar = Calendar()
    money: Money = Money()
    metrics: tuple[Metric, ...] = Field(min_length=1)
