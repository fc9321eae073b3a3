"""DRG and DIP profit and loss (病组盈亏): what each case costs against what the fund pays.

For every paid case: the payment the payment engine settled it at (`yigong.payment`: DRG
standard, outlier and exclusion rules, or DIP points × point value), and its case cost (top-down,
`case_cost`). Profit = payment − cost. Summed per group (DRG or DIP category), department,
doctor or institution, each row keeps its case count, payment, cost, the cost's structure by
element, and the mean length of stay against peers: the same group's cases at the other
institutions of the data and, when given, the reference population's mean. `worst_groups`
lists the groups that lose most, the decision support a lead hospital needs under DRG payment.

Totals reconcile by construction and are checked (`reconcile`): the total cost is the sum of
the case costs, the total payment the payment engine's total for the same cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from yigong.operations.centres import ELEMENTS
from yigong.operations.columns import Coded, money, ratio
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money

__all__ = ["BY", "PnlCases", "PnlRow", "profit_and_loss", "reconcile", "worst_groups"]

BY = ("group", "department", "doctor", "institution")
_SAFE_FLOAT_SUM = 2**53


@dataclass(frozen=True)
class PnlCases:
    """Paid cases as columns (fen for money)."""

    case_id: Sequence[str]
    institution: Coded
    department: Coded
    doctor: Coded
    group: Coded  # DRG or DIP category code
    los: np.ndarray
    cost: np.ndarray  # (n, len(ELEMENTS)) case cost by element
    costed: np.ndarray  # bool: a ward was found and the case carries its cost
    payment: np.ndarray  # the payment engine's payment for the case

    def __len__(self) -> int:
        return len(self.los)


@dataclass(frozen=True)
class PnlRow:
    """Profit and loss of one key (a group, a department …), possibly within an institution."""

    institution: str | None
    key: str
    cases: int
    payment: Money
    cost: Money
    profit: Money
    profit_per_case: Money
    structure: dict[str, Money]  # cost by element
    mean_los: Decimal | None
    peer_los: Decimal | None  # the same group at the other institutions (group rows only)
    reference_los: Decimal | None  # the reference population's mean (group rows only)
    uncosted: int  # cases in the key without a case cost (no ward): not in cost or profit

    @property
    def cost_per_case(self) -> Money:
        return money(round(self.cost.fen / self.cases)) if self.cases else Money.zero()


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per ``index``."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) and np.abs(values).sum(dtype=np.float64) < _SAFE_FLOAT_SUM:
        return np.bincount(index, weights=values, minlength=size).astype(np.int64)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def _keys(cases: PnlCases, by: str, within_institution: bool) -> tuple[np.ndarray, list]:
    col: Coded = getattr(cases, by)
    parts = [col.index]
    if within_institution and by != "institution":
        parts.insert(0, cases.institution.index)
    width = max(len(cases.group.labels), len(cases.department.labels), len(cases.doctor.labels),
                len(cases.institution.labels), 1) + 1  # fmt: skip
    combined = np.zeros(len(cases), dtype=np.int64)
    for p in parts:
        combined = combined * width + (p + 1)
    uniq, inverse = np.unique(combined, return_inverse=True)
    labels = []
    for u in uniq.tolist():
        codes = []
        for _ in parts:
            codes.append(u % width - 1)
            u //= width
        codes.reverse()
        labels.append(codes)
    return inverse, labels


def profit_and_loss(
    cases: PnlCases,
    by: str = "group",
    *,
    within_institution: bool = True,
    reference_los: Mapping[str, Decimal] | None = None,
) -> list[PnlRow]:
    """P&L rows per ``by`` (``group``, ``department``, ``doctor``, ``institution``), per
    institution unless ``within_institution`` is False; largest loss first."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    inverse, labels = _keys(cases, by, within_institution)
    k = len(labels)
    costed = cases.costed.astype(bool)
    n = np.bincount(inverse, weights=costed, minlength=k).astype(np.int64)
    uncosted = np.bincount(inverse, weights=~costed, minlength=k).astype(np.int64)
    pay = _sum_by(inverse, np.where(costed, cases.payment, 0), k)
    by_el = np.stack([_sum_by(inverse, np.where(costed, cases.cost[:, e], 0), k)
                      for e in range(len(ELEMENTS))], axis=1)  # fmt: skip
    los = _sum_by(inverse, np.where(costed, cases.los, 0), k)
    peer = None
    if by == "group" and within_institution:
        g_n = np.bincount(cases.group.index, weights=costed, minlength=len(cases.group.labels))
        g_los = _sum_by(cases.group.index, np.where(costed, cases.los, 0), len(cases.group.labels))
        peer = (g_n, g_los)
    rows = []
    col: Coded = getattr(cases, by)
    for i, codes in enumerate(labels):
        inst = cases.institution.labels[codes[0]] if len(codes) == 2 else None
        key_code = codes[-1]
        key = col.labels[key_code] if key_code >= 0 else ""
        cost = int(by_el[i].sum())
        profit = int(pay[i]) - cost
        peer_los = None
        if peer is not None and key_code >= 0:
            others = int(peer[0][key_code]) - int(n[i])
            peer_los = ratio(int(peer[1][key_code]) - int(los[i]), others, 2) if others else None
        rows.append(PnlRow(
            inst, key, int(n[i]), money(pay[i]), money(cost), money(profit),
            money(round(profit / n[i])) if n[i] else Money.zero(),
            {e: money(by_el[i, j]) for j, e in enumerate(ELEMENTS)},
            ratio(int(los[i]), int(n[i]), 2),
            peer_los,
            (reference_los or {}).get(key) if by == "group" else None,
            int(uncosted[i]),
        ))  # fmt: skip
    rows.sort(key=lambda r: (r.profit.amount, r.institution or "", r.key))
    return rows


def worst_groups(
    cases: PnlCases,
    institution: str,
    n: int = 5,
    *,
    min_cases: int = 1,
    reference_los: Mapping[str, Decimal] | None = None,
) -> list[PnlRow]:
    """The ``n`` groups of ``institution`` that lose most (most negative profit first), among
    groups with at least ``min_cases`` costed cases."""
    rows = profit_and_loss(cases, "group", reference_los=reference_los)
    return [r for r in rows if r.institution == institution and r.cases >= min_cases
            and r.profit.is_negative][:n]  # fmt: skip


def reconcile(cases: PnlCases, engine_payment_total: Money, case_cost_total: Money) -> list[Issue]:
    """Total payment = the payment engine's total for the same cases; total cost = the sum of
    the case costs (both to the fen). Uncosted cases count in the payment, not in the cost."""
    out = []
    paid = int(np.asarray(cases.payment, dtype=np.int64).sum())
    if paid != engine_payment_total.fen:
        out.append(Issue(Level.ERROR, "pnl.payment",
                         f"cases are paid {money(paid)} but the payment engine's total is "
                         f"{engine_payment_total}"))  # fmt: skip
    cost = int(np.where(cases.costed[:, None], cases.cost, 0).sum())
    if cost != case_cost_total.fen:
        out.append(Issue(Level.ERROR, "pnl.cost",
                         f"P&L cost {money(cost)} differs from the case costs {case_cost_total}"))  # fmt: skip
    return out
