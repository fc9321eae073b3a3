"""/healthz and /readyz, and the request log of the API (ids, user, route template)."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading

import pytest

from tests.api.conftest import TestClient, login
from tests.api.world import USERS
from yigong.access.cache import MISSING
from yigong.api import create_app
from yigong.api.logs import REQUEST_LOGGER, JsonLines


def test_healthz_answers_without_an_account(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert "set-cookie" not in r.headers


def test_readyz_turns_ready_after_the_warm_up_with_the_users_scorecards_cached(world, tmp_path):
    from dataclasses import replace

    settings = replace(world.settings, workflow_store=str(tmp_path / "wf.sqlite"))
    app = create_app(settings)
    state = app.state.yigong
    client = TestClient(app)
    first = client.get("/readyz")  # starts the warm-up
    assert first.status_code in (200, 503)
    assert first.json()["checks"]["warehouse"]["ok"] is True
    assert state.warm_done.wait(120)
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] is True and body["checks"]["caches"]["warm"] is True
    assert body["checks"]["workflow_store"]["revision"] == "0002"
    period = state.memo(("latest_year",), lambda: pytest.fail("the period was not warmed"))
    for _, nodes, _ in USERS.values():  # every user's home scorecard was computed
        if nodes:
            assert state.peek(("results", nodes[0], period, ())) is not MISSING, nodes[0]
    assert "county" not in r.text and "inst:" not in r.text  # a probe names no data


def test_the_shutdown_stops_the_warm_up_and_waits_for_its_thread(world, tmp_path, monkeypatch):
    """A warm-up still computing when the server stops is asked to stop and joined, so no
    DuckDB query runs while the process exits (the computation here waits for that request:
    without the shutdown hook its thread would still be alive after the server stopped)."""
    from dataclasses import replace

    settings = replace(world.settings, workflow_store=str(tmp_path / "wf.sqlite"))
    app = create_app(settings)
    state = app.state.yigong
    computing = []
    entered = threading.Event()

    def results(node, period, *args, **kwargs):
        computing.append(node)
        entered.set()
        assert state.warm_stop.wait(120), "the shutdown never asked the warm-up to stop"

    monkeypatch.setattr(state, "results", results)
    with TestClient(app) as client:
        client.get("/readyz")  # starts the warm-up, which blocks in its first node
        assert entered.wait(120)
    assert not state.warm_thread.is_alive()
    assert len(computing) == 1  # it stopped after the node it was on
    assert state.warm_done.is_set()


def test_readyz_is_503_while_the_store_awaits_an_upgrade(world, tmp_path):
    from dataclasses import replace

    store = tmp_path / "old.sqlite"
    fresh = replace(world.settings, workflow_store=str(store))
    from yigong.store import Store

    Store(fresh.workflow_url).dispose()
    with sqlite3.connect(store) as con:  # as if a newer release's store met an older schema
        con.execute("UPDATE alembic_version SET version_num = '0001'")
    app = create_app(fresh)
    app.state.yigong.warm_done.set()  # not what is checked here
    app.state.yigong.warm_started = True
    r = TestClient(app).get("/readyz")
    assert r.status_code == 503
    check = r.json()["checks"]["workflow_store"]
    assert check["ok"] is False and "yigong store upgrade" in check["error"]
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_every_request_is_one_json_log_record(client, caplog):
    headers = login(client, "county")
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        ok = client.get("/api/v1/me", headers={**headers, "X-Request-ID": "abc-123"})
        bad = client.get("/api/v1/me", headers={"X-Request-ID": "not ok!\x7f"})
    assert ok.headers["x-request-id"] == "abc-123"
    assert bad.headers["x-request-id"] != "not ok!\x7f" and len(bad.headers["x-request-id"]) == 32
    lines = [JsonLines().format(r) for r in caplog.records if r.name == REQUEST_LOGGER]
    records = [json.loads(line) for line in lines]
    me, anon = records[-2], records[-1]
    assert me["request_id"] == "abc-123" and me["user"] == "county" and me["status"] == 200
    assert me["route"] == "/api/v1/me" and me["method"] == "GET"
    assert anon["user"] == "-" and anon["status"] == 401
    assert all(isinstance(r["duration_ms"], float) for r in records)
    assert not any("Bearer" in line for line in lines)


def test_a_path_with_parameters_is_logged_by_its_route_template(client, tokens, world, caplog):
    node = USERS["county"][1][0]
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        for _ in range(2):  # the second answer may come from the fast path: same record
            r = client.get(
                f"/api/v1/nodes/{node}/indicators?period={world.period}", headers=tokens["county"]
            )
            assert r.status_code == 200
    records = [r.fields for r in caplog.records if r.name == REQUEST_LOGGER][-2:]
    assert [r["route"] for r in records] == ["/api/v1/nodes/{node}/indicators"] * 2
    assert {r["user"] for r in records} == {"county"}
