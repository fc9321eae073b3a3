"""Roles as data: the permission file (role × action × resource, and the permission of every
route), loaded, validated, asked, and written out as the table of ``docs/access.md``.

``allowed(role, action, resource)`` is the one question every face asks; ``route(method,
path)`` says what a route needs. The file is `permissions.yaml` next to this module; a
mistake in it (an unknown role, resource or action; a resource granted an action it does not
have; a route naming a permission that does not exist) is refused with the file and the
reason when it is loaded, so a server never starts on a broken table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from yigong.access.roles import ROLE_NAMES, Role

__all__ = [
    "PERMISSIONS_FILE",
    "PermissionError_",
    "Permissions",
    "RoutePermission",
    "load_permissions",
    "markdown_routes",
    "markdown_table",
    "permissions",
]

PERMISSIONS_FILE = Path(__file__).with_name("permissions.yaml")
_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)$")


class PermissionError_(ValueError):  # noqa: N801 - not the builtin PermissionError (an OSError)
    """The permission file is not valid (message: file and reason)."""


@dataclass(frozen=True)
class RoutePermission:
    """What one route needs: public, or ``resource.action``; for a write, the action its body
    must name (``body_field`` = one of ``body_actions``, ``{param}`` filled from the path)."""

    method: str
    path: str
    public: bool
    resource: str | None
    action: str | None
    body_field: str
    body_actions: tuple[str, ...]
    audit_read: bool

    def named_actions(self, path_params: dict[str, str]) -> tuple[str, ...]:
        """The body actions allowed for this request (path parameters filled in)."""
        out = []
        for a in self.body_actions:
            for k, v in path_params.items():
                a = a.replace("{" + k + "}", str(v))
            out.append(a)
        return tuple(out)


@dataclass(frozen=True)
class Permissions:
    """The validated permission file."""

    actions: dict[str, dict[str, str]]
    resources: dict[str, dict[str, Any]]
    grants: dict[Role, dict[str, frozenset[str]]]
    routes: dict[tuple[str, str], RoutePermission]

    def allowed(self, role: Role | str, action: str, resource: str) -> bool:
        """Whether ``role`` may ``action`` (read, act) the ``resource``."""
        try:
            r = Role(role)
        except ValueError:
            return False
        return action in self.grants.get(r, {}).get(resource, frozenset())

    def route(self, method: str, path: str) -> RoutePermission | None:
        """The permission of a route (its path template), None when it has no entry."""
        return self.routes.get(("GET" if method == "HEAD" else method, path))

    def audited(self, route: RoutePermission) -> bool:
        """Whether reading through the route leaves an audit row (exports, record-level)."""
        if route.audit_read:
            return True
        res = self.resources.get(route.resource or "", {})
        return route.action == "read" and bool(res.get("audit_reads"))


def _fail(where: str, reason: str) -> PermissionError_:
    return PermissionError_(f"{PERMISSIONS_FILE.name}: {where}: {reason}")


def _routes(
    raw: dict[str, Any], resources: dict[str, Any]
) -> dict[tuple[str, str], RoutePermission]:
    out: dict[tuple[str, str], RoutePermission] = {}
    for key, entry in (raw or {}).items():
        m = _ROUTE.match(str(key))
        if m is None:
            raise _fail(f"routes[{key!r}]", "write 'METHOD /path'")
        if not isinstance(entry, dict):
            raise _fail(f"routes[{key!r}]", "give {permission: resource.action} or {public: true}")
        unknown = set(entry) - {"public", "permission", "body_field", "body_action", "audit_read"}
        if unknown:
            raise _fail(f"routes[{key!r}]", f"unknown fields {sorted(unknown)}")
        public = bool(entry.get("public", False))
        perm = entry.get("permission")
        if public == (perm is not None):
            raise _fail(f"routes[{key!r}]", "give exactly one of permission or public: true")
        resource = action = None
        if perm is not None:
            resource, _, action = str(perm).partition(".")
            if resource not in resources:
                raise _fail(f"routes[{key!r}]", f"no resource {resource!r}")
            if action not in resources[resource]["actions"]:
                raise _fail(f"routes[{key!r}]", f"{resource!r} has no action {action!r}")
        body = entry.get("body_action")
        body_actions = tuple(body) if isinstance(body, list) else (() if body is None else (body,))
        method = m.group(1)
        if method != "GET" and not body_actions:
            raise _fail(f"routes[{key!r}]", "a write must name its action (body_action)")
        if method == "GET" and body_actions:
            raise _fail(f"routes[{key!r}]", "a GET changes nothing: no body_action")
        out[(method, m.group(2))] = RoutePermission(
            method,
            m.group(2),
            public,
            resource,
            action,
            str(entry.get("body_field", "action")),
            tuple(str(a) for a in body_actions),
            bool(entry.get("audit_read", False)),
        )
    return out


def load_permissions(path: Path = PERMISSIONS_FILE) -> Permissions:
    """Read and validate the permission file (`PermissionError_` names what is wrong)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    actions = raw.get("actions") or {}
    resources = raw.get("resources") or {}
    for name, res in resources.items():
        unknown = set(res) - {"zh", "en", "actions", "audit_reads"}
        if unknown:
            raise _fail(f"resources.{name}", f"unknown fields {sorted(unknown)}")
        bad = set(res.get("actions", [])) - set(actions)
        if bad or not res.get("actions"):
            raise _fail(f"resources.{name}", f"actions must be some of {sorted(actions)}")
        if not res.get("zh") or not res.get("en"):
            raise _fail(f"resources.{name}", "needs zh and en names")
    grants: dict[Role, dict[str, frozenset[str]]] = {}
    roles = raw.get("roles") or {}
    for name, granted in roles.items():
        try:
            role = Role(name)
        except ValueError:
            raise _fail(f"roles.{name}", f"not a role (roles: {[r.value for r in Role]})") from None
        grants[role] = {}
        for res, acts in (granted or {}).items():
            if res not in resources:
                raise _fail(f"roles.{name}.{res}", "no such resource")
            bad = set(acts) - set(resources[res]["actions"])
            if bad:
                raise _fail(f"roles.{name}.{res}", f"{res!r} has no action(s) {sorted(bad)}")
            grants[role][res] = frozenset(acts)
    missing = [r.value for r in Role if r not in grants]
    if missing:
        raise _fail("roles", f"every role needs an entry (missing: {missing})")
    for role, granted in grants.items():
        if "act" in granted.get("referrals", ()) and role is not Role.INSTITUTION:
            raise _fail(f"roles.{role.value}", "only institutions drive clinical workflow")
    return Permissions(actions, resources, grants, _routes(raw.get("routes") or {}, resources))


@cache
def permissions() -> Permissions:
    """The shipped permission file, loaded once."""
    return load_permissions()


def markdown_table(perms: Permissions | None = None) -> str:
    """The role × resource table of ``docs/access.md`` (R read, A act, — nothing)."""
    perms = perms or permissions()
    roles = list(Role)
    head = "| resource | " + " | ".join(f"`{r.value}`" for r in roles) + " |"
    sub = "| 资源 | " + " | ".join(ROLE_NAMES[r][0] for r in roles) + " |"
    lines = [head, "|" + "---|" * (len(roles) + 1), sub]
    for name, res in perms.resources.items():
        cells = []
        for r in roles:
            got = perms.grants[r].get(name, frozenset())
            cells.append(" ".join(x for x, a in (("R", "read"), ("A", "act")) if a in got) or "—")
        lines.append(f"| `{name}` {res['en']} / {res['zh']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_routes(perms: Permissions | None = None) -> str:
    """Every route and the permission it needs (the second table of ``docs/access.md``)."""
    perms = perms or permissions()
    lines = ["| route | needs | body names the action | read audited |", "|---|---|---|---|"]
    for (method, path), rp in sorted(perms.routes.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        needs = "public" if rp.public else f"`{rp.resource}.{rp.action}`"
        body = (
            f"`{rp.body_field}` = " + " \\| ".join(f"`{a}`" for a in rp.body_actions)
            if rp.body_actions
            else ""
        )
        audited = "yes" if not rp.public and perms.audited(rp) else ""
        lines.append(f"| `{method} {path}` | {needs} | {body} | {audited} |")
    return "\n".join(lines) + "\n"
