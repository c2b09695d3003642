"""Decision records: the choices executives make, stored in Bridge's own database and reviewed later.

The article behind Bridge describes a cycle — operations feed decisions, decisions feed operations.
A :class:`DecisionInput` is validated against the registry and the org (every problem reported at
once, nothing written on error), then stored in one transaction in the ``decision_records`` table
(SQLite by default; PostgreSQL and MariaDB through the same code). Each record carries a ``record_uid``
chosen by the writer, unique in the table, so a retried or duplicated submission never creates two
records. :func:`review` compares the metric at decision time with its value now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field, SecretStr, ValidationError
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from bridge.config.base import Spec
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.errors import BridgeError, Problem
from bridge.settings import redact_url
from bridge.translate.evaluate import evaluate, measures_of, scoped
from bridge.translate.windows import trailing_year

SCHEMA_VERSION = 1
MAX_RATIONALE = 4000
Direction = Literal["up", "down", "flat"]
ScopeLevel = Literal["business_unit", "team"]
#: Relative change under which a metric counts as "flat".
FLAT_BAND = 0.02

metadata = MetaData()
records = Table(
    "decision_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_uid", String(36), nullable=False),
    Column("decision_id", String(64), nullable=False),
    Column("scope_level", String(16), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("choice", String(64), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("metric_id", String(64), nullable=False),
    Column("expected_direction", String(8), nullable=False),
    Column("expected_value", Float, nullable=True),
    Column("review_on", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("record_uid", name="uq_decision_records_uid"),
)
schema_version = Table(
    "bridge_schema_version",
    metadata,
    Column("component", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)

CHOICES = ("bet", "invest", "fix", "harvest", "stop")


class RecordError(BridgeError):
    """A decision record was refused; every problem is listed and nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "The decision was not recorded:\n"
            + "\n".join(f"  - {p.entry}: expected {p.expected}; found {p.found}" for p in problems)
        )


class DecisionInput(Spec):
    """What a person records. Limits keep the log readable and the storage bounded; text is stripped,
    so a rationale of spaces only is empty and refused."""

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


# --- the store ----------------------------------------------------------------------------------


def open_state(url: str | SecretStr, *, timeout_seconds: int = 30) -> Engine:
    """An engine on Bridge's own database, with its schema created or upgraded."""
    raw = url.get_secret_value() if isinstance(url, SecretStr) else url
    parsed = make_url(raw)
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": timeout_seconds}
    elif backend in ("postgresql", "mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": timeout_seconds}
    engine = create_engine(parsed, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    ensure_schema(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers work while one writer commits; writers wait for each other (busy timeout).
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_schema(engine: Engine) -> None:
    """Create the tables if missing and record the schema version; safe to call from many processes.

    Two processes starting at once may both try to create a table: the loser's error is harmless
    and the check is simply repeated.
    """
    for attempt in range(3):
        try:
            metadata.create_all(engine, checkfirst=True)
            with engine.begin() as conn:
                current = conn.execute(
                    select(schema_version.c.version).where(
                        schema_version.c.component == "decisions"
                    )
                ).scalar_one_or_none()
                if current is None:
                    conn.execute(
                        insert(schema_version).values(component="decisions", version=SCHEMA_VERSION)
                    )
                elif current > SCHEMA_VERSION:
                    raise BridgeError(
                        f"Bridge's database {redact_url(engine.url.render_as_string(False))} has "
                        f"schema version {current}, newer than this Bridge ({SCHEMA_VERSION}); "
                        "upgrade Bridge"
                    )
            return
        except (IntegrityError, OperationalError):
            if attempt == 2:
                raise
    # pragma: no cover


def validate(entry: DecisionInput, registry: Registry, org: pl.DataFrame) -> list[Problem]:
    """Every problem with a record, against the registry (decision, metric) and the org (scope)."""
    problems: list[Problem] = []
    if entry.decision_id not in registry.decisions:
        problems.append(
            Problem(
                "decision",
                "decision_id",
                f"one of {', '.join(registry.decisions)}",
                repr(entry.decision_id),
            )
        )
    if entry.metric_id not in registry.metrics:
        problems.append(
            Problem("decision", "metric_id", "a metric id from the registry", repr(entry.metric_id))
        )
    column = "business_unit" if entry.scope_level == "business_unit" else "team_id"
    known = set(org.get_column(column).to_list())
    if entry.scope not in known:
        problems.append(
            Problem(
                "decision",
                "scope",
                f"a {entry.scope_level.replace('_', ' ')} from the org table",
                repr(entry.scope[:60]),
            )
        )
    if entry.review_on <= entry.decided_on:
        problems.append(
            Problem(
                "decision",
                "review_on",
                f"a date after the decision date ({entry.decided_on})",
                entry.review_on.isoformat(),
            )
        )
    return problems


def parse_input(values: dict[str, object]) -> DecisionInput:
    """A :class:`DecisionInput` from plain values, or a RecordError naming every bad field."""
    try:
        return DecisionInput.model_validate(values)
    except ValidationError as exc:
        problems = [
            Problem(
                "decision",
                ".".join(str(p) for p in err["loc"]) or "(record)",
                _expected(err),
                repr(err.get("input"))[:80],
            )
            for err in exc.errors(include_url=False)
        ]
        raise RecordError(problems) from None


def _expected(err: object) -> str:
    error = err if isinstance(err, dict) else {}
    kind, msg = error.get("type", ""), str(error.get("msg", ""))
    if kind == "string_too_long":
        return f"at most {error.get('ctx', {}).get('max_length')} characters"
    if kind == "string_too_short":
        return "some text (it is required)"
    if kind == "missing":
        return "a value (it is required)"
    return msg.removeprefix("Value error, ").removeprefix("Input should be ")


def record(
    engine: Engine, registry: Registry, org: pl.DataFrame, entry: DecisionInput, *, now: dt.datetime
) -> int:
    """Validate and store one record in a single transaction; returns its id.

    Submitting the same ``record_uid`` again returns the existing record's id (idempotent), so a
    double click or a retried request never creates a duplicate.
    """
    problems = validate(entry, registry, org)
    if problems:
        raise RecordError(problems)
    row = entry.model_dump() | {"created_at": now}
    try:
        with engine.begin() as conn:
            result = conn.execute(insert(records).values(**row))
            key = result.inserted_primary_key
            if key and key[0] is not None:
                return int(key[0])
    except IntegrityError:
        pass  # the same record_uid was stored already (a retry): fall through to its id
    except SQLAlchemyError as exc:
        raise BridgeError(
            f"could not store the decision in {redact_url(engine.url.render_as_string(False))}: "
            f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        ) from None
    existing = _id_of(engine, entry.record_uid)
    if existing is None:
        raise BridgeError("the decision was not stored (no record with its id after the insert)")
    return existing


def _id_of(engine: Engine, uid: str) -> int | None:
    with engine.connect() as conn:
        value = conn.execute(select(records.c.id).where(records.c.record_uid == uid)).scalar()
    return None if value is None else int(value)


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


def list_records(
    engine: Engine, *, decision_id: str | None = None, scope: str | None = None
) -> pl.DataFrame:
    """Stored records, newest decision first, optionally filtered (values are bound parameters)."""
    query = select(*(records.c[name] for name in RECORDS_SCHEMA.names()))
    if decision_id:
        query = query.where(records.c.decision_id == decision_id)
    if scope:
        query = query.where(records.c.scope == scope)
    query = query.order_by(records.c.decided_on.desc(), records.c.id.desc())
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError as exc:
        raise BridgeError(
            f"could not read decisions from {redact_url(engine.url.render_as_string(False))}: "
            f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        ) from None
    return pl.DataFrame([tuple(r) for r in rows], schema=RECORDS_SCHEMA, orient="row")


def table_exists(engine: Engine) -> bool:
    return inspect(engine).has_table(records.name)


# --- review ---------------------------------------------------------------------------------------


def review(
    records_frame: pl.DataFrame, dataset: Dataset, registry: Registry, as_of: dt.date
) -> pl.DataFrame:
    """For each record: the metric over the twelve months before the decision and before ``as_of``.

    Trailing twelve months on both sides, so seasonality cannot pass for the effect of a decision.

    Columns: id, status (``pending review`` before the review date, then ``as expected`` /
    ``not as expected`` / ``no data``), value_at_decision, value_now, change, expected.
    """
    rows = []
    for rec in records_frame.iter_rows(named=True):
        metric_id, level = rec["metric_id"], rec["scope_level"]
        then = now = None
        if metric_id in registry.metrics:
            frame = scoped(
                dataset,
                registry,
                measures_of(registry, metric_id),
                ["business_unit" if level == "business_unit" else "team"],
            )
            frame = frame.filter(pl.col("scope") == rec["scope"])
            before, latest = trailing_year(rec["decided_on"]), trailing_year(as_of)
            then = _value(frame, registry, metric_id, before.start, before.end)
            now = _value(frame, registry, metric_id, latest.start, latest.end)
        status = "pending review"
        if as_of >= rec["review_on"]:
            status = _verdict(rec["expected_direction"], rec["expected_value"], then, now)
        expected = rec["expected_direction"] + (
            f" to {rec['expected_value']:g}" if rec["expected_value"] is not None else ""
        )
        rows.append(
            {
                "id": rec["id"],
                "status": status,
                "value_at_decision": then,
                "value_now": now,
                "change": None if then is None or now is None else now - then,
                "expected": expected,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "status": pl.String,
            "value_at_decision": pl.Float64,
            "value_now": pl.Float64,
            "change": pl.Float64,
            "expected": pl.String,
        },
    )


def _value(
    frame: pl.DataFrame, registry: Registry, metric_id: str, start: dt.date, end: dt.date
) -> float | None:
    part = frame.filter((pl.col("day") >= start) & (pl.col("day") < end))
    if part.is_empty():
        return None
    out = evaluate(part, registry, metric_id, ["scope"])
    value = out.get_column("value")[0] if out.height else None
    return None if value is None else float(value)


def _verdict(direction: str, target: float | None, then: float | None, now: float | None) -> str:
    if then is None or now is None:
        return "no data"
    if target is not None:
        met = (
            now >= target
            if direction == "up"
            else now <= target
            if direction == "down"
            else abs(now - target) <= abs(target) * FLAT_BAND
        )
        return "as expected" if met else "not as expected"
    change = (now - then) / abs(then) if then else now - then
    if direction == "up":
        return "as expected" if change > 0 else "not as expected"
    if direction == "down":
        return "as expected" if change < 0 else "not as expected"
    return "as expected" if abs(change) <= FLAT_BAND else "not as expected"
