from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The tiny demo county (shared with the API tests' world): warehouse, workflow store and
    the demo year."""
    from tests.api.world import build_world

    world = build_world(tmp_path_factory.mktemp("yigong-api"))
    db = world.settings.warehouse
    return db, db.parent / "workflow.sqlite", world.period
