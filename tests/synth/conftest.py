"""Shared fixtures: the tiny preset generated once per session, in memory and as CSV files."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from yigong.synth import generate, generate_tables


@pytest.fixture(scope="session")
def tiny_tables() -> dict[str, pa.Table]:
    return generate_tables("tiny", seed=2024)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate("tiny", out, seed=2024)
    return out


def read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]
