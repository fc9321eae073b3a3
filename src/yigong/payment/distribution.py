"""Distribution rules of the policy texts (分配规则) as calculators and checks on finance data.

* Centralised-procurement surplus retention [H]: 60–70 % of the retained insurance savings to
  staff pay, 30–40 % to the institution's development.
* Township incentive pay [N] (3)2: more than 60 % of the year's medical-service balance
  (revenue − costs − fund withdrawals) for incentive performance pay. Chinese legal usage counts
  the bound itself as "以上", so the check is incentive ≥ 60 % × balance.
* Family-doctor contract fee [N] (3)2: not less than 70 % of the contract income to the
  contracting team (incentive ≥ 70 %).

Checks compare exactly (no rounding): ``paid ≥ share × base`` in Decimal. Calculators round the
minimum **up** to the fen, so paying the calculated minimum always passes the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from yigong.payment.policy_casemix import (
    DistributionPolicy,
    FamilyDoctorRule,
    ProcurementSurplusRule,
    TownshipIncentiveRule,
)
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, DEFAULT_RULE, RoundingRule

__all__ = [
    "DistributionCheck",
    "FinanceRecord",
    "check_finance",
    "family_doctor_minimum",
    "split_procurement_surplus",
    "township_incentive_minimum",
]

_UP = RoundingRule(mode=ROUND_CEILING)


@dataclass(frozen=True, slots=True)
class DistributionCheck:
    """One rule checked for one institution: numerator ÷ denominator against the requirement."""

    rule_id: str
    institution_id: str
    numerator: Money
    denominator: Money
    share: Decimal | None
    requirement: str
    ok: bool
    clause: str


@dataclass(frozen=True, slots=True)
class FinanceRecord:
    """One institution-year of finance data; ``None`` where a rule does not apply."""

    institution_id: str
    procurement_retained: Money | None = None
    procurement_staff: Money | None = None
    procurement_development: Money | None = None
    service_revenue: Money | None = None
    service_costs: Money | None = None
    fund_withdrawals: Money | None = None
    incentive_paid: Money | None = None
    contract_income: Money | None = None
    contract_team_paid: Money | None = None


def split_procurement_surplus(
    retained: Money,
    staff_share: Decimal,
    rule: ProcurementSurplusRule,
    rounding: RoundingRule = DEFAULT_RULE,
) -> tuple[Money, Money]:
    """(staff pay, development) for a chosen staff share inside the allowed band; sums exactly."""
    if not rule.staff_min <= staff_share <= rule.staff_max:
        raise ValueError(
            f"staff share {staff_share} outside {rule.staff_min}–{rule.staff_max} ({rule.clause})"
        )
    staff = retained.scale(staff_share, rounding)
    return staff, retained - staff


def township_incentive_minimum(
    revenue: Money, costs: Money, withdrawals: Money, rule: TownshipIncentiveRule
) -> tuple[Money, Money]:
    """(medical-service balance, minimum incentive pay rounded up to the fen)."""
    balance = revenue - costs - withdrawals
    return balance, balance.max(Money.zero()).scale(rule.min_share, _UP)


def family_doctor_minimum(contract_income: Money, rule: FamilyDoctorRule) -> Money:
    """Minimum paid to the contracting team, rounded up to the fen."""
    return contract_income.scale(rule.team_min, _UP)


def _share(num: Money, den: Money) -> Decimal | None:
    return None if den.is_zero else num.ratio(den)


def _at_least(paid: Money, base: Money, share: Decimal) -> bool:
    return paid.amount >= CONTEXT.multiply(base.amount, share)


def check_finance(
    rows: tuple[FinanceRecord, ...], policy: DistributionPolicy
) -> list[DistributionCheck]:
    """Every applicable rule for every institution, in input order."""
    out: list[DistributionCheck] = []
    p, t, f = policy.procurement_surplus, policy.township_incentive, policy.family_doctor
    for r in rows:
        if (
            r.procurement_retained is not None
            and r.procurement_staff is not None
            and r.procurement_development is not None
        ):
            total = r.procurement_retained
            ok = (
                r.procurement_staff + r.procurement_development == total
                and _at_least(r.procurement_staff, total, p.staff_min)
                and r.procurement_staff.amount <= CONTEXT.multiply(total.amount, p.staff_max)
            )
            req = f"staff {p.staff_min}–{p.staff_max} of retained, staff + development = retained"
            out.append(
                DistributionCheck(
                    "procurement_surplus",
                    r.institution_id,
                    r.procurement_staff,
                    total,
                    _share(r.procurement_staff, total),
                    req,
                    ok,
                    p.clause,
                )
            )
        rev, cost, wd, inc = (
            r.service_revenue,
            r.service_costs,
            r.fund_withdrawals,
            r.incentive_paid,
        )
        if rev is not None and cost is not None and wd is not None and inc is not None:
            balance = rev - cost - wd
            ok = balance.amount <= 0 or _at_least(inc, balance, t.min_share)
            out.append(
                DistributionCheck(
                    "township_incentive",
                    r.institution_id,
                    inc,
                    balance,
                    _share(inc, balance),
                    f">= {t.min_share} of balance",
                    ok,
                    t.clause,
                )
            )
        if r.contract_income is not None and r.contract_team_paid is not None:
            ok = _at_least(r.contract_team_paid, r.contract_income, f.team_min)
            out.append(
                DistributionCheck(
                    "family_doctor",
                    r.institution_id,
                    r.contract_team_paid,
                    r.contract_income,
                    _share(r.contract_team_paid, r.contract_income),
                    f">= {f.team_min} of contract income",
                    ok,
                    f.clause,
                )
            )
    return out
