"""Small Arrow helpers shared by the generator modules (money in fen, ids, dates, lists)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MONEY = pa.decimal128(18, 2)


def money(fen: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Decimal(18,2) yuan from integer fen (exact: no float ever touches the amount)."""
    fen = np.ascontiguousarray(fen, dtype="<i8")
    words = np.empty(len(fen) * 2, dtype="<i8")
    words[0::2] = fen
    words[1::2] = np.where(fen < 0, -1, 0)
    arr = pa.Array.from_buffers(MONEY, len(fen), [None, pa.py_buffer(words.tobytes())])
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.nulls(len(fen), MONEY))
    return arr


def padded(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded strings."""
    return pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width, "0"
    )


def prefixed(prefix: str | pa.Array, values: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as ``V1304232023000001``: a prefix and a zero-padded number."""
    return pc.binary_join_element_wise(prefix, padded(values, width), "")


def concat(*parts: str | pa.Array) -> pa.Array:
    """Element-wise string concatenation (scalars broadcast)."""
    return pc.binary_join_element_wise(*parts, "")


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """date32 from numpy ``datetime64[D]`` (or int days since 1970)."""
    days = np.asarray(days).astype("datetime64[D]")
    if valid is not None:
        days = np.where(valid, days, np.datetime64("1970-01-01"))
    arr = pa.array(days, pa.date32())
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.nulls(len(arr), pa.date32()))
    return arr


def take(labels: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Labels picked by integer index (vectorised dictionary decode)."""
    return pa.array(np.asarray(labels, dtype=object)[index], pa.string())


def nullable(arr: pa.Array, valid: np.ndarray) -> pa.Array:
    """`arr` with nulls where `valid` is False."""
    return pc.if_else(pa.array(valid), arr, pa.nulls(len(arr), arr.type))


def joined(
    offsets: np.ndarray, values: pa.Array | np.ndarray, empty_is_null: bool = True
) -> pa.Array:
    """`|`-joined lists (the file encoding of list columns) from flat values and offsets."""
    flat = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), flat)
    out = pc.binary_join(lists, "|")
    if empty_is_null:
        out = nullable(out, np.diff(offsets) > 0)
    return out


def flags(values: np.ndarray) -> pa.Array:
    """Booleans (written as 1/0 in CSV)."""
    return pa.array(np.asarray(values, dtype=bool))
