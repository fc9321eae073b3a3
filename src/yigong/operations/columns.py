"""Text columns as integer codes (dictionary encoding), and fen ↔ Money at the engine's edge.

A province-year has millions of discharges; the engine groups them by DRG, department and
doctor on integer codes (`Coded`), never on Python strings. Money leaves the engine as `Money`
(Decimal to the fen), built from whole fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa

from yigong.schema.money import Money
from yigong.schema.rounding import FEN, divide

__all__ = ["Coded", "money", "per_unit", "ratio"]


@dataclass(frozen=True)
class Coded:
    """A text column as codes into its distinct labels."""

    index: np.ndarray  # int64, one per row; -1 = missing
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> Coded:
        """Encode values (labels in order of first appearance; None → -1)."""
        arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(
            list(values), pa.string())  # fmt: skip
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = arr.dictionary_encode()
        index = enc.indices.to_numpy(zero_copy_only=False)
        index = np.where(np.isnan(index), -1, index) if index.dtype.kind == "f" else index
        return cls(index.astype(np.int64), tuple(enc.dictionary.to_pylist()))

    def __len__(self) -> int:
        return len(self.index)

    def label(self, row: int) -> str | None:
        code = int(self.index[row])
        return None if code < 0 else self.labels[code]


def money(fen: int | np.integer) -> Money:
    """Money from whole fen."""
    return Money.from_fen(int(fen))


def per_unit(fen: int, volume: int) -> Money | None:
    """An amount per unit of volume in yuan, rounded half-up to the fen (None without volume)."""
    if volume <= 0:
        return None
    return Money(divide(Decimal(int(fen)), Decimal(100 * int(volume))).quantize(
        FEN, rounding=ROUND_HALF_UP))  # fmt: skip


def ratio(numerator: int, denominator: int, places: int = 4) -> Decimal | None:
    """numerator ÷ denominator rounded half-up to ``places`` decimals (None for 0)."""
    if denominator == 0:
        return None
    q = Decimal(1).scaleb(-places)
    return divide(Decimal(int(numerator)), Decimal(int(denominator))).quantize(
        q, rounding=ROUND_HALF_UP)  # fmt: skip
