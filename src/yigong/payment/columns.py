"""Columnar case inputs for DRG and DIP (按列的病例输入): text as codes, money as fen.

A province-year holds ~15 M discharges. As one Python object per case they take minutes to
settle; as columns (numpy int64 for fen, lengths of stay and weight units; a text column as
integer codes into its distinct labels) the engines work on whole columns at a time
(:mod:`yigong.payment.fen_arrays`). The record types (``DrgCase``, ``DipCase``) stay the
readable form for bundles and tests; ``from_records`` turns them into columns, and the
warehouse builders produce columns directly.

Each column set carries ``source`` (the file or table its rows came from) and ``lines`` (each
row's line in that file, or ``None`` when rows are not file lines), so an input error names
file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

__all__ = ["Codes", "duplicate_positions", "encode", "file_line"]


@dataclass(frozen=True, slots=True, eq=False)  # numpy fields: identity equality
class Codes:
    """A text column as integer codes into its distinct labels (dictionary encoding)."""

    index: np.ndarray
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str]) -> Codes:
        """Encode a sequence of text values (labels sorted, so codes are deterministic)."""
        labels = tuple(sorted(set(values)))
        lookup = {label: i for i, label in enumerate(labels)}
        index = np.fromiter((lookup[v] for v in values), dtype=np.int64, count=len(values))
        return cls(index, labels)

    @classmethod
    def constant(cls, value: str, n: int) -> Codes:
        return cls(np.zeros(n, dtype=np.int64), (value,))

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, row: int) -> str:
        return self.labels[int(self.index[row])]

    def values(self) -> Iterator[str]:
        labels = self.labels
        return (labels[i] for i in self.index.tolist())

    def take(self, rows: np.ndarray) -> Codes:
        return Codes(self.index[rows], self.labels)


def duplicate_positions(values: Sequence[str]) -> list[int]:
    """Positions of every value that occurs before at an earlier position (0-based)."""
    seen: set[str] = set()
    out = []
    for i, v in enumerate(values):
        if v in seen:
            out.append(i)
        seen.add(v)
    return out


def file_line(lines: np.ndarray | None, row: int) -> int | None:
    """The file line of row ``row`` (header on line 1), or ``None`` when rows are not lines."""
    return None if lines is None else int(lines[row])


def encode(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct int64 keys and, per row, the position of its key among them (hash-based,
    in order of first appearance: fast on tens of millions of rows, where sorting is not)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    encoded = pa.array(keys, type=pa.int64()).dictionary_encode()
    inverse = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    uniques = encoded.dictionary.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return uniques, inverse
