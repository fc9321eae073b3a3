"""The demo's cockpit user (`yigong demo` creates it after the pipeline has run)."""

from __future__ import annotations

import secrets
from pathlib import Path

from yigong.access.settings import Settings
from yigong.access.users import UserStore

__all__ = ["cockpit_login"]


def cockpit_login(db: Path, county: str) -> tuple[str, str, Path]:
    """Create (or replace) the demo's user ``county`` (county health commission, the demo
    county's subtree) with a random password, written next to the warehouse
    (``demo-login.txt``) so the user can find it again. Returns (user, password, users file)."""
    password = secrets.token_urlsafe(12)
    users = Settings(warehouse=db).users_path
    UserStore(users).add(
        "county", password, "county_commission", [f"division:{county}"], actor="demo", replace=True
    )
    (db.parent / "demo-login.txt").write_text(
        f"user: county\npassword: {password}\n", encoding="utf-8"
    )
    return "county", password, users
