"""Arrow query results → the payment engine's columns, without a Python object per row.

Money comes back from the database already as whole fen (``(amount * 100).cast('int64')`` in
the query), text as dictionary codes, so a county's or a province's cases reach the DRG and DIP
engines as int64 columns (:mod:`yigong.payment.columns`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.payment.columns import Codes
from yigong.payment.policy_inputs import InstitutionLevels

__all__ = ["codes", "ints", "level_codes"]


def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def codes(table: pa.Table, name: str, empty: str = "") -> Codes:
    """A text column as codes (labels in order of first appearance; null → ``empty``)."""
    arr = _column(table, name).fill_null(empty).dictionary_encode()
    index = arr.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return Codes(index, tuple(str(x) for x in arr.dictionary.to_pylist()))


def ints(table: pa.Table, name: str) -> np.ndarray:
    """An integer column (fen, days, weight units) as int64; nulls are refused."""
    arr = _column(table, name)
    if arr.null_count:
        raise ValueError(f"column {name} has {arr.null_count} empty values")
    return arr.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def level_codes(types: Codes, levels: InstitutionLevels) -> Codes:
    """Institution types → the policy's level keys (``institution_levels``)."""
    keys = [levels.key(t) for t in types.labels]
    labels = tuple(sorted(set(keys)))
    remap = np.array([labels.index(k) for k in keys], dtype=np.int64)
    return Codes(remap[types.index] if len(remap) else types.index, labels)
