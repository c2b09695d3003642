"""Decision records: round trips on SQLite, PostgreSQL and MariaDB through the same code path,
refusal of invalid input (nothing written), idempotent retries, concurrent writers, a killed writer."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url

from bridge.config.registry import Registry
from bridge.data.state import StateError, list_records, open_state, record, records
from bridge.dataset import ORG_SCHEMA
from bridge.records import RecordError, parse_input
from bridge.translate.review import review
from tests.conftest import AS_OF, ROOT

NOW = dt.datetime(2026, 11, 30, 9, 0, 0)
ORG = pl.DataFrame(
    {
        "team_id": ["ret-checkout", "mkt-ads"],
        "team_name": ["Checkout", "Ads"],
        "business_unit": ["Retail Stores", "Marketplace"],
    },
    schema=ORG_SCHEMA,
)
SERVERS = {
    "postgres": os.environ.get(
        "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "BRIDGE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
}
STATE_DB = "bridge_state_test"


def _server_state_url(kind: str) -> str:
    """A dedicated database on the server (created if missing), so tests never touch others' tables."""
    admin = make_url(SERVERS[kind])
    try:
        engine = create_engine(
            admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        with engine.connect() as conn:
            if kind == "postgres":
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": STATE_DB}
                ).scalar()
                if not exists:
                    conn.execute(text(f"CREATE DATABASE {STATE_DB}"))
            else:
                conn.execute(text(f"CREATE DATABASE IF NOT EXISTS {STATE_DB}"))
        engine.dispose()
    except Exception as exc:  # a genuinely absent server: skip with the reason
        pytest.skip(
            f"{kind} not reachable at {admin.host}:{admin.port}: {str(exc).splitlines()[0]}"
        )
    return admin.set(database=STATE_DB).render_as_string(hide_password=False)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'bridge.sqlite'}"
        return
    url = _server_state_url(request.param)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS decision_records"))
        conn.execute(text("DROP TABLE IF EXISTS bridge_schema_version"))
    engine.dispose()
    yield url


def entry(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "decision_id": "stop",
        "scope_level": "business_unit",
        "scope": "Retail Stores",
        "choice": "stop",
        "rationale": "Revenue and margin have fallen for three years — arrêt.",
        "author": "Dana Ortiz",
        "decided_on": dt.date(2026, 11, 30),
        "metric_id": "revenue",
        "expected_direction": "down",
        "expected_value": None,
        "review_on": dt.date(2027, 5, 31),
    }
    values.update(changes)
    return values


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def test_round_trip(state_url: str, registry: Registry) -> None:
    engine = open_state(state_url)
    rec_id = record(engine, registry, ORG, parse_input(entry(expected_value=1.5e6)), now=NOW)
    frame = list_records(engine)
    assert frame.height == 1
    row = frame.row(0, named=True)
    assert row["id"] == rec_id
    assert row["rationale"] == "Revenue and margin have fallen for three years — arrêt."
    assert row["decided_on"] == dt.date(2026, 11, 30) and row["review_on"] == dt.date(2027, 5, 31)
    assert row["expected_value"] == 1.5e6 and row["created_at"] == NOW
    assert list_records(engine, decision_id="bet").is_empty()
    assert list_records(engine, scope="Retail Stores").height == 1
    assert list_records(engine, scope="' OR 1=1 --").is_empty()  # bound, not spliced
    open_state(state_url)  # schema creation is idempotent: a second start changes nothing
    assert count(engine) == 1
    engine.dispose()


def test_a_retry_with_the_same_uid_is_not_a_duplicate(state_url: str, registry: Registry) -> None:
    engine = open_state(state_url)
    uid = str(uuid.uuid4())
    first = record(engine, registry, ORG, parse_input(entry(record_uid=uid)), now=NOW)
    again = record(engine, registry, ORG, parse_input(entry(record_uid=uid)), now=NOW)
    assert first == again and count(engine) == 1
    engine.dispose()


def test_the_same_uid_with_other_content_is_refused(state_url: str, registry: Registry) -> None:
    """Two writers with one record id but different text: the second is told, not silently merged."""
    engine = open_state(state_url)
    uid = str(uuid.uuid4())
    first = record(
        engine, registry, ORG, parse_input(entry(record_uid=uid, expected_value=0.873)), now=NOW
    )
    again = record(  # the very same record read back (FLOAT on MariaDB) is still a retry
        engine, registry, ORG, parse_input(entry(record_uid=uid, expected_value=0.873)), now=NOW
    )
    assert first == again
    with pytest.raises(RecordError) as info:
        record(
            engine,
            registry,
            ORG,
            parse_input(
                entry(record_uid=uid, expected_value=0.873, rationale="Another reason entirely")
            ),
            now=NOW,
        )
    (problem,) = info.value.problems
    assert problem.entry == "record_uid"
    assert problem.found == f"record #{first} already stored under it with a different rationale"
    assert count(engine) == 1
    assert list_records(engine).row(0, named=True)["rationale"] == entry()["rationale"]
    engine.dispose()


def test_a_state_file_deleted_while_running_is_reported_and_nothing_is_lost(
    registry: Registry, tmp_path: Path
) -> None:
    """An open SQLite connection keeps writing to a deleted file: the page would say "recorded" and
    the decision vanish at the next start. The write is checked against the file there now."""
    live, away = tmp_path / "state.sqlite", tmp_path / "moved-away.sqlite"
    engine = open_state(f"sqlite:///{live}")
    record(engine, registry, ORG, parse_input(entry()), now=NOW)
    live.rename(away)  # deleted or moved while Bridge runs
    with pytest.raises(StateError) as info:
        record(engine, registry, ORG, parse_input(entry(rationale="The second one.")), now=NOW)
    assert str(info.value) == (
        f"could not store the decision: Bridge's database file {live} is gone (deleted or moved "
        "while Bridge was running). Put it back, or point BRIDGE_STATE_URL at where it is now and "
        "restart Bridge"
    )
    with pytest.raises(StateError, match=r"could not read the decisions: .* is gone"):
        list_records(engine)
    assert not live.exists()  # no new empty file took the decision's place
    away.rename(live)  # put back: the same engine writes to it again
    record(engine, registry, ORG, parse_input(entry(rationale="The second one.")), now=NOW)
    assert sorted(list_records(engine).get_column("rationale")) == [
        entry()["rationale"], "The second one."
    ]  # fmt: skip
    engine.dispose()


def test_a_state_file_replaced_while_running_gets_the_next_write(
    registry: Registry, tmp_path: Path
) -> None:
    """A file restored from a backup (another file under the same name): writes go to it, the file
    a person will open, not to the one it replaced."""
    live, backup = tmp_path / "state.sqlite", tmp_path / "backup.sqlite"
    engine = open_state(f"sqlite:///{live}")
    record(engine, registry, ORG, parse_input(entry()), now=NOW)
    engine_b = open_state(f"sqlite:///{backup}")  # an empty store, then restored over the live one
    engine_b.dispose()
    os.replace(backup, live)
    record(engine, registry, ORG, parse_input(entry(rationale="After the restore.")), now=NOW)
    with sqlite3.connect(live) as conn:  # what is in the file on disk now
        rows = conn.execute("SELECT rationale FROM decision_records").fetchall()
    assert rows == [("After the restore.",)]
    engine.dispose()


@pytest.mark.parametrize(
    ("changes", "entry_name", "expected"),
    [
        ({"decision_id": "merge"}, "decision_id", "one of bet, invest, stop"),
        ({"rationale": "   "}, "rationale", "some text (it is required)"),
        ({"rationale": ""}, "rationale", "some text (it is required)"),
        (
            {"review_on": dt.date(2026, 11, 1)},
            "review_on",
            "a date after the decision date (2026-11-30)",
        ),
        (
            {"review_on": dt.date(2026, 11, 30)},
            "review_on",
            "a date after the decision date (2026-11-30)",
        ),
        ({"rationale": "x" * 4001}, "rationale", "at most 4000 characters"),
        ({"author": "y" * 201}, "author", "at most 200 characters"),
        ({"scope": "Atlantis"}, "scope", "a business unit from the org table"),
        ({"metric_id": "happiness"}, "metric_id", "a metric id from the registry"),
        ({"expected_direction": "sideways"}, "expected_direction", "'up', 'down' or 'flat'"),
    ],
)
def test_invalid_input_is_refused_and_nothing_written(
    state_url: str, registry: Registry, changes: dict[str, object], entry_name: str, expected: str
) -> None:
    engine = open_state(state_url)
    with pytest.raises(RecordError) as info:
        record(engine, registry, ORG, parse_input(entry(**changes)), now=NOW)
    assert [(p.entry, p.expected) for p in info.value.problems] == [(entry_name, expected)]
    assert count(engine) == 0
    engine.dispose()


def test_several_problems_are_reported_together(registry: Registry, tmp_path: Path) -> None:
    engine = open_state(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(RecordError) as info:
        record(
            engine,
            registry,
            ORG,
            parse_input(
                entry(decision_id="merge", scope="Atlantis", review_on=dt.date(2020, 1, 1))
            ),
            now=NOW,
        )
    assert [p.entry for p in info.value.problems] == ["decision_id", "scope", "review_on"]
    assert count(engine) == 0


def test_concurrent_threads_lose_nothing_and_duplicate_nothing(
    state_url: str, registry: Registry
) -> None:
    engine = open_state(state_url)
    uids = [[str(uuid.uuid4()) for _ in range(6)] for _ in range(6)]
    errors: list[BaseException] = []

    def writer(mine: list[str]) -> None:
        try:
            for uid in mine + mine[:2]:  # two retries of already-stored records
                record(engine, registry, ORG, parse_input(entry(record_uid=uid)), now=NOW)
        except BaseException as exc:  # collected: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(u,)) for u in uids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    stored = list_records(engine).get_column("record_uid").to_list()
    assert sorted(stored) == sorted(u for group in uids for u in group)
    engine.dispose()


def _process_writer(url: str, uids: list[str]) -> None:
    """Runs in a child process: its own engine, its own registry, the same code path."""
    from bridge.config.registry import load_registry

    registry = load_registry(ROOT / "config")
    engine = open_state(url)
    for uid in uids:
        record(engine, registry, ORG, parse_input(entry(record_uid=uid)), now=NOW)
    engine.dispose()


def test_concurrent_processes_lose_nothing(state_url: str) -> None:
    uids = [[str(uuid.uuid4()) for _ in range(5)] for _ in range(4)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(state_url, u)) for u in uids]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    engine = open_state(state_url)
    stored = list_records(engine).get_column("record_uid").to_list()
    assert sorted(stored) == sorted(u for group in uids for u in group)
    engine.dispose()


KILLED_WRITER = """
import sys, time, datetime as dt
from sqlalchemy import insert
from bridge.data.state import open_state, records
engine = open_state(sys.argv[1])
with engine.begin() as conn:
    conn.execute(insert(records).values(
        record_uid="killed-writer-0001", decision_id="stop", scope_level="business_unit",
        scope="Retail Stores", choice="stop", rationale="half", author="x",
        decided_on=dt.date(2026, 1, 1), metric_id="revenue", expected_direction="down",
        review_on=dt.date(2026, 6, 1), created_at=dt.datetime(2026, 1, 1)))
    print("inserted", flush=True)
    time.sleep(60)  # killed here, before the commit
"""


def test_a_writer_killed_mid_transaction_leaves_nothing(state_url: str) -> None:
    open_state(state_url).dispose()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, state_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "inserted"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    engine = open_state(state_url)
    assert count(engine) == 0
    engine.dispose()


def test_review_after_the_review_date(
    sample_dataset: object, registry: Registry, tmp_path: Path
) -> None:
    from bridge.dataset import Dataset

    assert isinstance(sample_dataset, Dataset)
    engine = open_state(f"sqlite:///{tmp_path / 's.sqlite'}")
    org = sample_dataset.org
    for values in (
        entry(decided_on=dt.date(2025, 6, 30), review_on=dt.date(2026, 6, 30)),  # revenue fell
        entry(
            decided_on=dt.date(2025, 6, 30),
            review_on=dt.date(2026, 6, 30),
            metric_id="contribution_margin",
            expected_direction="up",
        ),  # margin fell too
        entry(decided_on=dt.date(2026, 10, 1), review_on=dt.date(2027, 4, 1)),  # not yet due
    ):
        record(engine, registry, org, parse_input(values), now=NOW)
    reviewed = review(list_records(engine), sample_dataset, registry, AS_OF).sort("id")
    assert reviewed.get_column("status").to_list() == [
        "as expected",
        "not as expected",
        "pending review",
    ]
    first = reviewed.row(0, named=True)
    assert first["value_now"] < first["value_at_decision"]
    assert first["expected"] == "down"
