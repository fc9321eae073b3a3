"""The result cache: bounded, single-flight, keyed by the data version (a warehouse change is
never answered from the cache), and the replayed answers of `CachedReads` reach only users
with the same role and nodes and a live session."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.api.conftest import login
from yigong.access.cache import MISSING, LruCache
from yigong.access.state import json_bytes
from yigong.access.users import UserStore
from yigong.api import Settings, create_app
from yigong.services import indicators as indicators_svc

PASSWORD = "pw-for-cache-tests"
COUNTY = "division:130423"


def test_lru_is_bounded_and_keeps_the_recently_used():
    c = LruCache(3)
    for k in "abc":
        c.put(k, k.upper())
    assert c.peek("a") == "A"  # a is now the most recent
    c.put("d", "D")
    assert len(c) == 3 and c.peek("b") is MISSING and c.peek("a") == "A"
    with pytest.raises(ValueError):
        LruCache(0)
    b = LruCache(100, max_bytes=250)  # answers are bounded by size too
    for k in range(5):
        b.put(k, bytes(100))
    assert len(b) == 2 and b.bytes == 200 and b.peek(4) is not MISSING
    b.put(4, bytes(10))  # replacing a value gives its bytes back
    assert b.bytes == 110


def test_a_cold_key_is_computed_once_however_many_ask():
    c = LruCache(10)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    got: list[int] = []
    threads = [
        threading.Thread(target=lambda: got.append(c.get_or_compute("k", slow))) for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 20 and len(calls) == 1


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory):
    """A warehouse of its own (the tests change it) and two users."""
    from yigong.services.demo import run_demo

    root = tmp_path_factory.mktemp("cache")
    db = run_demo(root / "demo", preset="tiny", seed=11, say=lambda _: None).db
    settings = Settings(warehouse=db, users_db=root / "auth.sqlite", secret="cache-secret")
    store = UserStore(settings.users_path)
    store.add("county", PASSWORD, "county_commission", [COUNTY], actor="tests")
    store.add("elsewhere", PASSWORD, "county_commission", ["division:130402"], actor="tests")
    app = create_app(settings)
    client = TestClient(app)
    tokens = {name: login(client, name, PASSWORD) for name in ("county", "elsewhere")}
    return app, client, tokens


def _fresh(app, node: str, period: str) -> bytes:
    """The scorecard computed now, bypassing every cache."""
    with app.state.yigong.tables() as wh:
        results = indicators_svc.compute(wh, node, period).results
    return json_bytes({"node": node, "period": period, "items": [r.as_dict() for r in results]})


def test_a_warehouse_change_is_never_answered_from_the_cache(own):
    app, client, tokens = own
    state = app.state.yigong
    url = f"/api/v1/nodes/{COUNTY}/indicators?period=2024"
    first = client.get(url, headers=tokens["county"])
    assert first.status_code == 200 and first.content == _fresh(app, COUNTY, "2024")
    hits = state.cache.hits
    again = client.get(url, headers=tokens["county"])  # replayed from the cache
    assert again.content == first.content and state.cache.hits > hits
    before = state.version()
    with state.tables() as wh:  # what an ingest does to the numbers
        wh.duck.execute("DELETE FROM discharges WHERE hash(discharge_id) % 2 = 0")
        wh.duck.execute("CHECKPOINT")
    assert state.version() != before
    after = client.get(url, headers=tokens["county"])
    assert after.status_code == 200
    assert after.content != first.content and after.content == _fresh(app, COUNTY, "2024")
    ex = f"/api/v1/nodes/{COUNTY}/indicators/C02/explain?period=2024"
    one = client.get(ex, headers=tokens["county"]).json()
    with state.tables() as wh:  # a new ingest run alone is a new version too
        wh.duck.execute("INSERT INTO ingest_runs (run_id) VALUES ('zz-test-run')")
    assert state.version().ingest_run == "zz-test-run"
    assert client.get(ex, headers=tokens["county"]).json() == one  # same data, same answer


@pytest.mark.parametrize("read", ["indicators", "overview", "map"])
def test_a_replayed_answer_reaches_only_the_same_nodes_with_a_live_session(own, read):
    import secrets
    import sqlite3

    from yigong.access.state import response_key

    app, client, _ = own
    tokens = {name: login(client, name, PASSWORD) for name in ("county", "elsewhere")}
    url = f"/api/v1/nodes/{COUNTY}/{read}?period=2024"
    first = client.get(url, headers=tokens["county"])
    assert first.status_code == 200
    state = app.state.yigong
    user = state.peek_user("county")
    key = response_key(url.split("?")[0], b"period=2024", user.role.value, user.nodes,
                       state.peek_version())  # fmt: skip
    assert state.cache.peek(key) == first.content  # filed
    state.cache.put(key, b'{"replayed": true}')
    r = client.get(url, headers=tokens["county"])  # replayed, before any of the framework
    assert r.json() == {"replayed": True}
    state.cache.put(key, first.content)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    r = client.get(url, headers=tokens["elsewhere"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    assert client.get(url).status_code == 401
    forged = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
    assert client.get(url, headers=forged).status_code == 401
    expired = login(client, "county", PASSWORD)
    assert client.get(url, headers=expired).status_code == 200
    store = app.state.yigong.users
    with sqlite3.connect(store.path) as con:  # the session's absolute expiry passes
        con.execute("UPDATE sessions SET expires_at = 0")
    store.bump()  # (only revocations move the revision; expiry is checked on the clock)
    assert client.get(url, headers=expired).status_code == 401


def test_without_caching_the_answers_are_the_same(own, tmp_path: Path):
    from dataclasses import replace

    app, client, tokens = own
    url = f"/api/v1/nodes/{COUNTY}/indicators/C02/explain?period=2024"
    cached = client.get(url, headers=tokens["county"]).content
    app.state.yigong.settings = replace(app.state.yigong.settings, cache_seconds=0)
    try:
        assert client.get(url, headers=tokens["county"]).content == cached
    finally:
        app.state.yigong.settings = replace(app.state.yigong.settings, cache_seconds=60.0)


def test_a_user_moved_to_other_nodes_loses_the_old_answers_at_once(own):
    app, client, _ = own
    store = UserStore(app.state.yigong.settings.users_path)
    store.add("mover", PASSWORD, "county_commission", [COUNTY], actor="tests")
    headers = login(client, "mover", PASSWORD)
    url = f"/api/v1/nodes/{COUNTY}/indicators?period=2024"
    assert client.get(url, headers=headers).status_code == 200
    assert client.get(url, headers=headers).status_code == 200  # now replayed from the cache
    store.set_nodes("mover", ["division:130402"], actor="tests")
    r = client.get(url, headers=headers)  # well inside the cache's 60 s: the session ended
    assert r.status_code == 401
    r = client.get(url, headers=login(client, "mover", PASSWORD))
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"


def test_a_user_given_another_role_loses_the_old_answers_at_once(own):
    app, client, _ = own
    store = UserStore(app.state.yigong.settings.users_path)
    store.add("changer", PASSWORD, "county_commission", [COUNTY], actor="tests")
    url = f"/api/v1/nodes/{COUNTY}/indicators?period=2024"
    headers = login(client, "changer", PASSWORD)
    assert client.get(url, headers=headers).status_code == 200
    store.set_role("changer", "county_admin", actor="tests")  # same nodes, no indicators
    assert client.get(url, headers=headers).status_code == 401
    r = client.get(url, headers=login(client, "changer", PASSWORD))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"


def test_the_overview_pages_json_twin_is_the_apis_cache_entry(app, client, tokens, world):
    """``/?format=json`` answers the very bytes ``GET /api/v1/nodes/{node}/overview`` filed:
    one cache entry for both (a sentinel put there comes back from the page)."""
    h = tokens["county"]
    api = client.get(f"/api/v1/nodes/{COUNTY}/overview?period={world.period}", headers=h)
    page = client.get(f"/?node={COUNTY}&period={world.period}&format=json", headers=h)
    assert api.status_code == page.status_code == 200
    assert page.json() == api.json()
    state = app.state.yigong
    keys = [
        k
        for k in list(state.cache._data)
        if k[0] == "json" and k[1][:4] == ("api-overview", COUNTY, world.period, None)
    ]
    assert len(keys) == 1
    state.cache.put(keys[0], b'{"sentinel": 1}')
    again = client.get(f"/?node={COUNTY}&period={world.period}&format=json", headers=h)
    assert again.json() == {"sentinel": 1}
    state.cache.put(keys[0], api.content)
