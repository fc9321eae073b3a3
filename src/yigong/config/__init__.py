"""The deployment's configuration file (TOML): model, finding and reading it, secrets by
reference. Every CLI command reads it (`yigong.cli.config_opt`); flags still override it."""

from __future__ import annotations

from yigong.config.load import (
    CONFIG_ENV,
    DEFAULT_LOCATIONS,
    ConfigError,
    load_config,
    locate,
    pseudonym_key_file,
    session_secret,
    store_url,
)
from yigong.config.model import Config

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LOCATIONS",
    "Config",
    "ConfigError",
    "load_config",
    "locate",
    "pseudonym_key_file",
    "session_secret",
    "store_url",
]
