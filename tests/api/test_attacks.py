"""Issue 15's findings D1–D12, each reproduced as the attacker did it and shown refused.

(D3's and D7's attacks from a real browser on another port are in
`tests/web/test_csrf_browser.py`; here they are replayed request by request.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.api.conftest import login
from tests.api.test_access_matrix import ORIGIN, leaks
from tests.api.world import PASSWORD, USERS
from yigong.access.http import SESSION_COOKIE

TOWN, COUNTY_HOSPITAL = "H13042300100", "H13042300001"


def _referral(client, tokens, status: str, requester: str = TOWN) -> dict:
    items = client.get(f"/api/v1/referrals?status={status}", headers=tokens["county"]).json()[
        "items"
    ]
    return next(r for r in items if r["requesting_institution"] == requester)


def _cookie_session(client, user: str) -> tuple[str, str]:
    """Log ``user`` into the cockpit as a browser does; (session cookie, CSRF token)."""
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    r = client.post(
        "/login",
        data={"action": "login", "csrf": token, "username": user, "password": PASSWORD},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text  # to the first page the role may open
    cookie = client.cookies.get(SESSION_COOKIE)
    page = client.get("/referrals")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    return cookie, csrf


# D1 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["auditor", "bureau", "county", "office"])
def test_d1_roles_that_are_no_party_cannot_move_a_referral(app, client, tokens, user):
    """The auditor, the insurance bureau and the commission moved referrals by naming a
    hospital in the body: now 403 not_permitted, the referral unchanged, the refusal audited."""
    ref = _referral(client, tokens, "arrived")
    url = f"/api/v1/referrals/{ref['referral_id']}/actions/return"
    before = len(app.state.yigong.users.audit_rows())
    r = client.post(
        url,
        headers=tokens[user],
        json={"action": "return", "institution": ref["receiving_institution"]},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"
    after = _referral(client, tokens, "arrived")
    assert (after["status"], after["version"]) == (ref["status"], ref["version"])
    rows = app.state.yigong.users.audit_rows()[before:]
    assert [(x["actor"], json.loads(x["detail"])["outcome"]) for x in rows] == [(user, "refused")]


def test_d1_reads_follow_the_role_too(client, tokens, world):
    for user, url in (
        ("admin", f"/api/v1/nodes/division:130423/indicators?period={world.period}"),
        ("admin", "/api/v1/export/discharges.csv"),
        ("bureau", "/api/v1/referrals"),
        ("bureau", "/api/v1/quarantine"),
        ("town", "/admin/users?format=json"),
    ):
        r = client.get(url, headers=tokens[user])
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted", (user, url)


def test_d1_an_institution_acts_only_as_its_own_institution(client, tokens):
    ref = _referral(client, tokens, "arrived")  # the county hospital must return the records
    r = client.post(
        f"/api/v1/referrals/{ref['referral_id']}/actions/return",
        headers=tokens["town"],
        json={"action": "return", "institution": COUNTY_HOSPITAL},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    assert _referral(client, tokens, "arrived")["version"] == ref["version"]


# D2 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["town", "office", "village"])
def test_d2_no_export_names_a_case_or_institution_outside_the_scope(app, client, tokens, user):
    state = app.state.yigong
    scope = state.scope(state.users.get(user))
    hidden = set(scope.all_institutions - scope.institutions)
    names = {scope.names[i] for i in hidden}
    tables = client.get("/api/v1/export/tables", headers=tokens[user]).json()["items"]
    assert "screen_flags" in tables
    for table in tables:
        r = client.get(f"/api/v1/export/{table}.csv", headers=tokens[user])
        assert r.status_code == 200, (table, r.text[:200])
        assert not leaks(r.text, "text/csv", hidden, names), (user, table)


def test_d2_the_death_behind_a_townships_flag_is_not_named(client, tokens):
    r = client.get("/api/v1/export/screen_flags.csv", headers=tokens["town"])
    flags = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    after_death = [f for f in flags if f["rule_id"] == "service_after_death"]
    assert after_death, "the test world plants a service after an in-hospital death"
    keys = json.loads(after_death[0]["rows"])
    assert "discharges:(outside scope)" in keys  # the death at the county hospital
    assert any(k.startswith("outpatient_visits:MZ") for k in keys)  # the township's own visit
    assert COUNTY_HOSPITAL not in r.text
    county = client.get("/api/v1/export/screen_flags.csv", headers=tokens["county"]).text
    assert COUNTY_HOSPITAL in county  # the county sees its own hospital's cases


# D3 -----------------------------------------------------------------------------------------


def test_d3_the_api_ignores_the_cockpit_cookie(app, client, tokens):
    cookie, _ = _cookie_session(client, "town")
    assert cookie
    ref = _referral(client, tokens, "records_returned")
    r = client.post(  # what the attacker's empty form did: the cookie rides along
        f"/api/v1/referrals/{ref['referral_id']}/actions/follow_up",
        data={"action": "follow_up"},
        headers={"Origin": "http://127.0.0.1:9999"},
    )
    assert r.status_code == 401
    client.cookies.clear()


def test_d3_a_cockpit_form_needs_its_token_its_origin_and_its_action(client, tokens):
    cookie, csrf = _cookie_session(client, "town")
    ref = _referral(client, tokens, "records_returned")
    url = f"/referrals/{ref['referral_id']}/act"
    foreign = {"Origin": "http://127.0.0.1:9999"}
    for data, headers, code in (
        ({"action": "follow_up"}, foreign, "csrf_failed"),  # the attack: no token
        ({"action": "follow_up", "csrf": csrf}, foreign, "csrf_failed"),  # token, other site
        ({"action": "follow_up", "csrf": "0" * 64}, ORIGIN, "csrf_failed"),  # forged token
        ({"action": "follow_up"}, {}, "csrf_failed"),  # neither Origin nor Referer
        ({"csrf": csrf}, ORIGIN, "action_missing"),  # the body names no action
    ):
        r = client.post(url, data=data, headers=headers, follow_redirects=False)
        assert r.status_code in (400, 403) and f'data-error-code="{code}"' in r.text, data
    after = _referral(client, tokens, "records_returned")
    assert after["version"] == ref["version"]  # nothing happened
    ok = client.post(
        url, data={"action": "follow_up", "csrf": csrf}, headers=ORIGIN, follow_redirects=False
    )
    assert ok.status_code == 303  # the real form works
    client.cookies.clear()


def test_d3_an_api_write_needs_a_body_naming_its_action(client, tokens):
    ref = _referral(client, tokens, "records_returned")
    url = f"/api/v1/referrals/{ref['referral_id']}/actions/follow_up"
    for body in (None, {}, {"reason": "x"}, {"action": "return"}):
        r = client.post(url, headers=tokens["town"], json=body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "action_missing", body


# D4 -----------------------------------------------------------------------------------------


def test_d4_logout_ends_the_session_at_once(client, tokens):
    h = login(client, "town")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    r = client.post("/api/v1/auth/logout", headers=h, json={"action": "logout"})
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=h).status_code == 401
    cookie, csrf = _cookie_session(client, "town")
    r = client.post(
        "/logout", data={"action": "logout", "csrf": csrf}, headers=ORIGIN, follow_redirects=False
    )
    assert r.status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the cookie kept by an attacker
    assert client.get("/tree", follow_redirects=False).status_code == 303  # to the login form
    client.cookies.clear()


@pytest.mark.parametrize("change", ["password", "disable", "role", "nodes", "delete"])
def test_d4_a_change_to_the_user_ends_their_sessions(app, client, change):
    store = app.state.yigong.users
    name = f"d4-{change}"
    store.add(
        name, PASSWORD, "community_office", ["community:C1304231"], actor="tests", replace=True
    )
    h = login(client, name)
    cookie, _ = _cookie_session(client, name)
    assert client.get("/api/v1/me", headers=h).status_code == 200
    if change == "password":
        new = "another long passphrase"
        client.cookies.set(SESSION_COOKIE, cookie)
        page = client.get("/account")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
        r = client.post(
            "/account/password",
            data={
                "action": "password.change",
                "csrf": csrf,
                "current": PASSWORD,
                "new": new,
                "again": new,
            },
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert r.status_code == 303
    else:
        {
            "disable": lambda: store.disable(name, actor="admin"),
            "role": lambda: store.set_role(name, "auditor", actor="admin"),
            "nodes": lambda: store.set_nodes(name, ["division:130423"], actor="admin"),
            "delete": lambda: store.delete(name, actor="admin"),
        }[change]()
    assert client.get("/api/v1/me", headers=h).status_code == 401
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.cookies.clear()


# D5, D6 -------------------------------------------------------------------------------------


@pytest.fixture()
def strict(world, tmp_path):
    """An app of its own with the default login defence (the shared one locks nobody out)."""
    from dataclasses import replace

    from yigong.access.throttle import LoginPolicy
    from yigong.access.users import UserStore
    from yigong.api import create_app

    settings = replace(world.settings, users_db=tmp_path / "auth.sqlite", login=LoginPolicy())
    UserStore(settings.users_path).add("town", PASSWORD, "institution", [f"inst:{TOWN}"])
    UserStore(settings.users_path).add("other", PASSWORD, "auditor", ["division:130423"])
    return create_app(settings)


def _try(app, user: str, password: str, address: str = "10.0.0.1"):
    c = TestClient(app, client=(address, 40000))
    return c.post(
        "/api/v1/auth/token",
        data={"username": user, "password": password, "grant_type": "password"},
    )


def test_d5_a_hundred_wrong_passwords_lock_the_name(strict):
    codes = [_try(strict, "town", f"guess-{i}").status_code for i in range(100)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    right = _try(strict, "town", PASSWORD)
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    assert right.json()["error"]["code"] == "too_many_attempts"
    actions = [r["action"] for r in strict.state.yigong.users.audit_rows()]
    assert actions.count("login.failed") == 5 and actions.count("login.locked") == 96
    assert _try(strict, "other", PASSWORD, "10.0.0.2").status_code == 200  # another name is free


def test_d5_many_names_from_one_address_lock_the_address(strict):
    for i in range(20):
        assert _try(strict, f"nobody{i}", "guess", "10.0.0.9").status_code == 401
    assert _try(strict, "other", PASSWORD, "10.0.0.9").status_code == 429
    assert _try(strict, "other", PASSWORD, "10.0.0.10").status_code == 200


def test_d6_an_unknown_name_costs_what_a_known_one_costs(strict, monkeypatch):
    import hashlib

    from yigong.access import passwords

    calls: list[tuple[int, int, int]] = []
    real = hashlib.scrypt

    def counted(password, *, salt, n, r, p, dklen):  # noqa: ANN001
        calls.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, dklen=dklen)

    monkeypatch.setattr(passwords.hashlib, "scrypt", counted)
    known = _try(strict, "town", "wrong password")
    costs_known = list(calls)
    calls.clear()
    unknown = _try(strict, "no-such-user", "wrong password")
    assert calls == costs_known == [(2**14, 8, 1)]  # one scrypt of the same cost each
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


# D7 -----------------------------------------------------------------------------------------


def test_d7_login_csrf_is_refused(client):
    client.cookies.clear()
    data = {"action": "login", "username": "town", "password": PASSWORD}
    r = client.post(
        "/login", data=data, headers={"Origin": "http://127.0.0.1:9999"}, follow_redirects=False
    )
    assert r.status_code == 403 and 'data-error-code="csrf_failed"' in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    form = client.get("/login")  # even with a real token, another site's Origin is refused
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    r = client.post(
        "/login",
        data={**data, "csrf": token},
        headers={"Origin": "http://127.0.0.1:9999"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    client.cookies.clear()  # a token without its pre-login cookie is worth nothing
    r = client.post("/login", data={**data, "csrf": token}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    client.cookies.clear()


# D8 -----------------------------------------------------------------------------------------


def _cli(args: list[str], stdin: str | None = None):  # noqa: ANN202
    from typer.testing import CliRunner

    from yigong.cli.main import app

    return CliRunner().invoke(app, args, input=stdin)


def test_d8_user_administration_from_the_command_line(app, tmp_path):
    import shutil

    with app.state.yigong.tables() as wh:  # a copy: the app holds the warehouse open
        wh.duck.execute("CHECKPOINT")
        shutil.copy(wh.path, tmp_path / "copy.duckdb")
    db = str(tmp_path / "copy.duckdb")
    users = ["--db", db, "--users-db", str(tmp_path / "auth.sqlite")]
    r = _cli(
        [
            "users",
            "add",
            "zhao",
            "--role",
            "auditor",
            "--node",
            "division:130423",
            "--password",
            "1",
            *users,
        ]
    )
    assert r.exit_code == 2 and "--password" in r.output  # no password on the command line
    r = _cli(
        [
            "users",
            "add",
            "zhao",
            "--role",
            "auditor",
            "--node",
            "division:130423",
            "--password-stdin",
            *users,
        ],
        "1\n",
    )
    assert r.exit_code == 2 and "at least 10" in r.output
    r = _cli(
        [
            "users",
            "add",
            "zhao",
            "--role",
            "auditor",
            "--node",
            "division:999999",
            "--password-stdin",
            *users,
        ],
        PASSWORD + "\n",
    )
    assert r.exit_code == 2 and "999999" in r.output  # a node that does not exist
    r = _cli(
        ["users", "add", "zhao", "--role", "auditor", "--node", "division:130423", *users],
        f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert r.exit_code == 0, r.output  # typed at the prompt, twice
    for args in (
        ["list"],
        ["show", "zhao"],
        ["disable", "zhao"],
        ["enable", "zhao"],
        ["set-role", "zhao", "county_commission"],
        ["set-nodes", "zhao", "--node", "community:C1304231"],
    ):
        r = _cli(["users", *args, *users])
        assert r.exit_code == 0, (args, r.output)
    r = _cli(
        ["users", "reset-password", "zhao", "--password-stdin", *users], "another long passphrase\n"
    )
    assert r.exit_code == 0, r.output
    r = _cli(["users", "set-nodes", "zhao", "--node", "inst:NOPE", *users])
    assert r.exit_code == 2
    r = _cli(["users", "delete", "zhao", "--yes", *users])
    assert r.exit_code == 0
    from yigong.access.users import UserStore

    rows = UserStore(tmp_path / "auth.sqlite").audit_rows()
    assert [x["action"] for x in rows] == [
        "user.add",
        "user.disable",
        "user.enable",
        "user.set_role",
        "user.set_nodes",
        "user.reset_password",
        "user.delete",
    ]
    assert all(x["actor"].startswith("cli") for x in rows)


def test_d8_the_administrators_page(app, client, tokens):
    _, csrf = _cookie_session(client, "admin")
    r = client.post(
        "/admin/users",
        data={
            "action": "user.add",
            "csrf": csrf,
            "username": "d8new",
            "role": "auditor",
            "nodes": "division:130423000",
            "password": PASSWORD,
        },
        headers=ORIGIN,
    )
    assert r.status_code in (400, 403)  # no such township: refused, not created
    assert app.state.yigong.users.get("d8new") is None
    r = client.post(
        "/admin/users",
        data={
            "action": "user.add",
            "csrf": csrf,
            "username": "d8new",
            "role": "auditor",
            "nodes": "community:C1304231",
            "password": PASSWORD,
        },
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/admin/users/d8new",
        data={"action": "user.disable", "csrf": csrf},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert r.status_code == 303 and app.state.yigong.users.get("d8new").disabled
    r = client.post(
        "/admin/users/elsewhere", data={"action": "user.disable", "csrf": csrf}, headers=ORIGIN
    )
    assert r.status_code == 403 and 'data-error-code="outside_scope"' in r.text  # not his county
    listed = client.get("/admin/users?format=json").json()["items"]
    assert "d8new" in {u["username"] for u in listed} and "elsewhere" not in {
        u["username"] for u in listed
    }
    rows = [
        x
        for x in app.state.yigong.users.audit_rows()
        if '"d8new"' in x["detail"] and x["action"].startswith("user.")
    ]
    assert [(x["actor"], x["action"]) for x in rows] == [
        ("admin", "user.add"),
        ("admin", "user.disable"),
    ]
    client.cookies.clear()


# D9 -----------------------------------------------------------------------------------------


def test_d9_security_headers(client, tokens, world):
    for url in (
        f"/nodes/division:130423/indicators/C02?period={world.period}",
        "/api/v1/export/discharges.csv",
        "/api/v1/me",
        "/login",
    ):
        r = client.get(url, headers=tokens["county"])
        h = r.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"], url
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin" and h["cache-control"] == "no-store", url
    page = client.get("/", headers=tokens["county"]).text
    assert "<script>" not in page  # no inline script: the policy can forbid them
    static = client.get("/static/cockpit.js")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"


def test_d9_secure_cookies_behind_tls(world, tmp_path):
    from dataclasses import replace

    from yigong.access.users import UserStore
    from yigong.api import create_app

    settings = replace(world.settings, users_db=tmp_path / "auth.sqlite", secure_cookies=True)
    UserStore(settings.users_path).add("town", PASSWORD, "institution", [f"inst:{TOWN}"])
    c = TestClient(create_app(settings), base_url="https://testserver")
    form = c.get("/login")
    assert "strict-transport-security" in form.headers
    assert (
        "__Host-yigong_login=" in form.headers["set-cookie"]
        and "Secure" in form.headers["set-cookie"]
    )
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    r = c.post(
        "/login",
        data={"action": "login", "csrf": token, "username": "town", "password": PASSWORD},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"]
    assert r.status_code == 303 and cookie.startswith("__Host-yigong_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie


# D10 ----------------------------------------------------------------------------------------


def test_d10_a_refusal_names_the_hidden_other_end_only_by_name(app, client, tokens):
    ref = _referral(client, tokens, "arrived")  # the county hospital must return the records
    r = client.post(
        f"/api/v1/referrals/{ref['referral_id']}/actions/return",
        headers=tokens["town"],
        json={"action": "return"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"
    text = json.dumps(r.json(), ensure_ascii=False)
    assert COUNTY_HOSPITAL not in text
    name = app.state.yigong.scope(app.state.yigong.users.get("town")).names[COUNTY_HOSPITAL]
    assert name in r.json()["error"]["message"]  # the counterpart, shown by name
    refused = [
        x for x in app.state.yigong.users.audit_rows() if x["action"] == "referral.return.refused"
    ]
    assert refused and COUNTY_HOSPITAL not in refused[-1]["detail"].split('"message"')[1]


# D11 ----------------------------------------------------------------------------------------


def _reads(app, before: int) -> list[dict]:
    rows = app.state.yigong.users.audit_rows()[before:]
    return [{**x, "detail": json.loads(x["detail"])} for x in rows if x["action"] == "read"]


def test_d11_exports_and_drill_downs_leave_an_audit_row(app, client, tokens, world):
    before = len(app.state.yigong.users.audit_rows())
    r = client.get("/api/v1/export/discharges.csv", headers=tokens["town"])
    n = len(list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))))
    (row,) = _reads(app, before)
    assert row["actor"] == "town" and row["detail"]["what"] == "export discharges.csv"
    assert row["detail"]["rows"] == n > 0 and row["detail"]["nodes"] == USERS["town"][1]
    before = len(app.state.yigong.users.audit_rows())
    for _ in range(2):  # the second answer comes from the cache: still a row
        ex = client.get(
            f"/api/v1/nodes/division:130423/indicators/C02/explain?period={world.period}&limit=5",
            headers=tokens["county"],
        ).json()
    rows = _reads(app, before)
    assert len(rows) == 2 and rows[0]["detail"]["what"] == "drill-down C02"
    assert rows[0]["detail"]["rows"] == sum(len(m["rows"]) for m in ex["measures"])
    before = len(app.state.yigong.users.audit_rows())
    client.get(f"/nodes/inst:{TOWN}/indicators/C05?period={world.period}", headers=tokens["town"])
    (row,) = _reads(app, before)
    assert row["detail"]["node"] == f"inst:{TOWN}"


# D12 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,status,code",
    [
        ("/api/v1/nodes/division:130423/indicators?period=1900", 400, "bad_period"),
        ("/api/v1/nodes/division:130423/indicators?period=1995", 400, "bad_period"),
        ("/api/v1/nodes/division:130423000/indicators?period=2024", 403, "outside_scope"),
        (
            "/api/v1/nodes/division:130423000/indicators/C02/explain?period=2024",
            403,
            "outside_scope",
        ),
        ("/api/v1/casemix?node=division:130423000", 403, "outside_scope"),
        ("/api/v1/contracts?year=2024&node=division:130423000", 403, "outside_scope"),
        ("/api/v1/dataValueSets?node=division:130423&period=1900", 400, "bad_period"),
        ("/api/v1/nodes/nonsense/indicators?period=2024", 400, "bad_node"),
    ],
)
def test_d12_a_bad_node_or_period_is_a_clean_refusal(client, tokens, url, status, code):
    r = client.get(url, headers=tokens["county"])
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    assert "Error" not in r.json()["error"]["message"]  # no exception text


@pytest.mark.parametrize(
    "url,status,code",
    [
        ("/?node=division:130423&period=1900", 400, "bad_period"),
        ("/?node=division:130423000", 403, "outside_scope"),
        ("/casemix?node=division:130423000", 403, "outside_scope"),
        ("/nodes/division:130423/indicators/C02?period=1995", 400, "bad_period"),
    ],
)
def test_d12_the_cockpit_shows_the_styled_page(client, tokens, url, status, code):
    r = client.get(url, headers=tokens["county"])
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert f'data-error-code="{code}"' in r.text and 'id="error-page"' in r.text
