"""Local users and the audit log, in a small SQLite file (``auth.sqlite`` by the warehouse).

A user has a role and a set of hierarchy nodes (``division:130423``, ``community:C1``,
``inst:H001``); every write (user added, password changed, login) is a row in ``audit_log``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from yigong.api.auth import Role, hash_password, verify_password
from yigong.warehouse.hierarchy import parse_node

__all__ = ["User", "UserStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL, nodes TEXT NOT NULL,
  password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (
  at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
"""


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    nodes: tuple[str, ...]


class UserStore:
    """Users and audit rows in one SQLite file (opened per call: safe across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._con() as con:
            con.executescript(_SCHEMA)

    def _con(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def audit(self, actor: str, action: str, detail: dict[str, object]) -> None:
        with self._con() as con:
            con.execute(
                "INSERT INTO audit_log VALUES (?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(),
                    actor,
                    action,
                    json.dumps(detail, ensure_ascii=False, sort_keys=True),
                ),
            )

    def add(
        self, username: str, password: str, role: Role | str, nodes: list[str], actor: str = "cli"
    ) -> User:
        """Create or replace a user; nodes are checked for syntax (``kind:id``)."""
        role = Role(role)
        if not username or not password:
            raise ValueError("a user needs a name and a password")
        if not nodes:
            raise ValueError(f"user {username!r}: give at least one node (--node division:130423)")
        canonical = tuple(str(parse_node(n)) for n in nodes)
        with self._con() as con:
            con.execute(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)",
                (
                    username,
                    role.value,
                    json.dumps(canonical),
                    hash_password(password),
                    datetime.now(UTC).isoformat(),
                ),
            )
        self.audit(
            actor, "user.add", {"user": username, "role": role.value, "nodes": list(canonical)}
        )
        return User(username, role, canonical)

    def get(self, username: str) -> User | None:
        with self._con() as con:
            row = con.execute(
                "SELECT username, role, nodes FROM users WHERE username = ?", (username,)
            ).fetchone()
        return None if row is None else User(row[0], Role(row[1]), tuple(json.loads(row[2])))

    def authenticate(self, username: str, password: str) -> User | None:
        with self._con() as con:
            row = con.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        if row is None or not verify_password(password, row[0]):
            self.audit(username or "?", "login.failed", {})
            return None
        self.audit(username, "login", {})
        return self.get(username)

    def audit_rows(self) -> list[dict[str, str]]:
        with self._con() as con:
            rows = con.execute("SELECT at, actor, action, detail FROM audit_log ORDER BY at")
            return [dict(zip(("at", "actor", "action", "detail"), r, strict=True)) for r in rows]
