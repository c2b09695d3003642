"""docs/config.md's worked example, followed literally on the PostgreSQL server: its SQL blocks create
the shop's tables and the read-only role, its TOML blocks are written as the config, its console
commands are run (the URL pointed at this machine's server), and what it says they print is what
they print — the two lists of problems of a first draft included. A doc that drifts from the code
fails here."""

from __future__ import annotations

import datetime as dt
import random
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bridge.app.cli import main
from bridge.settings import get_settings
from tests.databases import SERVERS, server_database

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[1] / "docs" / "config.md"
DATABASE = "bridge_walkthrough"


def _example() -> str:
    return DOC.read_text().split("## Worked example: a PostgreSQL shop", 1)[1]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _example(), flags=re.DOTALL)


@pytest.fixture
def shop() -> Iterator[str]:
    """The shop's database, made by the example's own SQL, with a few years of sales."""
    server = server_database("postgresql", DATABASE)
    url = next(server)
    tables, role = _blocks("sql")[:2]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(tables))
        conn.execute(
            text("DROP OWNED BY bridge_reader") if _role_exists(conn) else text("SELECT 1")
        )
        conn.execute(text("DROP ROLE IF EXISTS bridge_reader"))
        for statement in filter(None, (s.strip() for s in role.split(";"))):
            conn.execute(text(statement))
        conn.execute(
            text("INSERT INTO stores VALUES (:s, :r)"),
            [
                {"s": s, "r": r}
                for s, r in (("paris", "North"), ("lille", "North"), ("lyon", "South"))
            ],
        )
        draw = random.Random(3)
        start = dt.datetime(2023, 1, 1, 9, tzinfo=dt.UTC)
        conn.execute(
            text("INSERT INTO sales VALUES (:i, :t, :s, :a, :r)"),
            [
                {
                    "i": i, "t": start + dt.timedelta(hours=7 * i),
                    "s": draw.choice(("paris", "lille", "lyon")),
                    "a": round(draw.uniform(5, 120), 2), "r": draw.random() < 0.08,
                }
                for i in range(5_000)
            ],
        )  # fmt: skip
    engine.dispose()
    yield url
    admin = create_engine(SERVERS["postgresql"], isolation_level="AUTOCOMMIT")
    next(server, None)  # the database first: the role owns grants in it
    with admin.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS bridge_reader"))
    admin.dispose()


def _role_exists(conn: object) -> bool:
    return bool(
        conn.execute(  # type: ignore[attr-defined]
            text("SELECT 1 FROM pg_roles WHERE rolname = 'bridge_reader'")
        ).scalar()
    )


def test_the_worked_example_runs_as_written(
    shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], clean_settings: None,
) -> None:  # fmt: skip
    home = tmp_path / "home"
    config = home / "acme" / "config"
    config.mkdir(parents=True)
    # step 2: the TOML blocks, each into the file its first line names
    for block in _blocks("toml"):
        first = block.splitlines()[0]
        if first.startswith("# $HOME/acme/config/"):
            (config / first.removeprefix("# $HOME/acme/config/")).write_text(block)
    assert sorted(p.name for p in config.iterdir()) == ["metrics.toml", "sources.toml"]

    # step 3: the console's settings, the URL's server and database being this machine's
    server = make_url(shop)
    consoles = _blocks("console")
    for line in consoles[0].splitlines():
        if line.startswith("$ export "):
            name, value = line.removeprefix("$ export ").split("=", 1)
            value = shlex.split(value.replace("$HOME", str(home)))[0]
            if name == "BRIDGE_SOURCE_URL":
                given = make_url(value)
                assert given.username == "bridge_reader" and given.password == "secret"
                value = given.set(host=server.host, port=server.port, database=DATABASE)
                value = value.render_as_string(hide_password=False)
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))

    def bridge(command: str) -> tuple[int, str, str]:
        get_settings.cache_clear()
        capsys.readouterr()
        code = main(shlex.split(command.removeprefix("$ bridge ")))
        out, err = capsys.readouterr()
        return code, out, err

    texts = _blocks("text")
    # a first draft: a typo'd key and an id with a space, every mistake listed at once
    metrics = (config / "metrics.toml").read_text()
    (config / "metrics.toml").write_text(
        metrics.replace('id = "net_sales"', 'id = "Net sales"', 1)
        .replace('unit = "percent"\ndecimals = 1\ndirection = "lower_is_better"\nowner = "Robin',
                 'units = "percent"\ndecimals = 1\ndirection = "lower_is_better"\nowner = "Robin')
    )  # fmt: skip
    code, _, err = bridge("$ bridge validate")
    assert code == 1
    assert _problems(err) == _problems(texts[0], config) and len(_problems(err)) == 3
    (config / "metrics.toml").write_text(metrics)
    # then the database: a misspelt time column and condition column
    sources = (config / "sources.toml").read_text()
    (config / "sources.toml").write_text(
        sources.replace('time_column = "sold_at"', 'time_column = "sold"').replace(
            '{ column = "returned"', '{ column = "is_returned"'
        )
    )
    code, _, err = bridge("$ bridge validate")
    assert code == 1
    assert _problems(err) == _problems(texts[1], config) and len(_problems(err)) == 3
    (config / "sources.toml").write_text(sources)
    # fixed, it answers
    code, out, err = bridge("$ bridge validate")
    assert (code, err) == (0, "")
    said = texts[2].strip().replace("/home/you/acme/config/", f"{config}/")
    said = said.replace("db.example.com:5432/shop", f"{server.host}:{server.port}/{DATABASE}")
    assert out.strip() == said

    # step 4: the views it runs
    for command in (*consoles[1].splitlines(), "$ bridge metrics"):
        if command.startswith("$ bridge "):
            code, out, err = bridge(command)
            assert (code, err) == (0, ""), (command, err)
            assert out.strip(), command


def _problems(text_: str, config: Path | None = None) -> list[str]:
    """The problem lines of a ConfigError, the doc's ``config/`` read as the folder in use."""
    lines = [line.strip() for line in text_.splitlines() if line.strip().startswith("- ")]
    if config is not None:
        lines = [line.replace("- config/", f"- {config}/", 1) for line in lines]
    return lines
