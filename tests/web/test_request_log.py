"""The server's log during a Chromium session is JSON lines: every request of the browser
tests (this module runs last in tests/web, so theirs are in the file too) is one object with
its request id, user, route template, status and duration, and the answer names the id."""

from __future__ import annotations

import json
import time
from urllib.request import Request, urlopen

from tests.api.world import PASSWORD
from tests.web.test_browser import _login

FIELDS = {"ts", "level", "logger", "msg", "request_id", "user", "method", "route", "path"}


def test_the_log_of_a_browser_session_is_json_lines(browser, live_server, server_log):
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    _login(page, live_server)
    page.wait_for_selector("#kpis li")  # lands on the overview
    page.goto(f"{live_server}/tree")
    context.close()
    with urlopen(Request(f"{live_server}/healthz", headers={"X-Request-ID": "probe-42"})) as r:
        assert r.headers["X-Request-ID"] == "probe-42"  # a proxy's id is kept and echoed
    deadline = time.monotonic() + 30  # the record is written just after the answer is sent
    while '"probe-42"' not in server_log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the probe's request was never logged"
        time.sleep(0.05)
    lines = server_log.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r["logger"] == "yigong.request"]
    assert len(requests) >= 5
    for r in requests:
        assert FIELDS | {"status", "duration_ms"} <= set(r), r
        assert isinstance(r["status"], int) and r["duration_ms"] >= 0
    by_route = {(r["method"], r["route"]): r for r in requests}
    assert by_route[("POST", "/login")]["status"] == 303
    assert by_route[("GET", "/tree")]["user"] == "county"  # the signed-in user, by name
    assert by_route[("GET", "/tree")]["status"] == 200
    assert any(r["request_id"] == "probe-42" and r["route"] == "/healthz" for r in requests)
    assert len({r["request_id"] for r in requests}) >= len(requests) - 1  # one id a request
    assert not any(PASSWORD in line for line in lines)  # no form field is ever logged
