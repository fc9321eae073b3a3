"""`AccessError`: a refusal or a bad request, as every face reports it — HTTP status, machine
code, a message that names nothing outside the user's scope, and a detail object. The API turns
it into ``{"error": {"code", "message", "detail"}}``, the cockpit into its styled error page,
the CLI into a one-line message."""

from __future__ import annotations

import logging
import secrets
from typing import Any

__all__ = [
    "AccessError",
    "bad_node",
    "bad_period",
    "crash_reference",
    "not_permitted",
    "outside_scope",
]

log = logging.getLogger("yigong.access")


class AccessError(Exception):
    """An error reported as such (status, machine code, human message, detail)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or {}


def outside_scope(
    username: str, nodes: tuple[str, ...], what: str = "the node asked for"
) -> AccessError:
    """403 for anything outside the user's nodes — or unknown: the two are not told apart, and
    nothing of what was asked for is echoed."""
    return AccessError(
        403,
        "outside_scope",
        f"{what} is outside the nodes assigned to {username}",
        {"nodes": list(nodes)},
    )


def not_permitted(role: str, action: str, resource: str) -> AccessError:
    return AccessError(
        403,
        "not_permitted",
        f"the role {role} may not {action} {resource}",
        {"role": role, "action": action, "resource": resource},
    )


def bad_node(message: str) -> AccessError:
    return AccessError(400, "bad_node", message)


def bad_period(message: str) -> AccessError:
    return AccessError(400, "bad_period", message)


def crash_reference(exc: BaseException, where: str = "?") -> str:
    """Log a crash with its traceback under a fresh reference; the reference — never the
    exception's text — is what the client is told."""
    ref = secrets.token_hex(4)
    log.error("server error %s on %s", ref, where, exc_info=exc)
    return ref
