from __future__ import annotations

import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.api.world import PASSWORD, World, build_world
from yigong.api import create_app


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("yigong-api"))


@pytest.fixture(scope="session")
def app(world: World):
    return create_app(world.settings)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    from tests.api.world import USERS

    out = {}
    for name in USERS:
        r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return out


@pytest.fixture(scope="session")
def settled_settings(world: World, tmp_path_factory: pytest.TempPathFactory):
    from tests.api.world import settled

    return settled(world, tmp_path_factory.mktemp("settled"))


@pytest.fixture()
def settled_app(app, settled_settings):
    """The app settling with the one-year policy (the budget runs on the tiny county) for the
    duration of one test; the default policy (which refuses: no history) is restored after."""
    state = app.state.yigong
    before = state.settings
    state.settings = settled_settings
    try:
        yield app
    finally:
        state.settings = before
