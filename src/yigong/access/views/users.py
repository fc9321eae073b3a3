"""User administration in the cockpit (the county administrator's page; auditors may read it).

An administrator manages the users whose every node lies inside their own scope, and gives
nodes only inside it; each node must exist in the hierarchy today. They do not change their own
role, nodes or state (a second administrator does). Every change is an audit row of the user
store with the administrator as actor, and every change that takes something away revokes the
user's sessions at once (`yigong.access.users`). A user outside the administrator's scope is
refused exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.passwords import WeakPassword
from yigong.access.principal import Principal
from yigong.access.roles import ROLE_NAMES, Role
from yigong.access.scope import validate_nodes
from yigong.access.users import User, UserError, canonical_nodes
from yigong.access.views.hierarchy import node_names
from yigong.warehouse.hierarchy import parse_node

__all__ = ["OPERATIONS", "add_user", "change_user", "users_page"]

OPERATIONS = (
    "user.disable",
    "user.enable",
    "user.delete",
    "user.reset_password",
    "user.set_role",
    "user.set_nodes",
)


def _inside(p: Principal, nodes: tuple[str, ...]) -> bool:
    def run() -> bool:
        with p.state.tables() as wh:
            return all(p.scope.allows(wh, parse_node(n), date.today()) for n in nodes)

    return bool(nodes) and p.state.memo(("admin-inside", p.user.nodes, nodes), run)  # type: ignore[no-any-return]


def _row(u: User) -> dict[str, Any]:
    zh, en = ROLE_NAMES[u.role]
    return {
        "username": u.username,
        "role": u.role.value,
        "role_zh": zh,
        "role_en": en,
        "nodes": list(u.nodes),
        "disabled": u.disabled,
    }


def users_page(p: Principal) -> dict[str, Any]:
    """The users inside the administrator's (or auditor's) scope, and what can be given."""

    shown = [_row(u) for u in p.state.users.list_users() if _inside(p, u.nodes)]
    p.audit_read("users", len(shown))
    return {
        "items": shown,
        "node_names": node_names(p, sorted({n for u in shown for n in u["nodes"]})),
        "roles": [{"role": r.value, "zh": ROLE_NAMES[r][0], "en": ROLE_NAMES[r][1]} for r in Role],
        "can_act": p.can("act", "users"),
        "me": p.user.username,
    }


def _nodes(p: Principal, text: str | list[str]) -> tuple[str, ...]:
    items = text.replace(",", " ").split() if isinstance(text, str) else text
    try:
        nodes = canonical_nodes(items)
        with p.state.tables() as wh:
            validate_nodes(wh, nodes, date.today())
    except UserError as exc:
        raise AccessError(400, "bad_node", str(exc)) from None
    if not _inside(p, nodes):
        raise p.refuse("a node given")
    return nodes


def _fail(exc: Exception) -> AccessError:
    return AccessError(400, "bad_request", str(exc))


def add_user(p: Principal, username: str, role: str, nodes: str, password: str) -> dict[str, Any]:
    p.require("act", "users")
    given = _nodes(p, nodes)
    if p.state.users.get(username.strip()) is not None:
        raise AccessError(409, "user_exists", "a user of that name exists")
    try:
        user = p.state.users.add(username, password, role, given, actor=p.user.username)
    except (UserError, WeakPassword) as exc:
        raise _fail(exc) from None
    return _row(user)


def change_user(
    p: Principal,
    username: str,
    operation: str,
    *,
    role: str | None = None,
    nodes: str | None = None,
    password: str | None = None,
) -> dict[str, Any] | None:
    """One change to a user inside the scope (``OPERATIONS``); the new row, None if deleted."""
    p.require("act", "users")
    store = p.state.users
    target = store.get(username)
    if target is None or not _inside(p, target.nodes):
        raise p.refuse("the user asked for")
    if username == p.user.username and operation != "user.reset_password":
        raise AccessError(400, "own_account", "another administrator changes your own account")
    me = p.user.username
    try:
        match operation:
            case "user.disable":
                store.disable(username, me)
            case "user.enable":
                store.enable(username, me)
            case "user.delete":
                store.delete(username, me)
                return None
            case "user.reset_password":
                store.set_password(username, password or "", me)
            case "user.set_role":
                store.set_role(username, role or "", me)
            case "user.set_nodes":
                store.set_nodes(username, _nodes(p, nodes or ""), me)
            case _:
                raise AccessError(400, "bad_request", f"no user operation {operation!r}")
    except (UserError, WeakPassword) as exc:
        raise _fail(exc) from None
    changed = store.get(username)
    assert changed is not None
    return _row(changed)
