"""`SecurityHeaders`: the response headers every answer of the app carries.

- ``Content-Security-Policy``: scripts, styles, images and forms from this site only, no
  plugins, no ``<base>``, and ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY``):
  no other site can frame the cockpit. The cockpit has no inline script: its pages pass data
  to the bundled ``cockpit.js`` in ``<script type="application/json">`` blocks. The API's
  documentation pages (``/docs``, ``/redoc``) load the bundled Swagger UI and ReDoc from this
  site too; their policy (`yigong.api.docs.DOCS_CSP`) adds only inline *styles* (both UIs
  style themselves at run time) and a blob worker (ReDoc's search) — no other origin;
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``Cross-Origin-Opener-Policy: same-origin``, ``Permissions-Policy`` (no camera, microphone,
  geolocation);
- ``Cache-Control: no-store`` on everything but the static assets: pages, JSON and exports are
  per user and many hold patient-level rows, so no browser or proxy cache keeps them;
- ``Strict-Transport-Security`` when the server runs behind TLS (``secure_cookies``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CSP", "DOCS_CSP", "SecurityHeaders", "security_headers"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: the documentation pages' policy: scripts only from this site; the two UIs style themselves
#: at run time (inline styles), and ReDoc's search runs in a worker made from a blob
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_DOCS = ("/docs", "/redoc")
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def security_headers(path: str, secure: bool) -> list[tuple[bytes, bytes]]:
    """The headers an answer to ``path`` carries (see the module docstring)."""
    csp = DOCS_CSP if path in _DOCS else CSP
    out = [*_COMMON, (b"content-security-policy", csp.encode())]
    if not path.startswith("/static/"):
        out.append((b"cache-control", b"no-store"))
    if secure:
        out.append(_HSTS)
    return out


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer."""

    def __init__(self, app: Any, *, secure: bool = False) -> None:
        self.app, self.secure = app, secure

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = security_headers(scope["path"], self.secure)
        names = {k for k, _ in ours}

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + ours}
            await send(message)

        await self.app(scope, receive, with_headers)
