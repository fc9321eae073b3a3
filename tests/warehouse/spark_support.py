"""Shared by the Spark parity test modules: one Spark session per module, and comparisons of
tables by value (not dtype: Spark and DuckDB return timestamps at different precisions)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from yigong.warehouse.spark import SparkSettings, spark_session


@contextlib.contextmanager
def module_session() -> Iterator[Any]:
    """A local[2] Spark session with one shuffle partition (small data), stopped afterwards."""
    session = spark_session(
        SparkSettings(master="local[2]", shuffle_partitions=1, app_name="yigong-parity")
    )
    try:
        yield session
    finally:
        session.stop()


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, list):
        return tuple(_value(x) for x in v)
    return v


def rows(table: pa.Table, columns: list[str] | None = None) -> list[tuple]:
    """The rows of `table` as sorted tuples of plain values (None sorts first)."""
    cols = columns or table.column_names
    data = table.select(cols).to_pylist()
    out = [tuple(_value(r[c]) for c in cols) for r in data]
    return sorted(out, key=lambda r: tuple((x is not None, str(type(x)), x) for x in r))


KEY_TEXT = b"spark-parity-key-not-secret"


def tiny_county(folder: Path) -> tuple[Path, Path]:
    """The tiny preset as Parquet files, ingested into a DuckDB warehouse; (files, db)."""
    from yigong.ingest import PseudonymKey, ingest_paths
    from yigong.synth import generate
    from yigong.warehouse import Warehouse

    files, db = folder / "files", folder / "tiny.duckdb"
    generate("tiny", files, seed=2024, fmt="parquet")
    with Warehouse(db) as wh:
        ingest_paths(wh, [files], key=PseudonymKey(KEY_TEXT))
    return files, db


def assert_same_rows(a: pa.Table, b: pa.Table, columns: list[str] | None = None) -> None:
    """Same rows in any order: floats to 1e-9 (sums in another order), everything else exactly."""
    import pytest

    ra, rb = rows(a, columns), rows(b, columns)
    assert len(ra) == len(rb)
    for x, y in zip(ra, rb, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float):
                assert u == pytest.approx(v, abs=1e-9), (x, y)
            else:
                assert u == v, (x, y)
