"""`yigong serve --workers 2`: two processes share the port and a read-only warehouse, and a
session opened by one is accepted by the other (sessions live in the shared user store), and
a logout in one ends it in the other."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from yigong.access.settings import SECRET_ENV
from yigong.access.users import UserStore

PASSWORD = "pw-for-workers"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.slow
def test_two_workers_answer_alike(tmp_path: Path):
    from yigong.services.demo import run_demo

    db = run_demo(tmp_path / "demo", preset="tiny", seed=11, say=lambda _: None).db
    users = tmp_path / "auth.sqlite"
    UserStore(users).add("county", PASSWORD, "county_commission", ["division:130423"])
    port = _port()
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}  # the server draws one
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from yigong.cli.main import app; app()",
            "serve",
            "--db",
            str(db),
            "--users-db",
            str(users),
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(900):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, "the server exited"
                time.sleep(0.1)
        assert len(_children(server.pid)) >= 2  # uvicorn's worker processes
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            timeout=60,
            data={"username": "county", "password": PASSWORD, "grant_type": "password"},
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        url = f"{base}/api/v1/nodes/division:130423/indicators?period=2024"
        bodies = set()
        for _ in range(12):  # a new connection each time: the kernel spreads them
            with httpx.Client(timeout=120) as client:
                r = client.get(url, headers=headers)
                assert r.status_code == 200, r.text
                bodies.add(r.content)
                assert client.get(f"{base}/api/v1/me", headers=headers).status_code == 200
        assert len(bodies) == 1
        out = httpx.post(
            f"{base}/api/v1/auth/logout", headers=headers, json={"action": "logout"}, timeout=60
        )
        assert out.status_code == 200
        for _ in range(6):  # whichever worker answers, the session has ended
            with httpx.Client(timeout=120) as client:
                assert client.get(url, headers=headers).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=60)
