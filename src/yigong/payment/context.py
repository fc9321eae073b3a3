"""The run context shared by the budget steps: policy, year, ledger and a posting helper that
stamps each line with its rule's clause."""

from __future__ import annotations

from dataclasses import dataclass

from yigong.payment.ledger import Ledger
from yigong.payment.policy import Policy
from yigong.payment.rules import RULES
from yigong.schema.money import Money
from yigong.schema.rounding import RoundingRule

__all__ = ["Ctx", "clause_for"]


def clause_for(rule_id: str, policy: Policy) -> str:
    """The clause text for a rule under a policy (policy fields win over fixed text)."""
    source = RULES[rule_id].clause
    if not source.startswith("policy:"):
        return source
    node: object = policy
    for part in source.removeprefix("policy:").split("."):
        node = getattr(node, part, None)
        if node is None:
            return f"(policy {policy.id} has no {source.removeprefix('policy:')})"
    return str(node)


@dataclass
class Ctx:
    policy: Policy
    year: int
    ledger: Ledger

    def __post_init__(self) -> None:
        self.rounding: RoundingRule = self.policy.rounding.rule()
        self._clauses = {rule_id: clause_for(rule_id, self.policy) for rule_id in RULES}

    def date(self, month: int, day: int) -> str:
        return f"{self.year}-{month:02d}-{day:02d}"

    def year_end(self) -> str:
        return f"{self.year}-{self.policy.reconciliation_day}"

    def post(
        self,
        date: str,
        period: str,
        source: str,
        target: str,
        amount: Money,
        rule_id: str,
        inputs: dict[str, object],
    ) -> None:
        self.ledger.post(
            date, period, source, target, amount, rule_id, self._clauses[rule_id], inputs
        )
