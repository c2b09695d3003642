"""The reporting time zone (``[calendar] timezone``): days cut where the company's day ends.

One table holds the same instants — every 20 minutes across Europe/Berlin's two daylight-saving
changes of 2026 — in every form a time column takes: a timestamp without zone (UTC), one with zone
(PostgreSQL ``timestamptz``, MariaDB ``TIMESTAMP``), ISO text with and without offsets, Unix seconds
and milliseconds, and a DATE. On SQLite, PostgreSQL and MariaDB each source's rows per day must be
what Python's own ``zoneinfo`` says (the DATE, a day already, is not moved); a bounded load (the
incremental refresh's) gives the same days; first days, Data health, "today" and the config's check
of the name follow the zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bridge.config.registry import Registry, load_registry
from bridge.data import load
from bridge.data.health import check
from bridge.data.load import first_days, load_dataset, open_source, source_sql
from bridge.errors import ConfigError
from bridge.timezone import Zone
from tests.databases import SPARK, scratch

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
    SPARK,
]
#: Every 20 minutes over four days around each change (2026-03-29 01:00 and 2026-10-25 01:00 UTC).
INSTANTS = [
    start + dt.timedelta(minutes=20 * i)
    for start in (dt.datetime(2026, 3, 27, tzinfo=UTC), dt.datetime(2026, 10, 23, tzinfo=UTC))
    for i in range(4 * 72)
]
SOURCES = {  # source name → the column it reads
    "naive": "at_naive",
    "zoned": "at_zoned",
    "text": "at_text",
    "seconds": "at_seconds",
    "millis": "at_millis",
    "dated": "on_day",
}


def _text(i: int, instant: dt.datetime) -> str:
    """The instant as ISO text, in turn: UTC without offset, with 'Z', Berlin's and New York's."""
    match i % 4:
        case 0:
            return instant.strftime("%Y-%m-%d %H:%M:%S")
        case 1:
            return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        case 2:
            return instant.astimezone(BERLIN).isoformat(timespec="seconds")
        case _:
            return instant.astimezone(zoneinfo.ZoneInfo("America/New_York")).isoformat(" ")


def _build(url: str, dialect: str) -> None:
    naive, zoned, day = {
        "sqlite": ("DATETIME", "TEXT", "DATE"),
        "postgresql": ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE"),
        "mariadb": ("DATETIME", "TIMESTAMP NULL", "DATE"),
        "spark": ("TIMESTAMP_NTZ", "TIMESTAMP", "DATE"),
    }[dialect]
    key = "" if dialect == "spark" else " PRIMARY KEY"  # Spark tables declare no keys
    engine = create_engine(url)
    with engine.begin() as conn:
        if dialect == "mariadb":
            conn.execute(text("SET time_zone = '+00:00'"))
        conn.execute(text(f"CREATE TABLE teams (team_id VARCHAR(10){key}, unit VARCHAR(10))"))
        conn.execute(text("INSERT INTO teams VALUES ('a', 'One'), ('b', 'Two')"))
        conn.execute(
            text(
                f"CREATE TABLE events (id INTEGER{key}, team_id VARCHAR(10), "
                f"at_naive {naive}, at_zoned {zoned}, at_text VARCHAR(40), at_seconds BIGINT, "
                f"at_millis BIGINT, on_day {day})"
            )
        )
        rows = []
        for i, instant in enumerate(INSTANTS):
            plain = instant.replace(tzinfo=None)
            rows.append(
                {
                    "id": i,
                    "team": "ab"[i % 2],
                    "naive": plain.isoformat(" ") if dialect == "sqlite" else plain,
                    "zoned": instant.isoformat(" ")
                    if dialect == "sqlite"
                    else plain
                    if dialect == "mariadb"
                    else instant,
                    "text": _text(i, instant),
                    "seconds": int(instant.timestamp()),
                    "millis": int(instant.timestamp()) * 1000 + 250,
                    "day": instant.date(),
                }
            )
        conn.execute(
            text(
                "INSERT INTO events VALUES (:id, :team, :naive, :zoned, :text, :seconds, :millis, :day)"
            ),
            rows,
        )
    engine.dispose()


def _config(folder: Path, timezone: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        '[org]\ntable = "teams"\nteam_column = "team_id"\nbusiness_unit_column = "unit"\n'
        'company_name = "Zoned"\n'
    ]
    for name, column in SOURCES.items():
        epoch = {"seconds": 'epoch = "seconds"\n', "millis": 'epoch = "milliseconds"\n'}
        sources.append(
            f'[[sources]]\nname = "{name}"\ntable = "events"\ntime_column = "{column}"\n'
            f'{epoch.get(name, "")}team_column = "team_id"\nid_column = "id"\n'
            f'measures = [{{ name = "{name}_rows", agg = "count" }}]\n'
        )
    (folder / "sources.toml").write_text("\n".join(sources))
    zone = f'timezone = "{timezone}"\n' if timezone else ""
    metrics = [f"[calendar]\n{zone}"]
    for name in SOURCES:
        metrics.append(
            f'[[metrics]]\nid = "{name}_rows"\nkind = "simple"\nmeasure = "{name}_rows"\n'
            f'label = "{name} rows"\ndescription = "Rows."\nunit = "count"\n'
            f'direction = "higher_is_better"\nowner = "Ops"\nlenses = ["action", "choice"]\n'
            f"effective_from = 2026-01-01\n"
        )
    (folder / "metrics.toml").write_text("\n".join(metrics))
    (folder / "decisions.toml").write_text("")
    return folder


@pytest.fixture
def events(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    dialect = request.node.callspec.params["dialect"]
    with scratch(dialect, "bridge_zoned", tmp_path) as url:
        _build(url, dialect)
        yield url


def _expected(source: str, zone: zoneinfo.ZoneInfo | None) -> Counter[tuple[str, dt.date]]:
    """Rows per (team, day), by Python's zoneinfo; a DATE, or no zone: the UTC day."""
    days: Counter[tuple[str, dt.date]] = Counter()
    for i, instant in enumerate(INSTANTS):
        moved = zone is not None and source != "dated"
        if source == "text" and zone is None:
            day = dt.date.fromisoformat(_text(i, instant)[:10])  # the day as written
        else:
            day = instant.astimezone(zone).date() if moved else instant.date()
        days[("ab"[i % 2], day)] += 1
    return days


def _loaded(registry: Registry, url: str, **bounds: dt.date) -> dict[str, Counter[tuple[str, dt.date]]]:  # fmt: skip
    """Rows per (team, day) of every source, from one load (each source is one query)."""
    engine = open_source(url)
    measures = load_dataset(engine, registry, **bounds).measures
    engine.dispose()
    return {
        source: Counter(
            {
                (r["team_id"], r["day"]): int(r["value"])
                for r in measures.filter(measure=f"{source}_rows").iter_rows(named=True)
            }
        )
        for source in SOURCES
    }


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("zone", ["Europe/Berlin", None])
def test_every_kind_of_time_column_counts_on_its_day_in_the_zone(
    dialect: str, zone: str | None, events: str, tmp_path: Path
) -> None:
    registry = load_registry(_config(tmp_path / "config", zone))
    reference = None if zone is None else zoneinfo.ZoneInfo(zone)
    # a bounded load (an incremental refresh) cuts the same days, exactly its range
    start, end = dt.date(2026, 3, 28), dt.date(2026, 3, 30)
    loaded, bounded = _loaded(registry, events), _loaded(registry, events, start=start, end=end)
    for source in SOURCES:
        expected = _expected(source, reference)
        assert loaded[source] == expected, source
        in_range = Counter({k: n for k, n in expected.items() if start <= k[1] < end})
        assert bounded[source] == in_range, source
    if zone is not None:
        # the evening hours of 28 March (UTC) are the 29th in Berlin: the zone did move rows
        assert _expected("naive", reference) != _expected("naive", None)
        firsts = first_days(open_source(events), registry)
        assert firsts["naive"] == dt.date(2026, 3, 27)  # 00:00 UTC is 01:00 in Berlin
        assert firsts["dated"] == dt.date(2026, 3, 27)


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d is not SPARK])
@pytest.mark.parametrize("zone", ["Europe/Berlin", None])
def test_slices_of_days_cut_every_kind_of_time_column_exactly(
    dialect: str, zone: str | None, events: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long history is read in slices of days (:func:`bridge.data.load.slices`) where the time
    column is indexed: cut here at every midnight of both changes' days, each row is still counted
    once, on its day in the zone."""
    engine = create_engine(events)
    with engine.begin() as conn:
        for name, column in SOURCES.items():
            conn.execute(text(f"CREATE INDEX ix_{name} ON events ({column})"))
    engine.dispose()
    days = [s + dt.timedelta(days=i) for s in (dt.date(2026, 3, 26), dt.date(2026, 10, 22)) for i in range(7)]  # fmt: skip
    cut: list[load.Span] = []

    def every_day(start: dt.date | None, end: dt.date | None, *_: object) -> list[load.Span]:
        spans = list(zip([start, *days], [*days, end], strict=True))
        cut.extend(spans)
        return spans

    monkeypatch.setattr(load, "slices", every_day)
    registry = load_registry(_config(tmp_path / "config", zone))
    loaded = _loaded(registry, events)
    assert len(cut) == len(SOURCES) * (len(days) + 1)  # every source was read in slices
    reference = None if zone is None else zoneinfo.ZoneInfo(zone)
    for source in SOURCES:
        assert loaded[source] == _expected(source, reference), source


@pytest.mark.parametrize("dialect", DIALECTS)
def test_data_health_cuts_days_in_the_zone(dialect: str, events: str, tmp_path: Path) -> None:
    as_of = dt.date(2026, 10, 26)  # the last instants are on the 26th in Los Angeles, too
    registry = load_registry(_config(tmp_path / "config", "America/Los_Angeles"))
    report = check(open_source(events), registry, as_of)
    sources = {r["source"]: r for r in report.sources.iter_rows(named=True)}
    los_angeles = zoneinfo.ZoneInfo("America/Los_Angeles")
    before = [i for i in INSTANTS if i.astimezone(los_angeles).date() < as_of]
    assert sources["naive"]["first_day"] == INSTANTS[0].astimezone(los_angeles).date()
    assert sources["naive"]["last_day"] == before[-1].astimezone(los_angeles).date()
    future = {
        r["source"]: r["rows"]
        for r in report.findings.iter_rows(named=True)
        if r["check"] == "in the future"
    }
    assert future["naive"] == future["seconds"] == future["text"] == len(INSTANTS) - len(before) > 0
    offsets = [
        r for r in report.findings.iter_rows(named=True) if r["check"].startswith("time with")
    ]
    assert offsets and all("America/Los_Angeles" in r["detail"] for r in offsets)


def test_zone_changes_are_the_iana_database_s() -> None:
    berlin = Zone.named("Europe/Berlin")
    spring = int(dt.datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp())
    autumn = int(dt.datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp())
    assert (spring, 7200) in berlin.changes and (autumn, 3600) in berlin.changes
    assert berlin.offset_at(spring - 1) == 3600 and berlin.offset_at(spring) == 7200
    # local midnight, on either side of a change, and a zone whose offset is not whole hours
    assert berlin.midnight(dt.date(2026, 3, 30)) == spring + 21 * 3600  # 22:00 UTC
    assert berlin.midnight(dt.date(2026, 10, 25)) == autumn - 3 * 3600
    kathmandu = Zone.named("Asia/Kathmandu")
    instant = dt.datetime(2026, 6, 1, 18, 14, tzinfo=UTC)  # 23:59 in Kathmandu (+05:45)
    assert kathmandu.day_of(instant) == dt.date(2026, 6, 1)
    assert kathmandu.day_of(instant + dt.timedelta(minutes=1)) == dt.date(2026, 6, 2)
    # every change agrees with zoneinfo, one second before and at it
    for zone_name in ("Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Tokyo"):
        zone, reference = Zone.named(zone_name), zoneinfo.ZoneInfo(zone_name)
        for second, offset in zone.changes[1:]:
            moment = dt.datetime.fromtimestamp(second, UTC).astimezone(reference)
            assert moment.utcoffset() == dt.timedelta(seconds=offset), (zone_name, second)
            earlier = dt.datetime.fromtimestamp(second - 1, UTC).astimezone(reference)
            assert earlier.utcoffset() != dt.timedelta(seconds=offset), (zone_name, second)


def test_today_is_today_in_the_zone(tmp_path: Path) -> None:
    registry = load_registry(_config(tmp_path / "config", "Pacific/Kiritimati"))  # UTC+14
    now = dt.datetime.now(UTC)
    assert registry.today() in {
        (now + dt.timedelta(hours=14)).date(),
        (dt.datetime.now(UTC) + dt.timedelta(hours=14)).date(),
    }


def test_a_name_that_is_no_zone_is_refused_with_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_registry(_config(tmp_path / "config", "Europe/Berln"))
    (problem,) = info.value.problems
    assert problem.location.where.endswith("metrics.toml")
    assert [step.key for step in problem.location.steps] == ["calendar", "timezone"]
    assert "did you mean 'Europe/Berlin'?" in problem.expected
    assert problem.found == "'Europe/Berln'"


def test_the_sql_shown_is_the_zoned_query() -> None:
    registry = load_registry(Path("config"))
    source = registry.sources[0]
    plain, zoned = (
        source_sql(source, "postgresql"),
        source_sql(source, "postgresql", Zone.named("Asia/Tokyo")),
    )
    assert "bridge_seconds" not in plain
    assert "EXTRACT(EPOCH FROM" in zoned and "OFFSET 0" in zoned and "32400" in zoned
    assert zoned.splitlines()[1] == "-- its UTC offset, +09:00 (unchanged since 1970)"
    berlin = source_sql(source, "sqlite", Zone.named("Europe/Berlin"))
    assert berlin.startswith("-- days cut in Europe/Berlin: each row's Unix second")
    assert "a CASE over its 120 changes 1970-2040" in berlin
    assert "LIMIT -1 OFFSET 0" in berlin and "?" not in berlin  # every value written out


@pytest.mark.parametrize("dialect", [DIALECTS[0]])
def test_the_cli_and_the_pages_say_where_days_are_cut(
    dialect: str, events: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], clean_settings: None, keep_navigation_mode: None,
    fresh_streamlit_caches: None,
) -> None:  # fmt: skip
    from streamlit.testing.v1 import AppTest

    from bridge.app.cli import main
    from bridge.settings import get_settings
    from tests.apptesting import PAGES, drawings, figures, open_page

    config = _config(tmp_path / "config", "Europe/Berlin")
    monkeypatch.setenv("BRIDGE_SOURCE_URL", events)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config))
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    # the last instant, 23:40 UTC on the 26th, is 00:40 on the 27th in Berlin
    assert main(["view", "horizon", "--metric", "naive_rows", "--as-of", "2026-10-27"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "Zoned · data through 2026-10-27 · as of 2026-10-27 (views use data before it) "
        "· days in Europe/Berlin"
    )
    monkeypatch.setenv("BRIDGE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    for page in PAGES:
        if page == "trade-offs":  # this company has no decision: the page says so, and no more
            continue
        at = open_page(
            AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=120), page
        )
        assert not at.exception, page
        captions = [c.value for c in at.caption]
        assert any(c.endswith("· days in Europe/Berlin") for c in captions), (page, captions)
        if page == "overview":  # the data starts this year: no legend promises last year's bars
            names = [t.get("name", "") for f in figures(at) for t in f["data"]]
            assert not any("last year" in n for n in names), names
            units = [d for d in drawings(at) if 'data-kind="units"' in d]  # the units' bars
            assert units and not any("last year" in d for d in units)
