"""Small helpers the rule families share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def repeated(names: Iterable[str]) -> list[str]:
    """Names that occur more than once, in order of first appearance."""
    return [name for name, count in Counter(names).items() if count > 1]
