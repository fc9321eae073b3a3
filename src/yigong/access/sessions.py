"""Server-side sessions: what a bearer token or the cockpit cookie stands for.

A token is 32 random bytes (URL-safe text) given to the client once; the store keeps only its
SHA-256. A session belongs to one user, has an absolute expiry (``absolute_seconds`` after
login) and an idle expiry (``idle_seconds`` after its last use), and ends at once when it is
revoked: by logout, or by any change to its user that takes something away (password, role,
nodes, disabled, deleted — `yigong.access.users`).

Checks are cached in memory per process and trusted only while the user file's *revision*
(one ``stat``) is unchanged, so a revocation in another process is seen on the next request.
The last use is written back at most every ``touch_seconds`` (the idle clock's resolution);
before a cached session is declared idle, the store is read again in case another process saw
it used.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, replace

from yigong.access.users import UserStore

__all__ = ["Session", "Sessions", "token_hash"]

_CACHE_MAX = 20_000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    username: str
    kind: str  # "api" (bearer token) or "cookie" (the cockpit)
    created_at: float
    last_seen: float
    expires_at: float


class Sessions:
    """Sessions of one user store, with the expiry rules of the settings."""

    def __init__(
        self,
        store: UserStore,
        *,
        idle_seconds: float,
        absolute_seconds: float,
        touch_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.idle, self.absolute = idle_seconds, absolute_seconds
        self.touch_every = min(touch_seconds, idle_seconds / 4)
        self._cache: dict[str, tuple[tuple[int, int, int], Session]] = {}
        self._lock = threading.Lock()

    def create(self, username: str, kind: str, address: str = "") -> str:
        """A new session for ``username``; returns the token (shown to the client once)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.store._con() as con:
            con.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token_hash(token), username, kind, now, now, now + self.absolute, address),
            )
            con.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        return token

    def _read(self, h: str) -> Session | None:
        with self.store._con() as con:
            row = con.execute(
                "SELECT token_hash, username, kind, created_at, last_seen, expires_at "
                "FROM sessions WHERE token_hash = ?",
                (h,),
            ).fetchone()
        return None if row is None else Session(*row)

    def _keep(self, rev: tuple[int, int, int], s: Session) -> None:
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[s.token_hash] = (rev, s)

    def peek(self, token: str) -> Session | None:
        """The session if this process holds it as valid and nothing needs writing (no I/O
        but one ``stat``); None otherwise — then `check` decides."""
        hit = self._cache.get(token_hash(token))
        if hit is None or hit[0] != self.store.revision():
            return None
        s, now = hit[1], time.time()
        if now >= s.expires_at or now - s.last_seen >= self.touch_every:
            return None
        return s

    def check(self, token: str) -> Session | None:
        """The valid session the token stands for, or None (unknown, expired, idle, revoked)."""
        h, now = token_hash(token), time.time()
        rev = self.store.revision()
        hit = self._cache.get(h)
        s = hit[1] if hit is not None and hit[0] == rev else self._read(h)
        if s is not None and now - s.last_seen >= self.idle:
            s = self._read(h)  # another process may have seen it used
        if s is None or now >= s.expires_at or now - s.last_seen >= self.idle:
            with self._lock:
                self._cache.pop(h, None)
            if s is not None:
                self.end(s, "expired")
            return None
        if now - s.last_seen >= self.touch_every:
            with self.store._con() as con:
                con.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now, h))
            s = replace(s, last_seen=now)
        self._keep(rev, s)
        return s

    def end(self, s: Session, why: str) -> None:
        """Remove a session (logout or expiry); logged out sessions are revoked everywhere."""
        with self.store._con() as con:
            con.execute("DELETE FROM sessions WHERE token_hash = ?", (s.token_hash,))
        with self._lock:
            self._cache.pop(s.token_hash, None)
        if why == "logout":
            self.store.bump()
