"""Errors Bridge reports: every problem is located precisely and reported with all the others.

Validation never stops at the first problem: rules *return* :class:`Problem` values and the caller raises
one :class:`ConfigError` listing them all, so a user fixes a config in one pass instead of many. A
problem's :class:`Location` is data (the file, then the path of keys and list positions inside it),
rendered for people only when it is shown — code that needs to know *which entry* is broken reads the
location, never the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class BridgeError(Exception):
    """Base class of every error Bridge reports to a user (CLI and UI show its message, not a traceback)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step into a file: a key, or a position in a list, with the entry's id or name if it has one.

    >>> Location("config/metrics.toml", (Step("metrics"), Step(3, "margin"), Step("expression"))).entry
    "metrics[3] (id='margin').expression"
    """

    key: str | int
    name: str | None = None
    #: The field holding ``name``: ``id`` for metrics and decisions, ``name`` for sources and measures.
    ident: str = "id"

    def __str__(self) -> str:
        text = f"[{self.key}]" if isinstance(self.key, int) else f".{self.key}"
        return text + (f" ({self.ident}={self.name!r})" if self.name is not None else "")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file (or a place such as ``database``), then the steps inside it."""

    where: str
    steps: tuple[Step, ...] = ()

    @property
    def entry(self) -> str:
        """The steps as people read them, e.g. ``sources[0] (name='orders').measures[1].column``."""
        return "".join(str(s) for s in self.steps).lstrip(".") or "(file)"

    def named(self) -> tuple[str, str] | None:
        """The top-level list and the name of the entry this location is in, e.g.
        ``("metrics", "margin")``; None when it is in no named entry (a file, a setting)."""
        if not self.steps or not isinstance(self.steps[0].key, str):
            return None
        section = self.steps[0]
        if section.name is not None:
            return section.key, section.name  # type: ignore[return-value]
        if len(self.steps) > 1 and self.steps[1].name is not None:
            return str(section.key), self.steps[1].name
        return None

    def child(self, *steps: Step | str | int) -> Location:
        """This location, some steps further in."""
        more = tuple(s if isinstance(s, Step) else Step(s) for s in steps)
        return Location(self.where, self.steps + more)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a config file, a database, a record or a request, located precisely.

    ``expected`` is what would be valid, ``found`` what is there, and ``example`` an optional snippet
    showing a valid value.
    """

    location: Location
    expected: str
    found: str
    example: str | None = None

    @property
    def file(self) -> str:
        return self.location.where

    @property
    def entry(self) -> str:
        return self.location.entry

    def __str__(self) -> str:
        text = f"{self.file}: {self.entry}: expected {self.expected}; found {self.found}"
        if self.example:
            text += f" (e.g. {self.example})"
        return text


class ConfigError(BridgeError):
    """The config (or its agreement with the database) has one or more problems; all are listed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the Bridge configuration:"
        super().__init__("\n".join([header, *(f"  - {p}" for p in self.problems)]))


class SourceError(BridgeError):
    """The source database could not be reached or answered with an error (credentials never shown)."""


class RequestError(BridgeError):
    """A request names something Bridge does not know (unknown metric, grain, decision, scope, date).

    ``fields`` names the request fields that were refused (e.g. ``("metric", "grain")``), so a page
    can show the message and fall back to the defaults of exactly those fields.
    """

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields
