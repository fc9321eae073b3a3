"""Money helpers of graded care: Decimal yuan quantised to the fen, ROUND_HALF_UP, stored as fen.

Kept local and plain (``decimal.Decimal``) so the workflow does not depend on the project's
``Money`` type while it is being written; the rounding rule is the same (one place).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def yuan(value: Decimal | int | str) -> Decimal:
    """An amount in yuan rounded to the fen (ROUND_HALF_UP). Floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str or Decimal")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Exact integer fen of an amount that is already a whole number of fen."""
    q = yuan(amount)
    if q != amount:
        raise ValueError(f"{amount} has more than two decimals; round it first")
    return int(q * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)
