"""Checks of pay distribution as policy data (绩效分配检查).

- township incentive pay > 60 % of the medical-service balance, and family-doctor fees ≥ 70 %
  to the contracting team: the rules of the payment policy's ``distribution`` section
  ([N] (3)2; one place: `payment/packs/henan-default/distribution.yaml`), run by the payment
  engine's own check (`yigong.payment.distribution.check_finance`);
- GP income ≥ the average of clinicians with the same title at the county general hospital
  ([N] (3)2), per primary institution and title (``pay.gp_parity``);
- fixed-salary share ≥ ``pay.fixed_salary.min_share`` ([H]; the number is a local parameter);
- personnel expenditure share of business expenditure ≥ the national benchmark of the year
  ([H]; the benchmark value comes from the indicator catalog's benchmark table).

Every check keeps its numerator, denominator, the requirement in words and the clause; a check
that cannot be judged (no benchmark, no comparison group) has ``ok = None`` and says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.operations.policy import PayPolicy
from yigong.payment.distribution import FinanceRecord, check_finance
from yigong.payment.policy_casemix import DistributionPolicy
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, divide

__all__ = ["PayCheck", "PersonRecord", "fixed_salary_checks", "gp_parity_checks",
           "personnel_share_check", "township_and_family_doctor_checks"]  # fmt: skip


@dataclass(frozen=True)
class PayCheck:
    """One rule checked for one institution (and subject: a title, a person)."""

    rule_id: str
    institution_id: str
    subject: str
    numerator: Money | Decimal
    denominator: Money | Decimal
    value: Decimal | None
    requirement: str
    ok: bool | None
    clause: str
    note: str = ""
    threshold: Decimal | None = None  # the required share (or benchmark), where there is one


@dataclass(frozen=True)
class PersonRecord:
    """A staff member's year: where, what post, what title, and the year's pay by item."""

    staff_key: str
    institution_id: str
    institution_type: str
    qualification: str
    title: str
    is_gp: bool
    items: Mapping[str, Money]

    @property
    def income(self) -> Money:
        return Money.sum(list(self.items.values()))


def _share(num: Money, den: Money) -> Decimal | None:
    return None if den.is_zero else divide(num.amount, den.amount).quantize(Decimal("0.0001"))


def township_and_family_doctor_checks(
    records: Sequence[FinanceRecord], policy: DistributionPolicy
) -> list[PayCheck]:
    """The payment policy's township-incentive and family-doctor rules, by the payment engine."""
    out = []
    shares = {"township_incentive": policy.township_incentive.min_share,
              "family_doctor": policy.family_doctor.team_min}  # fmt: skip
    for c in check_finance(tuple(records), policy):
        if c.rule_id.startswith("procurement"):
            continue
        note = "balance ≤ 0: nothing to share" if c.rule_id == "township_incentive" and (
            c.denominator.amount <= 0) else ""  # fmt: skip
        out.append(PayCheck(c.rule_id, c.institution_id, "", c.numerator, c.denominator,
                            None if note else c.share, c.requirement, c.ok, c.clause, note,
                            shares.get(c.rule_id)))  # fmt: skip
    return out


def fixed_salary_checks(people: Iterable[PersonRecord], policy: PayPolicy) -> list[PayCheck]:
    """Fixed items ÷ all pay per institution ≥ the minimum share."""
    rule = policy.fixed_salary
    fixed: dict[str, Money] = defaultdict(Money.zero)
    total: dict[str, Money] = defaultdict(Money.zero)
    for p in people:
        if p.institution_type not in rule.institution_types:
            continue
        fixed[p.institution_id] += Money.sum([p.items.get(i, Money.zero()) for i in rule.items])
        total[p.institution_id] += p.income
    out = []
    for inst in sorted(total):
        share = _share(fixed[inst], total[inst])
        out.append(PayCheck("fixed_salary_share", inst, "", fixed[inst], total[inst], share,
                            f"≥ {rule.min_share:.0%} ({' + '.join(rule.items)})",
                            None if share is None else share >= rule.min_share, rule.clause,
                            threshold=rule.min_share))  # fmt: skip
    return out


def gp_parity_checks(people: Sequence[PersonRecord], policy: PayPolicy) -> list[PayCheck]:
    """Mean GP income per primary institution and title ≥ the comparison clinicians' mean of
    the same title."""
    rule = policy.gp_parity
    comparison: dict[str, list[Money]] = defaultdict(list)
    for p in people:
        if (p.institution_type in rule.comparison_types and p.qualification in rule.qualifications
                and not p.is_gp):  # fmt: skip
            comparison[p.title].append(p.income)
    gps: dict[tuple[str, str], list[Money]] = defaultdict(list)
    for p in people:
        if p.institution_type in rule.primary_types and p.is_gp:
            gps[(p.institution_id, p.title)].append(p.income)
    out = []
    for (inst, title), incomes in sorted(gps.items()):
        mean = Money.of(divide(Money.sum(incomes).amount, Decimal(len(incomes))))
        others = comparison.get(title, [])
        if not others:
            out.append(PayCheck("gp_parity", inst, title, mean, Money.zero(), None,
                                "≥ county clinicians of the same title", None, rule.clause,
                                f"no clinician with title {title} at {', '.join(rule.comparison_types)}"))  # fmt: skip
            continue
        ref = Money.of(divide(Money.sum(others).amount, Decimal(len(others))))
        value = _share(mean, ref)
        out.append(PayCheck("gp_parity", inst, title, mean, ref, value,
                            f"≥ mean of {len(others)} clinicians of the same title",
                            mean >= ref, rule.clause, f"{len(incomes)} GPs", Decimal(1)))  # fmt: skip
    return out


def personnel_share_check(
    institution_id: str,
    personnel: Money,
    business_and_admin: Money,
    benchmark: Decimal | None,
    benchmark_source: str,
    policy: PayPolicy,
) -> PayCheck:
    """Personnel expenditure ÷ (business + administrative expenditure), in %, ≥ the national
    benchmark (no benchmark: not judged)."""
    rule = policy.personnel_share
    share = _share(personnel, business_and_admin)
    pct = None if share is None else CONTEXT.multiply(share, Decimal(100))
    if benchmark is None:
        return PayCheck("personnel_share", institution_id, "", personnel, business_and_admin, pct,
                        f"≥ national {rule.statistic}", None, rule.clause,
                        "no benchmark value for the year")  # fmt: skip
    return PayCheck("personnel_share", institution_id, "", personnel, business_and_admin, pct,
                    f"≥ {benchmark} % (national {rule.statistic}; {benchmark_source})",
                    None if pct is None else pct >= benchmark, rule.clause, "", benchmark)  # fmt: skip
