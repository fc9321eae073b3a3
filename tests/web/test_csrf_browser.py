"""CSRF and login CSRF in a real browser (Debian's Chromium via Playwright): an attacker's page
on another port of the same host (127.0.0.1 — the same *site*, so even SameSite cookies go
along) submits forms to the cockpit and to the API on behalf of a logged-in user. Every attack
is refused, nothing changes, and the real forms still work.

Issue 15, D3 (an empty form on another port made a township user's browser return a referral)
and D7 (login CSRF).
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.api.world import PASSWORD
from tests.web.test_browser import _login, _shot

PAGES: dict[str, str] = {}


class _Attacker(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = PAGES.get(self.path, "<p>nothing here</p>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def attacker() -> Iterator[str]:
    """The attacker's site: another port of the same host."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


def _form(action: str, fields: dict[str, str], script: str = "") -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<html><body><form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
        f"<script>{script}document.getElementById('f').submit();</script></body></html>"
    )


@pytest.fixture()
def context(browser):  # noqa: ANN001, ANN201
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


def _referral(base: str, user: str, status: str, requester: str) -> dict:
    """A referral as the API shows it to ``user`` (a bearer session of its own)."""
    with httpx.Client(base_url=base, timeout=60) as c:
        token = c.post(
            "/api/v1/auth/token",
            data={"username": user, "password": PASSWORD, "grant_type": "password"},
        ).json()["access_token"]
        items = c.get(
            f"/api/v1/referrals?status={status}", headers={"Authorization": f"Bearer {token}"}
        ).json()["items"]
    return next(r for r in items if r["requesting_institution"] == requester)


def _attack(page, attacker: str, name: str, markup: str, target: str):  # noqa: ANN001, ANN202
    """Open the attacker's page; its script submits the form to ``target`` (the cockpit)."""
    PAGES[f"/{name}"] = markup
    page.goto(f"{attacker}/{name}")
    page.wait_for_url(lambda url: url.startswith(target))
    page.wait_for_load_state()
    return page


def test_a_forged_referral_step_is_refused(context, live_server, attacker):
    page = context.new_page()
    _login(page, live_server, "town")
    page.wait_for_selector("#page-title")
    ref = _referral(live_server, "county", "records_returned", "H13042300100")
    rid = ref["referral_id"]
    # D3 as reported: an empty form to the API, the cockpit's cookie riding along
    _attack(
        page,
        attacker,
        "api",
        _form(f"{live_server}/api/v1/referrals/{rid}/actions/follow_up", {}),
        live_server,
    )
    body = json.loads(page.inner_text("body"))
    assert body["error"]["code"] == "unauthorized"  # the API takes bearer tokens only
    # the same against the cockpit's own form, with and without naming the action
    for name, fields in (("form", {"action": "follow_up"}), ("empty", {})):
        _attack(
            page, attacker, name, _form(f"{live_server}/referrals/{rid}/act", fields), live_server
        )
        page.wait_for_selector("#error-page")
        code = page.get_attribute("#error-page", "data-error-code")
        assert code in ("csrf_failed", "action_missing"), code
    _shot(page, "20-csrf-refused")
    after = _referral(live_server, "county", "records_returned", "H13042300100")
    assert after["version"] == ref["version"]  # nothing happened
    # the real form in the cockpit works
    page.goto(f"{live_server}/referrals?status=records_returned")
    row = page.locator(f"tr[data-referral='{rid}']")
    row.locator("select[name=action]").select_option("follow_up")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#step-done")
    assert rid in page.inner_text("#step-done")
    assert (
        _referral(live_server, "county", "records_returned", "H13042300100")["version"]
        > ref["version"]
    )


def test_a_forged_settlement_run_and_logout_are_refused(context, live_server, attacker):
    page = context.new_page()
    _login(page, live_server, "bureau")
    page.wait_for_selector("#page-title")
    fields = {"action": "settlement.run", "county": "130423", "year": "2024"}
    _attack(page, attacker, "run", _form(f"{live_server}/settlement/run", fields), live_server)
    page.wait_for_selector("#error-page[data-error-code='csrf_failed']")
    _attack(
        page, attacker, "logout", _form(f"{live_server}/logout", {"action": "logout"}), live_server
    )
    page.wait_for_selector("#error-page[data-error-code='csrf_failed']")
    page.goto(f"{live_server}/tree")  # still logged in: the forged logout did nothing
    page.wait_for_selector("li[data-institution]")


def test_login_csrf_is_refused(context, live_server, attacker):
    """The attacker logs the victim's browser into the attacker's own account — plainly, and
    with a real token and pre-login cookie fetched by the attacker and tossed into the browser
    (cookies do not keep ports apart): refused by the Origin check both times."""
    page = context.new_page()
    creds = {"action": "login", "username": "village", "password": PASSWORD, "next": "/"}
    _attack(page, attacker, "login", _form(f"{live_server}/login", creds), live_server)
    page.wait_for_selector("#error-page[data-error-code='csrf_failed']")
    with httpx.Client(base_url=live_server, timeout=60) as c:
        form = c.get("/login")
        nonce = c.cookies["yigong_login"]
        token = form.text.split('name="csrf" value="')[1].split('"')[0]
    toss = f"document.cookie = 'yigong_login={nonce}; path=/';"
    _attack(
        page,
        attacker,
        "login2",
        _form(f"{live_server}/login", {**creds, "csrf": token}, toss),
        live_server,
    )
    page.wait_for_selector("#error-page[data-error-code='csrf_failed']")
    _shot(page, "21-login-csrf-refused")
    page.goto(f"{live_server}/tree")
    page.wait_for_selector("#login-form")  # not logged in as the attacker
    assert not [c for c in context.cookies() if c["name"] == "yigong_session"]
