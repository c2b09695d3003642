"""Decision records: the choices executives make, stored in Bridge's own database and reviewed later.

The article behind Bridge describes a cycle — operations feed decisions, decisions feed operations.
A :class:`~bridge.records.DecisionInput` is checked against the registry and the org (every problem
reported at once, nothing written on error), then stored in one transaction in the
``decision_records`` table (SQLite by default; PostgreSQL and MariaDB through the same code). Each
record carries a ``record_uid`` chosen by the writer, unique in the table, so a retried or duplicated
submission never creates two records. Their review against what happened is
:func:`bridge.translate.review.review`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import SecretStr
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
    and_,
    create_engine,
    event,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    SQLAlchemyError,
)

from bridge.config.registry import Registry
from bridge.data.urls import describe_error, parse_url, safe_url
from bridge.dataset import OTHER_UNITS
from bridge.errors import BridgeError, Problem
from bridge.records import RECORDS_SCHEMA, DecisionInput, RecordError, at

SCHEMA_VERSION = 1

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
#: Who did what, when, seen by whom: sign-ins, decisions recorded or refused, exports.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("who", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("scope", String(400), nullable=False),
    Column("detail", Text, nullable=False),
)
AUDIT_SCHEMA = pl.Schema(
    {
        "id": pl.Int64(),
        "at": pl.Datetime("us"),
        "who": pl.String(),
        "action": pl.String(),
        "scope": pl.String(),
        "detail": pl.String(),
    }
)
AuditAction = Literal[
    "sign_in", "decision_recorded", "decision_refused", "export", "access_refused"
]
schema_version = Table(
    "bridge_schema_version",
    metadata,
    Column("component", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)


# --- the store ----------------------------------------------------------------------------------


class StateError(BridgeError):
    """Bridge's own database cannot be opened, read or written (the URL is shown without password)."""


def open_state(url: str | SecretStr, *, timeout_seconds: int = 30) -> Engine:
    """An engine on Bridge's own database, with its schema created or upgraded.

    Raises :class:`StateError` (never a driver's exception) when it cannot be reached or set up.
    """
    parsed = parse_url(url, "state database URL (BRIDGE_STATE_URL)")
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    backend = parsed.get_backend_name()
    live: Path | None = None
    if backend == "sqlite":
        live = _sqlite_file(parsed)
        if live is not None:
            kwargs["creator"] = _open_existing(live, timeout_seconds)
        kwargs["connect_args"] = {"timeout": timeout_seconds}
    elif backend in ("postgresql", "mysql", "mariadb"):
        kwargs["connect_args"] = {"connect_timeout": timeout_seconds}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StateError(f"cannot open {safe_url(parsed)}: {exc}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if live is not None:
        _follow_the_file(engine, live)
    try:
        ensure_schema(engine)
    except SQLAlchemyError as exc:
        raise StateError(f"{safe_url(parsed)} failed: {describe_error(exc, parsed)}") from None
    return engine


def _sqlite_file(url: URL) -> Path | None:
    """The state file of a SQLite URL, created here, once (none for memory or a URI of its own)."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot create Bridge's database file {path}: {exc}") from None
    return path


def _open_existing(path: Path, timeout_seconds: int) -> Any:
    """Connections that open the state file only if it is there (``mode=rw``): a file deleted while
    Bridge runs is an error, never a new empty file that takes the decisions."""
    uri = f"{path.as_uri()}?mode=rw"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=timeout_seconds, check_same_thread=False)

    return connect


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _follow_the_file(engine: Engine, path: Path) -> None:
    """Every connection is checked against the file at ``path`` when it is taken from the pool: one
    opened on a file since deleted or replaced (restored from a backup, moved) is dropped and a new
    one opened on the file there now — or, if there is none, the read or write fails and says so.
    (An open SQLite connection keeps writing to a deleted file: those writes would vanish.)"""

    def remember(_dbapi_connection: Any, connection_record: Any) -> None:
        connection_record.info["bridge_file"] = _file_id(path)

    def verify(_dbapi_connection: Any, connection_record: Any, _proxy: Any) -> None:
        if _file_id(path) != connection_record.info.get("bridge_file"):
            raise DisconnectionError(f"{path} was deleted or replaced")

    event.listen(engine, "connect", remember)
    event.listen(engine, "checkout", verify)


def _checkpoint(engine: Engine) -> None:
    """On SQLite, a write is moved from the write-ahead log into the file itself at once: a WAL left
    beside a file that is then replaced (a backup restored) would otherwise be replayed into it."""
    if engine.url.get_backend_name() == "sqlite":
        with contextlib.suppress(SQLAlchemyError), engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # best effort: it is stored


def _failed(doing: str, engine: Engine, exc: SQLAlchemyError) -> StateError:
    """A :class:`StateError` for a read or write that failed, naming a state file that is gone."""
    database = engine.url.database or ""
    if engine.url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        path = Path(database).resolve()
        if not path.exists():
            return StateError(
                f"could not {doing}: Bridge's database file {path} is gone (deleted or moved while "
                "Bridge was running). Put it back, or point BRIDGE_STATE_URL at where it is now "
                "and restart Bridge"
            )
    return StateError(
        f"could not {doing} in {safe_url(engine.url)}: {describe_error(exc, engine.url)}"
    )


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers work while one writer commits; writers wait for each other (busy timeout).
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_schema(engine: Engine) -> None:
    """Create the tables if missing and record the schema version; safe to call from many processes.

    Two processes starting at once may both try to create a table: the loser's error (PostgreSQL:
    "relation already exists", a unique violation in its catalogue; SQLite: "database is locked")
    is harmless and the check is simply repeated.
    """
    attempts = 5
    for attempt in range(attempts):
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
                        f"Bridge's database {safe_url(engine.url)} has "
                        f"schema version {current}, newer than this Bridge ({SCHEMA_VERSION}); "
                        "upgrade Bridge"
                    )
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    # pragma: no cover


def check_record(entry: DecisionInput, registry: Registry, org: pl.DataFrame) -> list[Problem]:
    """Every problem with a record, against the registry (decision, metric) and the org (scope)."""
    problems: list[Problem] = []
    if entry.decision_id not in registry.decisions:
        problems.append(
            Problem(
                at("decision_id"),
                f"one of {', '.join(registry.decisions)}",
                repr(entry.decision_id),
            )
        )
    if entry.metric_id not in registry.metrics:
        problems.append(
            Problem(at("metric_id"), "a metric id from the registry", repr(entry.metric_id))
        )
    column = "business_unit" if entry.scope_level == "business_unit" else "team_id"
    # the other units' combined line (a lead who sees the company's total) takes no choice
    known = set(org.get_column(column).to_list()) - {OTHER_UNITS}
    if entry.scope not in known:
        problems.append(
            Problem(
                at("scope"),
                f"a {entry.scope_level.replace('_', ' ')} from the org table",
                repr(entry.scope[:60]),
            )
        )
    if entry.review_on <= entry.decided_on:
        problems.append(
            Problem(
                at("review_on"),
                f"a date after the decision date ({entry.decided_on})",
                entry.review_on.isoformat(),
            )
        )
    return problems


def record(
    engine: Engine, registry: Registry, org: pl.DataFrame, entry: DecisionInput, *, now: dt.datetime
) -> int:
    """Validate and store one record in a single transaction; returns its id.

    Submitting the same ``record_uid`` again returns the existing record's id (idempotent), so a
    double click or a retried request never creates a duplicate.
    """
    problems = check_record(entry, registry, org)
    if problems:
        raise RecordError(problems)
    row = entry.model_dump() | {"created_at": now}
    key = None
    try:
        with engine.begin() as conn:
            key = conn.execute(insert(records).values(**row)).inserted_primary_key
    except IntegrityError:
        pass  # the same record_uid was stored already (a retry): fall through to its id
    except SQLAlchemyError as exc:
        raise _failed("store the decision", engine, exc) from None
    _checkpoint(engine)
    if key and key[0] is not None:
        return int(key[0])
    try:
        return _stored_id(engine, row)
    except SQLAlchemyError as exc:
        raise _failed("store the decision", engine, exc) from None


def _stored_id(engine: Engine, row: dict[str, object]) -> int:
    """The id of the record stored under ``row``'s uid — refused if it holds a different record."""
    columns = [c for c in row if c != "created_at"]
    with engine.connect() as conn:
        stored = (
            conn.execute(
                select(records.c.id, *(records.c[c] for c in columns)).where(
                    records.c.record_uid == row["record_uid"]
                )
            )
            .mappings()
            .first()
        )
    if stored is None:
        raise BridgeError("the decision was not stored (no record with its id after the insert)")
    differing = [c for c in columns if not _same(stored[c], row[c])]
    if differing:
        raise RecordError(
            [
                Problem(
                    at("record_uid"),
                    "a record id not used by another record (submit the form again for a new id)",
                    f"record #{stored['id']} already stored under it with a different "
                    + ", ".join(differing),
                )
            ]
        )
    return int(stored["id"])


def _same(stored: object, written: object) -> bool:
    # MariaDB's FLOAT keeps single precision: a number read back is equal to about 7 digits
    if isinstance(stored, float) and isinstance(written, float):
        return math.isclose(stored, written, rel_tol=1e-6)
    return stored == written


def list_records(
    engine: Engine,
    *,
    decision_id: str | None = None,
    scope: str | None = None,
    units: frozenset[str] | None = None,
    teams: Sequence[str] = (),
) -> pl.DataFrame:
    """Stored records, newest decision first, optionally filtered (values are bound parameters).

    With ``units`` (a person's access scope), only the records about those business units or
    ``teams`` are read.
    """
    query = select(*(records.c[name] for name in RECORDS_SCHEMA.names()))
    if decision_id:
        query = query.where(records.c.decision_id == decision_id)
    if scope:
        query = query.where(records.c.scope == scope)
    if units is not None:
        query = query.where(
            or_(
                and_(records.c.scope_level == "business_unit", records.c.scope.in_(sorted(units))),
                and_(records.c.scope_level == "team", records.c.scope.in_(sorted(teams))),
            )
        )
    query = query.order_by(records.c.decided_on.desc(), records.c.id.desc())
    return _frame(engine, query, RECORDS_SCHEMA, "read the decisions")


def _frame(engine: Engine, query: Any, schema: pl.Schema, doing: str) -> pl.DataFrame:
    """The rows of ``query`` as a frame of ``schema`` (a failure is a :class:`StateError`)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError as exc:
        raise _failed(doing, engine, exc) from None
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


# --- the audit trail ----------------------------------------------------------------------------


def audit(
    engine: Engine,
    who: str,
    action: AuditAction,
    scope: str,
    detail: str,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Add one event to the audit trail (raises :class:`StateError` when it cannot be stored)."""
    at_time = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = {
        "at": at_time,
        "who": who[:200],
        "action": action,
        "scope": scope[:400],
        "detail": detail[:4000],
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(audit_events).values(**row))
    except SQLAlchemyError as exc:
        raise _failed("write the audit trail", engine, exc) from None
    _checkpoint(engine)


def list_audit(
    engine: Engine, *, since: dt.date | None = None, limit: int | None = None
) -> pl.DataFrame:
    """The audit trail, newest first (from ``since`` on, at most ``limit`` events)."""
    query = select(*(audit_events.c[name] for name in AUDIT_SCHEMA.names()))
    if since is not None:
        query = query.where(audit_events.c.at >= dt.datetime.combine(since, dt.time()))
    query = query.order_by(audit_events.c.at.desc(), audit_events.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return _frame(engine, query, AUDIT_SCHEMA, "read the audit trail")
