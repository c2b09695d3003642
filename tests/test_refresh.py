"""Incremental refresh: after a new day only recent days are read, and the result equals a full load;
the cache survives a restart and is invalidated by a config or database change."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, event

from bridge.config.registry import Registry, load_registry
from bridge.data.load import load_dataset, open_source
from bridge.data.refresh import MeasureCache
from bridge.errors import ConfigError

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bridge.sample import generate

    path = tmp_path_factory.mktemp("refresh") / "sample.sqlite"
    generate(f"sqlite:///{path}", as_of=AS_OF, history_years=1)
    return path


def same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    order = ["day", "team_id", "measure"]
    assert_frame_equal(a.sort(order), b.sort(order), check_exact=False, rel_tol=1e-12)


def add_a_day(db: Path, day: dt.date, late: dt.date) -> None:
    """New orders on ``day``, plus one late-arriving order for an earlier, already loaded ``late``."""
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT MAX(order_id) FROM orders").fetchone()[0]
        rows = [
            (top + i + 1, f"{day} 10:00:00.000000", "mkt-ads", 100.0 + i, 60.0, 1) for i in range(5)
        ]
        rows.append((top + 99, f"{late} 23:00:00.000000", "ent-sales", 1234.5, 100.0, 0))
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", rows)


def queries_on(engine: Engine) -> list[str]:
    """Every statement ``engine`` sends from now on."""
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))
    return sent


def test_incremental_refresh_equals_a_full_load(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    db = tmp_path / "live.sqlite"
    shutil.copy(small_db, db)
    cache = MeasureCache(tmp_path / "cache", late_arriving_days=3)
    engine = open_source(f"sqlite:///{db}")
    first = cache.load(engine, registry, today=AS_OF)
    assert cache.last is not None and cache.last.mode == "full"
    same(first.measures, load_dataset(engine, registry).measures)

    add_a_day(db, AS_OF, late=AS_OF - dt.timedelta(days=2))
    engine = open_source(f"sqlite:///{db}")
    tomorrow = AS_OF + dt.timedelta(days=1)
    second = cache.load(engine, registry, today=tomorrow)
    assert cache.last is not None and cache.last.mode == "incremental"
    assert cache.last.read_from == AS_OF - dt.timedelta(days=3)  # watermark - late window
    assert cache.last.cached_rows > 0
    same(second.measures, load_dataset(engine, registry).measures)
    assert second.last_day == AS_OF  # the new day is in


def test_the_cache_survives_a_restart(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    MeasureCache(tmp_path / "cache").load(engine, registry, today=AS_OF)
    restarted = MeasureCache(tmp_path / "cache")  # a new process: nothing in memory
    again = restarted.load(engine, registry, today=AS_OF)
    assert restarted.last is not None and restarted.last.mode == "incremental"
    same(again.measures, load_dataset(engine, registry).measures)
    assert again.org.equals(load_dataset(engine, registry).org)


def test_a_fresh_cache_is_used_without_a_query(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    """Within max_age of a refresh, a new process reads the Parquet files and never the database."""
    engine = open_source(f"sqlite:///{small_db}")
    MeasureCache(tmp_path / "cache").load(engine, registry, today=AS_OF)
    engine = open_source(f"sqlite:///{small_db}")
    sent = queries_on(engine)
    restarted = MeasureCache(tmp_path / "cache")
    again = restarted.load(engine, registry, today=AS_OF, max_age=600)
    assert restarted.last is not None and restarted.last.mode == "cached"
    assert sent == []
    same(again.measures, load_dataset(engine, registry).measures)
    assert restarted.load(engine, registry, today=AS_OF, max_age=0) is not None
    assert restarted.last.mode == "incremental" and sent  # too old: refreshed


def test_a_rebuilt_history_means_a_full_load(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    db = tmp_path / "live.sqlite"
    shutil.copy(small_db, db)
    cache = MeasureCache(tmp_path / "cache")
    cache.load(open_source(f"sqlite:///{db}"), registry, today=AS_OF)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM orders WHERE ordered_at < '2025-02-01'")
    cache.load(open_source(f"sqlite:///{db}"), registry, today=AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_a_config_change_invalidates(small_db: Path, tmp_path: Path, config_copy: Path) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, load_registry(config_copy), today=AS_OF)
    metrics = config_copy / "metrics.toml"
    metrics.write_text(metrics.read_text().replace('label = "Orders"', 'label = "Order count"'))
    cache.load(engine, load_registry(config_copy), today=AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_another_database_invalidates(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    cache = MeasureCache(tmp_path / "cache")
    cache.load(open_source(f"sqlite:///{small_db}"), registry, today=AS_OF)
    other = tmp_path / "other.sqlite"
    shutil.copy(small_db, other)
    cache.load(open_source(f"sqlite:///{other}"), registry, today=AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_a_broken_cache_file_means_a_full_load(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    MeasureCache(tmp_path / "cache").load(engine, registry, today=AS_OF)
    for parquet in (tmp_path / "cache").rglob("measures.parquet"):
        parquet.write_bytes(b"not parquet")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, registry, today=AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_forcing_a_full_load(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, registry, today=AS_OF)
    cache.load(engine, registry, today=AS_OF, full=True)
    assert cache.last is not None and cache.last.mode == "full"


def test_verify_refuses_a_database_that_disagrees(
    small_db: Path, tmp_path: Path, config_copy: Path
) -> None:
    metrics = config_copy / "sources.toml"
    metrics.write_text(metrics.read_text().replace('column = "revenue"', 'column = "revenu"'))
    cache = MeasureCache(tmp_path / "cache")
    with pytest.raises(ConfigError, match="'revenu'"):
        cache.load(open_source(f"sqlite:///{small_db}"), load_registry(config_copy), verify=True)


def test_a_warm_view_opens_no_database(sample_url: str, tmp_path: Path) -> None:
    """Within the cache's time to live, `bridge view` answers from the cache alone: no engine, and
    SQLAlchemy is not even imported (it was 0.15 s of a 0.9 s command)."""
    import os
    import subprocess
    import sys

    from tests.conftest import CONFIG_DIR

    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env |= {
        "BRIDGE_SOURCE_URL": sample_url,
        "BRIDGE_CONFIG_DIR": str(CONFIG_DIR),
        "BRIDGE_CACHE_DIR": str(tmp_path / "cache"),
        "BRIDGE_CACHE_TTL_SECONDS": "3600",
    }
    script = (
        "import sys, io, contextlib\n"
        "from bridge.app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['view', 'horizon', '--format', 'csv'])\n"
        "print(code, 'sqlalchemy' in sys.modules)\n"
    )
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["0", "True"]  # the first fills the cache from the database
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert second.stdout.split() == ["0", "False"], second.stderr


def test_the_cache_key_holds_no_credential() -> None:
    from bridge.data.refresh import database_identity

    assert database_identity("postgresql+psycopg://ann:hunter2@db:5432/sales?sslmode=require") == (
        "postgresql+psycopg://db:5432/sales?sslmode=require"
    )
    assert database_identity("mysql+pymysql://db/x?password=hunter2&charset=utf8mb4") == (
        "mysql+pymysql://db/x?password=***&charset=utf8mb4"
    )
    assert database_identity("sqlite:///sample_data/sample.sqlite") == (
        "sqlite:///sample_data/sample.sqlite"
    )
