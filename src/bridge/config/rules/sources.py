"""Rules on ``sources.toml``: names that must be unique."""

from __future__ import annotations

from collections.abc import Iterator

from bridge.config.files import ParsedConfig
from bridge.config.rules.common import repeated
from bridge.errors import Problem, Step


def duplicate_sources(config: ParsedConfig) -> Iterator[Problem]:
    for name in repeated(source.name for source in config.sources.sources):
        yield Problem(
            config.files.at("sources", Step("sources", name, "name")),
            "each source name once",
            "it twice or more",
        )


def duplicate_measures(config: ParsedConfig) -> Iterator[Problem]:
    owners: dict[str, list[str]] = {}
    for source in config.sources.sources:
        for measure in source.measures:
            owners.setdefault(measure.name, []).append(source.name)
    for name, where in owners.items():
        if len(where) > 1:
            yield Problem(
                config.files.at("sources", Step("measures", name, "name")),
                "each measure name once across all sources",
                f"it in sources {', '.join(where)}",
                "rename one, e.g. orders_count and tickets_count",
            )
