from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import world  # noqa: E402

from yigong.indicators.loader import Catalog, load_catalog  # noqa: E402
from yigong.warehouse import Warehouse  # noqa: E402


@pytest.fixture(scope="session")
def wh() -> Warehouse:
    return world.build()


@pytest.fixture(scope="session")
def cat() -> Catalog:
    return load_catalog()
