"""Server-side sessions: absolute and idle expiry, logout everywhere at once, and the cache of
one process seeing another process's revocation."""

from __future__ import annotations

import time

from yigong.access.sessions import Sessions
from yigong.access.users import UserStore

GOOD = "a long enough passphrase"


def _store(tmp_path) -> UserStore:
    store = UserStore(tmp_path / "auth.sqlite")
    store.add("li", GOOD, "auditor", ["division:130423"])
    return store


def test_absolute_expiry(tmp_path, monkeypatch):
    s = Sessions(_store(tmp_path), idle_seconds=3600, absolute_seconds=60)
    token = s.create("li", "api")
    assert s.check(token).username == "li"
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert s.check(token) is None and s.peek(token) is None


def test_idle_expiry_and_use_keeps_it_alive(tmp_path, monkeypatch):
    s = Sessions(_store(tmp_path), idle_seconds=100, absolute_seconds=10_000, touch_seconds=10)
    token = s.create("li", "api")
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    for _ in range(5):  # used every 60 s: never idle for 100 s
        clock[0] += 60
        assert s.check(token) is not None
    clock[0] += 101
    assert s.check(token) is None


def test_a_session_used_in_another_process_is_not_idle_here(tmp_path, monkeypatch):
    store = _store(tmp_path)
    here = Sessions(store, idle_seconds=100, absolute_seconds=10_000, touch_seconds=10)
    there = Sessions(store, idle_seconds=100, absolute_seconds=10_000, touch_seconds=10)
    token = here.create("li", "api")
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    assert here.check(token) is not None
    clock[0] += 80
    assert there.check(token) is not None  # used over there: last use written to the store
    clock[0] += 80  # 160 s since this process saw it, 80 s since its last use
    assert here.check(token) is not None


def test_logout_ends_the_session_in_every_process(tmp_path):
    store = _store(tmp_path)
    a = Sessions(store, idle_seconds=600, absolute_seconds=3600)
    b = Sessions(store, idle_seconds=600, absolute_seconds=3600)
    token = a.create("li", "cookie")
    assert a.check(token) is not None and b.check(token) is not None
    assert b.peek(token) is not None  # cached over there
    a.end(a.check(token), "logout")
    assert b.peek(token) is None and b.check(token) is None


def test_a_token_is_stored_only_as_its_hash(tmp_path):
    import sqlite3

    store = _store(tmp_path)
    token = Sessions(store, idle_seconds=600, absolute_seconds=3600).create("li", "api")
    dump = "\n".join(sqlite3.connect(store.path).iterdump())
    assert token not in dump
