from __future__ import annotations

import pytest

from tests.indicators import world
from yigong.indicators.loader import Catalog, load_catalog
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


@pytest.fixture(scope="session")
def wh() -> DuckDBWarehouse:
    return world.build()


@pytest.fixture(scope="session")
def cat() -> Catalog:
    return load_catalog()
