"""Colours, shapes and words of every mark Bridge draws — one place, so legends match the marks.

Business units keep one colour everywhere (Okabe–Ito, colour-blind safe, assigned by sorted name).
A status is told by shape *and* colour. Each mark a chart may carry (a recorded decision, a period in
progress, last year's line, a threshold, the efficient frontier) has its symbol and its legend text
here; charts draw legends from these constants and captions quote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
COMPANY = "#555555"
GRID = "#888888"
MUTED = "#666666"


def unit_colours(units: Iterable[str]) -> dict[str, str]:
    """One stable colour per business unit (by sorted name)."""
    return {u: OKABE_ITO[i % len(OKABE_ITO)] for i, u in enumerate(sorted(set(units)))}


@dataclass(frozen=True)
class Status:
    """A frontline status: its colour and a text glyph of its shape (a status is told by both)."""

    name: str
    colour: str
    glyph: str


STATUSES: dict[str, Status] = {
    s.name: s
    for s in (
        Status("on track", "#009E73", "●"),
        Status("at risk", "#E69F00", "▲"),
        Status("off track", "#D55E00", "■"),
        Status("no target", "#BBBBBB", "○"),
    )
}


def status_label(name: str) -> str:
    """``● on track``: the status's shape and name, for tables and legends."""
    status = STATUSES.get(name)
    return f"{status.glyph} {name}" if status else name


@dataclass(frozen=True)
class Mark:
    """A mark some charts carry: its glyph in text, its Plotly symbol or dash, and what it means.

    Chart legends show ``text`` next to the drawn symbol; captions quote :attr:`legend`.
    """

    glyph: str
    symbol: str
    text: str

    @property
    def legend(self) -> str:
        return f"{self.glyph} {self.text}"


DECISION = Mark("★", "star", "decision recorded (hover for what was chosen)")
TO_DATE = Mark("◇", "diamond-open", "period in progress, at its pace for the whole period")
NOT_COMPARABLE = Mark("○", "circle-open", "not comparable with last year (hover for why)")
LAST_YEAR = Mark("┈", "dot", "same period last year")
TARGET = Mark("╌", "dash", "target")
THRESHOLD = Mark("╌", "dash", "the decision's thresholds")
FRONTIER = Mark("◯", "circle", "black ring: efficient frontier (no unit better on both axes)")
