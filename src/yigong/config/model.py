"""The configuration file's model: every section and key, its type and its default.

One TOML file describes a deployment: where the warehouse, the workflow store, the user store
and the settlement runs live, the payment policy, the server (bind address, workers, cookies,
sessions, language, log format) and the secrets — the secrets *by reference only* (a key file's
path or an environment variable's name), never their values, so the file can be kept in version
control and shown in a support ticket. Unknown keys are refused (a misspelt key would otherwise
be silently ignored). Relative paths are resolved against the file's folder (`load.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Config",
    "LogSection",
    "RunsSection",
    "SecretsSection",
    "ServerSection",
    "SettlementSection",
    "StoreSection",
    "UsersSection",
    "WarehouseSection",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseSection(_Section):
    """The warehouse: a DuckDB file (a county) or a Parquet folder on Spark (a province)."""

    path: Path = Path("yigong.duckdb")
    backend: Literal["duckdb", "spark"] = "duckdb"
    spark_root: Path | None = None  # the Parquet warehouse with backend = "spark"
    spark_master: str | None = None  # local[2] when not set; spark://host:7077 for a cluster


class StoreSection(_Section):
    """The workflow store (referrals, reviews, centres, contracts): an SQLAlchemy URL or an
    SQLite path. A PostgreSQL password is never written in the URL: name a file holding it
    (``password_file``) or an environment variable (``password_env``), or use ~/.pgpass."""

    url: str = ""  # empty: workflow.sqlite next to the warehouse
    password_file: Path | None = None
    password_env: str | None = None

    @field_validator("url")
    @classmethod
    def _no_inline_password(cls, value: str) -> str:
        if "://" in value:
            from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy), store only

            try:
                url = make_url(value)
            except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError
                raise ValueError(f"not a database URL: {exc}") from None
            if url.password:
                raise ValueError(
                    "the URL holds a password; remove it and set password_file or password_env"
                )
        return value


class UsersSection(_Section):
    """The user store (users, sessions, audit log): an SQLite file."""

    path: Path | None = None  # empty: auth.sqlite next to the warehouse


class RunsSection(_Section):
    """Where settlement runs are written and read."""

    path: Path | None = None  # empty: runs/ next to the warehouse


class SettlementSection(_Section):
    policy: str = "henan-default"  # a policy name or a YAML file


class SecretsSection(_Section):
    """Secrets by reference. ``session_secret_*`` signs the cockpit's CSRF tokens (every server
    process must share it); ``pseudonym_key_*`` pseudonymises patient ids at ingest."""

    session_secret_file: Path | None = None
    session_secret_env: str | None = None
    pseudonym_key_file: Path | None = None


class ServerSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    secure_cookies: bool = False  # set behind a TLS proxy (docs/deploy.md)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_minutes: int = Field(default=480, ge=1)
    language: Literal["zh", "en"] = "zh"  # the cockpit's language before a user picks one


class LogSection(_Section):
    format: Literal["json", "text"] = "json"  # json: one object per line (request log)
    level: Literal["debug", "info", "warning", "error"] = "info"


class Config(_Section):
    """A whole configuration file (every section optional)."""

    warehouse: WarehouseSection = WarehouseSection()
    store: StoreSection = StoreSection()
    users: UsersSection = UsersSection()
    runs: RunsSection = RunsSection()
    settlement: SettlementSection = SettlementSection()
    secrets: SecretsSection = SecretsSection()
    server: ServerSection = ServerSection()
    log: LogSection = LogSection()
    source: Path | None = Field(default=None, exclude=True)  # the file it was read from
