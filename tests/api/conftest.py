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


@pytest.fixture(autouse=True)
def _no_cookies_left(request: pytest.FixtureRequest):
    """Each test starts without cookies in the shared client (a failed test may leave some)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies.clear()
    yield


@pytest.fixture(scope="session")
def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    from tests.api.world import USERS

    out = {}
    for name in USERS:
        out[name] = login(client, name)
    return out


def login(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """A fresh bearer session of ``name``: the Authorization header."""
    r = client.post(
        "/api/v1/auth/token",
        data={"username": name, "password": password, "grant_type": "password"},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="session")
def settled_settings(world: World, tmp_path_factory: pytest.TempPathFactory):
    from tests.api.world import settled

    return settled(world, tmp_path_factory.mktemp("settled"))


@pytest.fixture()
def settled_app(app, client, tokens, settled_settings):
    """The app settling with the one-year policy (the budget runs on the tiny county) for the
    duration of one test, its run computed (by the insurance bureau, as in production); the
    default policy and runs folder are restored after."""
    from tests.api.world import COUNTY

    state = app.state.yigong
    before = state.settings
    state.settings = settled_settings
    try:
        run = settled_settings.runs_path / f"budget-{COUNTY}-2024" / "run.json"
        if not run.exists():
            r = client.post(
                "/api/v1/settlement/runs",
                headers=tokens["bureau"],
                json={"action": "settlement.run", "county": COUNTY, "year": 2024},
            )
            assert r.status_code == 200 and r.json()["status"] == "ready", r.text
        yield app
    finally:
        state.settings = before
