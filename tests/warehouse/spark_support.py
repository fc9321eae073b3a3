"""Shared by the Spark parity test modules: one Spark session per module, and comparisons of
tables by value (not dtype: Spark and DuckDB return timestamps at different precisions)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa

from yigong.warehouse.spark import SparkSettings, spark_session


@contextlib.contextmanager
def module_session() -> Iterator[Any]:
    """A local[2] Spark session with one shuffle partition (small data), stopped afterwards."""
    session = spark_session(SparkSettings(master="local[2]", shuffle_partitions=1,
                                          app_name="yigong-parity"))
    try:
        yield session
    finally:
        session.stop()


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, float) and v.is_integer():
        return Decimal(int(v))
    if isinstance(v, list):
        return tuple(_value(x) for x in v)
    return v


def rows(table: pa.Table, columns: list[str] | None = None) -> list[tuple]:
    """The rows of `table` as sorted tuples of plain values (None sorts first)."""
    cols = columns or table.column_names
    data = table.select(cols).to_pylist()
    out = [tuple(_value(r[c]) for c in cols) for r in data]
    return sorted(out, key=lambda r: tuple((x is not None, str(type(x)), x) for x in r))
