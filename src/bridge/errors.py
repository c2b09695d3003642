"""Errors Bridge raises: every problem is reported with where, what was expected and what was found.

Validation never stops at the first problem: rules *return* :class:`Problem` values and the caller raises
one :class:`ConfigError` listing them all, so a user fixes a config in one pass instead of many.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class BridgeError(Exception):
    """Base class of every error Bridge reports to a user (CLI and UI show its message, not a traceback)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a config file or database, located precisely.

    ``file`` is the config file (or ``database``), ``entry`` the item inside it (e.g.
    ``metrics[3] (id='margin').numerator``), ``expected`` what would be valid, ``found`` what is there,
    and ``example`` an optional snippet showing a valid value.
    """

    file: str
    entry: str
    expected: str
    found: str
    example: str | None = None

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
    """A request names something the registry does not know (unknown metric, grain, decision, scope)."""
