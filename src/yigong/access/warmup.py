"""Readiness of a server: the warehouse and the stores answer, and the caches are warm.

`warm_up(state)` fills what the first pages need so the first user does not wait for it: the
data version, the cockpit's default period, and the scorecard of the default period for every
distinct home node of the enabled users (at most `MAX_NODES`): exactly what each of them opens
first. `readiness(state)` checks the warehouse (one query; a warehouse busy with a long
computation counts as reachable), the workflow store (one query and its schema revision, which
must be the code's head) and the user store, and reports whether the warm-up has finished. A
server is ready when every check passes and the warm-up is done; `/readyz` answers 503 until
then (a load balancer keeps sending traffic elsewhere), `/healthz` only says the process runs.
`stop_warm_up(state)` — the app's shutdown — asks the warm-up to stop after the node it is on
and waits for its thread, so no DuckDB query is still running while the process exits.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from yigong.access.state import AccessState

__all__ = ["MAX_NODES", "readiness", "start_warm_up", "stop_warm_up", "warm_up"]

MAX_NODES = 20
_log = logging.getLogger("yigong.warmup")


def warm_up(state: AccessState) -> None:
    """Compute and cache what the first pages need (see the module docstring)."""
    from yigong.services import hierarchy

    started = time.perf_counter()
    state.version()
    period = state.memo(("latest_year",), lambda: _latest(state, hierarchy.latest_year))
    homes: list[str] = []
    for user in state.users.list_users():
        if not user.disabled and user.nodes and user.nodes[0] not in homes:
            homes.append(user.nodes[0])
    for node in homes[:MAX_NODES]:
        if state.warm_stop.is_set():  # the server is shutting down
            return
        try:
            state.results(node, period)
        except Exception as exc:  # noqa: BLE001 - one odd node must not keep a server unready
            _log.warning(
                "warm-up skipped a node", extra={"fields": {"node": node, "error": str(exc)}}
            )
    if state.warm_stop.is_set():
        return
    state.workflow()
    _log.info(
        "warm-up done",
        extra={
            "fields": {
                "nodes": len(homes[:MAX_NODES]),
                "period": period,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        },
    )


def _latest(state: AccessState, latest_year: Any) -> str:
    with state.tables() as wh:
        return str(latest_year(wh))


def start_warm_up(state: AccessState) -> None:
    """Start the warm-up in a background thread, once per server (later calls do nothing)."""
    with state.lock:
        if state.warm_started:
            return
        state.warm_started = True

    def run() -> None:
        try:
            warm_up(state)
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, the server still serves
            state.warm_error = f"{type(exc).__name__}: {exc}"
            _log.exception("warm-up failed")
        finally:
            state.warm_done.set()

    state.warm_thread = threading.Thread(target=run, name="yigong-warm-up", daemon=True)
    state.warm_thread.start()


def stop_warm_up(state: AccessState, timeout: float | None = None) -> None:
    """Ask a running warm-up to stop after its current node and wait for its thread (at most
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
    start_warm_up(state)

    def warehouse() -> dict[str, Any]:
        if not state.lock.acquire(timeout=2):
            return {"busy": True}  # held by a running computation: reachable
        try:
            state.warehouse.meta("data_version")  # one query through the protocol
        finally:
            state.lock.release()
        return {}

    def workflow() -> dict[str, Any]:
        from yigong.store.migrate import current_revision, head_revision

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
