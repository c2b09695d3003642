"""Deployment settings: ``BRIDGE_*`` environment variables over ``config/settings.toml`` over defaults.

Settings say *where* things are (databases, config folder, cache lifetime); what the numbers *mean*
lives in the registry (``config/*.toml`` parsed by :mod:`bridge.config.registry`). No settings object is
created at import time: call :func:`get_settings`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bridge.errors import BridgeError

DEFAULT_SOURCE_URL = "sqlite:///sample_data/sample.sqlite"
DEFAULT_STATE_URL = "sqlite:///.bridge/state.sqlite"
SETTINGS_FILE_ENV = "BRIDGE_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = Path("config/settings.toml")
#: Environment variables with this prefix belong to Bridge's own test suite (database servers).
TEST_PREFIX = "BRIDGE_TEST_"


class SettingsError(BridgeError):
    """A setting is unknown or invalid. Messages name the setting, never its value (a password)."""


class Settings(BaseSettings):
    """Where Bridge reads from and writes to. Relative paths are relative to the working directory."""

    model_config = SettingsConfigDict(env_prefix="BRIDGE_", extra="forbid", frozen=True)

    source_url: SecretStr = Field(
        default=SecretStr(DEFAULT_SOURCE_URL),
        description="SQLAlchemy URL of the operational (source) database, opened read-only.",
    )
    state_url: SecretStr = Field(
        default=SecretStr(DEFAULT_STATE_URL),
        description="SQLAlchemy URL of Bridge's own database (decision records).",
    )
    config_dir: Path = Field(
        default=Path("config"), description="Folder holding sources/metrics/decisions TOML."
    )
    cache_ttl_seconds: int = Field(
        default=600, ge=0, description="How long the app keeps loaded measures before reloading."
    )
    cache_dir: Path = Field(
        default=Path(".cache/bridge"),
        description="Where measures of closed days are kept between refreshes and restarts "
        "(Parquet files; safe to delete).",
    )
    late_arriving_days: int = Field(
        default=3, ge=0, le=366, description="Days re-read on every refresh for late events."
    )
    query_timeout_seconds: int = Field(
        default=30, ge=1, description="Connect timeout for the source database."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get(SETTINGS_FILE_ENV, DEFAULT_SETTINGS_FILE))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (call ``get_settings.cache_clear()`` in tests).

    Raises :class:`SettingsError` listing every problem at once: an unknown ``BRIDGE_*`` variable
    (a typo would otherwise be ignored silently and the demo company shown) with the nearest known
    name, and every value of the wrong type or range.
    """
    problems = unknown_variables(os.environ)
    settings = None
    try:
        settings = Settings()
    except ValidationError as exc:
        problems += invalid_values(exc)
    if settings is not None and same_database(
        settings.source_url.get_secret_value(), settings.state_url.get_secret_value()
    ):
        problems.append(
            "BRIDGE_STATE_URL points at the source database (BRIDGE_SOURCE_URL): Bridge would "
            "create its own tables in your data; point it at another database (the default is "
            f"{DEFAULT_STATE_URL})"
        )
    if problems or settings is None:
        raise SettingsError("; ".join(problems))
    return settings


def same_database(a: str, b: str) -> bool:
    """Whether two URLs name the same database: the same text, or the same SQLite file."""
    if a.strip() == b.strip():
        return True
    files = [_sqlite_file(url) for url in (a, b)]
    return None not in files and files[0] == files[1]


def _sqlite_file(url: str) -> Path | None:
    """The file an ``sqlite:///path`` URL (or ``sqlite:///file:path?...`` URI) names, resolved."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.startswith("sqlite"):
        return None
    path = rest.split("?", 1)[0].removeprefix("file:")
    return None if path in ("", ":memory:") else Path(path).resolve()


def known_variables() -> list[str]:
    return [f"BRIDGE_{name.upper()}" for name in Settings.model_fields] + [SETTINGS_FILE_ENV]


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``BRIDGE_*`` variables that are no setting, each with the nearest known name."""
    known = known_variables()
    problems = []
    for name in sorted(environ):
        if not name.startswith("BRIDGE_") or name in known or name.startswith(TEST_PREFIX):
            continue
        near = _nearest(name, known)
        hint = f"did you mean {near}? " if near else ""
        problems.append(
            f"unknown setting {name} in the environment: {hint}known settings are "
            + ", ".join(known)
        )
    return problems


#: Names people reach for that spelling distance would not lead to the right setting.
_MEANT = {
    "BRIDGE_DATABASE_URL": "BRIDGE_SOURCE_URL",
    "BRIDGE_DB_URL": "BRIDGE_SOURCE_URL",
    "BRIDGE_URL": "BRIDGE_SOURCE_URL",
    "BRIDGE_DSN": "BRIDGE_SOURCE_URL",
}


def _nearest(name: str, known: list[str]) -> str | None:
    """The known name that ``name`` most likely meant: one it begins or ends, else the closest."""
    if name in _MEANT:
        return _MEANT[name]
    stems = [k for k in known if k.startswith(name) or name.startswith(k)]
    if stems:
        return min(stems, key=lambda k: abs(len(k) - len(name)))
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.0)
    return near[0] if near else None


def invalid_values(exc: ValidationError) -> list[str]:
    """What is wrong with the settings, by name — never with the value (it may hold a password)."""
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        name = ".".join(str(p) for p in err["loc"]) or "(settings)"
        problems.append(f"setting {name} (BRIDGE_{name.upper()}): {err['msg']}")
    return problems
