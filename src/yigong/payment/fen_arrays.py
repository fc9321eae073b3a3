"""Exact integer arithmetic on whole columns of fen (分): the vector half of the money rule.

DRG and DIP settle millions of cases. Per case in ``Decimal`` that takes minutes; here whole
columns are held as ``int64`` numbers of fen (or of 10⁻ᵏ points) and every operation is exact
integer arithmetic, so a column result equals, element by element, what ``Money.scale`` or a
``Decimal.quantize`` would give — the same rounding rule (:mod:`yigong.schema.rounding`), the
same mode, never a float. ``tests/payment/test_fen_arrays.py`` checks that equality with
Hypothesis.

* :func:`muldiv` rounds ``a × b ÷ d`` once, by a rounding mode. Where the product would
  overflow 64 bits it splits ``a`` into high and low bits and divides in two exact steps (long
  division); where even that cannot fit, it falls back to Python integers (exact, slower).
* :func:`scale_fen` is ``Money.scale`` for a column: fen × a Decimal rate, rounded by a rule.
* :func:`group_sum` sums a column per group exactly (``np.add.at`` on int64, never a float
  ``bincount``).
* :func:`decimal_ratio` turns a finite Decimal into an integer fraction ``num / den``, so a
  threshold such as "cost < 0.5 × reference" is compared exactly as ``cost × 2 < 1 × ref``.

No ``/`` operator and no float appear here (``tests/payment/test_no_float.py``); numpy is
used with integer dtypes only, and every entry point refuses other dtypes.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule

__all__ = [
    "I64_LIMIT",
    "as_int64",
    "decimal_ratio",
    "fen_column",
    "group_sum",
    "muldiv",
    "scale_fen",
    "to_money",
    "units",
]

#: every int64 intermediate stays strictly below this bound
I64_LIMIT = 1 << 63

_IntLike = np.ndarray | int


def as_int64(values: _IntLike) -> np.ndarray:
    """An int64 array of ``values``; refuses float, bool and object columns."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"integer column expected, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def fen_column(amounts: Sequence[Money]) -> np.ndarray:
    """Money values as an int64 column of fen."""
    return np.fromiter((m.fen for m in amounts), dtype=np.int64, count=len(amounts))


def to_money(fen: int | np.integer) -> Money:
    """One fen count back to ``Money``."""
    return Money.from_fen(int(fen))


def units(value: Decimal, places: int) -> int:
    """``value`` as a whole number of 10⁻ᵖˡᵃᶜᵉˢ; raises if it has more decimals."""
    scaled = value.scaleb(places, CONTEXT)
    if scaled != scaled.to_integral_value(context=CONTEXT):
        raise ValueError(f"{value} has more than {places} decimals")
    return int(scaled)


def decimal_ratio(value: Decimal) -> tuple[int, int]:
    """A finite Decimal as an exact integer fraction ``(numerator, denominator)``."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return value.as_integer_ratio()


def _max(a: np.ndarray) -> int:
    return int(np.abs(a).max()) if a.size else 0


def _round_quotient(
    q: np.ndarray, r: np.ndarray, d: np.ndarray, negative: np.ndarray | None, mode: str
) -> np.ndarray:
    """q = ⌊|n| ÷ d⌋ with remainder r ≥ 0: the quotient rounded by ``mode``, with its sign."""
    twice = r + r
    if mode == decimal.ROUND_HALF_UP:
        up = twice >= d
    elif mode == decimal.ROUND_HALF_DOWN:
        up = twice > d
    elif mode == decimal.ROUND_HALF_EVEN:
        up = (twice > d) | ((twice == d) & ((q & 1) == 1))
    elif mode == decimal.ROUND_DOWN:
        up = np.zeros(q.shape, dtype=bool)
    elif mode == decimal.ROUND_UP:
        up = r > 0
    elif mode == decimal.ROUND_FLOOR:  # toward −∞: away from zero only for negatives
        up = (r > 0) & negative if negative is not None else np.zeros(q.shape, dtype=bool)
    elif mode == decimal.ROUND_CEILING:  # toward +∞: away from zero only for positives
        up = (r > 0) & ~negative if negative is not None else r > 0
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    out = q + up.astype(np.int64)
    if negative is not None:
        out = np.where(negative, -out, out)
    return np.asarray(out, dtype=np.int64)


def _split_bits(a_max: int, b_max: int, d_max: int) -> int | None:
    """The fewest low bits s of ``a`` to split off so that a long division stays in int64."""
    for s in range(1, 62):
        if (a_max >> s) * b_max < I64_LIMIT and (d_max + b_max) << s < I64_LIMIT:
            return s
    return None


def muldiv(a: _IntLike, b: _IntLike, d: _IntLike, mode: str = decimal.ROUND_HALF_UP) -> np.ndarray:
    """``a × b ÷ d`` rounded once by ``mode``, exactly, element-wise (int64 result).

    ``a`` and ``b`` are integer columns (or integers) of any sign, ``d`` positive integers. The
    result equals ``Decimal(a * b) / Decimal(d)`` quantised to an integer with ``mode``.
    """
    a_, b_, d_ = as_int64(a), as_int64(b), as_int64(d)
    a_, b_, d_ = np.broadcast_arrays(a_, b_, d_)
    if d_.size and int(d_.min()) <= 0:
        raise ValueError("muldiv divides by positive integers only")
    neg = (a_ < 0) ^ (b_ < 0)
    negative = neg if neg.any() else None
    a_, b_ = np.abs(a_), np.abs(b_)
    am, bm, dm = _max(a_), _max(b_), _max(d_)
    d_min = int(d_.min()) if d_.size else 1
    if dm + dm >= I64_LIMIT or divmod(am * bm, d_min)[0] >= I64_LIMIT:
        return _muldiv_python(a_, b_, d_, negative, mode)
    if am * bm < I64_LIMIT:
        q, r = np.divmod(a_ * b_, d_)
        return _round_quotient(q, r, d_, negative, mode)
    s = _split_bits(am, bm, dm)
    if s is None:
        return _muldiv_python(a_, b_, d_, negative, mode)
    hi = (a_ >> s) * b_
    lo = (a_ & ((1 << s) - 1)) * b_
    q1, r1 = np.divmod(hi, d_)
    q2, r = np.divmod((r1 << s) + lo, d_)
    return _round_quotient((q1 << s) + q2, r, d_, negative, mode)


def _round_int(q: int, r: int, d: int, negative: bool, mode: str) -> int:
    """The scalar twin of :func:`_round_quotient`, on Python integers of any size."""
    if mode == decimal.ROUND_HALF_UP:
        up = 2 * r >= d
    elif mode == decimal.ROUND_HALF_DOWN:
        up = 2 * r > d
    elif mode == decimal.ROUND_HALF_EVEN:
        up = 2 * r > d or (2 * r == d and q % 2 == 1)
    elif mode == decimal.ROUND_DOWN:
        up = False
    elif mode == decimal.ROUND_UP:
        up = r > 0
    elif mode == decimal.ROUND_FLOOR:
        up = r > 0 and negative
    elif mode == decimal.ROUND_CEILING:
        up = r > 0 and not negative
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    out = q + int(up)
    return -out if negative else out


def _muldiv_python(
    a: np.ndarray, b: np.ndarray, d: np.ndarray, negative: np.ndarray | None, mode: str
) -> np.ndarray:
    """The same rounding on Python integers (no size limit), for columns int64 cannot hold."""
    neg = negative.ravel().tolist() if negative is not None else [False] * a.size
    values = []
    for x, y, z, n in zip(
        a.ravel().tolist(), b.ravel().tolist(), d.ravel().tolist(), neg, strict=True
    ):
        q, r = divmod(x * y, z)
        values.append(_round_int(q, r, z, n, mode))
    if any(abs(v) >= I64_LIMIT for v in values):
        raise OverflowError("a rounded result does not fit in 64 bits")
    return np.array(values, dtype=np.int64).reshape(a.shape)


def scale_fen(fen: _IntLike, rate: Decimal, rule: RoundingRule) -> np.ndarray:
    """``Money.scale`` on a column: each fen amount × ``rate``, rounded once by ``rule``."""
    num, den = decimal_ratio(rate)
    quantum = units(rule.quantum, 2)  # the rule's quantum in fen (1 = one fen)
    rounded = muldiv(fen, num, den * quantum, rule.mode)
    return rounded * quantum if quantum != 1 else rounded


def group_sum(index: np.ndarray, values: _IntLike, groups: int) -> np.ndarray:
    """Exact int64 sum of ``values`` per group (``index`` in 0…groups−1)."""
    out = np.zeros(groups, dtype=np.int64)
    np.add.at(out, as_int64(index), as_int64(values))
    return out
