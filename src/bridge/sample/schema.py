"""The sample database's schema: the SQLAlchemy tables of the demo company and their names."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

# FLOAT is a double on SQLite and PostgreSQL but a 4-byte float on MariaDB/MySQL: ask for DOUBLE
# there, so every database stores the very same values.
_Double = Float().with_variant(mysql.DOUBLE(asdecimal=False), "mysql", "mariadb")


def _team_fk() -> Column[str]:
    return Column("team_id", String(40), ForeignKey("org_teams.team_id"), nullable=False)


org_teams = Table(
    "org_teams",
    metadata,
    Column("team_id", String(40), primary_key=True),
    Column("team_name", String(80), nullable=False),
    Column("business_unit", String(40), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("ordered_at", DateTime, nullable=False),
    _team_fk(),
    Column("revenue", _Double, nullable=False),
    Column("cost", _Double, nullable=False),
    Column("on_time", Integer, nullable=False),
    # Covering the loader's query (time range, team, the aggregated columns): the GROUP BY day x team
    # then reads the index alone, in time order, instead of jumping to every table row.
    Index("ix_orders_ordered_at", "ordered_at", "team_id", "revenue", "cost", "on_time"),
    Index("ix_orders_team_id", "team_id"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", Integer, primary_key=True, autoincrement=False),
    Column("opened_at", DateTime, nullable=False),
    _team_fk(),
    Column("sla_met", Integer, nullable=False),
    Column("handle_minutes", _Double, nullable=False),
    Index("ix_tickets_opened_at", "opened_at", "team_id", "sla_met", "handle_minutes"),
    Index("ix_tickets_team_id", "team_id"),
)

spend = Table(
    "spend",
    metadata,
    Column("spend_id", Integer, primary_key=True, autoincrement=False),
    Column("month", Date, nullable=False),
    _team_fk(),
    Column("category", String(20), nullable=False),
    Column("amount", _Double, nullable=False),
)

headcount = Table(
    "headcount",
    metadata,
    Column("snapshot_date", Date, primary_key=True),
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("headcount", Integer, nullable=False),
)

kpi_targets = Table(
    "kpi_targets",
    metadata,
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("metric_id", String(40), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
    Column("target", _Double, nullable=False),
    Column("owner", String(120), nullable=False),
)

bu_plan = Table(
    "bu_plan",
    metadata,
    Column("business_unit", String(40), primary_key=True),
    Column("metric_id", String(40), primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("period_end", Date, nullable=False),
    Column("value", _Double, nullable=False),
)

team_kpi_sheet = Table(
    "team_kpi_sheet",
    metadata,
    Column("day", Date, primary_key=True),
    Column("team_id", String(40), ForeignKey("org_teams.team_id"), primary_key=True),
    Column("on_time_rate", _Double, nullable=False),
    # NULL on days without tickets: a rate with no denominator cannot be reported.
    Column("sla_rate", _Double, nullable=True),
)

TABLE_NAMES: tuple[str, ...] = tuple(metadata.tables)


def schema_metadata(schema: str | None) -> MetaData:
    """A fresh copy of the sample tables, in ``schema`` when one is given (foreign keys follow).

    A copy per load, because ``AddConstraint`` marks its constraint as no longer part of
    ``CREATE TABLE``: adding keys after a PostgreSQL load must not change later loads.
    """
    copy = MetaData()
    for table in metadata.sorted_tables:
        if schema is None:
            table.to_metadata(copy)
        else:
            table.to_metadata(copy, schema=schema)
    return copy
