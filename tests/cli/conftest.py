"""A tiny county's warehouse for the command-line tests: commands get past "no warehouse" and
meet the values and outputs they are given."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.ingest import PseudonymKey, ingest_paths
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

KEY = PseudonymKey(b"cli-test-key-not-secret-0123456789abcdefghijklmn")


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny preset ingested into a warehouse (copy it before writing to it)."""
    root = tmp_path_factory.mktemp("cli-tiny")
    files = root / "files"
    generate("tiny", files, seed=2024)
    db = root / "yigong.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(wh, [files], key=KEY)
    return db
