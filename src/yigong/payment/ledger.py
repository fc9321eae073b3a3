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
from dataclasses import dataclass

from yigong.schema.money import Money

__all__ = ["Ledger", "LedgerLine"]

Inputs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One side of one transfer."""

    line_id: str
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


class Ledger:
    """An append-only list of ledger lines with running balances."""

    def __init__(self) -> None:
        self.lines: list[LedgerLine] = []
        self._balances: dict[str, Money] = defaultdict(Money.zero)
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
        if amount.is_zero:
            return
        if amount.is_negative:
            source, target, amount = target, source, -amount
        self._entries += 1
        frozen: Inputs = tuple((k, str(v)) for k, v in (inputs or {}).items())
        for account, counterparty, signed in ((source, target, -amount), (target, source, amount)):
            self.lines.append(
                LedgerLine(
                    line_id=f"L{len(self.lines) + 1:07d}",
                    entry_id=self._entries,
                    date=date,
                    period=period,
                    account=account,
                    counterparty=counterparty,
                    amount=signed,
                    rule_id=rule_id,
                    clause=clause,
                    inputs=frozen,
                    memo=memo,
                )
            )
            self._balances[account] = self._balances[account] + signed

    def balance(self, account: str) -> Money:
        return self._balances.get(account, Money.zero())

    def balances(self) -> dict[str, Money]:
        """Balance of every account that ever moved, sorted by account name."""
        return {k: self._balances[k] for k in sorted(self._balances)}
