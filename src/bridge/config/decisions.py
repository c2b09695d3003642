"""Decision design: the questions executives want supported, and how a business unit is classified.

Each decision names its owner, the metric (and transformation) on each axis and for bubble size, and a
rule that places each business unit: ``quadrant`` (two thresholds, four named quadrants) or
``diagonal`` (y against x, e.g. share of contribution against share of investment).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bridge.config.base import Identifier, Spec

Transform = Literal["value", "share", "growth_yoy", "growth_multi_year", "trend_multi_year"]


class Axis(Spec):
    """One axis of a decision chart.

    ``transform``: ``value`` over the decision window; ``share`` of the company total;
    ``growth_yoy`` relative change vs the same window a year earlier; ``growth_multi_year`` compound
    annual growth over ``years``; ``trend_multi_year`` average yearly change (in the metric's unit,
    e.g. percentage points for a margin) over ``years``.
    """

    metric: Identifier
    transform: Transform = "value"
    label: str | None = None
    better: Literal["higher", "lower"] | None = None


class QuadrantRule(Spec):
    kind: Literal["quadrant"]
    x_threshold: float
    y_threshold: float
    high_x_high_y: str = Field(min_length=1)
    high_x_low_y: str = Field(min_length=1)
    low_x_high_y: str = Field(min_length=1)
    low_x_low_y: str = Field(min_length=1)


class DiagonalRule(Spec):
    kind: Literal["diagonal"]
    band: float = Field(ge=0, description="How far from y = x still counts as balanced.")
    above: str = Field(min_length=1)
    on: str = Field(min_length=1)
    below: str = Field(min_length=1)


Rule = Annotated[QuadrantRule | DiagonalRule, Field(discriminator="kind")]


class Decision(Spec):
    id: Identifier
    question: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    description: str = ""
    x: Axis
    y: Axis
    size: Axis
    years: int = Field(default=3, ge=1, le=10, description="Span of multi-year transforms.")
    rule: Rule
    #: Who records and reviews choices on it when sign-in is on: a role of ``access.toml``.
    role: Identifier | None = None


class Portfolio(Spec):
    """Which metrics say where investment goes and where return comes from (shown on every trade-off)."""

    investment: Identifier | None = None
    contribution: Identifier | None = None


class DecisionsFile(Spec):
    """The whole of ``config/decisions.toml``."""

    portfolio: Portfolio = Portfolio()
    decisions: tuple[Decision, ...] = ()
