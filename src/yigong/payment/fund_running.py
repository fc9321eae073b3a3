"""Coverage and fund running (参保与基金运行): the bureau's view of the fund as a whole.

* **Coverage rate** (参保率) = insured persons (all schemes) ÷ resident population of an area
  and year, against the policy's target (``fund_running.coverage``: 95 %, the NHSA bulletins'
  "参保率稳定在95%以上"); the insured of each scheme are shown beside it.
* **Contribution income** per scheme and year = insured × (individual contribution + subsidy)
  of the contribution standard (``contribution_standards``), unless the fund account gives the
  actual income; + other income (interest).
* **Fund running** per scheme and year: income, expenditure (Σ fund paid of the scheme's
  settlements of the area's insured + the account's other expenditure, e.g. the major-illness
  insurance premium), the current-year balance (当期结存 = income −
  expenditure), the accumulated balance (累计结存 = opening balance + current balance) and the
  months of payment it covers (可支付月数 = accumulated balance ÷ average monthly expenditure of
  the months elapsed), banded by ``fund_running.months_bands`` (reasonable 6–9 months …).
* **Time-elapsed progress** (序时进度): cumulative spending of a community or an institution
  through a month against its annual quota, beside the share of the year elapsed; spending more
  than ``progress_tolerance`` ahead of time is flagged.

Every figure is Decimal (money to the fen) and carries its numerator and denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from yigong.payment.policy_bureau import FundRunningPolicy
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, divide, in_context

__all__ = [
    "ContributionStandard",
    "CoverageRow",
    "FundAccount",
    "FundYear",
    "ProgressRow",
    "SpendingToDate",
    "coverage",
    "fund_running",
    "progress",
]

RATIO_PLACES = Decimal("0.0001")
MONTHS_PLACES = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Coverage of one area in one year: insured by scheme, resident population, rate."""

    division_code: str
    name: str
    year: int
    insured: dict[str, int]
    resident_population: int
    total_insured: int
    rate: Decimal | None
    target: Decimal
    meets_target: bool | None
    short_of_target: int


@dataclass(frozen=True, slots=True)
class ContributionStandard:
    year: int
    scheme: str
    individual: Money
    subsidy: Money
    source: str

    @property
    def per_capita(self) -> Money:
        return self.individual + self.subsidy


@dataclass(frozen=True, slots=True)
class FundAccount:
    year: int
    scheme: str
    opening_balance: Money
    income: Money | None
    other_income: Money
    source: str
    other_expenditure: Money = Money.zero()


@dataclass(frozen=True, slots=True)
class FundYear:
    """One scheme's fund in one year (to ``months`` elapsed when the year is running)."""

    year: int
    scheme: str
    insured: int
    per_capita: Money | None
    contribution_income: Money
    other_income: Money
    income: Money
    income_basis: str  # "account" (actual) | "standard" (insured × per capita)
    claims_paid: Money
    other_expenditure: Money
    expenditure: Money
    months: int
    current_balance: Money
    opening_balance: Money
    accumulated_balance: Money
    monthly_expenditure: Money
    months_payable: Decimal | None
    band: str
    sources: str


@in_context
def coverage(
    rows: Sequence[tuple[str, str, int, dict[str, int], int]], policy: FundRunningPolicy
) -> list[CoverageRow]:
    """(division, name, year, insured by scheme, resident population) → coverage rows.

    The rate is insured ÷ resident population (4 decimals, half-up); ``short_of_target`` is
    how many more insured the target needs (0 when met); no population → no rate."""
    target = policy.coverage.target
    out = []
    for code, name, year, insured, residents in rows:
        total = sum(insured.values())
        rate = divide(total, residents).quantize(RATIO_PLACES, ROUND_HALF_UP) if residents else None
        needed = int(CONTEXT.multiply(target, residents).to_integral_value(rounding=ROUND_CEILING))
        out.append(
            CoverageRow(
                code,
                name,
                year,
                dict(sorted(insured.items())),
                residents,
                total,
                rate,
                target,
                None if rate is None else total >= needed,
                max(0, needed - total) if residents else 0,
            )  # fmt: skip
        )
    return out


@in_context
def fund_running(
    insured: dict[tuple[int, str], int],
    standards: Sequence[ContributionStandard],
    accounts: Sequence[FundAccount],
    expenditure: dict[tuple[int, str], Money],
    months: dict[int, int],
    policy: FundRunningPolicy,
) -> list[FundYear]:
    """Per scheme and year: income, expenditure, balances and months of payment covered.

    ``months`` gives the months of data of each year (12 for a closed year); the monthly
    expenditure and the months of payment use them. A year without a fund account starts from
    the previous year's accumulated balance (0 for the first year, named in ``sources``)."""
    std = {(s.year, s.scheme): s for s in standards}
    acc = {(a.year, a.scheme): a for a in accounts}
    keys = sorted(set(expenditure) | set(acc) | {k for k in insured if k in std})
    out: list[FundYear] = []
    closing: dict[str, Money] = {}
    for year, scheme in keys:
        n = insured.get((year, scheme), 0)
        s, a = std.get((year, scheme)), acc.get((year, scheme))
        contribution = (
            Money.zero() if s is None else Money.of(CONTEXT.multiply(s.per_capita.amount, n))
        )
        other = Money.zero() if a is None or a.other_income is None else a.other_income
        if a is not None and a.income is not None:
            income, basis = a.income, "account"
        else:
            income, basis = contribution + other, "standard"
        claims = expenditure.get((year, scheme), Money.zero())
        other_out = Money.zero() if a is None else a.other_expenditure
        spent = claims + other_out
        m = months.get(year, 12)
        opening = a.opening_balance if a is not None else closing.get(scheme, Money.zero())
        current = income - spent
        accumulated = opening + current
        monthly = Money.of(divide(spent.amount, m)) if m else Money.zero()
        payable = (
            divide(accumulated.amount, monthly.amount).quantize(MONTHS_PLACES, ROUND_HALF_UP)
            if monthly.amount > 0
            else None
        )
        band = policy.months_band(payable) if payable is not None else "reasonable"
        sources = "; ".join(
            x for x in (
                s.source if s else f"no contribution standard for {scheme} {year}",
                a.source if a else "opening balance carried from the year before",
            ) if x
        )  # fmt: skip
        out.append(
            FundYear(
                year,
                scheme,
                n,
                s.per_capita if s else None,
                contribution,
                other,
                income,
                basis,
                claims,
                other_out,
                spent,
                m,
                current,
                opening,
                accumulated,
                monthly,
                payable,
                band,
                sources,
            )  # fmt: skip
        )
        closing[scheme] = accumulated
    return out


@dataclass(frozen=True, slots=True)
class SpendingToDate:
    """A community's or an institution's spending by month of the year, and its annual quota."""

    kind: str  # community | institution
    subject: str
    name: str
    quota: Money | None
    monthly: tuple[Money, ...]  # Jan … the last month with data


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """Spending to the end of a month against the quota, beside the time elapsed."""

    kind: str
    subject: str
    name: str
    month: int
    quota: Money | None
    spent_to_date: Money
    progress: Decimal | None  # spent ÷ quota
    elapsed: Decimal  # month ÷ 12
    ahead: Decimal | None  # progress − elapsed
    flag: str  # ahead | on_track | behind | no_quota


@in_context
def progress(rows: Sequence[SpendingToDate], policy: FundRunningPolicy) -> list[ProgressRow]:
    """Each month's cumulative spending ÷ quota against time elapsed (序时进度)."""
    tol = policy.progress_tolerance
    out = []
    for r in rows:
        total = Money.zero()
        for month, spent in enumerate(r.monthly, start=1):
            total = total + spent
            elapsed = divide(month, 12).quantize(RATIO_PLACES, ROUND_HALF_UP)
            if r.quota is None or r.quota.amount <= 0:
                out.append(ProgressRow(r.kind, r.subject, r.name, month, r.quota, total, None,
                                       elapsed, None, "no_quota"))  # fmt: skip
                continue
            share = divide(total.amount, r.quota.amount).quantize(RATIO_PLACES, ROUND_HALF_UP)
            ahead = share - elapsed
            flag = "ahead" if ahead > tol else "behind" if ahead < -tol else "on_track"
            out.append(ProgressRow(r.kind, r.subject, r.name, month, r.quota, total, share,
                                   elapsed, ahead, flag))  # fmt: skip
    return out
