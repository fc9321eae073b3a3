"""/healthz and /readyz, and the request log of the API (ids, user, route template)."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import time

from tests.api.conftest import TestClient, login
from tests.api.world import PASSWORD, USERS
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
    period = state.peek(("latest_year",), lasting=True)
    assert period == world.period[:4]
    for name, (_, nodes, _) in USERS.items():  # every user's home scorecard and overview
        if nodes:  # were computed, and kept however long the warm-up took
            assert state.peek(("results", nodes[0], period, ()), lasting=True) is not MISSING
            key = ("overview-page", nodes[0], period, None, "admin", tuple(nodes))
            assert state.peek(key, lasting=True) is not MISSING, name
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


def test_users_alike_are_warmed_once_and_disabled_users_not_at_all(world, tmp_path):
    from dataclasses import replace

    from yigong.access import warm
    from yigong.access.users import UserStore

    users = tmp_path / "auth.sqlite"
    store = UserStore(users)
    store.add("ann", PASSWORD, "county_commission", ["division:130423"], actor="tests")
    store.add("bob", PASSWORD, "county_commission", ["division:130423"], actor="tests")
    store.add("carol", PASSWORD, "insurance_bureau", ["division:130423"], actor="tests")
    store.add("dan", PASSWORD, "institution", ["inst:H13042300100"], actor="tests")
    store.disable("dan", actor="tests")
    settings = replace(world.settings, users_db=users, workflow_store=str(tmp_path / "wf.sqlite"))
    state = create_app(settings).state.yigong
    seen = []
    done = warm.warm_once(state, lambda p: seen.append((p.user.role.value, p.user.nodes)))
    assert sorted(seen) == [
        ("county_commission", ("division:130423",)),
        ("insurance_bureau", ("division:130423",)),
    ]
    assert done["groups"] == 2 and done["failed"] == 0 and done["period"] == world.period[:4]


def test_a_served_cockpit_warms_at_start_and_again_after_each_data_change(
    world, tmp_path, monkeypatch
):
    """`yigong serve` (``warm_caches``): the lifespan starts the one warm-up, /readyz turns
    ready after its first pass, a new data version is warmed again, the shutdown ends it."""
    from dataclasses import replace

    from yigong.access import warm

    settings = replace(world.settings, workflow_store=str(tmp_path / "wf.sqlite"), warm_caches=True)
    app = create_app(settings)
    state = app.state.yigong
    passes = []
    version = ["v1"]
    monkeypatch.setattr(warm, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(state, "version", lambda: version[0])
    monkeypatch.setattr(warm, "warm_once", lambda s: passes.append(version[0]) or {})
    with TestClient(app) as client:
        assert state.warm_done.wait(30) and passes == ["v1"]
        assert client.get("/readyz").json()["checks"]["caches"] == {"ok": True, "warm": True}
        version[0] = "v2"  # an ingest wrote the warehouse
        deadline = time.monotonic() + 30
        while passes != ["v1", "v2"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert passes == ["v1", "v2"]
        time.sleep(0.2)
        assert passes == ["v1", "v2"]  # an unchanged version is not warmed again
    assert not state.warm_thread.is_alive()


def test_without_warm_caches_the_first_readyz_warms_once(world, tmp_path, monkeypatch):
    from dataclasses import replace

    from yigong.access import warm

    app = create_app(replace(world.settings, workflow_store=str(tmp_path / "wf.sqlite")))
    state = app.state.yigong
    passes = []
    monkeypatch.setattr(warm, "warm_once", lambda s: passes.append(1) or {})
    with TestClient(app) as client:
        assert not state.warm_started  # the lifespan started nothing
        client.get("/readyz")
        assert state.warm_done.wait(30)
        state.warm_thread.join(30)
        assert not state.warm_thread.is_alive() and passes == [1]
        assert client.get("/readyz").status_code == 200


def test_a_failed_warm_up_keeps_the_server_unready_with_its_error(world, tmp_path, monkeypatch):
    from dataclasses import replace

    from yigong.access import warm

    app = create_app(replace(world.settings, workflow_store=str(tmp_path / "wf.sqlite")))
    state = app.state.yigong

    def broken(s):
        raise OSError("disk gone")

    monkeypatch.setattr(warm, "warm_once", broken)
    client = TestClient(app)
    client.get("/readyz")
    assert state.warm_done.wait(30)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["caches"] == {
        "ok": False,
        "warm": True,
        "error": "OSError: disk gone",
    }


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
