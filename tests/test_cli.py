"""The headless CLI: exit codes, formats, and clear errors (never a traceback, never a password)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bridge.app.cli import main
from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.translate.request import Coverage, RawRequest, resolve
from bridge.translate.views import build_view
from tests.conftest import AS_OF, ROOT


@pytest.fixture
def env(sample_url: str, monkeypatch: pytest.MonkeyPatch, clean_settings: None) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", sample_url)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(ROOT / "config"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.startswith("OK: 5 sources, 12 measures, 10 metrics and 3 decisions")


def test_validate_lists_every_problem(
    env: None,
    config_copy: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources = config_copy / "sources.toml"
    text = sources.read_text().replace('column = "revenue"', 'column = "revenu"')
    sources.write_text(text.replace('table = "tickets"', 'table = "tikets"'))
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(config_copy))
    code, out, err = run(capsys, "validate")
    assert code == 1 and out == ""
    assert err.startswith("2 problems in the Bridge configuration:")
    assert (
        "config/sources.toml: sources[0] (name='orders').measures[0] (name='revenue').column" in err
    )
    assert "'revenu'" in err and "'tikets'" in err
    assert "Traceback" not in err


def test_metrics_table_lists_the_registry(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "metrics", "--format", "csv")
    frame = pl.read_csv(io.StringIO(out))
    assert code == 0
    assert frame.get_column("id").to_list()[:4] == [
        "revenue",
        "cost",
        "contribution",
        "contribution_margin",
    ]
    row = frame.filter(pl.col("id") == "on_time_rate").row(0, named=True)
    assert row["formula"] == "sum(orders_on_time) / sum(orders)" and row["kind"] == "ratio"


@pytest.mark.parametrize(
    ("args", "columns", "rows"),
    [
        (
            ("view", "horizon", "--metric", "revenue", "--grain", "year"),
            {"ttm_value", "growth_3y"},
            25,
        ),
        (("view", "tradeoff", "--decision", "bet"), {"quadrant", "on_frontier"}, 4),
        (
            (
                "view",
                "frontline",
                "--metric",
                "on_time_rate",
                "--grain",
                "day",
                "--business-unit",
                "Retail Stores",
            ),
            {"status", "target"},
            5 * 28,
        ),
        (("view", "consistency", "--metric", "on_time_rate"), {"method", "cause"}, 5 * 4),
        (("view", "consistency", "--metric", "on_time_rate", "--grain", "quarter"), {"gap"}, 20),
        (("view", "fix_now"), {"rank", "score", "feeds"}, None),
    ],
)
def test_views_as_json(
    env: None,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    columns: set[str],
    rows: int | None,
) -> None:
    code, out, err = run(capsys, *args, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert code == 0, err
    frame = pl.DataFrame(json.loads(out))
    assert columns <= set(frame.columns)
    if rows is not None:
        assert frame.height == rows
    else:
        assert frame.height > 0


def test_tradeoff_csv_tells_the_story(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "view", "tradeoff", "--decision", "stop", "--format", "csv")
    frame = pl.read_csv(io.StringIO(out))
    assert code == 0
    quadrant = dict(frame.select("business_unit", "quadrant").iter_rows())
    assert quadrant["Retail Stores"] == "stop"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("view", "horizon", "--metric", "' OR 1=1 --"), 'unknown metric "\' OR 1=1 --"'),
        (("view", "horizon", "--metric", "x" * 10_000), "unknown metric 'xxxxxxxx"),
        (("view", "frontline", "--grain", "quarter"), "grain 'quarter' is not available"),
        (("view", "tradeoff", "--decision", "ünïcødé 🚀"), "unknown decision 'ünïcødé 🚀'"),
        (("view", "horizon", "--business-unit", "Nope"), "unknown business unit 'Nope'"),
        (("view", "consistency", "--metric", "revenue"), "expected a ratio metric"),
    ],
)
def test_bad_requests_are_refused_clearly(
    env: None, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err) < 1000  # a huge value is not echoed back whole


def test_unreachable_database_hides_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, clean_settings: None
) -> None:
    monkeypatch.setenv("BRIDGE_SOURCE_URL", "postgresql+psycopg://bob:s3cr3t@127.0.0.1:1/sales")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "2")
    code, out, err = run(capsys, "view", "horizon")
    assert code == 1
    assert "s3cr3t" not in out + err
    assert "bob:***@127.0.0.1:1/sales" in err


def test_sample_data_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_settings: None
) -> None:
    target = tmp_path / "s.sqlite"
    target.write_bytes(b"")
    code, out, _ = run(capsys, "sample-data", "--out", str(target), "--if-missing")
    assert code == 0 and "already" in out


def test_python_dash_m_bridge_works(env: None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "metrics", "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("id,kind,label")


def test_export_brief(
    env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "board" / "brief.html"
    code, printed, err = run(capsys, "export", "brief", "--out", str(out), "--as-of", "2026-11-30")
    assert code == 0, err
    assert printed.startswith("wrote the executive brief for data before 2026-11-30")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Which business do we bet on?" in html
    assert [p.name for p in out.parent.iterdir()] == ["brief.html"]  # nothing left behind
    # a second export keeps the first unless told to replace it
    code, printed, err = run(capsys, "export", "brief", "--out", str(out), "--as-of", "2026-11-30")
    assert code == 1 and printed == ""
    assert err.strip() == f"error: {out} already exists; pass --force to replace it"
    code, _, err = run(capsys, "export", "brief", "--out", str(out), "--force")
    assert code == 0, err
    code, _, err = run(capsys, "export", "brief", "--out", str(out.parent))
    assert code == 1 and "is a folder; give a file name" in err and "Traceback" not in err


def test_refresh_is_incremental_the_second_time(
    env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and out.startswith("full refresh: read all days from the database")
    assert "(data 2022-01-01 to 2026-11-29)" in out
    code, out, _ = run(capsys, "refresh")
    reread = dt.date.today() - dt.timedelta(days=3)  # the day of the last refresh - late days
    assert code == 0 and out.startswith(f"incremental refresh: read the days from {reread} on")
    code, out, _ = run(capsys, "refresh", "--full")
    assert code == 0 and out.startswith("full refresh")


def test_a_mistyped_setting_is_named_with_the_nearest_known_one(
    env: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo must not silently show the demo company instead of the user's database."""
    monkeypatch.setenv("BRIDGE_DATABASE_URL", "postgresql+psycopg://me:hunter2@db:5432/shop")
    monkeypatch.setenv("BRIDGE_CACHE_TTL", "60")
    code, out, err = run(capsys, "view", "horizon")
    assert code == 2 and out == ""
    assert (
        "unknown setting BRIDGE_CACHE_TTL in the environment: did you mean BRIDGE_CACHE_TTL_SECONDS?"
        in err
    )
    assert (
        "unknown setting BRIDGE_DATABASE_URL in the environment: did you mean BRIDGE_SOURCE_URL?"
        in err
    )
    assert "hunter2" not in err and "Traceback" not in err


def test_bad_settings_are_all_listed_at_once(
    env: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_SORCE_URL", "sqlite:///x.sqlite")
    monkeypatch.setenv("BRIDGE_QUERY_TIMEOUT_SECONDS", "soon")
    monkeypatch.setenv("BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1/test")
    code, _, err = run(capsys, "validate")
    assert code == 2
    assert "did you mean BRIDGE_SOURCE_URL?" in err
    assert "setting query_timeout_seconds (BRIDGE_QUERY_TIMEOUT_SECONDS)" in err
    assert "BRIDGE_TEST_POSTGRES_URL" not in err  # the test suite's own variables are not settings
    assert "soon" not in err


@pytest.mark.parametrize(
    "state",
    ["{source}", "sqlite:///{path}", "sqlite:///file:{path}?uri=true"],
)
def test_a_state_url_that_is_the_source_is_refused(
    env: None,
    sample_url: str,
    sample_db: Path,
    state: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bridge's own tables must never be created in the user's data."""
    monkeypatch.setenv("BRIDGE_STATE_URL", state.format(source=sample_url, path=sample_db))
    code, out, err = run(capsys, "validate")
    assert code == 2 and out == ""
    assert "BRIDGE_STATE_URL points at the source database (BRIDGE_SOURCE_URL)" in err


def _requests(registry: Registry) -> list[tuple[str, RawRequest]]:
    """Every view the CLI prints, for every metric (and grain) or decision it takes."""
    out: list[tuple[str, RawRequest]] = []
    for m in registry.metrics.values():
        for grain in ("month", "quarter", "year"):
            out.append(("horizon", RawRequest(metric=m.id, grain=grain)))
        out.append(("drivers", RawRequest(metric=m.id, grain="quarter")))
        out.append(("drivers", RawRequest(metric=m.id, grain="month", compare="plan")))
        if m.kind == "ratio":  # the view compares ways of computing a rate
            out.append(("consistency", RawRequest(metric=m.id)))
        if "action" in m.lenses:
            out.append(("frontline", RawRequest(metric=m.id, grain="week")))
    out += [("tradeoff", RawRequest(decision=d)) for d in registry.decisions]
    out.append(("fix_now", RawRequest()))
    out.append(("horizon", RawRequest(metric="revenue", unit="Retail Stores")))
    return out


def test_one_view_rolls_up_only_what_it_reads_with_the_same_numbers(
    sample_dataset: Dataset, registry: Registry
) -> None:
    """``bridge view`` rolls up only its view's measures (Dataset.one_view): every view it prints,
    for every metric, is the very frame the app's shared roll-ups give."""
    coverage = Coverage.of(sample_dataset, AS_OF)
    narrow = dataclasses.replace(sample_dataset, one_view=True)
    for view, raw in _requests(registry):
        request = resolve(
            view, raw.model_copy(update={"as_of": AS_OF.isoformat()}), registry, coverage
        )
        shared = build_view(request, sample_dataset, registry)
        assert_frame_equal(build_view(request, narrow, registry), shared)
    # ...and each roll-up held only the measures of the view that asked (never all at once)
    rolled = [key for key in narrow.memo if key[0] == "level"]
    assert rolled and all(key[-1] is not None for key in rolled)
    assert all(key[-1] is None for key in sample_dataset.memo if key[0] == "level")
