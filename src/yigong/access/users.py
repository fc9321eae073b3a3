"""Local users and the audit log, in a small SQLite file (``auth.sqlite`` by the warehouse).

A user has a role, a set of hierarchy nodes (``division:130423``, ``community:C1``,
``inst:H001``), a password hash and a disabled flag. Every change — added, password reset,
role or nodes set, disabled, enabled, deleted — is a row of ``audit_log`` (who, when, what),
and every change that takes something away (password, role, nodes, disable, delete) revokes
the user's sessions at once (`yigong.access.sessions`).

The same file holds the sessions and the failed logins. It runs in WAL mode, so the many small
audit rows do not block readers. Caches of user records and sessions do not watch this file
(every audit row would expire them) but the *revision* file next to it (``auth.sqlite.rev``),
rewritten on every change that revokes: one ``stat`` tells any process whether what it holds
is still good.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from yigong.access.passwords import check_password, hash_password
from yigong.access.roles import Role
from yigong.warehouse.hierarchy import parse_node

__all__ = ["User", "UserError", "UserStore", "canonical_nodes", "check_role_nodes"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL, nodes TEXT NOT NULL,
  password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (
  at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, kind TEXT NOT NULL,
  created_at REAL NOT NULL, last_seen REAL NOT NULL, expires_at REAL NOT NULL,
  address TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
CREATE TABLE IF NOT EXISTS login_failures (
  username TEXT NOT NULL, address TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_user ON login_failures (username, at);
CREATE INDEX IF NOT EXISTS failures_by_address ON login_failures (address, at);
"""
#: columns added since the first version of the file (added in place to an older file)
_ADDED = {"disabled": "INTEGER NOT NULL DEFAULT 0", "changed_at": "TEXT NOT NULL DEFAULT ''"}
_NAME_MAX = 64


class UserError(ValueError):
    """A user change that cannot be made (unknown user, bad name, role or node)."""


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    nodes: tuple[str, ...]
    disabled: bool = False


def _now() -> str:
    return datetime.now(UTC).isoformat()


def canonical_nodes(nodes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Nodes in their canonical spelling (``130423`` → ``division:130423``); syntax only —
    whether they exist is checked against the hierarchy by `yigong.access.scope`."""
    if not nodes:
        raise UserError("give at least one node (division:130423, community:C1, inst:H1)")
    try:
        return tuple(dict.fromkeys(str(parse_node(n)) for n in nodes))
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def check_role_nodes(role: Role, nodes: tuple[str, ...]) -> None:
    """An institution user acts as their own institution(s): their nodes are institutions."""
    if role is Role.INSTITUTION and not all(n.startswith("inst:") for n in nodes):
        raise UserError(
            "an institution user's nodes are their own institutions (inst:<id>), "
            f"not {', '.join(n for n in nodes if not n.startswith('inst:'))}"
        )


class UserStore:
    """Users, sessions, failed logins and audit rows in one SQLite file (a connection per
    call: safe across threads and processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rev_path = Path(f"{path}.rev")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._con() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            have = {r[1] for r in con.execute("PRAGMA table_info(users)")}
            for col, decl in _ADDED.items():
                if col not in have:
                    con.execute(f"ALTER TABLE users ADD COLUMN {col} {decl}")
        if not self.rev_path.exists():
            self.bump()

    def _con(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    # -- revision: what caches of users and sessions check ------------------------------------

    def bump(self) -> None:
        """Rewrite the revision file: every process drops what it cached of users/sessions."""
        tmp = self.rev_path.with_name(self.rev_path.name + f".{os.getpid()}.tmp")
        tmp.write_text(f"{time.time_ns()} {os.getpid()}\n", encoding="utf-8")
        os.replace(tmp, self.rev_path)

    def revision(self) -> tuple[int, int, int]:
        """(inode, mtime ns, size) of the revision file: changes with every revoking change."""
        try:
            st = os.stat(self.rev_path)
        except FileNotFoundError:
            return (0, 0, 0)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    # -- audit -----------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: dict[str, object]) -> None:
        with self._con() as con:
            con.execute(
                "INSERT INTO audit_log VALUES (?, ?, ?, ?)",
                (_now(), actor, action, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
            )

    def audit_rows(self) -> list[dict[str, str]]:
        with self._con() as con:
            rows = con.execute("SELECT at, actor, action, detail FROM audit_log ORDER BY rowid")
            return [dict(zip(("at", "actor", "action", "detail"), r, strict=True)) for r in rows]

    # -- reading ---------------------------------------------------------------------------------

    def get(self, username: str) -> User | None:
        with self._con() as con:
            row = con.execute(
                "SELECT username, role, nodes, disabled FROM users WHERE username = ?", (username,)
            ).fetchone()
        if row is None:
            return None
        return User(row[0], Role(row[1]), tuple(json.loads(row[2])), bool(row[3]))

    def list_users(self) -> list[User]:
        with self._con() as con:
            rows = con.execute(
                "SELECT username, role, nodes, disabled FROM users ORDER BY username"
            ).fetchall()
        return [User(r[0], Role(r[1]), tuple(json.loads(r[2])), bool(r[3])) for r in rows]

    def password_hash(self, username: str) -> str | None:
        """The stored hash of an enabled user (None: no such user, or disabled)."""
        with self._con() as con:
            row = con.execute(
                "SELECT password_hash FROM users WHERE username = ? AND disabled = 0", (username,)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- changes (each audited) -----------------------------------------------------------------

    def add(
        self,
        username: str,
        password: str,
        role: Role | str,
        nodes: list[str] | tuple[str, ...],
        actor: str = "cli",
        *,
        replace: bool = False,
    ) -> User:
        """Create a user (``replace``: or replace one, revoking their sessions). The password
        must meet the policy (`yigong.access.passwords.check_password`)."""
        username = self._name(username)
        role = self._role(role)
        canonical = canonical_nodes(nodes)
        check_role_nodes(role, canonical)
        check_password(password, username)
        with self._con() as con:
            exists = con.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone()
            if exists and not replace:
                raise UserError(
                    f"user {username!r} exists: use reset-password, set-role or set-nodes"
                )
            con.execute("DELETE FROM users WHERE username = ?", (username,))
            con.execute(
                "INSERT INTO users (username, role, nodes, password_hash, created_at, disabled,"
                " changed_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                (
                    username,
                    role.value,
                    json.dumps(canonical),
                    hash_password(password),
                    _now(),
                    _now(),
                ),
            )
            if exists:
                con.execute("DELETE FROM sessions WHERE username = ?", (username,))
        self.bump()
        self.audit(
            actor,
            "user.replace" if exists else "user.add",
            {"user": username, "role": role.value, "nodes": list(canonical)},
        )
        return User(username, role, canonical)

    def set_password(self, username: str, password: str, actor: str, *, own: bool = False) -> None:
        """A new password (a reset, or ``own``: the user's own change); every session of the
        user ends, and failed logins of the name are forgotten."""
        check_password(password, username)
        self._change(
            username,
            actor,
            "user.change_password" if own else "user.reset_password",
            {},
            password_hash=hash_password(password),
        )
        with self._con() as con:
            con.execute("DELETE FROM login_failures WHERE username = ?", (username,))

    def set_role(self, username: str, role: Role | str, actor: str) -> User:
        role = self._role(role)
        check_role_nodes(role, self._must(username).nodes)
        self._change(username, actor, "user.set_role", {"role": role.value}, role=role.value)
        return self._must(username)

    def set_nodes(self, username: str, nodes: list[str] | tuple[str, ...], actor: str) -> User:
        canonical = canonical_nodes(nodes)
        check_role_nodes(self._must(username).role, canonical)
        self._change(
            username,
            actor,
            "user.set_nodes",
            {"nodes": list(canonical)},
            nodes=json.dumps(canonical),
        )
        return self._must(username)

    def disable(self, username: str, actor: str) -> None:
        self._change(username, actor, "user.disable", {}, disabled=1)

    def enable(self, username: str, actor: str) -> None:
        self._change(username, actor, "user.enable", {}, revoke=False, disabled=0)

    def delete(self, username: str, actor: str) -> None:
        self._must(username)
        with self._con() as con:
            con.execute("DELETE FROM users WHERE username = ?", (username,))
            con.execute("DELETE FROM sessions WHERE username = ?", (username,))
            con.execute("DELETE FROM login_failures WHERE username = ?", (username,))
        self.bump()
        self.audit(actor, "user.delete", {"user": username})

    def _change(
        self,
        username: str,
        actor: str,
        action: str,
        detail: dict[str, object],
        *,
        revoke: bool = True,
        **columns: object,
    ) -> None:
        before = self._must(username)
        sets = ", ".join(f"{c} = ?" for c in columns)
        with self._con() as con:
            con.execute(
                f"UPDATE users SET {sets}, changed_at = ? WHERE username = ?",  # noqa: S608 - names are ours
                (*columns.values(), _now(), username),
            )
            if revoke:
                con.execute("DELETE FROM sessions WHERE username = ?", (username,))
        self.bump()
        self.audit(
            actor,
            action,
            {
                "user": username,
                **detail,
                "before": {"role": before.role.value, "nodes": list(before.nodes)},
            },
        )

    def _must(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise UserError(f"no user {username!r}")
        return user

    @staticmethod
    def _name(username: str) -> str:
        name = (username or "").strip()
        if not name or len(name) > _NAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
            raise UserError(f"user name {username!r}: 1–{_NAME_MAX} letters, digits or . _ - @")
        return name

    @staticmethod
    def _role(role: Role | str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise UserError(
                f"no role {role!r} (roles: {', '.join(r.value for r in Role)})"
            ) from None
