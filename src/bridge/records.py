"""Decision records: what a person records (:class:`DecisionInput`) and the frame they are read into.

The shape shared by Bridge's own database (:mod:`bridge.data.state` stores and lists records), the
review (:mod:`bridge.translate.review`) and the pages. Input is checked in two steps, each reporting
every problem at once: :func:`parse_input` checks the shape (types, lengths, dates), then
``bridge.translate.review.check_record`` checks it against the registry and the org table.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bridge.errors import BridgeError, Location, Problem, Step

MAX_RATIONALE = 4000
Direction = Literal["up", "down", "flat"]
ScopeLevel = Literal["business_unit", "team"]
RECORD = "decision record"

RECORDS_SCHEMA = pl.Schema(
    {
        "id": pl.Int64(),
        "record_uid": pl.String(),
        "decision_id": pl.String(),
        "scope_level": pl.String(),
        "scope": pl.String(),
        "choice": pl.String(),
        "rationale": pl.String(),
        "author": pl.String(),
        "decided_on": pl.Date(),
        "metric_id": pl.String(),
        "expected_direction": pl.String(),
        "expected_value": pl.Float64(),
        "review_on": pl.Date(),
        "created_at": pl.Datetime("us"),
    }
)


class RecordError(BridgeError):
    """A decision record was refused; every problem is listed and nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "The decision was not recorded:\n"
            + "\n".join(f"  - {p.entry}: expected {p.expected}; found {p.found}" for p in problems)
        )


class DecisionInput(BaseModel):
    """What a person records. Limits keep the log readable and the storage bounded; text is stripped,
    so a rationale of spaces only is empty and refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    decision_id: str = Field(max_length=64)
    scope_level: ScopeLevel = "business_unit"
    scope: str = Field(min_length=1, max_length=200)
    choice: str = Field(min_length=1, max_length=64)
    rationale: str = Field(min_length=1, max_length=MAX_RATIONALE)
    author: str = Field(min_length=1, max_length=200)
    decided_on: dt.date
    metric_id: str = Field(max_length=64)
    expected_direction: Direction
    expected_value: float | None = None
    review_on: dt.date
    record_uid: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=8, max_length=36)

    @field_validator("expected_value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("a finite number")
        return value


def at(field: str) -> Location:
    """Where a problem with one field of a record is."""
    return Location(RECORD, (Step(field),))


def parse_input(values: dict[str, Any]) -> DecisionInput:
    """A :class:`DecisionInput` from plain values, or a RecordError naming every bad field."""
    try:
        return DecisionInput.model_validate(values)
    except ValidationError as exc:
        problems = [
            Problem(
                Location(RECORD, tuple(Step(p) for p in err["loc"])),
                _expected(err),
                repr(err.get("input"))[:80],
            )
            for err in exc.errors(include_url=False)
        ]
        raise RecordError(problems) from None


def _expected(err: Any) -> str:
    kind, msg = err.get("type", ""), str(err.get("msg", ""))
    if kind == "string_too_long":
        return f"at most {err.get('ctx', {}).get('max_length')} characters"
    if kind == "string_too_short":
        return "some text (it is required)"
    if kind == "missing":
        return "a value (it is required)"
    return msg.removeprefix("Value error, ").removeprefix("Input should be ")
