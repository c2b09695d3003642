"""The three config files of a folder, and how they are named in messages (the real path, as given)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bridge.config.decisions import DecisionsFile
from bridge.config.metrics import MetricsFile
from bridge.config.sources import SourcesFile
from bridge.errors import Location, Step

SOURCES_FILE = "sources.toml"
METRICS_FILE = "metrics.toml"
DECISIONS_FILE = "decisions.toml"
FileKind = Literal["sources", "metrics", "decisions"]
_NAMES: dict[FileKind, str] = {
    "sources": SOURCES_FILE,
    "metrics": METRICS_FILE,
    "decisions": DECISIONS_FILE,
}


@dataclass(frozen=True)
class ConfigFiles:
    """Paths of ``sources.toml``, ``metrics.toml`` and ``decisions.toml`` in one folder."""

    folder: Path

    def path(self, kind: FileKind) -> Path:
        return self.folder / _NAMES[kind]

    def where(self, kind: FileKind) -> str:
        """The file as messages name it: the path as configured (``config/metrics.toml`` by default)."""
        return str(self.path(kind))

    def at(self, kind: FileKind, *steps: Step | str | int) -> Location:
        """A location in one of the files, e.g. ``at("metrics", "metrics", Step(3, "margin"))``."""
        return Location(self.where(kind)).child(*steps)


@dataclass(frozen=True)
class ParsedConfig:
    """The three files parsed (each valid in shape), before the rules across them are checked."""

    files: ConfigFiles
    sources: SourcesFile
    metrics: MetricsFile
    decisions: DecisionsFile
