"""Logging in: throttled, constant in time whether the user exists or not, audited.

`authenticate` checks the lock-out first (`yigong.access.throttle`), then the password —
against the user's hash, or against `DUMMY_HASH` when the user does not exist or is disabled,
so every answer costs one scrypt — and records the outcome: ``login``, ``login.failed`` or
``login.locked`` rows in the audit log (with the client address; never the password).
"""

from __future__ import annotations

from dataclasses import dataclass

from yigong.access.passwords import DUMMY_HASH, verify_password
from yigong.access.throttle import LoginPolicy, clear_failures, locked_for, record_failure
from yigong.access.users import User, UserStore

__all__ = ["LoginRefused", "authenticate"]


@dataclass
class LoginRefused(Exception):
    """Wrong name or password (``bad_credentials``) or locked out (``too_many_attempts``,
    with the seconds to wait)."""

    code: str
    retry_after: int = 0

    def __str__(self) -> str:
        if self.code == "too_many_attempts":
            return f"too many failed logins: try again in {self.retry_after} s"
        return "unknown user or wrong password"


def authenticate(
    store: UserStore, username: str, password: str, address: str, policy: LoginPolicy
) -> User:
    """The user whose name and password these are; `LoginRefused` otherwise."""
    name = (username or "")[:200]
    wait, which = locked_for(store, name, address, policy)
    stored = store.password_hash(name) if name else None
    ok = verify_password(password or "", stored or DUMMY_HASH) and stored is not None
    if wait > 0:
        record_failure(store, name, address)
        store.audit(
            name or "?",
            "login.locked",
            {"address": address, "locked": which, "wait_s": round(wait)},
        )
        raise LoginRefused("too_many_attempts", max(1, round(wait)))
    user = store.get(name) if ok else None
    if user is None or user.disabled:
        record_failure(store, name, address)
        known = store.get(name) if name else None
        store.audit(
            name or "?",
            "login.failed",
            {
                "address": address,
                "reason": "disabled" if known and known.disabled else "bad_credentials",
            },
        )
        raise LoginRefused("bad_credentials")
    clear_failures(store, name)
    store.audit(name, "login", {"address": address})
    return user
