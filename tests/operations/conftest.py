"""The tiny synthetic county generated, ingested and DRG-grouped once for the operations tests
(copy the warehouse before writing to it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.run import ingest_paths
from yigong.services.casemix import group_discharges, store_case_facts
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

SCHEME = "chs-drg-1.1-handan-2022"


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-operations")
    files = root / "files"
    generate("tiny", files, seed=2024)
    db = root / "w.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(
            wh, [files], key=PseudonymKey(b"operations-test-key-0123456789abcdefghijklmnopqrstuv")
        )
        group_discharges(wh, SCHEME)
        store_case_facts(wh, SCHEME, period="year")
    return db
