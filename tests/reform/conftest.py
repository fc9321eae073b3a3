from __future__ import annotations

from pathlib import Path

import pytest

from tests.indicators import world


@pytest.fixture(scope="session")
def wh_path(tmp_path_factory) -> Path:
    """The indicator tests' hand-made county (410101, 410102 in city 410100, province 410000)
    as a warehouse file."""
    path = tmp_path_factory.mktemp("reform") / "w.duckdb"
    world.build(str(path)).close()
    return path
