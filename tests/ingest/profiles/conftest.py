"""The tiny world written canonical and national (GBK CSV, XLSX), once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.ingest import PseudonymKey, ingest_paths
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

KEY = PseudonymKey(b"test-key-not-secret-0123456789abcdefghijklmnopqrstuv")


@pytest.fixture(scope="session")
def canonical_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("canonical")
    generate("tiny", out, seed=2024)
    return out


@pytest.fixture(scope="session")
def national_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("national")
    generate("tiny", out, seed=2024, layout="national")
    return out


def load(folder: Path, db: Path) -> tuple[Path, list]:
    with DuckDBWarehouse(db) as wh:
        reports = ingest_paths(wh, [folder], key=KEY)
    return db, reports


@pytest.fixture(scope="session")
def canonical_db(canonical_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load(canonical_dir, tmp_path_factory.mktemp("wh") / "canonical.duckdb")[0]


@pytest.fixture(scope="session")
def national_load(national_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return load(national_dir, tmp_path_factory.mktemp("wh") / "national.duckdb")
