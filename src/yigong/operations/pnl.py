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

from yigong.operations.apportion import exact_sum
from yigong.operations.centres import ELEMENTS
from yigong.operations.columns import Coded, money, ratio
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money

__all__ = [
    "BY",
    "PnlCases",
    "PnlRow",
    "PnlTable",
    "pnl_table",
    "profit_and_loss",
    "reconcile",
    "worst_groups",
]

BY = ("group", "department", "doctor", "institution")


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
    return exact_sum(index, values, size)


#: a dense key space up to this size is aggregated with bincount (no sort of the cases)
_DENSE = 50_000_000


@dataclass(frozen=True)
class PnlTable:
    """P&L of every key as columns (the aggregation of millions of cases into a few rows;
    records are built only for the rows asked for)."""

    cases: PnlCases
    by: str
    institution: np.ndarray | None  # code per row (None: across institutions)
    key: np.ndarray  # code per row into the ``by`` column's labels (-1: missing)
    n: np.ndarray  # costed cases
    uncosted: np.ndarray
    payment: np.ndarray  # fen, costed cases
    cost: np.ndarray  # (rows, len(ELEMENTS)) fen
    los: np.ndarray  # Σ LOS of costed cases
    peer: tuple[np.ndarray, np.ndarray] | None  # per group code: costed cases and Σ LOS

    @property
    def profit(self) -> np.ndarray:
        return self.payment - self.cost.sum(axis=1)

    def __len__(self) -> int:
        return len(self.key)

    def record(self, i: int, reference_los: Mapping[str, Decimal] | None = None) -> PnlRow:
        col: Coded = getattr(self.cases, self.by)
        code = int(self.key[i])
        key = col.labels[code] if code >= 0 else ""
        inst = (self.cases.institution.labels[int(self.institution[i])]
                if self.institution is not None and self.institution[i] >= 0 else None)  # fmt: skip
        n, cost = int(self.n[i]), int(self.cost[i].sum())
        profit = int(self.payment[i]) - cost
        peer_los = None
        if self.peer is not None and code >= 0:
            others = int(self.peer[0][code]) - n
            peer_los = (
                ratio(int(self.peer[1][code]) - int(self.los[i]), others, 2) if others else None
            )
        return PnlRow(
            inst, key, n, money(self.payment[i]), money(cost), money(profit),
            money(round(profit / n)) if n else Money.zero(),
            {e: money(self.cost[i, j]) for j, e in enumerate(ELEMENTS)},
            ratio(int(self.los[i]), n, 2), peer_los,
            (reference_los or {}).get(key) if self.by == "group" else None,
            int(self.uncosted[i]),
        )  # fmt: skip

    def records(self, rows: np.ndarray | None = None,
                reference_los: Mapping[str, Decimal] | None = None) -> list[PnlRow]:  # fmt: skip
        """Records of the given rows (default all), largest loss first."""
        idx = np.arange(len(self)) if rows is None else np.asarray(rows)
        profit = self.profit[idx]
        idx = idx[np.lexsort((self.key[idx], profit))]
        return [self.record(int(i), reference_los) for i in idx]


def pnl_table(cases: PnlCases, by: str = "group", *, within_institution: bool = True) -> PnlTable:
    """Aggregate the cases per ``by`` (within each institution unless told otherwise)."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    col: Coded = getattr(cases, by)
    per_inst = within_institution and by != "institution"
    n_key = len(col.labels) + 1
    n_inst = len(cases.institution.labels) + 1 if per_inst else 1
    combined = col.index + 1
    if per_inst:
        combined = (cases.institution.index + 1) * n_key + combined
    size = n_inst * n_key
    if size <= _DENSE:
        index, uniq = combined, None
    else:
        uniq, index = np.unique(combined, return_inverse=True)
        size = len(uniq)
    costed = np.asarray(cases.costed, dtype=bool)
    every = bool(costed.all())

    def only_costed(values: np.ndarray) -> np.ndarray:
        return values if every else np.where(costed, values, 0)

    all_cases = np.bincount(index, minlength=size)
    n = all_cases if every else np.bincount(index, weights=costed, minlength=size).astype(np.int64)
    present = np.flatnonzero(all_cases)
    codes = present if uniq is None else uniq[present]
    pay = _sum_by(index, only_costed(cases.payment), size)[present]
    cost = np.stack([_sum_by(index, only_costed(cases.cost[:, e]), size)[present]
                     for e in range(len(ELEMENTS))], axis=1)  # fmt: skip
    los = _sum_by(index, only_costed(cases.los), size)[present]
    peer = None
    if by == "group" and per_inst:
        n_groups = len(cases.group.labels)
        g_n = (np.bincount(cases.group.index, minlength=n_groups) if every else
               np.bincount(cases.group.index, weights=costed, minlength=n_groups).astype(np.int64))  # fmt: skip
        g_los = _sum_by(cases.group.index, only_costed(cases.los), n_groups)
        peer = (g_n, g_los)
    return PnlTable(cases, by, (codes // n_key - 1) if per_inst else None, codes % n_key - 1,
                    n[present], all_cases[present] - n[present], pay, cost, los, peer)  # fmt: skip


def profit_and_loss(
    cases: PnlCases,
    by: str = "group",
    *,
    within_institution: bool = True,
    reference_los: Mapping[str, Decimal] | None = None,
) -> list[PnlRow]:
    """P&L rows per ``by`` (``group``, ``department``, ``doctor``, ``institution``), per
    institution unless ``within_institution`` is False; largest loss first."""
    return pnl_table(cases, by, within_institution=within_institution).records(
        reference_los=reference_los)  # fmt: skip


def worst_groups(
    cases: PnlCases | PnlTable,
    institution: str,
    n: int = 5,
    *,
    min_cases: int = 1,
    reference_los: Mapping[str, Decimal] | None = None,
) -> list[PnlRow]:
    """The ``n`` groups of ``institution`` that lose most (most negative profit first), among
    groups with at least ``min_cases`` costed cases (from the cases, or their group table)."""
    table = cases if isinstance(cases, PnlTable) else pnl_table(cases, "group")
    if table.by != "group" or table.institution is None:
        raise ValueError("worst_groups needs the group table within institutions")
    labels = table.cases.institution.labels
    inst = labels.index(institution) if institution in labels else -2
    keep = np.flatnonzero((table.institution == inst) & (table.n >= min_cases)
                          & (table.profit < 0))  # fmt: skip
    return table.records(keep, reference_los)[:n]


def reconcile(cases: PnlCases, engine_payment_total: Money, case_cost_total: Money) -> list[Issue]:
    """Total payment = the payment engine's total for the same cases; total cost = the sum of
    the case costs (both to the fen). Uncosted cases count in the payment, not in the cost."""
    out = []
    paid = int(np.asarray(cases.payment, dtype=np.int64).sum())
    if paid != engine_payment_total.fen:
        out.append(Issue(Level.ERROR, "pnl.payment",
                         f"cases are paid {money(paid)} but the payment engine's total is "
                         f"{engine_payment_total}"))  # fmt: skip
    costed = np.asarray(cases.costed, dtype=bool)
    cost = int(sum(int(np.asarray(cases.cost[:, e] if costed.all() else cases.cost[costed, e],
                                  dtype=np.int64).sum()) for e in range(cases.cost.shape[1])))  # fmt: skip
    if cost != case_cost_total.fen:
        out.append(Issue(Level.ERROR, "pnl.cost",
                         f"P&L cost {money(cost)} differs from the case costs {case_cost_total}"))  # fmt: skip
    return out
