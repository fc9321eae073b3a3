"""DRG cost per group (病组成本): the case costs of a group's discharges, summed.

Per DRG (within an institution, or across all): cases, total and mean cost, the cost's
structure by element, mean length of stay. The same aggregation as the profit-and-loss rows
(`pnl.profit_and_loss` by group), read without the payment: a group's cost is known for every
grouped discharge, paid by DRG or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from yigong.operations.pnl import PnlCases, PnlRow, profit_and_loss
from yigong.schema.money import Money

__all__ = ["GroupCost", "group_costs"]


@dataclass(frozen=True)
class GroupCost:
    institution: str | None
    group: str
    cases: int
    cost: Money
    cost_per_case: Money
    structure: dict[str, Money]
    mean_los: Decimal | None
    peer_los: Decimal | None
    reference_los: Decimal | None


def _row(r: PnlRow) -> GroupCost:
    return GroupCost(r.institution, r.key, r.cases, r.cost, r.cost_per_case, r.structure,
                     r.mean_los, r.peer_los, r.reference_los)  # fmt: skip


def group_costs(
    cases: PnlCases,
    *,
    within_institution: bool = True,
    reference_los: Mapping[str, Decimal] | None = None,
) -> list[GroupCost]:
    """Cost per DRG (largest total cost first)."""
    rows = profit_and_loss(cases, "group", within_institution=within_institution,
                           reference_los=reference_los)  # fmt: skip
    return sorted((_row(r) for r in rows if r.cases),
                  key=lambda g: (-g.cost.amount, g.institution or "", g.group))  # fmt: skip
