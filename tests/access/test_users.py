"""The user store: passwords, users and their changes, each audited; what takes something away
ends the user's sessions and moves the store's revision (what every process's cache checks)."""

from __future__ import annotations

import pytest

from yigong.access.passwords import WeakPassword, check_password, hash_password, verify_password
from yigong.access.roles import Role
from yigong.access.users import UserError, UserStore

GOOD = "a long enough passphrase"


def test_password_hash_is_salted_and_verifies():
    a, b = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("s3cret-pass", a) and not verify_password("S3cret-pass", a)
    assert not verify_password("s3cret-pass", "garbage")


@pytest.mark.parametrize(
    "password,why",
    [
        ("1", "at least 10"),
        ("short-pw", "at least 10"),
        ("password123", "common"),
        ("qwertyuiop", "common"),
        ("woaini1314", "common"),
        ("aaaaaaaaaaaa", "common"),
        ("x" * 201, "at most"),
        ("zhao-is-my-name", "user name"),
    ],
)
def test_the_password_policy_refuses_weak_ones(password, why):
    with pytest.raises(WeakPassword, match=why):
        check_password(password, "zhao")


def test_user_store_checks_names_roles_nodes_and_audits(tmp_path):
    store = UserStore(tmp_path / "auth.sqlite")
    user = store.add("li", GOOD, Role.AUDITOR, ["130423", "inst:H1"])
    assert user.nodes == ("division:130423", "inst:H1")  # canonical node names
    with pytest.raises(UserError, match="exists"):
        store.add("li", GOOD, "auditor", ["division:130423"])
    with pytest.raises(UserError, match="node"):
        store.add("wu", GOOD, "auditor", ["H1"])  # an institution needs its prefix
    with pytest.raises(UserError, match="role"):
        store.add("wu", GOOD, "mayor", ["division:130423"])
    with pytest.raises(UserError, match="inst:"):
        store.add("wu", GOOD, "institution", ["division:130423"])  # acts as its own institution
    with pytest.raises(UserError, match="user name"):
        store.add("wu li; drop", GOOD, "auditor", ["division:130423"])
    with pytest.raises(WeakPassword):
        store.add("wu", "1", "auditor", ["division:130423"])
    assert store.get("wu") is None
    actions = [r["action"] for r in store.audit_rows()]
    assert actions == ["user.add"]


def test_every_change_is_audited_and_revokes_sessions(tmp_path):
    from yigong.access.sessions import Sessions

    store = UserStore(tmp_path / "auth.sqlite")
    sessions = Sessions(store, idle_seconds=600, absolute_seconds=3600)
    store.add("li", GOOD, "community_office", ["community:C1"])
    for change, args, revokes in [
        ("set_role", ("auditor",), True),
        ("set_nodes", (["division:130423"],), True),
        ("set_password", ("another long passphrase",), True),
        ("disable", (), True),
        ("enable", (), False),
        ("delete", (), True),
    ]:
        token = sessions.create("li", "api")
        assert sessions.check(token) is not None
        before = store.revision()
        getattr(store, change)("li", *args, actor="admin")
        assert store.revision() != before  # every process drops what it cached
        assert (sessions.check(token) is None) is revokes, change
    assert [r["action"] for r in store.audit_rows()] == [
        "user.add",
        "user.set_role",
        "user.set_nodes",
        "user.reset_password",
        "user.disable",
        "user.enable",
        "user.delete",
    ]
    assert all(r["actor"] == "admin" for r in store.audit_rows()[1:])
    with pytest.raises(UserError, match="no user"):
        store.disable("li", actor="admin")


def test_a_disabled_user_cannot_log_in(tmp_path):
    from yigong.access.login import LoginRefused, authenticate
    from yigong.access.throttle import LoginPolicy

    store = UserStore(tmp_path / "auth.sqlite")
    store.add("li", GOOD, "auditor", ["division:130423"])
    assert authenticate(store, "li", GOOD, "1.2.3.4", LoginPolicy()).username == "li"
    store.disable("li", actor="admin")
    with pytest.raises(LoginRefused, match="wrong password"):
        authenticate(store, "li", GOOD, "1.2.3.4", LoginPolicy())
    (row,) = [r for r in store.audit_rows() if r["action"] == "login.failed"]
    assert "disabled" in row["detail"]  # said in the audit, not to the client


def test_an_old_user_file_is_upgraded_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "auth.sqlite"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE users (username TEXT PRIMARY KEY, role TEXT NOT NULL, nodes TEXT NOT NULL,"
        " password_hash TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    con.execute(
        "INSERT INTO users VALUES ('old', 'auditor', '[\"division:130423\"]', ?, '2024')",
        (hash_password(GOOD),),
    )
    con.commit()
    con.close()
    store = UserStore(path)
    assert store.get("old").disabled is False
    assert store.password_hash("old") is not None
