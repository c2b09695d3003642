"""The measure cache: every day loaded once, then only recent days read again.

Measures for days before the day of a load are closed — except for late-arriving events — so each
refresh re-reads the days from ``watermark - late_arriving_days`` on and keeps everything older. The
cache lives in memory and in Parquet files under ``cache_dir`` (so it survives a restart and is shared
with the command line), one folder per config, database and access scope: the config files' content,
the source URL as configured (without user, password or secret parameters) and the business units
read. A database whose history was rebuilt (the first day of a source changed)
gets a full load; ``bridge refresh --full`` forces one.

Within ``max_age`` seconds of the last refresh the cache is used as it is, without a query: that is
what makes a second ``bridge view`` as quick as starting Python. No as-of date is involved anywhere
here: views choose their days from the whole history, so moving the as-of date never reloads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from bridge.config.registry import Registry
from bridge.dataset import MEASURES_SCHEMA, ORG_SCHEMA, PLAN_SCHEMA, TARGETS_SCHEMA, Dataset
from bridge.errors import ConfigError

if TYPE_CHECKING:  # the database side is imported when a load reaches the database
    from sqlalchemy import Engine

CACHE_VERSION = 2
#: Datasets kept in memory at once (one per access scope in use).
MEMORY_ENTRIES = 8
_FRAMES = {
    "measures": MEASURES_SCHEMA,
    "org": ORG_SCHEMA,
    "targets": TARGETS_SCHEMA,
    "plan": PLAN_SCHEMA,
}


@dataclass(frozen=True)
class RefreshStats:
    """What a load did: ``cached`` (no query), ``incremental`` or ``full``; the first day it read
    from the database (None: all history, or nothing read), and the rows it kept from the cache."""

    mode: str
    read_from: dt.date | None
    cached_rows: int


@dataclass(frozen=True)
class _Entry:
    dataset: Dataset
    watermark: dt.date
    refreshed_at: float
    first_days: dict[str, str]


class MeasureCache:
    """Measures kept across refreshes (thread-safe; one instance per process is enough)."""

    _shared: ClassVar[dict[tuple[Path, int], MeasureCache]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, folder: Path, late_arriving_days: int = 3) -> None:
        self.folder = folder
        self.late_arriving_days = late_arriving_days
        self._memory: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.last: RefreshStats | None = None

    @classmethod
    def shared(cls, folder: Path, late_arriving_days: int = 3) -> MeasureCache:
        """The process's one cache for ``folder``: the app's sessions and the load started with
        the server (:func:`bridge.app.warm.measures`) meet here, so a page that asks while that
        load runs waits for it (one lock) and then reads it from memory."""
        with cls._shared_lock:
            key = (folder.resolve(), late_arriving_days)
            if key not in cls._shared:
                cls._shared[key] = cls(folder, late_arriving_days)
            return cls._shared[key]

    @classmethod
    def drop_shared(cls) -> None:
        """Forget every shared cache (what ``st.cache_resource.clear()`` did when the app kept its
        cache there): the next load reads the Parquet files again."""
        with cls._shared_lock:
            cls._shared.clear()

    def load(
        self,
        engine: Engine,
        registry: Registry,
        *,
        today: dt.date | None = None,
        full: bool = False,
        max_age: float | None = None,
        verify: bool = False,
        units: frozenset[str] | None = None,
        company: bool = False,
        url: str | None = None,
    ) -> Dataset:
        """Every day's measures, plus org, targets and plan: from the cache when it was refreshed
        less than ``max_age`` seconds ago, else reading only what the cache does not hold.

        ``url`` is the source URL as configured (the cache's key, shared by the app and the
        command line; without it, the engine's URL).

        With ``verify``, a load that goes to the database first checks that the database agrees
        with the config (:func:`bridge.data.checks.database_problems`: tables, columns and types;
        rows holding values that are no date are left out, not refused), raising ConfigError if
        not.
        """
        from bridge.data.checks import database_problems
        from bridge.data.load import first_days, load_dataset

        today = today or registry.today()
        key = cache_key(engine if url is None else url, registry, units, company)
        with self._lock:
            cached = None if full else self._read(key)
            if max_age is not None and (hit := self._fresh(cached, max_age)) is not None:
                return hit
            if verify:
                problems = database_problems(
                    registry.sources_file, engine, registry.files, values=False
                )
                if problems:
                    raise ConfigError(problems)
            days = first_days(engine, registry)
            firsts = {name: str(day) for name, day in days.items()}
            if cached is None or cached.first_days != firsts:
                dataset = load_dataset(engine, registry, units=units, company=company, firsts=days)
                self.last = RefreshStats("full", None, 0)
            else:
                reuse_from = cached.watermark - dt.timedelta(days=self.late_arriving_days)
                fresh = load_dataset(
                    engine, registry, start=reuse_from, units=units, company=company, firsts=days
                )
                kept = cached.dataset.measures.filter(pl.col("day") < reuse_from)
                dataset = Dataset(
                    # the fresh days all follow the kept ones: only they need sorting
                    measures=pl.concat([kept, fresh.measures.sort("day", "team_id", "measure")]),
                    org=fresh.org,
                    targets=fresh.targets,
                    plan=fresh.plan,
                )
                self.last = RefreshStats("incremental", reuse_from, kept.height)
            self._write(key, _Entry(dataset, today, time.time(), firsts))
            return dataset

    def fresh(
        self,
        url: str,
        registry: Registry,
        *,
        max_age: float,
        units: frozenset[str] | None = None,
        company: bool = False,
    ) -> Dataset | None:
        """The cached dataset when it was refreshed less than ``max_age`` seconds ago, else None —
        without opening the database (what makes a second ``bridge view`` quick)."""
        with self._lock:
            return self._fresh(self._read(cache_key(url, registry, units, company)), max_age)

    def _fresh(self, cached: _Entry | None, max_age: float) -> Dataset | None:
        """``cached``'s dataset when it was refreshed less than ``max_age`` seconds ago (used as it
        is, and ``last`` says so), else None."""
        if cached is None or time.time() - cached.refreshed_at >= max_age:
            return None
        self.last = RefreshStats("cached", None, cached.dataset.measures.height)
        return cached.dataset

    def _read(self, key: str) -> _Entry | None:
        if key in self._memory:
            return self._memory[key]
        folder = self.folder / key
        try:
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("version") != CACHE_VERSION:
                return None
            frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in _FRAMES}
            entry = _Entry(
                Dataset(frames["measures"], frames["org"], frames["targets"], frames["plan"]),
                dt.date.fromisoformat(meta["watermark"]),
                float(meta["refreshed_at"]),
                dict(meta["first_days"]),
            )
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
            return None  # no cache, or a broken one: a full load rebuilds it
        self._memory[key] = entry
        return entry

    def _write(self, key: str, entry: _Entry) -> None:
        # one entry per access scope in use, the most recent few
        self._memory.pop(key, None)
        self._memory[key] = entry
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.pop(next(iter(self._memory)))
        folder = self.folder / key
        folder.mkdir(parents=True, exist_ok=True)
        # write then rename: a crash mid-write never leaves a half file behind; meta goes last
        for name in _FRAMES:
            tmp = folder / f"{name}.{os.getpid()}.tmp"
            # lz4: a fifth quicker to write than the default zstd here (a refresh writes the
            # whole cache again), for files about half again as large
            getattr(entry.dataset, name).write_parquet(tmp, compression="lz4")
            os.replace(tmp, folder / f"{name}.parquet")
        meta = {
            "version": CACHE_VERSION,
            "watermark": entry.watermark.isoformat(),
            "refreshed_at": entry.refreshed_at,
            "first_days": entry.first_days,
        }
        tmp_meta = folder / f"meta.{os.getpid()}.tmp"
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, folder / "meta.json")


def cache_key(
    source: Engine | str,
    registry: Registry,
    units: frozenset[str] | None = None,
    company: bool = False,
) -> str:
    """Changes with the config's content, the database (its URL without password) and the
    business units read (a person's access scope: each scope has its own cache)."""
    digest = hashlib.sha256()
    if units is not None:
        digest.update(("units:" + "\x1f".join(sorted(units)) + f":{company}").encode())
    for name in sorted(p.name for p in registry.config_dir.glob("*.toml")):
        digest.update(name.encode())
        digest.update((registry.config_dir / name).read_bytes())
    if isinstance(source, str):
        digest.update(database_identity(source).encode())
    else:
        from bridge.data.urls import safe_url

        digest.update(safe_url(source.url).encode())
    return digest.hexdigest()[:20]


_CREDENTIALS = re.compile(r"^(?P<scheme>[^:/]+://)[^/@]*@")
_SECRET_VALUES = re.compile(r"(?i)(?P<key>[?&][^=&]*(?:pass|pwd|secret|token|key)[^=&]*=)[^&]*")


def database_identity(url: str) -> str:
    """The configured URL without user, password or secret parameters: which database it is (a
    cache key; no credential is hashed into a folder name)."""
    return _SECRET_VALUES.sub(r"\g<key>***", _CREDENTIALS.sub(r"\g<scheme>", url.strip()))
