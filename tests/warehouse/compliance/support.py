"""Comparisons shared by the compliance tests: tables by value (not dtype: Spark and DuckDB
return timestamps at different precisions), floats to 1e-9 (sums may run in another order),
everything else exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest


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


def assert_same_rows(a: pa.Table, b: pa.Table, columns: list[str] | None = None) -> None:
    """Same rows in any order."""
    ra, rb = rows(a, columns), rows(b, columns)
    assert len(ra) == len(rb)
    for x, y in zip(ra, rb, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float):
                assert u == pytest.approx(v, abs=1e-9), (x, y)
            else:
                assert u == v, (x, y)
