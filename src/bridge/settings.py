"""Deployment settings: ``BRIDGE_*`` environment variables over ``config/settings.toml`` over defaults.

Settings say *where* things are (databases, config folder, cache lifetime); what the numbers *mean*
lives in the registry (``config/*.toml`` parsed by :mod:`bridge.config.registry`). No settings object is
created at import time: call :func:`get_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_SOURCE_URL = "sqlite:///sample_data/sample.sqlite"
DEFAULT_STATE_URL = "sqlite:///.bridge/state.sqlite"
SETTINGS_FILE_ENV = "BRIDGE_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = Path("config/settings.toml")


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
    """The process-wide settings, read once (call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
