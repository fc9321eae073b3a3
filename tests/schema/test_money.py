"""Money: Decimal only, fen-exact, one rounding rule, exact allocation."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yigong.schema.money import Money, allocate, as_decimal
from yigong.schema.rounding import RoundingRule, divide, quantize


def test_half_up_to_the_fen_by_default() -> None:
    assert Money.of("1.005") == Money.of("1.01")
    assert Money.of("-1.005") == Money.of("-1.01")
    assert Money.of("2.344") == Money.of("2.34")
    assert str(Money.of(3)) == "3.00"


def test_rounding_mode_and_quantum_are_configurable() -> None:
    even = RoundingRule(mode=decimal.ROUND_HALF_EVEN)
    assert Money.of("1.005", even) == Money.of("1.00")
    assert Money.of("1.015", even) == Money.of("1.02")
    jiao = RoundingRule(quantum=Decimal("0.1"))
    assert Money.of("1.25", jiao) == Money.of("1.30")
    yuan = RoundingRule(quantum=Decimal("1"))
    assert quantize(Decimal("2.5"), yuan) == Decimal("3.00")


def test_bad_rules_refused() -> None:
    with pytest.raises(ValueError):
        RoundingRule(mode="ROUND_SOMETIMES")
    with pytest.raises(ValueError):
        RoundingRule(quantum=Decimal("0.001"))


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(TypeError):
        Money.of(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1").scale(0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        divide(1.0, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        as_decimal(True)  # type: ignore[arg-type]


def test_money_is_always_whole_fen() -> None:
    with pytest.raises(ValueError):
        Money(Decimal("1.001"))
    assert Money(Decimal("1")).amount.as_tuple().exponent == -2


def test_arithmetic_is_exact() -> None:
    total = Money.zero()
    for _ in range(10):
        total = total + Money.of("0.10")
    assert total == Money.of("1.00")
    assert Money.of("5") - Money.of("7.5") == Money.of("-2.50")
    assert Money.of("100").scale(Decimal("0.333")) == Money.of("33.30")
    assert Money.of("1").ratio(Money.of("3")) == divide(1, 3)
    assert Money.of("12.34").fen == 1234


def test_allocate_largest_remainder_example() -> None:
    assert allocate(Money.of("100"), [1, 1, 1]) == [
        Money.of("33.34"),
        Money.of("33.33"),
        Money.of("33.33"),
    ]
    assert allocate(Money.of("0.05"), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]) == [
        Money.of("0.03"),
        Money.of("0.01"),
        Money.of("0.01"),
    ]
    assert allocate(Money.of("-10"), [1, 2]) == [Money.of("-3.33"), Money.of("-6.67")]
    assert allocate(Money.of("10"), [0, 1]) == [Money.zero(), Money.of("10")]
    with pytest.raises(ValueError):
        allocate(Money.of("1"), [0, 0])


amounts = st.integers(min_value=-(10**13), max_value=10**13).map(
    lambda f: Money(Decimal(f).scaleb(-2))
)
weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40).filter(
    lambda ws: sum(ws) > 0
)


@given(amounts, weights)
def test_allocate_sums_exactly_and_is_fair(total: Money, ws: list[int]) -> None:
    parts = allocate(total, ws)
    assert Money.sum(parts) == total
    for part, w in zip(parts, ws, strict=True):
        exact = divide(total.amount * w, sum(ws))
        assert abs(part.amount - exact) < Decimal("0.01")
        if w == 0:
            assert part.is_zero


def test_ordering_and_equality() -> None:
    assert Money.of("1.00") < Money.of("1.01") <= Money.of("1.01") < Money.of("2")
    assert Money.of("3") > Money.of("-3") >= Money.of("-3")
    assert Money.of("1") == Money(Decimal("1.00")) and hash(Money.of("1")) == hash(
        Money(Decimal("1.00"))
    )
    assert sorted([Money.of("2"), Money.of("-1"), Money.of("0.5")]) == [
        Money.of("-1"),
        Money.of("0.5"),
        Money.of("2"),
    ]
    with pytest.raises(TypeError):
        _ = Money.of("1") < 1  # type: ignore[operator]


def test_from_fen_is_the_inverse_of_fen() -> None:
    for fen in (0, 1, 1234, 10**12 + 7, -250):
        money = Money.from_fen(fen)
        assert money.fen == fen and money.amount.as_tuple().exponent == -2
    assert Money.from_fen(1234) == Money.of("12.34")
    assert Money.from_fen(Decimal("500")) == Money.of(5)  # a database SUM may be numeric
    for bad in (12.5, True, "12"):
        with pytest.raises(TypeError):
            Money.from_fen(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number of fen"):
        Money.from_fen(Decimal("1.5"))


def test_allocate_ties_are_exact_ties() -> None:
    """Equal remainders (3/416 and 55/416 of 96,237,768 fen both leave 152/416) go to the
    earlier share; 34-digit quotients rounded at different places once gave it to the later."""
    from yigong.schema.money import allocate

    parts = allocate(Money.from_fen(96_237_768), [3, 18, 18, 24, 55, 59, 59, 60, 60, 60])
    assert [p.fen for p in parts][:5] == [694_023, 4_164_134, 4_164_134, 5_552_179, 12_723_743]
    assert sum(p.fen for p in parts) == 96_237_768
