"""Login defence: back-off and lock-out per user name and per client address.

Every failed login is a row (user name as typed, address, time). Within `LoginPolicy.window`:

- a user name with ``user_after`` or more failures is locked for ``user_base`` seconds,
  doubling with each further failure up to ``user_max``, counted from the last failure;
- an address with ``address_after`` or more failures is locked for ``address_lock`` seconds.

Names that do not exist are counted exactly like names that do, so the lock-out tells nothing
about which users exist. While locked, even the right password is refused. A successful login
clears the failures of that user name (not of the address).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from yigong.access.users import UserStore

__all__ = ["LoginPolicy", "clear_failures", "locked_for", "record_failure"]


@dataclass(frozen=True)
class LoginPolicy:
    window: float = 900.0
    user_after: int = 5
    user_base: float = 30.0
    user_max: float = 3600.0
    address_after: int = 20
    address_lock: float = 900.0


def record_failure(store: UserStore, username: str, address: str) -> None:
    now = time.time()
    with store._con() as con:
        con.execute("INSERT INTO login_failures VALUES (?, ?, ?)", (username, address, now))
        con.execute("DELETE FROM login_failures WHERE at < ?", (now - 86400,))


def clear_failures(store: UserStore, username: str) -> None:
    with store._con() as con:
        con.execute("DELETE FROM login_failures WHERE username = ?", (username,))


def locked_for(
    store: UserStore, username: str, address: str, policy: LoginPolicy, now: float | None = None
) -> tuple[float, str]:
    """Seconds the user name or address stays locked (0 when free) and which one ("user",
    "address" or "")."""
    now = now or time.time()
    since = now - policy.window
    with store._con() as con:
        n_user, last_user = con.execute(
            "SELECT count(*), max(at) FROM login_failures WHERE username = ? AND at >= ?",
            (username, since),
        ).fetchone()
        n_addr, last_addr = con.execute(
            "SELECT count(*), max(at) FROM login_failures WHERE address = ? AND at >= ?",
            (address, since),
        ).fetchone()
    wait, which = 0.0, ""
    if n_user >= policy.user_after:
        lock = min(policy.user_max, policy.user_base * 2 ** (n_user - policy.user_after))
        wait, which = max(0.0, last_user + lock - now), "user"
    if n_addr >= policy.address_after:
        left = max(0.0, last_addr + policy.address_lock - now)
        if left > wait:
            wait, which = left, "address"
    return (wait, which if wait > 0 else "")
