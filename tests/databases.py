"""Scratch databases for tests that build a company of their own: a SQLite file, or a database of its
own on this machine's PostgreSQL or MariaDB (created, then dropped)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bridge.sample import generate

SERVERS = {
    "postgresql": os.environ.get(
        "BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "BRIDGE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
}
#: The small companies' first day without data, and their size (orders).
AS_OF = dt.date(2026, 11, 30)
EVENTS = 20_000


#: Spark's SERVERS entry is the test run's own cluster, set by the ``spark_cluster`` fixture, which
#: every test marked ``spark`` gets (tests/conftest.py).
SPARK = pytest.param("spark", id="spark", marks=pytest.mark.spark)


def server_database(dialect: str, name: str) -> Iterator[str]:
    """A fresh database ``name`` on the dialect's server: yields its URL, then drops it (a server
    that does not answer skips the test with the reason)."""
    if dialect == "spark":
        yield from _spark_database(name)
        return
    admin_url = make_url(SERVERS[dialect])
    force = " WITH (FORCE)" if dialect == "postgresql" else ""
    try:
        admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # a genuinely absent server: skip with the reason
        pytest.skip(f"{dialect} not reachable: {str(exc).splitlines()[0]}")
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
    admin.dispose()


def _spark_database(name: str) -> Iterator[str]:
    admin = create_engine(SERVERS["spark"])
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield f"{SERVERS['spark']}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} CASCADE"))
    admin.dispose()


@contextlib.contextmanager
def scratch(dialect: str, name: str, folder: Path) -> Iterator[str]:
    """An empty database of the dialect: ``folder/name.sqlite``, or ``name`` on the server."""
    if dialect == "sqlite":
        yield f"sqlite:///{folder / name}.sqlite"
        return
    server = server_database(dialect, name)
    try:
        yield next(server)
    finally:
        next(server, None)


@contextlib.contextmanager
def small_company(dialect: str, name: str, folder: Path) -> Iterator[str]:
    """The sample company, small (about 20,000 orders over two years and this one), in a scratch
    database of the dialect."""
    with scratch(dialect, name, folder) as url:
        generate(url, as_of=AS_OF, events=EVENTS, history_years=2)
        yield url


@contextlib.contextmanager
def scratches(dialect: str, prefix: str, folder: Path) -> Iterator[Callable[[str], str]]:
    """Makes scratch databases by name (``prefix_name``) while open; drops them all after."""
    with contextlib.ExitStack() as stack:
        yield lambda name: stack.enter_context(scratch(dialect, f"{prefix}_{name}", folder))
