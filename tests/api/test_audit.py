"""Every write is audited: each write route of the app (API and cockpit, including routes
added later) leaves one audit row — who, when, what, node, outcome — whether it succeeds or
is refused, and a write whose row cannot be written is not reported as done."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.api.world import PASSWORD
from yigong.api import create_app
from yigong.api.audit import WRITE_METHODS

#: the write endpoints there are today (a new one is audited too: see the last tests)
KNOWN = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/referrals/{referral_id}/actions/{action}"),
    ("POST", "/api/v1/settlement/runs"),
    ("POST", "/api/v1/screening/flags/{flag_id}/review"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/account/password"),
    ("POST", "/settlement/run"),
    ("POST", "/referrals/{referral_id}/act"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{username}"),
    ("POST", "/api/v1/screening/flags/{flag_id}/self-check"),
    ("POST", "/api/v1/tasks/{task_id}/entries"),
    ("POST", "/screening/flags/{flag_id}/review"),
    ("POST", "/screening/flags/{flag_id}/self-check"),
    ("POST", "/tasks/record"),
    ("POST", "/api/v1/bureau/methods/runs"),
    ("POST", "/bureau/methods/run"),
}


def _flat(routes: list) -> list:
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [r]
    return out


def _writes(app) -> set[tuple[str, str]]:
    return {
        (m, r.path)
        for r in _flat(app.routes)
        if hasattr(r, "methods")
        for m in r.methods & WRITE_METHODS
    }


def _rows(app) -> list[dict]:
    return app.state.yigong.users.audit_rows()


def _new_rows(app, before: int) -> list[dict]:
    rows = _rows(app)
    return [
        {**r, "detail": json.loads(r["detail"])}
        for r in rows[before:]
        if r["action"].startswith("write ")
    ]


def test_the_write_routes_are_the_known_ones(app):
    assert _writes(app) == KNOWN


@pytest.mark.parametrize("who", ["town", None])
def test_every_write_route_leaves_one_row_done_or_refused(app, client, tokens, who):
    headers = tokens[who] if who else {}
    for method, path in sorted(_writes(app)):
        url = re.sub(r"\{[^}]+\}", "x", path)
        before = len(_rows(app))
        r = client.request(
            method,
            url,
            headers=headers,
            json={"institution": "H13042300100"},
            follow_redirects=False,
        )
        rows = _new_rows(app, before)
        assert len(rows) == 1, (method, path, r.status_code, rows)
        row = rows[0]
        assert row["action"] == f"write {method} {path}"
        assert row["actor"] == (who or "anonymous")
        assert row["at"] and row["detail"]["path"] == url
        assert row["detail"]["status"] == r.status_code
        assert row["detail"]["outcome"] == ("done" if r.status_code < 400 else "refused")
        if r.status_code >= 400 and r.headers.get("content-type") == "application/json":
            assert row["detail"]["code"] == r.json()["error"]["code"]
        assert row["detail"]["node"] == "inst:H13042300100"


def test_a_login_is_audited_under_the_name_given_never_the_password(app, client):
    before = len(_rows(app))
    form = {"username": "county", "grant_type": "password"}
    r = client.post("/api/v1/auth/token", data={**form, "password": "wrong-pw"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/token", data={**form, "password": PASSWORD})
    assert r.status_code == 200
    rows = _new_rows(app, before)
    assert [(x["actor"], x["detail"]["outcome"]) for x in rows] == [
        ("county", "refused"),
        ("county", "done"),
    ]
    assert rows[0]["detail"]["code"] == "bad_credentials"
    text = json.dumps(_rows(app)[before:], ensure_ascii=False)
    assert "wrong-pw" not in text and PASSWORD not in text


def test_a_referral_step_row_names_the_user_and_their_nodes(app, client, tokens):
    before = len(_rows(app))
    r = client.post(
        "/api/v1/referrals/RF-nope/actions/approve",
        headers=tokens["town"],
        json={"action": "approve"},
    )
    assert r.status_code == 403
    (row,) = _new_rows(app, before)
    assert row["actor"] == "town" and row["detail"]["node"] == ["inst:H13042300100"]
    assert row["detail"]["params"] == {"referral_id": "RF-nope", "action": "approve"}
    assert row["detail"]["code"] == "outside_scope"


@pytest.fixture
def other_app(world):
    """An app of its own, to add routes to."""
    return create_app(world.settings)


def _allow(monkeypatch, method: str, path: str) -> None:
    """A permission entry for a route a test adds (public, its body naming ``test``)."""
    from yigong.access.permissions import RoutePermission, permissions

    entry = RoutePermission(method, path, True, None, None, "action", ("test",), False)
    monkeypatch.setitem(permissions().routes, (method, path), entry)


def test_a_write_route_added_later_is_audited_too(other_app, monkeypatch):
    @other_app.post("/api/v1/tests/new-write")
    def new_write() -> dict:
        return {"ok": True}

    @other_app.delete("/api/v1/tests/crash")
    def crash() -> dict:
        raise RuntimeError("boom")

    @other_app.post("/api/v1/tests/unlisted")
    def unlisted() -> dict:
        return {"ok": True}

    _allow(monkeypatch, "POST", "/api/v1/tests/new-write")
    _allow(monkeypatch, "DELETE", "/api/v1/tests/crash")
    client = TestClient(other_app, raise_server_exceptions=False)
    before = len(_rows(other_app))
    assert client.post("/api/v1/tests/new-write", json={"action": "test"}).status_code == 200
    crashed = client.request("DELETE", "/api/v1/tests/crash", json={"action": "test"})
    assert crashed.status_code == 500 and "boom" not in crashed.text  # no exception text
    assert crashed.json()["error"]["detail"]["reference"]
    refused = client.post("/api/v1/tests/unlisted", json={"action": "test"})  # no entry
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_permission"
    rows = _new_rows(other_app, before)
    assert [(x["action"], x["detail"]["outcome"]) for x in rows] == [
        ("write POST /api/v1/tests/new-write", "done"),
        ("write DELETE /api/v1/tests/crash", "failed"),
        ("write POST /api/v1/tests/unlisted", "refused"),
    ]


def test_a_write_that_cannot_be_audited_is_not_reported_done(other_app, monkeypatch):
    @other_app.post("/api/v1/tests/new-write")
    def new_write() -> dict:
        return {"ok": True}

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    _allow(monkeypatch, "POST", "/api/v1/tests/new-write")
    monkeypatch.setattr(other_app.state.yigong.users, "audit", broken)
    r = TestClient(other_app).post("/api/v1/tests/new-write", json={"action": "test"})
    assert r.status_code == 500 and r.json()["error"]["code"] == "audit_failed"


def test_an_oversized_write_body_is_refused_unread_and_audited(app, client, tokens):
    from yigong.api.audit import WRITE_BODY_LIMIT

    before = len(_rows(app))
    r = client.post(
        "/api/v1/referrals/R1/actions/approve",
        headers=tokens["county"],
        content=b"{" + b" " * (WRITE_BODY_LIMIT + 10) + b"}",
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    (row,) = _new_rows(app, before)  # refused before routing: the row names the path itself
    assert row["actor"] == "county"
    assert row["action"] == "write POST /api/v1/referrals/R1/actions/approve"
    assert (row["detail"]["status"], row["detail"]["outcome"]) == (413, "refused")
    assert row["detail"]["code"] == "payload_too_large"
