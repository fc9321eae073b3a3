"""`Principal`: the logged-in user with their role, resolved scope and session — what every
view asks before it shows or changes anything.

- `can` / `require`: the role's permission (`yigong.access.permissions`);
- `node` / `node_async`: a requested node, refused (403 ``outside_scope``) unless inside the
  scope, and refused alike when it does not exist; a malformed one is 400 ``bad_node``;
- `period`: a period code, 400 ``bad_period`` unless it is one (and between 1990 and 2100);
- `redact`: the scope's redaction (`yigong.access.redact`);
- `audit_read`: the audit row of a read that shows records or exports rows (who, what, scope,
  row count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from yigong.access.cache import MISSING
from yigong.access.errors import AccessError, bad_node, bad_period, not_permitted, outside_scope
from yigong.access.permissions import permissions
from yigong.access.redact import Redactor
from yigong.access.scope import Scope
from yigong.access.sessions import Session
from yigong.access.state import AccessState
from yigong.access.users import User
from yigong.indicators.periods import parse_period
from yigong.warehouse.hierarchy import Node, parse_node

__all__ = ["Principal"]

_YEARS = (1990, 2100)


@dataclass(frozen=True)
class Principal:
    """The authenticated user with their resolved scope (and session, when over HTTP)."""

    user: User
    scope: Scope
    state: AccessState
    session: Session | None = None

    # -- role --------------------------------------------------------------------------------

    def can(self, action: str, resource: str) -> bool:
        return permissions().allowed(self.user.role, action, resource)

    def require(self, action: str, resource: str) -> None:
        if not self.can(action, resource):
            raise not_permitted(self.user.role.value, action, resource)

    # -- scope -------------------------------------------------------------------------------

    def refuse(self, what: str = "the node asked for") -> AccessError:
        return outside_scope(self.user.username, self.user.nodes, what)

    @property
    def redact(self) -> Redactor:
        return self.scope.redactor

    def _parse(self, text: str) -> Node:
        try:
            return parse_node(text)
        except ValueError as exc:
            raise bad_node(str(exc)) from exc

    def _allows(self, node: Node) -> bool:
        def run() -> bool:
            with self.state.tables() as wh:
                return self.scope.allows(wh, node, date.today())

        return self.state.memo(("allows", self.user.nodes, str(node)), run)  # type: ignore[no-any-return]

    def node(self, text: str) -> Node:
        """Parse a requested node and refuse it (403) unless it lies inside the scope."""
        node = self._parse(text)
        if not self._allows(node):
            raise self.refuse()
        return node

    async def node_async(self, text: str) -> Node:
        """`node`, answered on the event loop when the decision is cached."""
        from starlette.concurrency import run_in_threadpool  # lazy: web extra

        node = self._parse(text)
        ok = self.state.peek(("allows", self.user.nodes, str(node)))
        if ok is MISSING:
            ok = await run_in_threadpool(self._allows, node)
        if not ok:
            raise self.refuse()
        return node

    def home(self) -> str:
        """The node a page shows when none is asked for: the user's first."""
        return self.user.nodes[0]

    @staticmethod
    def period(text: str) -> str:
        """A period code (``2024``, ``2024Q1``, ``202403``), or 400 ``bad_period``."""
        try:
            code = parse_period(text).code
        except ValueError as exc:
            raise bad_period(str(exc)) from exc
        if not _YEARS[0] <= int(code[:4]) <= _YEARS[1]:
            raise bad_period(f"period {text!r}: years {_YEARS[0]}–{_YEARS[1]} only")
        return code

    # -- audit -------------------------------------------------------------------------------

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        self.state.users.audit(self.user.username, action, detail)

    def audit_read(self, what: str, rows: int, **detail: Any) -> None:
        """One ``read`` row: who, what was read, the scope it was read in and how many rows."""
        self.audit(
            "read",
            {
                "what": what,
                "nodes": list(self.user.nodes),
                "role": self.user.role.value,
                "rows": rows,
                **detail,
            },
        )
