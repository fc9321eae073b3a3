"""Screening tests: the workflow-store fixtures (SQLite and a real PostgreSQL) come from tests/store;
the tiny synthetic world (with its planted anomalies) is generated, ingested and grouped once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import pg_server, store  # noqa: F401
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.run import ingest_paths
from yigong.services.casemix import group_discharges, store_case_facts
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(generated files, warehouse file) of the tiny preset, DRG-grouped with case facts; copy the warehouse
    before writing to it."""
    root = tmp_path_factory.mktemp("tiny-screening")
    files = root / "files"
    generate("tiny", files, seed=2024)
    db = root / "w.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(
            wh, [files], key=PseudonymKey(b"screening-test-key-0123456789abcdefghijklmnopqrstuv")
        )
        group_discharges(wh, "chs-drg-1.1-handan-2022")
        store_case_facts(wh, "chs-drg-1.1-handan-2022")
    return files, db
