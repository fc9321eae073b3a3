"""The exact integer kernel of the vectorised DRG and DIP: every column result equals what
Decimal (Money.scale, quantize) gives for the same element, in every rounding mode."""

from __future__ import annotations

import decimal
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.payment.fen_arrays import decimal_ratio, group_sum, muldiv, scale_fen
from yigong.schema.money import Money
from yigong.schema.rounding import MODES, RoundingRule

WIDE = decimal.Context(prec=200)


def _exact(a: int, b: int, d: int, mode: str) -> int:
    return int(WIDE.divide(Decimal(a * b), Decimal(d)).quantize(Decimal(1), rounding=mode,
                                                                  context=WIDE))  # fmt: skip


magnitudes = st.sampled_from([10**3, 10**9, 10**13, 10**16, 2**62])


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    st.sampled_from(sorted(MODES)),
    magnitudes,
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=12),
)
def test_muldiv_equals_decimal(data: st.DataObject, mode: str, big: int, bd: int, dd: int) -> None:
    n = data.draw(st.integers(min_value=1, max_value=20))
    a = data.draw(st.lists(st.integers(-big + 1, big - 1), min_size=n, max_size=n))
    b = data.draw(st.lists(st.integers(0, 10**bd), min_size=n, max_size=n))
    d = data.draw(st.lists(st.integers(1, 10**dd), min_size=n, max_size=n))
    expected = [_exact(x, y, z, mode) for x, y, z in zip(a, b, d, strict=True)]
    if any(abs(e) >= 2**63 for e in expected):
        with pytest.raises(OverflowError):
            muldiv(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                   np.array(d, dtype=np.int64), mode)  # fmt: skip
        return
    got = muldiv(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                 np.array(d, dtype=np.int64), mode)  # fmt: skip
    assert got.tolist() == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=30),
    st.decimals(min_value=0, max_value=5, places=6, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(MODES)),
    st.sampled_from(["0.01", "0.1", "1"]),
)
def test_scale_fen_equals_money_scale(fen: list[int], rate: Decimal, mode: str, q: str) -> None:
    rule = RoundingRule(mode=mode, quantum=Decimal(q))
    got = scale_fen(np.array(fen, dtype=np.int64), rate, rule)
    assert got.tolist() == [Money.from_fen(f).scale(rate, rule).fen for f in fen]


def test_group_sum_is_exact_beyond_float_precision() -> None:
    values = np.array([2**53, 1, 1, 2**53, 3], dtype=np.int64)
    assert group_sum(np.array([0, 0, 0, 1, 1]), values, 2).tolist() == [2**53 + 2, 2**53 + 3]


def test_refuses_float_columns() -> None:
    with pytest.raises(TypeError):
        muldiv(np.array([0.5]), 1, 1)


def test_decimal_ratio() -> None:
    assert decimal_ratio(Decimal("0.50")) == (1, 2)
    assert decimal_ratio(Decimal("2")) == (2, 1)
