"""The reporting currency (``[money] currency = "JPY"`` in metrics.toml): every page, chart, table,
the brief and ``bridge metrics`` write amounts with its symbol and minor units; an unknown code is a
config problem naming the codes allowed."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from bridge.app.cli import main
from bridge.config.registry import Registry, load_registry
from bridge.dataset import Dataset
from bridge.errors import ConfigError
from bridge.money import CURRENCIES, USD
from bridge.present.export import brief_html
from bridge.present.format import NumberFormat
from bridge.records import RECORDS_SCHEMA
from bridge.translate.review import review
from tests.apptesting import PAGES, drawings, figures, open_page, page_text, tables
from tests.conftest import AS_OF


@pytest.mark.parametrize(
    ("code", "value", "decimals", "expected"),
    [
        ("USD", 12.5, 1, "$12.50"),  # an amount in full: the currency's minor units
        ("USD", 12.5, 0, "$12"),  # ...or none, when the metric asks for none
        ("EUR", 12.5, 1, "€12.50"),
        ("JPY", 950, 2, "¥950"),  # the yen has no minor unit
        ("KWD", 3.125, 1, "KWD\u00a03.125"),  # the dinar has three
        ("JPY", 14_800_000, 1, "¥14.8M"),  # short amounts keep the metric's decimals
        ("GBP", -1_250.0, 1, "-£1.2K"),
    ],
)
def test_amounts_are_written_in_the_currency(
    code: str, value: float, decimals: int, expected: str
) -> None:
    assert NumberFormat("currency", decimals, CURRENCIES[code]).value(value) == expected


def _in(config_copy: Path, code: str) -> Path:
    metrics = config_copy / "metrics.toml"
    metrics.write_text(
        metrics.read_text().replace("[calendar]", f'[money]\ncurrency = "{code}"\n\n[calendar]', 1)
    )
    return config_copy


def test_the_registry_holds_the_currency(config_copy: Path) -> None:
    assert load_registry(config_copy).currency == USD  # the default
    assert load_registry(_in(config_copy, "JPY")).currency.symbol == "¥"


def test_an_unknown_currency_is_a_config_problem(config_copy: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_registry(_in(config_copy, "YEN"))
    (problem,) = info.value.problems
    assert problem.entry == "money.currency"
    assert "'JPY'" in problem.expected and "'EUR'" in problem.expected


def test_every_page_writes_the_reporting_currency(
    app: AppTest, config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(_in(config_copy, "JPY")))
    seen_yen = False
    for page in PAGES:
        at = open_page(app, page)
        assert not at.exception and not at.error
        shown = page_text(at) + " ".join(str(m.value) for m in at.metric)
        shown += " ".join(str(v) for d in tables(at) for v in d.astype(str).to_numpy().ravel())
        shown += " ".join(
            str(t) for f in figures(at) for trace in f["data"] for key in ("text", "hovertext")
            for t in (trace.get(key) or [])
        )  # fmt: skip
        shown += " ".join(drawings(at))  # the static bar charts' values, ticks and tooltips
        assert not re.search(r"\$\d", shown), page  # no amount in dollars anywhere
        seen_yen = seen_yen or bool(re.search(r"¥\d", shown))
    assert seen_yen


def test_the_brief_and_the_cli_write_the_reporting_currency(
    sample_dataset: Dataset,
    registry: Registry,
    config_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_settings: None,
) -> None:
    yen = dataclasses.replace(registry, currency=CURRENCIES["JPY"])
    none = pl.DataFrame(schema=RECORDS_SCHEMA)
    html = brief_html(sample_dataset, yen, AS_OF, none, review(none, sample_dataset, yen, AS_OF))
    assert re.search(r"¥\d", html) and not re.search(r"\$\d", html)
    monkeypatch.setenv("BRIDGE_CONFIG_DIR", str(_in(config_copy, "JPY")))
    assert main(["metrics", "--format", "csv"]) == 0
    assert "currency (JPY)" in capsys.readouterr().out
