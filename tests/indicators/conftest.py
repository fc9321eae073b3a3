from __future__ import annotations

import pytest

from tests.indicators import world
from yigong.indicators.loader import Catalog, load_catalog
from yigong.warehouse import Warehouse


@pytest.fixture(scope="session")
def wh() -> Warehouse:
    return world.build()


@pytest.fixture(scope="session")
def cat() -> Catalog:
    return load_catalog()
