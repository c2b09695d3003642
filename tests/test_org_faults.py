"""A broken org table is contained: a team without a business unit, or under two, is counted once,
every page renders, the units add up to the company, and Data health says what it mended."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from bridge.app.ui import literal
from bridge.config.registry import Registry
from bridge.data.health import check
from bridge.data.load import NO_UNIT, clean_org, load_dataset, open_source
from bridge.dataset import ORG_SCHEMA
from bridge.translate.horizon import horizon
from tests.apptesting import PAGES, drawings, figures, open_page, shown, tables
from tests.conftest import AS_OF, sample_copy


@pytest.fixture(scope="module")
def broken_org(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company with one team's unit NULL and another team listed under two units."""
    copy = tmp_path_factory.mktemp("org") / "broken_org.sqlite"
    with sample_copy(sample_db, copy) as conn:
        # a real org table often has no key and no NOT NULL: rebuild the sample's without them
        conn.executescript(
            "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; "
            "ALTER TABLE org_teams RENAME TO org_typed; "
            "CREATE TABLE org_teams (team_id TEXT, team_name TEXT, business_unit TEXT); "
            "INSERT INTO org_teams SELECT team_id, team_name, business_unit FROM org_typed; "
            "DROP TABLE org_typed;"
        )
        teams = [r[0] for r in conn.execute("SELECT team_id FROM org_teams ORDER BY team_id")]
        conn.execute("UPDATE org_teams SET business_unit = NULL WHERE team_id = ?", (teams[0],))
        conn.execute(
            "INSERT INTO org_teams SELECT team_id, team_name, 'Zeta Unit' FROM org_teams "
            "WHERE team_id = ?",
            (teams[1],),
        )
    return copy


def test_clean_org_places_every_team_once() -> None:
    org = pl.DataFrame(
        [("t1", "One", None), ("t2", None, "B"), ("t2", "Two", "A"), ("t3", "Three", " "),
         (None, "ghost", "A")],
        schema=ORG_SCHEMA, orient="row",
    )  # fmt: skip
    assert clean_org(org).sort("team_id").rows() == [
        ("t1", "One", NO_UNIT),
        ("t2", "Two", "A"),
        ("t3", "Three", NO_UNIT),
    ]


def test_units_add_up_to_the_company(broken_org: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{broken_org}")
    dataset = load_dataset(engine, registry)
    engine.dispose()
    assert dataset.org.get_column("team_id").is_unique().all()
    assert NO_UNIT in dataset.org.get_column("business_unit").to_list()
    view = horizon(dataset, registry, "revenue", "quarter", AS_OF)
    latest = view.filter(pl.col("period_start") == pl.col("period_start").max())
    units = latest.filter(pl.col("level") == "business_unit").get_column("value").sum()
    company = latest.filter(pl.col("level") == "company").get_column("value").item()
    assert units == pytest.approx(company, rel=1e-12)


def test_data_health_names_what_it_mended(broken_org: Path, registry: Registry) -> None:
    engine = open_source(f"sqlite:///{broken_org}")
    report = check(engine, registry, AS_OF)
    engine.dispose()
    found = {r["check"]: r for r in report.findings.iter_rows(named=True)}
    assert found["team without a business unit"]["rows"] == 1
    assert found["team without a business unit"]["effect"] == f"counted under '{NO_UNIT}'"
    assert found["team in several business units"]["rows"] == 1
    assert "counted once" in found["team in several business units"]["effect"]


@pytest.mark.parametrize(
    "page", ["overview", "trade-offs", "time-horizons", "frontline", "data_health"]
)
def test_every_page_renders(
    app: AppTest, broken_org: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{broken_org}")
    at = open_page(app, page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [shown(e.value) for e in at.error]
    assert page in PAGES


HOSTILE = "![x](http://127.0.0.1:9/x.png) **Retail** _Stores_ <a href='http://127.0.0.1:9/'>&</a>"
HOSTILE_TEAM = "<b>Fulfil</b>ment <a href='http://127.0.0.1:9/'>go</a>"


@pytest.fixture(scope="module")
def hostile_names(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company with a business unit whose name is Markdown (an image from a URL)."""
    copy = tmp_path_factory.mktemp("names") / "hostile_names.sqlite"
    with sample_copy(sample_db, copy) as conn:
        conn.execute(
            "UPDATE org_teams SET business_unit = ? WHERE business_unit = 'Retail Stores'",
            (HOSTILE,),
        )
        conn.execute(
            "UPDATE org_teams SET team_name = ? WHERE team_id = 'ret-checkout'", (HOSTILE_TEAM,)
        )
    return copy


@pytest.mark.parametrize("page", ["overview", "trade-offs", "time-horizons"])
def test_names_from_data_are_text_never_markdown(
    app: AppTest, hostile_names: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{hostile_names}")
    at = open_page(app, page, unit=HOSTILE)
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    raw = [
        str(e.value) for e in [*at.caption, *at.subheader, *at.info, *at.warning, *at.markdown]
    ] + [m.label for m in at.metric]
    assert any(HOSTILE in shown(text) for text in raw)  # the name is shown, as it is
    assert not any("![x](" in text or "**Retail**" in text for text in raw)  # never as Markdown


#: GFM's link finder as Streamlit's Markdown runs it on text, escapes already read
#: (mdast-util-gfm-autolink-literal): web addresses, and e-mail addresses.
GFM_WEB = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)


@pytest.mark.parametrize(
    "name",
    [
        HOSTILE_TEAM,
        "Stores <a href='http://127.0.0.1:9/'>go</a>",  # the browser made this a link (a caption)
        "see HTTPS://example.com/x or www.example.com",
        "ops@example.com",
    ],
)
def test_a_name_holding_an_address_is_no_link(name: str) -> None:
    """Streamlit's Markdown links a bare address in text after reading escapes, so an escaped
    ":" did not stop it: "largest <b>Check</b>out <a href='http://127.0.0.1:9/'>go</a>" in a
    caption read as a link in Chromium. The address is broken by an invisible joiner."""
    text = literal(name)
    unescaped = re.sub(r"\\(.)", r"\1", text)  # what the link finder reads
    assert not GFM_WEB.search(unescaped) and not GFM_EMAIL.search(unescaped), unescaped
    assert shown(text) == name  # a person reads the name as it is


def _chart_texts(spec: object, key: str = "") -> Iterator[str]:
    """Every string of a Plotly figure that Plotly may render (not ``customdata``, which the app
    reads back, nor ``legendgroup``, a key Plotly never shows)."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k not in ("customdata", "legendgroup"):
                yield from _chart_texts(v, k)
    elif isinstance(spec, list):
        for v in spec:
            yield from _chart_texts(v, key)
    elif isinstance(spec, str):
        yield spec


@pytest.mark.parametrize("page", list(PAGES))
def test_names_from_data_are_text_in_charts_too(
    app: AppTest, hostile_names: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{hostile_names}")
    at = open_page(app, page, unit=HOSTILE)
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    texts = [t for f in figures(at) for t in _chart_texts(f)]
    assert not [t for t in texts if "<a " in t or "<b>Fulfil" in t]  # never a link, never bold
    drawn = " ".join(drawings(at))  # the static bar charts: HTML, every name escaped
    assert "<a " not in drawn and "<b>" not in drawn
    if page in ("overview", "trade-offs", "time-horizons", "frontline"):
        everything = " ".join(texts)  # the names are shown, as they are (Plotly decodes these)
        assert (
            "&lt;a href='http://127.0.0.1:9/'&gt;&amp;&lt;/a&gt;" in everything
            or HOSTILE in html.unescape(drawn)  # as written (the markup holds no raw tag: above)
        )
    if page in ("frontline", "time-horizons"):  # the unit's teams (the status grid's rows)
        assert "&lt;b&gt;Fulfil&lt;/b&gt;ment" in " ".join(texts) + drawn


@pytest.fixture(scope="module")
def garbage_times(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample company with orders whose time is no date: text, empty, US-style, an epoch."""
    copy = tmp_path_factory.mktemp("times") / "garbage_times.sqlite"
    with sample_copy(sample_db, copy) as conn:
        for offset, value in enumerate(["garbage", "", "11/15/2026 10:00", 1700000000]):
            conn.execute(
                "UPDATE orders SET ordered_at = ? WHERE order_id = "
                "(SELECT order_id FROM orders ORDER BY order_id LIMIT 1 OFFSET ?)",
                (value, offset),
            )
    return copy


@pytest.mark.parametrize("page", ["overview", "data_health"])
def test_times_that_are_no_dates_are_contained(
    app: AppTest, garbage_times: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{garbage_times}")
    at = open_page(app, page)
    assert not at.exception and not at.error, [shown(e.value) for e in at.error]
    if page == "data_health":
        findings = next(d for d in tables(at) if "Check" in d.columns)
        row = findings[findings["Check"] == "time that is no date"].iloc[0]
        assert row["Rows"] == "4" and row["What the views do"] == "excluded"


def test_the_cli_names_times_that_are_no_dates(
    garbage_times: Path, monkeypatch: pytest.MonkeyPatch, clean_settings: None, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bridge.app.cli import main

    monkeypatch.setenv("BRIDGE_SOURCE_URL", f"sqlite:///{garbage_times}")
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["validate"]) == 1  # validate names them, with examples...
    err = capsys.readouterr().err
    assert "sources[0] (name='orders').time_column: expected ISO-8601 dates" in err
    assert "'11/15/2026 10:00'" in err and "'1700000000'" in err and "Traceback" not in err
    assert "views leave such rows out; Data health counts them" in err
    assert main(["view", "horizon", "--format", "csv"]) == 0  # ...views leave them out
    out, err = capsys.readouterr()
    assert out.startswith("level,scope,") and not err
