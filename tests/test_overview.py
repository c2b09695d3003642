"""The Overview's panels (bridge.present.screens): the direction a headline change shows, and the
Fix now list saying when it shows only the biggest misses."""

from __future__ import annotations

import polars as pl
import pytest

from bridge.config.registry import Registry
from bridge.dataset import Dataset
from bridge.present.format import flat
from bridge.present.screens import common, overview
from bridge.translate.frontline import fix_now
from bridge.translate.horizon import horizon
from bridge.translate.request import OverviewRequest
from tests.conftest import AS_OF


@pytest.mark.parametrize(
    ("change", "delta", "arrow", "colour"),
    [
        (-0.0003, "0.0 pts", "off", "off"),  # -0.03 pts: written as no change, shown as none
        (0.0004, "0.0 pts", "off", "off"),
        (-0.012, "-1.2 pts", "auto", "normal"),
        (0.0006, "+0.1 pts", "auto", "normal"),
    ],
)
def test_a_change_that_reads_as_none_shows_no_direction(
    sample_dataset: Dataset,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    change: float,
    delta: str,
    arrow: str,
    colour: str,
) -> None:
    """A rate whose change is written "0.0 pts" has no arrow and no colour (it once read as a
    green arrow up for -0.03 pts); a change that shows keeps both."""
    metric = registry.metrics["on_time_rate"]

    def changed(*args: object, **kwargs: object) -> pl.DataFrame:
        view = horizon(*args, **kwargs)  # type: ignore[arg-type]
        return view.with_columns(
            last_year_change=pl.when(pl.col("period_start") == pl.col("period_start").max())
            .then(pl.lit(change))
            .otherwise(pl.col("last_year_change"))
        )

    monkeypatch.setattr(overview, "horizon", changed)
    request = OverviewRequest(as_of=AS_OF, data_end=AS_OF, unit=None, lens="both", grain="quarter")
    panel = overview._card_panel(sample_dataset, registry, metric, request)
    (card,) = panel.cards
    assert (card.delta, card.arrow, card.delta_color) == (delta, arrow, colour)
    assert flat(change) == (arrow == "off")


def test_the_fix_now_list_says_when_it_shows_only_the_biggest_misses(
    sample_dataset: Dataset, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows the first misses and says how many there are; the CSV holds every one."""
    ranked = fix_now(sample_dataset, registry, AS_OF)
    assert ranked.height > 3, "the sample has misses to rank"
    monkeypatch.setattr(common, "TOP_FIXES", 3)
    panel = common.fix_now_panel(sample_dataset, registry, AS_OF, None)
    assert panel.table is not None and panel.caption is not None
    assert panel.table.shown.height == 3
    assert panel.table.csv_frame.height == ranked.height
    assert panel.caption.startswith(f"The 3 biggest of {ranked.height} misses (the CSV lists all)")
    # all of them fit: no count, every one shown
    monkeypatch.setattr(common, "TOP_FIXES", ranked.height)
    panel = common.fix_now_panel(sample_dataset, registry, AS_OF, None)
    assert panel.table is not None and panel.table.shown.height == ranked.height
    assert panel.caption is not None and panel.caption.startswith("Misses in the latest")


def test_a_kpi_without_targets_beside_others_bars_says_its_teams_are_not_in_them(
    sample_dataset: Dataset, registry: Registry
) -> None:
    """Orders feeds On-time delivery rate and has no team targets; On-time delivery's own teams
    are drawn. 'No team targets are set for Orders, so no team is on or off track' above bars of
    teams on and off track read as a contradiction (a second reader, twice): it says which teams
    the bars leave out."""
    metric = registry.metric("on_time_rate")
    request = OverviewRequest(as_of=AS_OF, data_end=AS_OF, unit=None, lens="both", grain="quarter")
    panel = overview._feeding_panel(sample_dataset, registry, metric, request, {})
    assert panel.drawing is not None  # the bars of On-time delivery's teams
    # in the bars' caption: a blue box of setup words outweighed the bars it qualifies
    assert panel.info == ()
    assert panel.caption is not None and panel.caption.endswith(
        " Orders also feeds On-time delivery rate but has no team targets, so its teams are not "
        f"in these bars: {common.HOW_TARGETS}."
    )


def test_the_plan_line_writes_the_value_and_plan_precisely_enough_to_give_back_its_change(
    registry: Registry,
) -> None:
    """A card of $2.1M with '-7.1% (plan for these days $2.3M)' reads as -8.7 %: the line then
    writes both with the decimals that give the change back; a pair that reads right is left alone."""
    metric = registry.metrics["revenue"]

    def line(value: float, plan: float) -> str | None:
        current = {
            "value": value,
            "plan_value": plan,
            "plan_change": value / plan - 1,
            "change_kind": "relative",
            "in_progress": True,
        }
        said, tone, missing = overview._plan(registry, metric, current, "Retail Stores")
        assert missing == () and tone == ("bad" if value < plan else "good")
        return said

    assert line(2_140_000, 2_303_000) == (
        "▼ behind plan: -7.1% (plan for these days $2.30M, against $2.14M)"
    )
    assert line(16_830_000, 17_810_000) == "▼ behind plan: -5.5% (plan for these days $17.8M)"
