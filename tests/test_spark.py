"""Bridge's Spark dialect without a cluster: what it refuses, what it compiles, how it fails.

The numbers themselves are checked on a real cluster in ``tests/test_parity.py`` (every view equals
SQLite's), ``tests/test_timezone.py`` and ``tests/test_text_numbers.py``.
"""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import make_url

from bridge.config.registry import Registry
from bridge.data import spark
from bridge.data.load import first_days, open_source, source_sql, text_number
from bridge.data.zoned import unix_seconds
from bridge.errors import SourceError


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "  (SELECT a FROM t) UNION (SELECT b FROM u)",
        "WITH x AS (SELECT 1 AS a) SELECT * FROM x",
        "DESCRIBE TABLE `sales`.`orders`",
        "SHOW TABLES IN sales",
        "SELECT 'drop table x; insert' AS note, `update` FROM t",
        "SELECT replace(amount, ',', '') AS amount, date_add(day, 1) FROM sales",
    ],
)
def test_a_read_only_connection_runs_queries(sql: str) -> None:
    spark.refuse_writes(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t VALUES (1)",
        "DROP TABLE t",
        "CREATE TABLE t (a INT) USING parquet",
        "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
        "SELECT 1; DROP TABLE t",
        "SET spark.sql.ansi.enabled = false",
        "REFRESH TABLE t",
        "CACHE TABLE t",
        "",
    ],
)
def test_a_read_only_connection_refuses_writes(sql: str) -> None:
    with pytest.raises(spark.ProgrammingError, match="read-only"):
        spark.refuse_writes(sql)


def _spark_sql(element: object) -> str:
    dialect = make_url("spark://").get_dialect()()
    return str(element.compile(dialect=dialect))  # type: ignore[attr-defined]


def test_the_dialect_speaks_spark_sql() -> None:
    t = Table("orders", MetaData(), Column("amount", String), Column("at", String), schema="sales")
    # backticks, STRING for text, Java's \s for POSIX [[:space:]] (escaped for a Spark literal)
    assert "`" not in _spark_sql(select(t.c.amount))  # plain names need no quotes
    assert _spark_sql(select(t.c.amount).where(t.c.amount == "x")).endswith(
        "FROM sales.orders \nWHERE sales.orders.amount = :amount_1"
    )
    number = _spark_sql(text_number(t.c.amount))
    assert "RLIKE '^\\\\s*[-+]?" in number and "try_cast(sales.orders.amount AS DOUBLE)" in number
    assert "[[:space:]]" not in number
    seconds = _spark_sql(unix_seconds(t.c.at))
    assert "try_cast(" in seconds and "':00'" in seconds  # seconds added before an offset
    quoted = Table("order lines", MetaData(), Column("select", Integer))
    assert (
        _spark_sql(select(quoted.c.select)) == "SELECT `order lines`.`select` \nFROM `order lines`"
    )


def test_the_sql_shown_for_spark(registry: Registry) -> None:
    shown = source_sql(registry.sources[0], "spark")
    assert shown.startswith("SELECT CAST(orders.ordered_at AS DATE) AS day")
    # values written into the SQL shown are Spark literals (a backslash escapes in Spark's strings)
    t = Table("t", MetaData(), Column("at", DateTime()), Column("note", String))
    query = select(t.c.at).where(t.c.at >= dt.datetime(2026, 1, 1), t.c.note != "it's a\\b")
    dialect = make_url("spark://").get_dialect()()
    literal = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    assert "t.at >= TIMESTAMP_NTZ '2026-01-01 00:00:00'" in literal
    assert "t.note != 'it\\'s a\\\\b'" in literal


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        ("string", sqltypes.String),
        ("varchar(40)", sqltypes.String),
        ("bigint", sqltypes.BigInteger),
        ("int", sqltypes.Integer),
        ("double", sqltypes.Float),
        ("decimal(12,2)", sqltypes.Numeric),
        ("date", sqltypes.Date),
        ("timestamp_ntz", sqltypes.DateTime),
        ("array<int>", sqltypes.NullType),
    ],
)
def test_spark_types_read_as_sqlalchemy_types(described: str, expected: type) -> None:
    assert type(spark.column_type(described)) is expected


def test_timestamps_are_instants_and_timestamp_ntz_is_not() -> None:
    assert spark.column_type("timestamp").timezone is True  # type: ignore[attr-defined]
    assert spark.column_type("timestamp_ntz").timezone is False  # type: ignore[attr-defined]
    naive = Table("t", MetaData(), Column("at", DateTime()))
    assert "TIMESTAMP_NTZ" in _spark_sql(select(naive.c.at.cast(DateTime())))


def test_an_unreachable_server_is_said_in_seconds(registry: Registry) -> None:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    with pytest.raises(SourceError, match=r"cannot reach the Spark Connect server \(UNAVAILABLE"):
        first_days(open_source("sc://127.0.0.1:1"), registry)


def test_without_pyspark_the_error_says_what_to_install(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if it were not installed
    with pytest.raises(SourceError, match=r"uv sync --extra spark.*bridge\[spark\]"):
        first_days(open_source("sc://127.0.0.1:1"), registry)
