"""Passwords, tokens, users and the audit log."""

from __future__ import annotations

import pytest

from yigong.api.auth import (
    Role,
    TokenError,
    hash_password,
    issue_token,
    read_token,
    verify_password,
)
from yigong.api.users import UserStore


def test_password_hash_is_salted_and_verifies():
    a, b = hash_password("s3cret"), hash_password("s3cret")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("s3cret", a) and not verify_password("S3cret", a)
    assert not verify_password("s3cret", "garbage")


def test_token_round_trip_forgery_and_expiry():
    tok = issue_token("wang", "k1", minutes=5, now=1000.0)
    assert read_token(tok, "k1", now=1100.0) == "wang"
    with pytest.raises(TokenError, match="signature"):
        read_token(tok, "k2", now=1100.0)
    with pytest.raises(TokenError, match="expired"):
        read_token(tok, "k1", now=1000.0 + 6 * 60)
    body, _, sig = tok.partition(".")
    forged = issue_token("admin", "other", minutes=5, now=1000.0).partition(".")[0]
    with pytest.raises(TokenError):
        read_token(f"{forged}.{sig}", "k1", now=1100.0)


def test_user_store_checks_nodes_and_audits(tmp_path):
    store = UserStore(tmp_path / "auth.sqlite")
    user = store.add("li", "pw", Role.AUDITOR, ["130423", "inst:H1"])
    assert user.nodes == ("division:130423", "inst:H1")  # canonical node names
    with pytest.raises(ValueError, match="node"):
        store.add("li", "pw", "auditor", ["H1"])  # an institution needs its prefix
    with pytest.raises(ValueError):
        store.add("li", "pw", "mayor", ["division:130423"])  # not a role
    assert store.authenticate("li", "pw") == user
    assert store.authenticate("li", "wrong") is None
    actions = [r["action"] for r in store.audit_rows()]
    assert actions == ["user.add", "login", "login.failed"]


def test_every_role_of_the_issue_exists():
    assert {r.value for r in Role} == {
        "province_commission",
        "city_commission",
        "county_commission",
        "community_office",
        "institution",
        "insurance_bureau",
        "auditor",
    }


def test_cli_adds_a_user(tmp_path):
    from typer.testing import CliRunner

    from yigong.cli.main import app

    users_db = tmp_path / "auth.sqlite"
    r = CliRunner().invoke(
        app,
        [
            "users",
            "add",
            "zhao",
            "--role",
            "insurance_bureau",
            "--node",
            "division:130423",
            "--password",
            "pw",
            "--users-db",
            str(users_db),
        ],
    )
    assert r.exit_code == 0, r.output
    assert UserStore(users_db).get("zhao").nodes == ("division:130423",)
