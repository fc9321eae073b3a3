"""One `Settings` object for the API and the cockpit: where the data lives and the signing secret."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

SECRET_ENV = "YIGONG_SECRET"


def _secret() -> str:
    return os.environ.get(SECRET_ENV) or secrets.token_hex(32)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse, the workflow store and the user table are; how tokens are signed.

    ``users_db`` defaults to ``auth.sqlite`` next to the warehouse. Without ``YIGONG_SECRET``
    a random secret is drawn per process (tokens then die with the server).
    """

    warehouse: Path
    workflow_store: str = ""  # URL or SQLite path of the referral workflow store
    users_db: Path | None = None
    secret: str = field(default_factory=_secret, repr=False)
    token_minutes: int = 8 * 60
    cache_seconds: float = 60.0  # indicator results are reused this long (0: never)
    settlement_policy: str = "henan-default"  # policy (name or YAML path) the cockpit settles with
    runs_dir: Path | None = None  # where the cockpit writes its settlement runs

    @property
    def runs_path(self) -> Path:
        """The cockpit's settlement runs (``runs/`` next to the warehouse unless ``runs_dir``):
        ``budget-<county>-<year>/`` as `yigong settle budget --db` writes it."""
        return self.runs_dir or self.warehouse.with_name("runs")

    @property
    def workflow_url(self) -> str:
        """The workflow store (referrals): ``workflow_store`` as a URL or SQLite path, else
        ``workflow.sqlite`` next to the warehouse (what `yigong demo` creates)."""
        from yigong.store import store_url

        return store_url(self.workflow_store or self.warehouse.with_name("workflow.sqlite"))

    @property
    def users_path(self) -> Path:
        return self.users_db or self.warehouse.with_name("auth.sqlite")
