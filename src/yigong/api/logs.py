"""Structured logs: one JSON object per line, and the request log of every HTTP answer.

`configure_logging("json")` puts a `JsonLines` handler on the root logger (stderr), so the
server's own messages (uvicorn's start-up and errors) are JSON lines too; ``"text"`` keeps a
plain one-line format for a terminal. `RequestLog` (a mixin of the app class, outermost, so it
also sees the answers the scorecard fast path replays) logs each request once it is answered:
``request_id`` (the client's ``X-Request-ID`` when it is a plain token, else a new one; sent back
in the ``X-Request-ID`` header), ``user`` (the authenticated user, else ``-``), ``method``,
``route`` (the route's template, e.g. ``/api/v1/referrals/{referral_id}``), ``path``, ``status``
and ``duration_ms``. Query strings, bodies, cookies and tokens are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = ["REQUEST_LOGGER", "JsonLines", "RequestLog", "configure_logging", "request_id"]

REQUEST_LOGGER = "yigong.request"
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_log = logging.getLogger(REQUEST_LOGGER)


class JsonLines(logging.Formatter):
    """A record as one JSON object: time (UTC, ISO 8601), level, logger, message, and the
    fields a caller passed as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str = "json", level: str = "info") -> None:
    """Send every log record to stderr, as JSON lines (``fmt="json"``) or plain text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_yigong", False):
            root.removeHandler(h)
    handler._yigong = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` if it is a plain token of at most 64 characters (a proxy's
    id keeps the two logs joinable), else a new random one."""
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _ID.match(text):
                return text
            break
    return uuid.uuid4().hex


class RequestLog:
    """Mixin for the app class: one ``yigong.request`` record per HTTP request (see above)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        rid = request_id(scope.get("headers") or [])
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        status = 500  # what the log says if the app fails before answering
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())],
                }
            await send(message)

        try:
            await super().__call__(scope, receive, send_with_id)  # type: ignore[misc]
        finally:
            user = state.get("user")
            route = getattr(scope.get("route"), "path", None) or state.get("route")
            fields = {
                "request_id": rid,
                "user": getattr(user, "username", None) or "-",
                "method": scope["method"],
                "route": route or scope["path"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            _log.info("request", extra={"fields": fields})
