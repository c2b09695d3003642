"""The command line as a person waits for it: ``bridge view horizon`` warm and cold, against floors.

Usage::

    .venv/bin/python benchmarks/bench_cli.py [--db PATH] [--repeat 3]

Each figure is the wall time of a fresh process, as a shell runs it:

* floor: ``python -c "import polars, sqlalchemy"`` — what any Python tool on this stack pays;
* warm: ``bridge view horizon --format csv`` while the measure cache is fresh (filled by a
  ``bridge refresh`` before; no query reaches the database);
* cold: the same with an empty cache folder (every source read);
* brief: ``bridge export brief`` while the measure cache is fresh — the executive brief (every
  headline metric, trade-off and decision record, as HTML with its charts) written to a file;
* database: the loader's queries (each source's full-load SQL, as ``source_sql`` writes it, plus the
  org, targets and plan tables) run one after the other by the database itself — SQLite through
  Python's ``sqlite3`` module, no SQLAlchemy, no Polars.

Goals (reported, not asserted): warm ≤ 1.3× the floor; cold ≤ the floor + 1.3× the database's time;
the brief under 2 s.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, Measurement, Ratio, Report, main_for, sqlite_url

from bridge.config.registry import load_registry
from bridge.data.load import source_sql

PYTHON = ROOT / ".venv" / "bin" / "python"
BRIDGE = ROOT / ".venv" / "bin" / "bridge"
VIEW = ["view", "horizon", "--format", "csv"]
BRIEF_GOAL_S = 2.0


def _wall(command: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def _database_seconds(db: Path) -> float:
    """The loader's queries, run one after the other by SQLite itself."""
    registry = load_registry(ROOT / "config")
    org = registry.sources_file
    tables = [org.org.table] + [t.table for t in (org.targets, org.plan) if t is not None]
    queries = [source_sql(source, "sqlite") for source in registry.sources]
    queries += [f"SELECT * FROM {table}" for table in tables]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        t0 = time.perf_counter()
        for sql in queries:
            conn.execute(sql).fetchall()
        return time.perf_counter() - t0


def run(db: Path, repeat: int = 3) -> Report:
    started = time.perf_counter()
    report = Report(
        "cli", "The command line: bridge view warm and cold, against their floors; the brief"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    base |= {"BRIDGE_SOURCE_URL": sqlite_url(db), "BRIDGE_CONFIG_DIR": str(ROOT / "config")}
    floor, warm, cold, database, brief = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bridge-cli-") as folder:
        warm_env = base | {
            "BRIDGE_CACHE_DIR": str(Path(folder) / "warm"),
            "BRIDGE_CACHE_TTL_SECONDS": "86400",
        }
        subprocess.run([str(BRIDGE), "refresh"], env=warm_env, check=True, capture_output=True)
        _database_seconds(db)  # the file in the page cache, as for the loader's runs
        for i in range(repeat):
            floor.append(_wall([str(PYTHON), "-c", "import polars, sqlalchemy"], base))
            warm.append(_wall([str(BRIDGE), *VIEW], warm_env))
            cold_env = base | {"BRIDGE_CACHE_DIR": str(Path(folder) / f"cold-{i}")}
            cold.append(_wall([str(BRIDGE), *VIEW], cold_env))
            database.append(_database_seconds(db))
            out = Path(folder) / f"brief-{i}.html"
            brief.append(_wall([str(BRIDGE), "export", "brief", "--out", str(out)], warm_env))
    report.add(Measurement("floor", 'python -c "import polars, sqlalchemy"', floor))
    report.add(Measurement("database", "the loader's queries, run by SQLite itself", database))
    w = report.add(Measurement("warm", "bridge view horizon, measure cache fresh", warm))
    c = report.add(Measurement("cold", "bridge view horizon, empty measure cache", cold))
    b = report.add(Measurement("brief", "bridge export brief, measure cache fresh", brief))
    b.goal, b.met = f"< {BRIEF_GOAL_S:.0f} s", b.median < BRIEF_GOAL_S
    floor_s, database_s = report.get("floor").median, report.get("database").median
    w.goal, w.met = "≤ 1.3× the floor", w.median <= 1.3 * floor_s
    c.goal = "≤ floor + 1.3× the database"
    c.met = c.median <= floor_s + 1.3 * database_s
    report.ratio("warm_vs_floor", "warm / floor", "warm", "floor")
    report.ratios.append(
        Ratio(
            "cold_vs_budget",
            "cold / (floor + 1.3× database)",
            c.median / (floor_s + 1.3 * database_s),
        )
    )
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    main_for(run, __doc__)


if __name__ == "__main__":
    main()
