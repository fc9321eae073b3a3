"""The one rounding module for money (舍入规则).

Rule, stated once: every money amount is held in yuan (元) as a ``Decimal`` quantised to the
fen (分, 0.01 yuan). When a computation produces more digits (a share of a fund, a score times
a point value), the result is rounded **once**, at the point where it becomes money, with
``ROUND_HALF_UP`` to ``0.01`` by default (the rule of Chinese financial accounting, 四舍五入).
A county may configure another mode (e.g. ``ROUND_HALF_EVEN``) or a coarser quantum (0.1 or
1 yuan) in its settlement policy; the quantum must be a whole number of fen.

Intermediate arithmetic (ratios, weights) runs in :data:`CONTEXT`, a Decimal context with 34
significant digits that traps invalid operations and division by zero, so no silent NaN or
infinity can reach a ledger.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec, TypeVar

__all__ = [
    "CONTEXT",
    "EXACT",
    "DEFAULT_RULE",
    "FEN",
    "MODES",
    "RoundingRule",
    "divide",
    "in_context",
    "quantize",
]

P = ParamSpec("P")
R = TypeVar("R")

FEN = Decimal("0.01")

#: Rounding modes a policy may name (the ``decimal`` module's own names).
MODES: frozenset[str] = frozenset(
    {
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_FLOOR,
        decimal.ROUND_CEILING,
    }
)

#: Context for intermediate (non-money) arithmetic: 34 digits, loud on bad operations.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

#: Context for money addition/subtraction: any result that would need rounding is an error.
EXACT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)


@dataclass(frozen=True, slots=True)
class RoundingRule:
    """How an exact Decimal becomes money: a mode and a quantum (in yuan)."""

    mode: str = decimal.ROUND_HALF_UP
    quantum: Decimal = FEN

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(
                f"unknown rounding mode {self.mode!r}; expected one of {sorted(MODES)}"
            )
        if not isinstance(self.quantum, Decimal):
            raise TypeError("rounding quantum must be a Decimal")
        if self.quantum <= 0 or self.quantum.quantize(FEN) != self.quantum:
            raise ValueError(
                f"rounding quantum {self.quantum} must be a positive whole number of fen"
            )

    def describe(self) -> str:
        """Human statement of the rule, for run records and statements."""
        return f"{self.mode} to {self.quantum} yuan"


DEFAULT_RULE = RoundingRule()


def quantize(value: Decimal, rule: RoundingRule = DEFAULT_RULE) -> Decimal:
    """Round ``value`` to the rule's quantum with the rule's mode, returned with fen exponent."""
    if not isinstance(value, Decimal):
        raise TypeError(f"quantize expects Decimal, got {type(value).__name__}")
    if rule.quantum == FEN:
        return value.quantize(FEN, rounding=rule.mode, context=CONTEXT)
    units = CONTEXT.divide(value, rule.quantum).quantize(
        Decimal(1), rounding=rule.mode, context=CONTEXT
    )
    return CONTEXT.multiply(units, rule.quantum).quantize(FEN, context=CONTEXT)


def divide(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """Exact-as-possible Decimal division (34 digits); the only division the payment code uses.

    Both operands must be ``Decimal`` or ``int`` (never ``float``); a zero denominator raises
    ``decimal.DivisionByZero`` instead of producing infinity.
    """
    for operand in (numerator, denominator):
        if isinstance(operand, bool) or not isinstance(operand, (Decimal, int)):
            raise TypeError(f"divide expects Decimal or int, got {type(operand).__name__}")
    return CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def in_context(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with :data:`CONTEXT` as the thread's Decimal context.

    The one decimal context of the money code: every entry point of the payment engine wears
    this decorator, so arithmetic written with plain operators (``a + b``, ``sum(...)``,
    ``total += x``) runs in the same 34 digits as :func:`divide` — whatever context the
    caller's thread has (``tests/payment/test_decimal_context.py`` settles under a 6-digit
    default and gets the same fen).
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with decimal.localcontext(CONTEXT):
            return fn(*args, **kwargs)

    return run
