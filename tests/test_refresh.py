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

from bridge.config.registry import Registry, load_registry
from bridge.data.load import load_dataset, open_source
from bridge.data.refresh import MeasureCache

AS_OF = dt.date(2026, 11, 30)
START = dt.date(2025, 1, 1)


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


def test_incremental_refresh_equals_a_full_load(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    db = tmp_path / "live.sqlite"
    shutil.copy(small_db, db)
    cache = MeasureCache(tmp_path / "cache", late_arriving_days=3)
    engine = open_source(f"sqlite:///{db}")
    first = cache.load(engine, registry, START, AS_OF)
    assert cache.last is not None and cache.last.mode == "full"
    same(first.measures, load_dataset(engine, registry, START, AS_OF).measures)

    add_a_day(db, AS_OF, late=AS_OF - dt.timedelta(days=2))
    engine = open_source(f"sqlite:///{db}")
    tomorrow = AS_OF + dt.timedelta(days=1)
    second = cache.load(engine, registry, START, tomorrow)
    assert cache.last is not None and cache.last.mode == "incremental"
    assert cache.last.read_from == AS_OF - dt.timedelta(days=3)  # watermark - late window
    assert cache.last.cached_rows > 0
    same(second.measures, load_dataset(engine, registry, START, tomorrow).measures)


def test_the_cache_survives_a_restart(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    MeasureCache(tmp_path / "cache").load(engine, registry, START, AS_OF)
    restarted = MeasureCache(tmp_path / "cache")  # a new process: nothing in memory
    again = restarted.load(engine, registry, START, AS_OF)
    assert restarted.last is not None and restarted.last.mode == "incremental"
    same(again.measures, load_dataset(engine, registry, START, AS_OF).measures)


def test_a_config_change_invalidates(small_db: Path, tmp_path: Path, config_copy: Path) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, load_registry(config_copy), START, AS_OF)
    metrics = config_copy / "metrics.toml"
    metrics.write_text(metrics.read_text().replace('label = "Orders"', 'label = "Order count"'))
    cache.load(engine, load_registry(config_copy), START, AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_another_database_invalidates(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    cache = MeasureCache(tmp_path / "cache")
    cache.load(open_source(f"sqlite:///{small_db}"), registry, START, AS_OF)
    other = tmp_path / "other.sqlite"
    shutil.copy(small_db, other)
    cache.load(open_source(f"sqlite:///{other}"), registry, START, AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_a_broken_cache_file_means_a_full_load(
    small_db: Path, tmp_path: Path, registry: Registry
) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    MeasureCache(tmp_path / "cache").load(engine, registry, START, AS_OF)
    for parquet in (tmp_path / "cache").rglob("measures.parquet"):
        parquet.write_bytes(b"not parquet")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, registry, START, AS_OF)
    assert cache.last is not None and cache.last.mode == "full"


def test_forcing_a_full_load(small_db: Path, tmp_path: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{small_db}")
    cache = MeasureCache(tmp_path / "cache")
    cache.load(engine, registry, START, AS_OF)
    cache.load(engine, registry, START, AS_OF, full=True)
    assert cache.last is not None and cache.last.mode == "full"
