"""``Money``: an amount in yuan (元), Decimal only, always a whole number of fen (分).

This is the project's one money type (see ``TENETS``: money exact > numbers explainable).
It never holds or accepts a ``float``. Arithmetic between ``Money`` values is exact; the only
operations that can create digits beyond the fen are :meth:`Money.scale` (times a rate) and
:func:`allocate` (split by weights), and both round through :mod:`yigong.schema.rounding`.

:func:`allocate` splits an amount into shares that sum **exactly** to it by the largest-
remainder method (最大余数法): each share is first rounded down to the fen, then the fen left
over go one each to the shares with the largest remainders (ties to the earlier share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.schema.rounding import (
    CONTEXT,
    DEFAULT_RULE,
    EXACT,
    FEN,
    RoundingRule,
    divide,
    in_context,
    quantize,
)

__all__ = ["Money", "allocate", "as_decimal"]

_new = object.__new__
_set = object.__setattr__


def as_decimal(value: Decimal | int | str) -> Decimal:
    """Coerce an int, a decimal string or a Decimal to Decimal; refuse floats and bools."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"money and rates are never float/bool (got {value!r})")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except ArithmeticError as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    else:
        raise TypeError(f"cannot read {type(value).__name__} as a Decimal")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in yuan, exact to the fen. Construct with :meth:`of` or :meth:`zero`."""

    amount: Decimal

    def __post_init__(self) -> None:
        if type(self.amount) is Decimal and self.amount.as_tuple().exponent == -2:
            return  # fast path: already a whole number of fen with the canonical exponent
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money.amount must be Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite() or self.amount.quantize(FEN, context=CONTEXT) != self.amount:
            raise ValueError(
                f"Money.amount {self.amount} is not a whole number of fen; use Money.of"
            )
        if self.amount.as_tuple().exponent != -2:
            object.__setattr__(self, "amount", self.amount.quantize(FEN, context=CONTEXT))

    # construction -------------------------------------------------------------------------
    @classmethod
    def of(cls, value: Decimal | int | str, rule: RoundingRule = DEFAULT_RULE) -> Money:
        """Money from an int, decimal string or Decimal, rounded by ``rule`` (default half-up to the fen)."""
        return cls(quantize(as_decimal(value), rule))

    @classmethod
    def from_fen(cls, fen: int | Decimal) -> Money:
        """Money from a whole number of fen (as stored; a database sum may be a Decimal)."""
        if isinstance(fen, bool) or not isinstance(fen, int | Decimal):
            raise TypeError(f"fen must be an int or a whole Decimal, got {type(fen).__name__}")
        if isinstance(fen, Decimal) and fen != fen.to_integral_value(context=CONTEXT):
            raise ValueError(f"{fen} is not a whole number of fen")
        return cls(Decimal(fen).scaleb(-2, CONTEXT))

    @classmethod
    def zero(cls) -> Money:
        return cls(Decimal("0.00"))

    @classmethod
    def sum(cls, items: Sequence[Money] | list[Money]) -> Money:
        """Exact sum of Money values (0 for an empty sequence)."""
        total = Decimal("0.00")
        add = EXACT.add
        for item in items:
            total = add(total, item.amount)
        return cls(total)

    @classmethod
    def _trusted(cls, amount: Decimal) -> Money:
        """Wrap a Decimal already known to be fen-exact with exponent −2 (sums and differences of
        Money are), skipping validation: the hot path of ledgers with millions of lines."""
        obj = _new(cls)
        _set(obj, "amount", amount)
        return obj

    # arithmetic ---------------------------------------------------------------------------
    # Sums, differences and negations of fen-exact Decimals with exponent −2 keep exponent −2;
    # the EXACT context raises instead of rounding if a result ever needed more than 34 digits.
    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money._trusted(EXACT.add(self.amount, other.amount))

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money._trusted(EXACT.subtract(self.amount, other.amount))

    def __neg__(self) -> Money:
        return Money._trusted(EXACT.minus(self.amount))

    def __abs__(self) -> Money:
        return Money._trusted(EXACT.abs(self.amount))

    def scale(self, rate: Decimal | int, rule: RoundingRule = DEFAULT_RULE) -> Money:
        """This amount times a rate (a share, a coefficient), rounded once by ``rule``."""
        return Money(quantize(CONTEXT.multiply(self.amount, as_decimal(rate)), rule))

    def ratio(self, other: Money) -> Decimal:
        """This amount divided by another, as an unrounded Decimal (34 digits)."""
        return divide(self.amount, other.amount)

    def min(self, other: Money) -> Money:
        return self if self.amount <= other.amount else other

    def max(self, other: Money) -> Money:
        return self if self.amount >= other.amount else other

    # ordering (explicit: faster than dataclass tuple comparison, and Money only) ------------
    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount >= other.amount

    # predicates / display -----------------------------------------------------------------
    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def fen(self) -> int:
        """The amount as an integer number of fen."""
        return int(self.amount.scaleb(2, CONTEXT))

    def __str__(self) -> str:
        return f"{self.amount:.2f}"

    def __repr__(self) -> str:
        return f"Money('{self.amount:.2f}')"


@in_context
def allocate(total: Money, weights: Sequence[Decimal | int]) -> list[Money]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to ``total``.

    Largest-remainder method in fen; weights must be non-negative with a positive sum. A zero
    weight always receives zero. Deterministic: ties go to the earlier weight.
    """
    decimals = [as_decimal(w) for w in weights]
    if not decimals:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in decimals):
        raise ValueError("allocate weights must be non-negative")
    # exact integer arithmetic: the weights scaled by a power of ten to whole numbers, so
    # remainders that tie really tie (34-digit quotients rounded at different
    # places made a tie look like an order, and the spare fen went to the later share)
    places = max(0, *(-int(w.as_tuple().exponent) for w in decimals))
    ints = [int(w.scaleb(places, EXACT)) for w in decimals]
    weight_sum = sum(ints)
    if weight_sum <= 0:
        raise ValueError("allocate weights must have a positive sum")
    sign = -1 if total.is_negative else 1
    units = abs(total.fen)
    split = [divmod(units * w, weight_sum) for w in ints]
    floors = [f for f, _ in split]
    remainders = [r for _, r in split]
    left = units - sum(floors)
    order = sorted(range(len(decimals)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Money(Decimal(sign * f).scaleb(-2, CONTEXT)) for f in floors]
