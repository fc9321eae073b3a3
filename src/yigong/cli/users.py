"""`yigong users`: the local users of the API and cockpit (role + hierarchy nodes).

``add | list | show | disable | enable | delete | reset-password | set-role | set-nodes | roles``.
Nodes are checked against the warehouse's hierarchy (``--db``); a password is typed at a
prompt (twice) or read from stdin with ``--password-stdin`` — never given on the command line.
Every change is an audit row of the user store (actor ``cli:<login name>``) and every change
that takes something away ends the user's sessions at once.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yigong.access.passwords import WeakPassword
from yigong.access.roles import ROLE_NAMES, Role
from yigong.access.users import UserError, UserStore, canonical_nodes
from yigong.warehouse import open_warehouse

__all__ = ["users_app"]

users_app = typer.Typer(
    help="Local users of the API and cockpit (role + hierarchy nodes); every change audited.",
    no_args_is_help=True,
)
Db = Annotated[Path, typer.Option("--db", help="warehouse file (DuckDB): nodes are checked in it")]
UsersDb = Annotated[
    Path | None, typer.Option("--users-db", help="user store (default: auth.sqlite by --db)")
]
Stdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
]
Name = Annotated[str, typer.Argument(help="user name")]
Nodes = Annotated[
    list[str],
    typer.Option(
        "--node", help="a node the user sees (repeat): division:130423, community:C1, inst:H1"
    ),
]
ROLES_HELP = ", ".join(r.value for r in Role)


def _store(db: Path, users_db: Path | None) -> UserStore:
    path = users_db or db.with_name("auth.sqlite")
    if not path.parent.is_dir():
        raise _fail(UserError(f"no folder {path.parent} for the user store {path} (--users-db)"))
    return UserStore(path)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (a container): still say it was the CLI
        return "cli"


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)  # a known error: the value named in the message


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def _checked_nodes(db: Path, nodes: list[str]) -> tuple[str, ...]:
    """Canonical nodes, each existing in the warehouse's hierarchy today."""
    from yigong.access.scope import validate_nodes  # lazy: start-up

    canonical = canonical_nodes(nodes)
    if not db.exists():
        raise UserError(f"no warehouse at {db}: nodes are checked against its hierarchy (--db)")
    try:
        wh = open_warehouse("duckdb", db, read_only=True)
    except Exception as exc:  # noqa: BLE001 - DuckDB's lock: say what to do instead
        raise UserError(
            f"cannot read the hierarchy in {db} ({type(exc).__name__}): a server with one worker "
            "holds the warehouse — use the cockpit's /admin/users page, or serve with --workers 2 "
            "(read-only), or stop the server"
        ) from None
    with wh:
        validate_nodes(wh, canonical, date.today())
    return canonical


@users_app.command("add")
def add(
    name: Name,
    role: Annotated[str, typer.Option(help=ROLES_HELP)],
    node: Nodes,
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
    password_stdin: Stdin = False,
) -> None:
    """Add a user (refused if the name exists: use reset-password, set-role, set-nodes)."""
    try:
        nodes = _checked_nodes(db, node)
        store = _store(db, users_db)
        if store.get(name) is not None:
            raise UserError(f"user {name!r} exists: use reset-password, set-role or set-nodes")
        user = store.add(name, _password(password_stdin), role, nodes, actor=_actor())
    except (UserError, WeakPassword) as exc:
        raise _fail(exc) from None
    typer.echo(f"user {user.username}: {user.role.value}, nodes {', '.join(user.nodes)}")


@users_app.command("list")
def list_users(db: Db = Path("yigong.duckdb"), users_db: UsersDb = None) -> None:
    """Every user: name, role, state, nodes."""
    for u in _store(db, users_db).list_users():
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.username}\t{u.role.value}\t{state}\t{' '.join(u.nodes)}")


@users_app.command("show")
def show(name: Name, db: Db = Path("yigong.duckdb"), users_db: UsersDb = None) -> None:
    """One user, and their last audit rows."""
    store = _store(db, users_db)
    u = store.get(name)
    if u is None:
        raise _fail(UserError(f"no user {name!r}"))
    typer.echo(f"user:  {u.username}\nrole:  {u.role.value} ({ROLE_NAMES[u.role][0]})")
    typer.echo(f"state: {'disabled' if u.disabled else 'active'}\nnodes: {', '.join(u.nodes)}")
    rows = [
        r for r in store.audit_rows() if r["actor"] == name or f'"user": "{name}"' in r["detail"]
    ]
    for r in rows[-10:]:
        typer.echo(f"  {r['at']}  {r['actor']}  {r['action']}")


def _change(name: str, db: Path, users_db: Path | None, what: str, **kw: object) -> None:
    store = _store(db, users_db)
    try:
        getattr(store, what)(name, actor=_actor(), **kw)
    except (UserError, WeakPassword) as exc:
        raise _fail(exc) from None


@users_app.command("disable")
def disable(name: Name, db: Db = Path("yigong.duckdb"), users_db: UsersDb = None) -> None:
    """Disable a user (their sessions end at once; they cannot log in until enabled)."""
    _change(name, db, users_db, "disable")
    typer.echo(f"user {name}: disabled, sessions ended")


@users_app.command("enable")
def enable(name: Name, db: Db = Path("yigong.duckdb"), users_db: UsersDb = None) -> None:
    """Enable a disabled user."""
    _change(name, db, users_db, "enable")
    typer.echo(f"user {name}: enabled")


@users_app.command("delete")
def delete(
    name: Name,
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Delete a user (the audit rows stay)."""
    if not yes:
        typer.confirm(f"delete user {name}?", abort=True)
    _change(name, db, users_db, "delete")
    typer.echo(f"user {name}: deleted, sessions ended")


@users_app.command("reset-password")
def reset_password(
    name: Name,
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
    password_stdin: Stdin = False,
) -> None:
    """Set a new password (prompt or stdin); the user's sessions end."""
    _change(name, db, users_db, "set_password", password=_password(password_stdin))
    typer.echo(f"user {name}: password reset, sessions ended")


@users_app.command("set-role")
def set_role(
    name: Name,
    role: Annotated[str, typer.Argument(help=ROLES_HELP)],
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
) -> None:
    """Give a user another role; their sessions end."""
    _change(name, db, users_db, "set_role", role=role)
    typer.echo(f"user {name}: role {role}, sessions ended")


@users_app.command("set-nodes")
def set_nodes(
    name: Name, node: Nodes, db: Db = Path("yigong.duckdb"), users_db: UsersDb = None
) -> None:
    """Give a user other nodes (checked against the hierarchy); their sessions end."""
    try:
        nodes = _checked_nodes(db, node)
    except UserError as exc:
        raise _fail(exc) from None
    _change(name, db, users_db, "set_nodes", nodes=nodes)
    typer.echo(f"user {name}: nodes {', '.join(nodes)}, sessions ended")


@users_app.command("roles")
def roles(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="the tables of docs/access.md")
    ] = False,
) -> None:
    """What each role may do (from the permission file)."""
    from yigong.access.permissions import markdown_routes, markdown_table  # lazy: start-up

    if markdown:
        typer.echo(markdown_table() + "\n" + markdown_routes(), nl=False)
        return
    from yigong.access.permissions import permissions  # lazy: start-up

    perms = permissions()
    for r in Role:
        grants = perms.grants[r]
        text = ", ".join(f"{res}:{'+'.join(sorted(a))}" for res, a in grants.items())
        typer.echo(f"{r.value} ({ROLE_NAMES[r][0]}): {text}")


@users_app.command("audit")
def audit(
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (one JSON object a line) or csv")
    ] = "jsonl",
    since: Annotated[
        str | None, typer.Option("--since", help="from this UTC date or time (ISO 8601)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="before this UTC date or time (ISO 8601)")
    ] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="write to this file")] = None,
) -> None:
    """Export the audit log (logins, user changes, every write of the API and cockpit): who,
    when (UTC), what, and the details, oldest first."""

    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv", param_hint="--format")
    rows = [
        r
        for r in _store(db, users_db).audit_rows()
        if (since is None or r["at"] >= since) and (until is None or r["at"] < until)
    ]
    buf = io.StringIO()
    if fmt == "csv":
        w = csv.DictWriter(buf, fieldnames=["at", "actor", "action", "detail"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        for r in rows:
            buf.write(json.dumps({**r, "detail": json.loads(r["detail"])}, ensure_ascii=False))
            buf.write("\n")
    if out is None:
        typer.echo(buf.getvalue(), nl=False)
    else:
        out.write_text(buf.getvalue(), encoding="utf-8")
        typer.echo(f"{len(rows)} audit rows written to {out}", err=True)
