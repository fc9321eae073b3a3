"""One `Settings` object for the server (API and cockpit): where the data lives, how sessions
expire, how logins are throttled, whether cookies need TLS.

Re-exported as `yigong.api.Settings` (what `create_app` takes).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from yigong.access.throttle import LoginPolicy
from yigong.store import store_url

__all__ = ["SECRET_ENV", "Settings"]

SECRET_ENV = "YIGONG_SECRET"


def _secret() -> str:
    return os.environ.get(SECRET_ENV) or secrets.token_hex(32)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse, the workflow store and the user table are; sessions and logins.

    ``users_db`` defaults to ``auth.sqlite`` next to the warehouse. ``secret`` (``YIGONG_SECRET``,
    else random per process) signs the CSRF tokens of the cockpit's forms. A session ends
    ``session_idle_minutes`` after its last use and ``session_absolute_minutes`` after login,
    whichever comes first. ``secure_cookies`` marks cookies ``Secure`` (served over TLS only,
    with the ``__Host-`` prefix) and sends HSTS: set it when a TLS proxy stands in front
    (docs/access.md has an nginx example).
    """

    warehouse: Path
    workflow_store: str = ""  # URL or SQLite path of the referral workflow store
    users_db: Path | None = None
    secret: str = field(default_factory=_secret, repr=False)
    session_absolute_minutes: int = 8 * 60
    session_idle_minutes: int = 30
    cache_seconds: float = 60.0  # indicator results are reused this long (0: never)
    settlement_policy: str = "henan-default"  # policy (name or YAML path) the cockpit settles with
    runs_dir: Path | None = None  # where the settlement runs are written and read
    secure_cookies: bool = False
    language: str = "zh"  # the cockpit's language until a user picks one (zh | en)
    login: LoginPolicy = field(default_factory=LoginPolicy)
    warm_caches: bool = False  # compute what users land on at start and after each data change

    @property
    def runs_path(self) -> Path:
        """The settlement runs (``runs/`` next to the warehouse unless ``runs_dir``):
        ``budget-<county>-<year>/`` as `yigong settle budget --db` writes it."""
        return self.runs_dir or self.warehouse.with_name("runs")

    @property
    def workflow_url(self) -> str:
        """The workflow store (referrals): ``workflow_store`` as a URL or SQLite path, else
        ``workflow.sqlite`` next to the warehouse (what `yigong demo` creates)."""

        return store_url(self.workflow_store or self.warehouse.with_name("workflow.sqlite"))

    @property
    def users_path(self) -> Path:
        return self.users_db or self.warehouse.with_name("auth.sqlite")
