"""Incremental refresh: measures of closed days are kept, only recent days are read again.

Measures for days before ``as_of`` do not change — except for late-arriving events, so each refresh
re-reads the days from ``watermark - late_arriving_days`` on and keeps everything older from the
cache. The cache lives in memory and in Parquet files under ``cache_dir`` (so it survives a restart),
one folder per *fingerprint*: the config files' content, the source URL (without password) and the
first day of each source. A changed config, another database, or a database whose history was
rebuilt gets a new fingerprint, hence a full load. ``bridge refresh --full`` forces one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from bridge.config.registry import Registry
from bridge.data.load import data_bounds, load_dataset
from bridge.data.urls import safe_url
from bridge.dataset import MEASURES_SCHEMA, Dataset

CACHE_VERSION = 1


@dataclass(frozen=True)
class RefreshStats:
    """What a refresh did: ``full`` or ``incremental``, and the days it read from the database."""

    mode: str
    read_from: dt.date
    read_to: dt.date
    cached_rows: int


class MeasureCache:
    """Measures kept across refreshes (thread-safe; one instance per process is enough)."""

    def __init__(self, folder: Path, late_arriving_days: int = 3) -> None:
        self.folder = folder
        self.late_arriving_days = late_arriving_days
        self._memory: dict[str, tuple[pl.DataFrame, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self.last: RefreshStats | None = None

    def load(
        self,
        engine: Engine,
        registry: Registry,
        start: dt.date,
        end: dt.date,
        *,
        full: bool = False,
    ) -> Dataset:
        """Like :func:`bridge.data.load.load_dataset`, reading only what the cache does not hold."""
        key = fingerprint(engine, registry)
        with self._lock:
            cached = None if full else self._read(key)
            reuse_from: dt.date | None = None
            if cached is not None:
                meta = cached[1]
                if dt.date.fromisoformat(meta["start"]) <= start:
                    watermark = dt.date.fromisoformat(meta["watermark"])
                    reuse_from = max(
                        start, min(end, watermark - dt.timedelta(days=self.late_arriving_days))
                    )
            if reuse_from is None or cached is None:
                dataset = load_dataset(engine, registry, start, end)
                self.last = RefreshStats("full", start, end, 0)
            else:
                fresh = load_dataset(engine, registry, reuse_from, end)
                kept = cached[0].filter((pl.col("day") >= start) & (pl.col("day") < reuse_from))
                dataset = Dataset(
                    measures=pl.concat([kept, fresh.measures]).sort("day", "team_id", "measure"),
                    org=fresh.org,
                    targets=fresh.targets,
                    plan=fresh.plan,
                    start=start,
                    end=end,
                )
                self.last = RefreshStats("incremental", reuse_from, end, kept.height)
            self._write(key, dataset)
            return dataset

    def _read(self, key: str) -> tuple[pl.DataFrame, dict[str, str]] | None:
        if key in self._memory:
            return self._memory[key]
        folder = self.folder / key
        try:
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("version") != CACHE_VERSION:
                return None
            measures = pl.read_parquet(folder / "measures.parquet")
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None  # no cache, or a broken one: a full load rebuilds it
        if measures.schema != MEASURES_SCHEMA:
            return None
        self._memory[key] = (measures, meta)
        return measures, meta

    def _write(self, key: str, dataset: Dataset) -> None:
        # All loaded days are before ``end`` (= as-of): closed, bar late-arriving events.
        meta = {
            "version": CACHE_VERSION,
            "start": dataset.start.isoformat(),
            "watermark": dataset.end.isoformat(),
        }
        self._memory = {key: (dataset.measures, {k: str(v) for k, v in meta.items()})}
        folder = self.folder / key
        folder.mkdir(parents=True, exist_ok=True)
        # write then rename: a crash mid-write never leaves a half file behind
        tmp = folder / f"measures.{os.getpid()}.tmp"
        dataset.measures.write_parquet(tmp)
        os.replace(tmp, folder / "measures.parquet")
        tmp_meta = folder / f"meta.{os.getpid()}.tmp"
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, folder / "meta.json")


def fingerprint(engine: Engine, registry: Registry) -> str:
    """Changes with the config's content, the database (URL without password) and its history."""
    digest = hashlib.sha256()
    for name in sorted(p.name for p in registry.config_dir.glob("*.toml")):
        digest.update(name.encode())
        digest.update((registry.config_dir / name).read_bytes())
    digest.update(safe_url(engine.url).encode())
    bounds = data_bounds(engine, registry)
    digest.update(repr(bounds[0] if bounds else None).encode())
    return digest.hexdigest()[:20]
