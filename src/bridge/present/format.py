"""Numbers, dates and states as people read them — the one presentation contract of Bridge.

Every figure a page, a table, a chart, the brief or the CLI's table output shows goes through a
:class:`NumberFormat` made from its metric's unit and decimals: currency with K/M/B (``$14.8M``),
percentages with enough decimals that neighbouring values differ (``87.8%``, ``87.84%``), points as
``pts`` (never ``-0.0 pts``), counts with separators (``12,345``). Dates have no time, unknowns read
``n/a`` or the reason, booleans read as words. Axis ticks are chosen here too, from the data's range,
so an axis never repeats a label and every label says its tick's whole value.

Nothing here knows a metric: a format is built from ``unit`` and ``decimals`` (see :func:`of`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bridge.money import USD, Currency

#: ``points`` are differences of two percentages (0.012 reads ``1.2 pts``).
Unit = Literal["currency", "percent", "points", "count", "number"]
ChangeKind = Literal["relative", "points"]
MISSING = "n/a"
#: Neighbouring values get up to this many extra decimals before they are left looking alike.
MAX_EXTRA_DECIMALS = 3


class HasUnit(Protocol):
    @property
    def unit(self) -> Unit: ...

    @property
    def decimals(self) -> int: ...


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


@dataclass(frozen=True)
class NumberFormat:
    """How one metric's numbers are written: unit, decimals, currency symbol; ``signed`` for
    changes (``+4.1%``) and a ``suffix`` such as ``/yr`` for rates of change."""

    unit: Unit
    decimals: int = 1
    currency: Currency = USD
    signed: bool = False
    suffix: str = ""

    def value(self, value: float | None, decimals: int | None = None) -> str:
        """``$1.2M``, ``87.8%``, ``+1.2 pts/yr``, ``12,345``, ``n/a``."""
        if missing(value):
            return MISSING
        assert value is not None
        places = self.decimals if decimals is None else decimals
        if self.signed and _nonzero(
            value * (100 if self.unit in ("percent", "points") else 1), places
        ):
            sign = "+" if value > 0 else "-"
        else:
            sign = "-" if value < 0 and not self.signed and _nonzero(value, places + 2) else ""
        size = abs(value)
        if self.unit == "percent":
            text = _signless_zero(f"{size * 100:.{places}f}") + "%"
        elif self.unit == "points":
            text = _signless_zero(f"{size * 100:.{places}f}") + " pts"
        elif self.unit == "currency":
            # an amount written in full has the currency's minor units (€12.50, ¥1,250, not
            # €12.5 or ¥1,250.0), or none when the metric asks for none; a short one (K/M/B)
            # keeps the metric's decimals (¥14.8M)
            full = (self.currency.decimals if places else 0) if size < 1000 else places
            text = f"{self.currency.symbol}{compact(size, full)}"
        elif self.unit == "count":
            text = f"{size:,.0f}" if size < 1e6 else compact(size, max(places, 1))
        else:
            text = compact(size, places)
        return f"{sign}{text}{self.suffix}"

    def values(self, values: Sequence[float | None], start: int | None = None) -> list[str]:
        """Each value written so that values that differ read differently: from ``start`` decimals
        (the metric's by default) up to a few more."""
        places = self._places(values, start, exact=False)
        return [self.value(v, places) for v in values]

    def places(self, values: Sequence[float | None], start: int | None = None) -> int:
        """The decimals :meth:`values` writes ``values`` with (to write more numbers alike)."""
        return self._places(values, start, exact=False)

    def pair_places(
        self,
        value: float | None,
        base: float | None,
        change: float | None,
        kind: ChangeKind,
        start: int | None = None,
    ) -> tuple[int, int]:
        """The decimals (from ``start``, the metric's by default, up to a few more) to write
        ``value`` and ``base`` with, so that the two as written give back the change shown beside
        them to within one unit of its last digit: "$2.1M (plan $2.3M)" beside "-7.1%" reads as
        -8.7 %; "$2.14M (plan $2.30M)" as -7.0 %. The fewest decimals in all, the value's fewest
        first: a value in thousands is not written to the dollar for a plan in millions ("$941.8K"
        beside "$1.022M"), and a value keeps its column's decimals where its plan's can do it."""
        first = self.decimals if start is None else start
        if missing(value) or missing(base) or missing(change) or not base:
            return first, first
        assert value is not None and base is not None and change is not None
        shown = round(change * 100, 1)
        tries = range(first, max(first, self.decimals) + MAX_EXTRA_DECIMALS + 1)
        for own, other in sorted(((a, b) for a in tries for b in tries), key=lambda p: (sum(p), p)):
            written = self.value(value, own), self.value(base, other)
            if own != other and _suffix(written[0]) == _suffix(written[1]):
                continue  # two amounts in millions are written alike: "$2.14M", "$2.30M"
            now, then = _read_back(written[0]), _read_back(written[1])
            if now is not None and then:
                # a relative change is against the base's size (a loss's too), as the views'
                read = (now - then) / abs(then) if kind == "relative" else (now - then)
                if abs(round(read * 100, 1) - shown) <= 0.1 + 1e-9:
                    return own, other
        return tries[-1], tries[-1]

    def _places(self, values: Sequence[float | None], start: int | None, *, exact: bool) -> int:
        """The fewest decimals from ``start`` (up to a few more) at which values that differ read
        differently — and, when ``exact``, each reads as itself (a tick at 8.25 M is "$8.25M",
        never "$8.2M" between "$8.0M" and "$8.5M")."""
        shown = [float(v) for v in values if v is not None and not missing(v)]
        places = self.decimals if start is None else start
        limit = max(places, self.decimals) + MAX_EXTRA_DECIMALS
        while places < limit and (
            _collide([self.value(v, places) for v in shown], shown)
            or (exact and not all(self._exact(v, places) for v in shown))
        ):
            places += 1
        return places

    def _exact(self, value: float, places: int) -> bool:
        """Whether ``value`` written with ``places`` decimals says all of it (what more decimals
        would add are zeros)."""
        return _trimmed(self.value(value, places)) == _trimmed(
            self.value(value, places + MAX_EXTRA_DECIMALS + 3)
        )

    def change(self, change: float | None, kind: ChangeKind) -> str:
        """A comparison: ``+4.1%`` (relative) or ``+1.2 pts`` (difference of two percentages)."""
        return change_text(change, kind)

    def axis(
        self, values: Sequence[float | None], *, min_span: float | None = None, zero: bool = False
    ) -> Axis:
        """Ticks for an axis over ``values``: distinct labels, a sensible minimum span.

        ``min_span`` defaults to 2 points for percentages (so noise of a tenth of a point does not
        fill the chart) and to 10 % of the largest magnitude otherwise; ``zero`` includes 0 (bars).
        """
        shown = [float(v) for v in values if v is not None and not missing(v)]
        if not shown:
            return Axis((), (), None)
        lo, hi = min(shown), max(shown)
        if zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if min_span is None:
            min_span = 0.02 if self.unit == "percent" else 0.1 * max(abs(lo), abs(hi), 1e-9)
        if hi - lo < min_span:
            middle = (hi + lo) / 2
            lo, hi = middle - min_span / 2, middle + min_span / 2
            if zero and min(shown) >= 0:
                lo, hi = max(lo, 0.0), max(hi, min_span)
        step = nice_step((hi - lo) / 4)
        if self.unit == "count":
            step = max(step, 1.0)  # a count is whole: no tick at 2.5 orders
        first = math.floor(lo / step) * step
        last = math.ceil(hi / step) * step
        ticks = [first + i * step for i in range(round((last - first) / step) + 1)]
        pad = step * 0.15
        return Axis(tuple(ticks), self._tick_labels(ticks), (first - pad, last + pad))

    def axis_between(self, bottom: float, top: float) -> Axis:
        """Ticks for an axis showing exactly ``bottom`` to ``top``: the ticks inside it, at least
        three (a finer step when the usual one leaves two)."""
        for intervals in (4, 8):
            step = nice_step((top - bottom) / intervals)
            if self.unit == "count":
                step = max(step, 1.0)
            first = math.ceil(bottom / step - 1e-9) * step
            ticks = [first + i * step for i in range(int((top - first) / step + 1e-9) + 1)]
            if len(ticks) >= 3:
                break
        return Axis(tuple(ticks), self._tick_labels(ticks), (bottom, top))

    def _tick_labels(self, ticks: Sequence[float]) -> tuple[str, ...]:
        """Each tick's whole value, distinct (see :meth:`axis`)."""
        places = self._places(ticks, 0, exact=True)
        labels = tuple(self.value(t, places) for t in ticks)
        # ticks all whole where they are written read without a ".0" ("$400K"), a magnitude at a
        # time: "$600K, $800K, $1.0M, $1.2M" (the millions keep their decimal together)
        suffix = [re.sub(r"^.*\d", "", label) for label in labels]
        whole = tuple(_trimmed(label) for label in labels)
        kept = {s for s, w in zip(suffix, whole, strict=True) if "." in w}
        trimmed = tuple(
            label if s in kept else w for label, w, s in zip(labels, whole, suffix, strict=True)
        )
        return trimmed if len(set(trimmed)) == len(trimmed) else labels


@dataclass(frozen=True)
class Axis:
    """Tick positions and their labels, and the range to show (None: let the chart decide)."""

    tickvals: tuple[float, ...]
    ticktext: tuple[str, ...]
    range: tuple[float, float] | None


def of(spec: HasUnit, currency: Currency = USD) -> NumberFormat:
    """The format of a metric (anything with ``unit`` and ``decimals``) in the reporting
    ``currency`` (the registry's)."""
    return NumberFormat(spec.unit, spec.decimals, currency)


SHARE = NumberFormat("percent", 1)


def compact(value: float, decimals: int = 1) -> str:
    """1234 → 1.2K, 2_500_000 → 2.5M; small numbers keep ``decimals``."""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(size / limit, max(decimals, 1)) >= 1:
            return f"{value / limit:,.{max(decimals, 1)}f}{suffix}"
    return _signless_zero(f"{value:,.{decimals}f}")


def change_text(change: float | None, kind: ChangeKind, decimals: int = 1) -> str:
    """``+4.1%`` or ``+1.2 pts``; a change that rounds to nothing reads ``0.0%`` / ``0.0 pts``."""
    if missing(change):
        return MISSING
    assert change is not None
    number = f"{change * 100:+.{decimals}f}" if not flat(change, decimals) else f"{0:.{decimals}f}"
    return f"{number} pts" if kind == "points" else f"{number}%"


def flat(change: float | None, decimals: int = 1) -> bool:
    """Whether a change reads as none when written (``0.0%``): it has no direction to show."""
    return change is not None and not missing(change) and float(f"{change * 100:.{decimals}f}") == 0


def nice_step(raw: float) -> float:
    """The 1-2-5 step nearest above ``raw`` (for axis ticks)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power


def day_text(value: dt.date | dt.datetime | None) -> str:
    """A date as ``2026-11-30`` (a timestamp of midnight, or any timestamp, reads as its day)."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def data_line(
    scope: str,
    last_day: dt.date | None,
    as_of: dt.date,
    default_as_of: dt.date,
    timezone: str | None = None,
) -> str:
    """``Northwind Group · data through 2026-12-02 · as of 2026-12-01 (views use data before it)
    · days in Europe/Berlin``: what every page and every CLI table starts with."""
    through = last_day.isoformat() if last_day else "no data yet"
    line = f"{scope} · data through {through}"
    if as_of != default_as_of:
        line += f" · as of {as_of} (views use data before it)"
    if timezone is not None:
        line += f" · days in {timezone}"
    return line


def yes_no(value: bool | None, yes: str = "yes", no: str = "no", unknown: str = MISSING) -> str:
    return unknown if value is None else (yes if value else no)


def _collide(texts: Sequence[str], values: Sequence[float]) -> bool:
    seen: dict[str, float] = {}
    for text, value in zip(texts, values, strict=True):
        if text in seen and not math.isclose(seen[text], value, rel_tol=1e-12, abs_tol=1e-12):
            return True
        seen[text] = value
    return False


def _trimmed(text: str) -> str:
    """A written number without the zeros that end its decimals: ``$8.2500M`` → ``$8.25M``,
    ``87.0%`` → ``87%``, ``1,250.00`` → ``1,250`` (``80M`` stays)."""
    return re.sub(r"\.(?!\d)", "", re.sub(r"(\.\d*?)0+(?!\d)", r"\1", text))


#: A written number: its digits and the K/M/B after them (a currency's symbol or a unit around it).
_WRITTEN = re.compile(r"(-?)[^\d-]*([\d,]*\.?\d+)\s*([KMB]?)")
_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}


def _suffix(text: str) -> str:
    """A written number's K, M or B ("" for none)."""
    found = _WRITTEN.match(text)
    return found[3] if found else ""


def _read_back(text: str) -> float | None:
    """The number a written value says (``$2.14M`` → 2_140_000, ``87.5%`` → 0.875), as a reader
    would read it; None for ``n/a``."""
    found = _WRITTEN.match(text)
    if found is None:
        return None
    number = float(found[2].replace(",", "")) * _SCALE[found[3]]
    if text.rstrip().endswith(("%", " pts")):
        number /= 100
    return -number if found[1] else number


def reads_zero(text: str) -> bool:
    """Whether a written number says zero (``0.00 pts``, ``$0``, ``0.0%``)."""
    return _read_back(text) == 0


def _nonzero(value: float, places: int) -> bool:
    return round(abs(value), places) > 0


def _signless_zero(text: str) -> str:
    """``-0.0`` (a tiny negative rounded) reads ``0.0``."""
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        return text[1:]
    return text
