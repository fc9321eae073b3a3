"""The cockpit served for real (uvicorn on a free loopback port) for the browser tests."""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.api.world import World, build_world
from yigong.api import Settings, create_app


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("yigong-web"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every log record of yigong's loggers during the browser tests, as the server writes
    them (`yigong.api.logs.JsonLines`), in one file (checked by test_request_log.py)."""
    from yigong.api.logs import JsonLines

    path = tmp_path_factory.mktemp("server-log") / "server.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("yigong")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(level)
    handler.close()


@pytest.fixture(scope="session")
def live_server(world: World, server_log: Path) -> Iterator[str]:
    """Base URL of the app served by uvicorn in a thread; shut down at the end."""
    yield from _serve(world.settings)


@pytest.fixture(scope="session")
def settled_server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same cockpit settling with the one-year policy: the tiny county's budget runs."""
    from tests.api.world import settled

    yield from _serve(settled(world, tmp_path_factory.mktemp("settled-web")))


def _serve(settings: Settings) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the cockpit server did not start on 127.0.0.1")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run scripts/ensure-system-deps.sh "
            "(apt-get install chromium fonts-wqy-microhei)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()
