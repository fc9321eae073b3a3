"""What the per bed-day, per-head and day-surgery settlements share: per-institution totals, the
ledger (one transfer per institution and month, from the fund to the institution) and the
statement rows (institution × month), read back from the ledger so they cannot disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.ledger import Ledger
from yigong.schema.money import Money

__all__ = ["InstitutionPayment", "MethodResult", "MethodStatementRow", "post_monthly", "totals"]


@dataclass(frozen=True, slots=True)
class InstitutionPayment:
    """One institution's year under a payment method: cases (or persons), units (bed-days,
    person-months, stays) and the amount paid."""

    institution_id: str
    level: str
    cases: int
    units: Decimal
    payment: Money


@dataclass(frozen=True, slots=True)
class MethodStatementRow:
    """A statement row: one institution's payment under a method in one month."""

    institution_id: str
    period: str
    cases: int
    payment: Money


@dataclass(frozen=True)
class MethodResult:
    """A settlement under one payment method: per-case (or per institution-month) detail,
    per-institution totals and the ledger."""

    method: str
    year: int
    details: tuple[object, ...]
    institutions: tuple[InstitutionPayment, ...]
    ledger: Ledger
    counts: Mapping[str, int]

    @property
    def total(self) -> Money:
        return Money.sum([i.payment for i in self.institutions])

    def statements(self) -> list[MethodStatementRow]:
        """One row per institution and month, from the ledger (cases from the line inputs)."""
        paid: dict[tuple[str, str], Money] = defaultdict(Money.zero)
        cases: dict[tuple[str, str], int] = defaultdict(int)
        for line in self.ledger.lines:
            if line.account.startswith("institution:") and line.amount.amount > 0:
                key = (line.account.removeprefix("institution:"), line.period)
                paid[key] += line.amount
                cases[key] += int(str(line.inputs.get("cases", 0)))
        return [MethodStatementRow(i, p, cases[(i, p)], paid[(i, p)]) for i, p in sorted(paid)]


def post_monthly(
    ledger: Ledger,
    year: int,
    rule_id: str,
    clause: str,
    amounts: Mapping[tuple[str, int], Money],
    inputs: Mapping[tuple[str, int], dict[str, object]],
) -> None:
    """One transfer per (institution, month): from the year's fund income to the institution."""
    for inst, month in sorted(amounts):
        ledger.transfer(
            date=f"{year}-{month:02d}-28",
            period=f"{year}-{month:02d}",
            source="external:fund_income",
            target=f"institution:{inst}",
            amount=amounts[(inst, month)],
            rule_id=rule_id,
            clause=clause,
            inputs=inputs[(inst, month)],
        )


def totals(
    rows: Sequence[tuple[str, str, int, Decimal, Money]],
) -> tuple[InstitutionPayment, ...]:
    """Per institution: (institution, level, cases, units, payment) rows summed."""
    level: dict[str, str] = {}
    n: dict[str, int] = defaultdict(int)
    units: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Money] = defaultdict(Money.zero)
    for inst, lv, k, u, pay in rows:
        level[inst] = lv
        n[inst] += k
        units[inst] += u
        paid[inst] += pay
    return tuple(InstitutionPayment(i, level[i], n[i], units[i], paid[i]) for i in sorted(level))
