"""Warming the caches, and the server's readiness: one warm-up, one entry point.

A county's overview computes the targets of the node, their history and each child's value:
tens of seconds on a demo county when nothing is cached. `start(state)` starts, once per server,
a background thread that computes what each user lands on, so the first user does not wait
for it (`warm_once`): the data version, the cockpit's default period (the last year with
discharges), the hierarchy and its periods, then, for each distinct role and nodes of the
enabled users (at most `MAX_GROUPS`; users alike share the work), the scorecard of their home
node and its overview in the default period. Requests that arrive while a value is being
computed wait for it (the cache is single-flight) instead of computing it again.

Who starts it: the app's lifespan when ``Settings.warm_caches`` is on (`yigong serve`, every
worker); otherwise the first ``/readyz``. With ``warm_caches`` the thread then follows the data:
every `POLL_SECONDS` it compares the data version (two ``stat`` calls) and warms again after an
ingest, a settlement or screening run wrote the warehouse. Without it (tests, library use) it
warms once and ends.

`readiness(state)` checks the warehouse (one query; a warehouse busy with a long computation
counts as reachable), the workflow store (one query and its schema revision, which must be the
code's head) and the user store, and reports whether the first warm-up has finished. A server
is ready when every check passes and that warm-up is done: ``/readyz`` answers 503 until then
(a load balancer keeps sending traffic elsewhere); ``/healthz`` only says the process runs.
`stop(state)` — the app's shutdown — asks the thread to stop after the user group it is on and
waits for it, so no DuckDB query is still running while the process exits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from yigong.access.principal import Principal
from yigong.access.state import AccessState
from yigong.access.views import nodes, overview
from yigong.access.views.hierarchy import default_period
from yigong.services import hierarchy

__all__ = ["MAX_GROUPS", "POLL_SECONDS", "readiness", "start", "stop", "warm_once"]

POLL_SECONDS = 5.0
MAX_GROUPS = 20
log = logging.getLogger("yigong.warm")


def _landing(p: Principal) -> None:
    """What a user lands on: the node and period pickers, the scorecard and the overview of
    their home node in the default period."""
    nodes.hierarchy(p)
    nodes.periods(p)
    if p.can("read", "indicators"):
        period = default_period(p)
        p.state.results(p.home(), period)
        if not p.state.warm_stop.is_set():  # the server is shutting down
            overview.overview(p, p.home(), period)


def warm_once(state: AccessState, work: Callable[[Principal], None] = _landing) -> dict[str, Any]:
    """Warm what the enabled users land on (see the module docstring); returns how many user
    groups were warmed, how many failed (each failure is logged and skipped: one odd node must
    not keep a server unready) and how long it took. Stops early when `stop` was called."""
    started = time.perf_counter()
    state.version()
    period = state.memo(
        ("latest_year",), lambda: _latest(state, hierarchy.latest_year), lasting=True
    )
    groups: list[tuple[str, tuple[str, ...]]] = []
    failed = 0
    for user in state.users.list_users():
        key = (user.role.value, tuple(user.nodes))
        if user.disabled or not user.nodes or key in groups or len(groups) >= MAX_GROUPS:
            continue
        if state.warm_stop.is_set():  # the server is shutting down
            break
        groups.append(key)
        try:
            work(Principal(user, state.scope(user), state))
        except Exception as exc:  # noqa: BLE001 - logged; the others are still warmed
            failed += 1
            log.warning(
                "warm-up skipped a user group",
                extra={"fields": {"role": key[0], "nodes": list(key[1]), "error": str(exc)}},
            )
    if not state.warm_stop.is_set():
        state.workflow()
    return {
        "groups": len(groups),
        "failed": failed,
        "period": period,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _latest(state: AccessState, latest_year: Any) -> str:
    with state.tables() as wh:
        return str(latest_year(wh))


def _run(state: AccessState, follow: bool, poll: float) -> None:
    """The thread: warm, mark the server warm (or its error), then — when following — warm
    again after every change of the data version until `stop`."""
    seen = None
    first = True
    while not state.warm_stop.is_set():
        try:
            version = state.version()
            if version != seen:
                done = warm_once(state)
                seen = version
                state.warm_error = None
                log.info("warm-up done", extra={"fields": done})
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, the server still serves
            state.warm_error = f"{type(exc).__name__}: {exc}"
            log.exception("warm-up failed")
        if first:
            state.warm_done.set()
            first = False
        if not follow:
            return
        state.warm_stop.wait(poll)


def start(state: AccessState, poll: float | None = None) -> None:
    """Start the warm-up thread, once per server (later calls do nothing); it keeps following
    the data version, every ``poll`` seconds (default `POLL_SECONDS`), when
    ``state.settings.warm_caches`` is on."""
    with state.lock:
        if state.warm_started:
            return
        state.warm_started = True
    follow = state.settings.warm_caches
    state.warm_thread = threading.Thread(
        target=_run,
        args=(state, follow, POLL_SECONDS if poll is None else poll),
        name="yigong-warm",
        daemon=True,
    )
    state.warm_thread.start()


def stop(state: AccessState, timeout: float | None = None) -> None:
    """Ask the warm-up to stop after the user group it is on and wait for its thread (at most
    ``timeout`` seconds; by default until it has stopped)."""
    state.warm_stop.set()
    thread = state.warm_thread
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)


def _check(fn: Any) -> dict[str, Any]:
    try:
        return {"ok": True, **(fn() or {})}
    except Exception as exc:  # noqa: BLE001 - a readiness probe reports, it never raises
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def readiness(state: AccessState) -> dict[str, Any]:
    """Each check and whether the server is ready (starts the warm-up if nobody did)."""
    start(state)

    def warehouse() -> dict[str, Any]:
        if not state.lock.acquire(timeout=2):
            return {"busy": True}  # held by a running computation: reachable
        try:
            state.warehouse.meta("data_version")  # one query through the protocol
        finally:
            state.lock.release()
        return {}

    def workflow() -> dict[str, Any]:
        from yigong.store.migrate import current_revision, head_revision  # lazy: heavy (alembic)

        store = state.workflow()
        with store.engine.connect() as con:
            rev = current_revision(con)
        head = head_revision()
        if rev != head:
            raise RuntimeError(f"schema at {rev}, this yigong needs {head}")
        return {"revision": rev}

    def users() -> dict[str, Any]:
        state.users.revision()
        return {}

    checks = {
        "warehouse": _check(warehouse),
        "workflow_store": _check(workflow),
        "user_store": _check(users),
        "caches": {
            "ok": state.warm_done.is_set() and state.warm_error is None,
            "warm": state.warm_done.is_set(),
            **({"error": state.warm_error} if state.warm_error else {}),
        },
    }
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}
