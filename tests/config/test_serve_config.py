"""`yigong serve --config FILE` starts with only that file (no flag, no YIGONG_* variable):
two workers share the session secret read from the key file it names, /healthz answers at once,
/readyz turns ready after the warm-up, the cockpit speaks the file's default language, and
everything the server writes to stderr is JSON lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from yigong.access.users import UserStore
from yigong.services.demo import run_demo

PASSWORD = "pw-for-config-serve"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_starts_from_the_file_alone_and_turns_ready(tmp_path: Path):
    data = tmp_path / "var"
    db = run_demo(data, preset="tiny", seed=11, say=lambda _: None).db
    UserStore(data / "users.sqlite").add(
        "county", PASSWORD, "county_commission", ["division:130423"]
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "session.key").write_text(os.urandom(32).hex() + "\n", encoding="utf-8")
    port = _port()
    config = tmp_path / "etc" / "yigong.toml"
    config.write_text(
        f"""
[warehouse]
path = "{db}"
[store]
url = "{data / "workflow.sqlite"}"
[users]
path = "../var/users.sqlite"
[runs]
path = "../var/runs"
[secrets]
session_secret_file = "session.key"
[server]
port = {port}
workers = 2
language = "en"
[log]
format = "json"
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGONG_")}
    log = tmp_path / "server.log"
    with log.open("w", encoding="utf-8") as err:
        server = subprocess.Popen(
            [sys.executable, "-c", "from yigong.cli.main import app; app()",
             "serve", "--config", str(config)],
            env=env, stderr=err, stdout=subprocess.DEVNULL, cwd=tmp_path,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:  # waiting for the start, not timing it
            assert server.poll() is None, log.read_text(encoding="utf-8")[-2000:]
            assert time.monotonic() < deadline, "the server did not become ready"
            try:
                ready = httpx.get(f"{base}/readyz", timeout=30)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            assert httpx.get(f"{base}/healthz", timeout=30).json()["status"] == "ok"
            if ready.status_code == 200:
                break
            assert ready.status_code == 503 and ready.json()["checks"]["warehouse"]["ok"]
            time.sleep(0.2)
        assert ready.json()["checks"]["caches"]["warm"] is True
        page = httpx.get(f"{base}/login", timeout=30)
        assert '<html lang="en">' in page.text  # the file's default language
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            timeout=60,
            data={"username": "county", "password": PASSWORD, "grant_type": "password"},
        )
        assert token.status_code == 200, token.text  # the users file the config names
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for _ in range(6):  # either worker answers: both hold the file's secret and stores
            with httpx.Client(timeout=120) as client:
                assert client.get(f"{base}/api/v1/me", headers=headers).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line the server wrote is JSON
    assert any(r["logger"] == "yigong.warm" and r["msg"] == "warm-up done" for r in records)
    requests = [r for r in records if r["logger"] == "yigong.request"]
    assert {"/readyz", "/healthz", "/login", "/api/v1/me"} <= {r["route"] for r in requests}
    assert any(r["user"] == "county" for r in requests)
