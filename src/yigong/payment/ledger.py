"""The settlement ledger (结算台账): double-entry transfers between named accounts.

Every movement of money is a :class:`Transfer` from one account to another and becomes two
:class:`LedgerLine` s, one negative (the payer) and one positive (the payee), so the sum of all
lines is always exactly zero. Each line carries the rule that produced it, the policy clause
and the inputs the rule used, so any figure can be explained (``yigong settle explain``).

Account names: ``external:*`` (outside the county fund: income, outside providers),
``fund:*`` (the county fund and its earmarks), ``community:<id>`` (a community's lead
institution), ``institution:<id>`` (a member institution).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, EXACT, FEN

__all__ = ["Ledger", "LedgerLine"]

Inputs = Mapping[str, object]


class LedgerLine(NamedTuple):
    """One side of one transfer (an immutable tuple: ledgers hold millions of them).

    ``inputs`` maps each value the rule used to its value (Money, Decimal, int, str); it is
    never modified after posting and is written as text when the ledger is exported."""

    line_no: int
    entry_id: int
    date: str
    period: str
    account: str
    counterparty: str
    amount: Money
    rule_id: str
    clause: str
    inputs: Inputs
    memo: str

    @property
    def line_id(self) -> str:
        """The printed id of the line, e.g. ``L0000042`` (what ``settle explain`` takes)."""
        return f"L{self.line_no:07d}"


_NO_INPUTS: Inputs = {}


class Ledger:
    """An append-only list of ledger lines with running balances."""

    def __init__(self) -> None:
        self.lines: list[LedgerLine] = []
        self._balances: dict[str, Decimal] = defaultdict(Decimal)
        self._entries = 0

    def transfer(
        self,
        *,
        date: str,
        period: str,
        source: str,
        target: str,
        amount: Money,
        rule_id: str,
        clause: str,
        inputs: dict[str, object] | None = None,
        memo: str = "",
    ) -> None:
        """Move ``amount`` from ``source`` to ``target``; a negative amount moves it back.

        Zero amounts are not recorded (the statement shows zero anyway).
        """
        self.post(date, period, source, target, amount, rule_id, clause, inputs, memo)

    def post(
        self,
        date: str,
        period: str,
        source: str,
        target: str,
        amount: Money,
        rule_id: str,
        clause: str,
        inputs: Inputs | None = None,
        memo: str = "",
    ) -> None:
        """:meth:`transfer` with positional arguments: the hot path of the budget engine."""
        value = amount.amount
        if not value:
            return
        if value < 0:
            source, target, amount, value = target, source, -amount, -value
        self._entries += 1
        entry = self._entries
        frozen = inputs if inputs is not None else _NO_INPUTS  # read-only from here on
        n = len(self.lines)
        new = tuple.__new__  # NamedTuple's own __new__ is a Python function; same result, faster
        append = self.lines.append
        append(
            new(
                LedgerLine,
                (
                    n + 1,
                    entry,
                    date,
                    period,
                    source,
                    target,
                    -amount,
                    rule_id,
                    clause,
                    frozen,
                    memo,
                ),
            )
        )
        append(
            new(
                LedgerLine,
                (
                    n + 2,
                    entry,
                    date,
                    period,
                    target,
                    source,
                    amount,
                    rule_id,
                    clause,
                    frozen,
                    memo,
                ),
            )
        )
        balances = self._balances
        balances[source] = EXACT.subtract(balances[source], value)
        balances[target] = EXACT.add(balances[target], value)

    def balance(self, account: str) -> Money:
        return Money(self._balances.get(account, Decimal(0)).quantize(FEN, context=CONTEXT))

    def balances(self) -> dict[str, Money]:
        """Balance of every account that ever moved, sorted by account name."""
        return {
            k: Money(self._balances[k].quantize(FEN, context=CONTEXT))
            for k in sorted(self._balances)
        }
