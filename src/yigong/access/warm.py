"""Warming the caches, so the first page a user opens answers at once.

A county's overview computes the targets of the node, their history and each child's value:
tens of seconds on a demo county when nothing is cached. `Warmer` computes, in a background
thread, what each user lands on — the overview of their first node in the default period, the
hierarchy, the periods — when the server starts and again whenever the data version changes
(an ingest, a settlement or screening run writing the warehouse), polling two ``stat`` calls
every `POLL_SECONDS`. Users with the same role and nodes share the work. Requests that arrive
while a value is being computed wait for it (the cache is single-flight) instead of computing
it again.

`yigong serve` turns it on (``Settings.warm_caches``); tests and library use leave it off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.state import AccessState

__all__ = ["POLL_SECONDS", "Warmer", "warm_once"]

POLL_SECONDS = 5.0
log = logging.getLogger("yigong.warm")


def _landing(p: Principal) -> None:
    from yigong.access.views import nodes, overview
    from yigong.access.views.hierarchy import default_period

    nodes.hierarchy(p)
    nodes.periods(p)
    if p.can("read", "indicators"):
        overview.overview(p, p.home(), default_period(p))


def warm_once(state: AccessState, work: Callable[[Principal], None] = _landing) -> dict[str, Any]:
    """Warm what every enabled user lands on; returns how many were warmed and how long it took
    (a failure for one user is logged and skipped)."""
    started = time.monotonic()
    done: set[tuple[str, tuple[str, ...]]] = set()
    failed = 0
    for user in state.users.list_users():
        key = (user.role.value, tuple(user.nodes))
        if user.disabled or key in done:
            continue
        done.add(key)
        try:
            work(Principal(user, state.scope(user), state))
        except (AccessError, LookupError, ValueError) as exc:
            failed += 1
            log.warning("warming for %s failed: %s", user.username, exc)
    return {"users": len(done), "failed": failed, "seconds": time.monotonic() - started}


class Warmer:
    """The background thread: warm at start, then after every change of the data version."""

    def __init__(self, state: AccessState, poll: float = POLL_SECONDS) -> None:
        self.state, self.poll = state, poll
        self.stop = threading.Event()
        self.runs = 0
        self.last: dict[str, Any] | None = None
        self._thread = threading.Thread(target=self._loop, name="yigong-warm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        seen = None
        while not self.stop.is_set():
            try:
                version = self.state.version()
                if version != seen:
                    self.last = warm_once(self.state)
                    self.runs += 1
                    seen = version
                    log.info("caches warmed: %s", self.last)
            except Exception:  # noqa: BLE001 - a warmer never takes the server down
                log.exception("warming the caches failed")
            self.stop.wait(self.poll)
