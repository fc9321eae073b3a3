"""`CachedReads`: replay a cached answer of a hot read endpoint without running the framework.

The scorecard (``/api/v1/nodes/{node}/indicators``) and the drill-down (``…/explain``) file
every 200 answer under the exact request — path and raw query string — the user's nodes and
the data version (`AppState.remember_response`). For a later GET of the same path and query,
the app checks the bearer token (signature and expiry), finds the user in the
cache, and sends the filed bytes. Everything else — no token, a user or version not cached, an
answer never filed, any error — goes to the app unchanged, which then decides (and refuses)
exactly as before. Nothing is answered here that the app did not answer for the same nodes on
the same data today.

It runs in front of all middleware (`YigongApp.__call__`): a replayed answer costs a token
check and two dictionary look-ups.
"""

from __future__ import annotations

from typing import Any

from yigong.api.auth import TokenError, read_token
from yigong.api.cache import MISSING

__all__ = ["CachedReads"]


PREFIX = "/api/v1/nodes/"
_HEADERS = [(b"content-type", b"application/json")]


class CachedReads:
    """Mixin for the FastAPI app class: `__call__` replays a filed answer before any of the
    framework's middleware runs (see the module docstring); everything else goes on to
    FastAPI as usual."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX)
        ):
            try:
                body = _lookup(self, scope)
            except Exception:  # never fail here: the app answers (and reports) instead
                body = None
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [*_HEADERS, (b"content-length", str(len(body)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await super().__call__(scope, receive, send)  # type: ignore[misc]


def _lookup(app: Any, scope: dict[str, Any]) -> bytes | None:
    from yigong.api.context import response_key

    state = app.state.yigong
    token = None
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].strip().decode("latin-1")
            break
    if not token:
        return None
    try:
        username = read_token(token, state.settings.secret)
    except TokenError:
        return None
    user = state.peek(("user", username))
    version = state.peek_version()
    if user is MISSING or user is None or version is None:
        return None
    body = state.cache.peek(response_key(scope, user.nodes, version))
    return None if body is MISSING else body  # type: ignore[no-any-return]
