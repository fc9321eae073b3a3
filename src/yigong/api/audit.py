"""`AuditWrites`: every write request (POST, PUT, PATCH, DELETE) leaves one audit row.

The middleware sits in front of every route of the app — API and cockpit, those there are and
those added later — so a write without an audit row cannot be written by forgetting a line.
The row goes to the user store's ``audit_log`` *before* the answer is sent; if it cannot be
written, the client gets a 500 error object instead of a success it could not prove.

A row says

- **who**: the authenticated user (the access guard records them on the request), else the
  ``username`` field of a login form (the password is never read), else the user of a valid
  bearer token (a write refused before routing), else ``anonymous``;
- **when**: UTC time of the write;
- **what**: ``write <METHOD> <route>`` (e.g. ``write POST
  /api/v1/referrals/{referral_id}/actions/{action}``), with the actual path and its parameters;
- **node**: the institution a request body names (``institution``), else the user's nodes;
- **outcome**: ``done`` (2xx/3xx), ``refused`` (4xx, with the error object's code) or
  ``failed`` (5xx or a crash), and the HTTP status.

Domain rows (``login``, ``referral.<action>`` with the states before and after) are written
by the services as before; this row is the guarantee that nothing is missed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse

from yigong.api.errors import error_body

__all__ = ["WRITE_METHODS", "AuditWrites"]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BODY_MAX = 64 * 1024  # how much of a request body is parsed (for the actor and node)
#: the largest write body accepted: every write of the API is a small form or JSON object,
#: and the body is held in memory until the audit row is written
WRITE_BODY_LIMIT = 1024 * 1024


def _fields(content_type: str, body: bytes) -> dict[str, str]:
    """``username`` and ``institution`` from a form or JSON body (nothing else is kept)."""
    wanted = ("username", "institution")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(body.decode("utf-8", "replace"))
            return {k: form[k][0][:200] for k in wanted if form.get(k)}
        if content_type.startswith("application/json") and body:
            data = json.loads(body)
            if isinstance(data, dict):
                return {k: str(data[k])[:200] for k in wanted if data.get(k)}
    except ValueError:
        pass
    return {}


def _error_code(body: bytes) -> str | None:
    try:
        data = json.loads(body)
        return str(data["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _token_user(headers: dict[bytes, bytes], app_state: Any) -> str:
    """The user of a valid bearer token on a write refused before it was routed."""
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth[:7].lower() == "bearer ":
        session = app_state.sessions.check(auth[7:].strip())
        if session is not None:
            return str(session.username)
    return "anonymous"


class AuditWrites:
    """ASGI middleware (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        body_parts: list[bytes] = []  # the request body is read first (writes are small) so
        more = True  # the row can name the actor and node even if the route never reads it
        size = 0
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body_parts.append(message.get("body", b""))
            size += len(body_parts[-1])
            more = message.get("more_body", False)
            if size > WRITE_BODY_LIMIT:  # refused unread, and the refusal is audited too
                answer = JSONResponse(
                    error_body(
                        "payload_too_large", f"a write body is at most {WRITE_BODY_LIMIT:,} bytes"
                    ),
                    413,
                )
                self._write(scope, state, b"", 413, answer.body)
                await answer(scope, receive, send)
                return
        seen = b"".join(body_parts)
        replayed = False

        async def receive_and_look() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": seen, "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        start: dict[str, Any] = {}
        chunks: list[dict[str, Any]] = []

        async def hold(message: dict[str, Any]) -> None:  # the answer waits for the row
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message)

        try:
            await self.app(scope, receive_and_look, hold)
        except Exception:
            self._write(scope, state, seen[:_BODY_MAX], 500, b"")
            raise
        body = b"".join(c.get("body", b"") for c in chunks)
        status = int(start.get("status", 500))
        try:
            self._write(scope, state, seen[:_BODY_MAX], status, body)
        except Exception as exc:  # no proof of the write: do not report success
            await JSONResponse(
                error_body(
                    "audit_failed", f"the write could not be audited: {type(exc).__name__}: {exc}"
                ),
                500,
            )(scope, receive, send)
            return
        await send(start)
        for c in chunks:
            await send(c)

    @staticmethod
    def _write(
        scope: dict[str, Any], state: dict[str, Any], seen: bytes, status: int, body: bytes
    ) -> None:
        app_state = scope["app"].state.yigong
        headers = dict(scope.get("headers") or [])
        fields = _fields(headers.get(b"content-type", b"").decode("latin-1"), seen)
        who = state.get("user")
        if who is not None:
            actor, nodes = who.username, list(who.nodes)
        else:
            actor, nodes = fields.get("username") or _token_user(headers, app_state), []
        route = scope.get("route")
        template = getattr(route, "path", None) or scope["path"]
        outcome = "done" if status < 400 else "refused" if status < 500 else "failed"
        detail: dict[str, object] = {
            "path": scope["path"],
            "params": dict(scope.get("path_params") or {}),
            "node": f"inst:{fields['institution']}" if "institution" in fields else nodes,
            "status": status,
            "outcome": outcome,
        }
        if status >= 400:
            detail["code"] = _error_code(body)
        app_state.users.audit(actor, f"write {scope['method']} {template}", detail)
