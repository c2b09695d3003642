"""The reporting time zone: which day an instant belongs to, where the company's day ends.

``[calendar] timezone = "Europe/Berlin"`` (an IANA name) makes every day, week and period start at
local midnight there. :class:`Zone` holds the zone's UTC offsets as changes in time (read once from
Python's IANA database, the ``tzdata`` package), so that every database applies the very same rule
(:mod:`bridge.data.zoned` writes them into SQL) and Python agrees with it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zoneinfo
from dataclasses import dataclass

#: The zone's changes are kept for instants in these years (earlier: the offset of
#: 1970; later: the offset of the last change before this end).
FIRST_YEAR, END_YEAR = 1970, 2040
_UTC = dt.UTC


@dataclass(frozen=True)
class Zone:
    """An IANA time zone as SQL applies it: ``changes`` holds (Unix second, UTC offset in seconds)
    pairs in time order; each offset holds from its second until the next change."""

    name: str
    changes: tuple[tuple[int, int], ...]

    @staticmethod
    @functools.cache
    def named(name: str) -> Zone:
        """The zone of an IANA name (``"Europe/Berlin"``); ValueError naming the nearest known."""
        return Zone(name, _changes(_zoneinfo(name)))

    def since(self, second: int) -> tuple[tuple[int, int], ...]:
        """The changes that matter from a Unix second on (the one in force then, and later ones)."""
        before = [c for c in self.changes if c[0] <= second]
        return tuple(before[-1:] + [c for c in self.changes if c[0] > second])

    def offset_at(self, second: int) -> int:
        """The UTC offset (seconds) at a Unix second, from the same changes SQL uses."""
        offset = self.changes[0][1]
        for start, value in self.changes:
            if start > second:
                break
            offset = value
        return offset

    def day_of(self, instant: dt.datetime) -> dt.date:
        """The local day of an instant (a naive datetime is UTC)."""
        aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=_UTC)
        second = int(aware.timestamp() // 1)
        return dt.date(1970, 1, 1) + dt.timedelta(days=(second + self.offset_at(second)) // 86_400)

    def midnight(self, day: dt.date) -> int:
        """The Unix second the local ``day`` starts at."""
        naive = int(dt.datetime.combine(day, dt.time(), _UTC).timestamp())
        # the offset that holds at that local midnight: try the offsets around it
        for guess in (self.offset_at(naive - 86_400), self.offset_at(naive + 86_400)):
            start = naive - guess
            if self.offset_at(start) == guess:
                return start
        return naive - self.offset_at(naive)  # midnight skipped by a change: the day starts later

    def today(self) -> dt.date:
        """Today in this zone."""
        return self.day_of(dt.datetime.now(_UTC))


def _zoneinfo(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        near = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ValueError(
            f"an IANA time zone name such as 'Europe/Berlin' or 'Asia/Tokyo'{hint}"
        ) from None


def check_zone_name(name: str) -> str:
    """``name`` if it names a time zone; ValueError with the nearest known name if not."""
    _zoneinfo(name)
    return name


def _changes(zone: zoneinfo.ZoneInfo) -> tuple[tuple[int, int], ...]:
    """Every change of UTC offset in [FIRST_YEAR, END_YEAR): found day by day, then to the second."""

    def offset(second: int) -> int:
        moment = dt.datetime.fromtimestamp(second, _UTC).astimezone(zone)
        delta = moment.utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    start = int(dt.datetime(FIRST_YEAR, 1, 1, tzinfo=_UTC).timestamp())
    end = int(dt.datetime(END_YEAR, 1, 1, tzinfo=_UTC).timestamp())
    changes = [(start, offset(start))]
    step = 86_400
    second = start
    while second + step <= end:
        after = offset(second + step)
        if after != changes[-1][1]:
            low, high = second, second + step  # offset(low) is the old one, offset(high) the new
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == after:
                    high = middle
                else:
                    low = middle
            changes.append((high, after))
        second += step
    return tuple(changes)
