"""DRG payment (按疾病诊断相关分组付费) of grouped cases.

Source: payment research notes §5.7 (暂行办法 第十六、十七条 via [S1]); outlier thresholds have
no national number and are local parameters.

* rate (费率): ``fixed`` = ``base_rate``; ``floating_cost`` (浮动费率法) = Σ cost ÷ Σ weight of
  the paid-by-DRG cases; ``budget`` = DRG fund ÷ Σ (weight × coefficient). Rounded half-up to
  ``rate_decimals``.
* payment standard (支付标准) = rate × weight × hospital coefficient (by level), to the fen.
* stays with los ≤ ``min_los`` or ≥ ``max_los`` are excluded: paid cost × ``excluded_cost_share``;
* low outlier (低倍率): cost < ``low_ratio`` × standard → paid the actual cost;
* high outlier (高倍率): cost > ``high_ratio`` × standard → standard + (cost − high_ratio ×
  standard) × ``high_excess_share``;
* otherwise the standard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.policy_casemix import DrgPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide

__all__ = ["DrgCase", "DrgCaseResult", "DrgHospitalResult", "DrgResult", "settle_drg"]


@dataclass(frozen=True, slots=True)
class DrgCase:
    """A grouped discharge: DRG code and relative weight (权重) from the grouper's pack."""

    case_id: str
    institution_id: str
    level: str
    drg: str
    weight: Decimal
    cost: Money
    los: int


@dataclass(frozen=True, slots=True)
class DrgCaseResult:
    case_id: str
    institution_id: str
    drg: str
    standard: Money
    category: str  # normal | low | high | excluded
    payment: Money


@dataclass(frozen=True, slots=True)
class DrgHospitalResult:
    institution_id: str
    cases: int
    total_weight: Decimal
    cost: Money
    payment: Money


@dataclass(frozen=True, slots=True)
class DrgResult:
    year: int
    rate: Decimal
    cases: tuple[DrgCaseResult, ...]
    hospitals: tuple[DrgHospitalResult, ...]
    ledger: Ledger


def _excluded(case: DrgCase, policy: DrgPolicy) -> bool:
    return (policy.min_los is not None and case.los <= policy.min_los) or (
        policy.max_los is not None and case.los >= policy.max_los
    )


def _coef(case: DrgCase, policy: DrgPolicy) -> Decimal:
    if not policy.coefficients:
        return Decimal(1)
    if case.level not in policy.coefficients:
        raise PaymentInputError(
            [
                Issue(
                    Level.ERROR,
                    "drg.level",
                    f"no coefficient for level {case.level!r}",
                    "drg_cases.csv",
                    None,
                    "level",
                )
            ]
        )
    return policy.coefficients[case.level]


def drg_rate(cases: tuple[DrgCase, ...], policy: DrgPolicy, budget: Money | None) -> Decimal:
    q = Decimal(1).scaleb(-policy.rate_decimals)
    paid = [c for c in cases if not _excluded(c, policy)]
    if policy.rate_method == "fixed":
        assert policy.base_rate is not None
        return policy.base_rate
    if policy.rate_method == "floating_cost":
        cost = sum((c.cost.amount for c in paid), Decimal(0))
        return divide(cost, sum((c.weight for c in paid), Decimal(0))).quantize(
            q, rounding=ROUND_HALF_UP
        )
    if budget is None:
        raise PaymentInputError(
            [
                Issue(
                    Level.ERROR,
                    "drg.budget",
                    "rate_method 'budget' needs drg_fund in bundle.yaml",
                    "bundle.yaml",
                    None,
                    "drg_fund",
                )
            ]
        )
    units = sum((CONTEXT.multiply(c.weight, _coef(c, policy)) for c in paid), Decimal(0))
    return divide(budget.amount, units).quantize(q, rounding=ROUND_HALF_UP)


def settle_drg(
    cases: tuple[DrgCase, ...],
    policy: DrgPolicy,
    year: int,
    rounding: RoundingRule,
    budget: Money | None = None,
) -> DrgResult:
    """Pay every case and total per hospital; each hospital's total is a ledger transfer."""
    if not cases:
        raise PaymentInputError(
            [Issue(Level.ERROR, "drg.cases.empty", "no cases to settle", "drg_cases.csv")]
        )
    bad = [
        Issue(
            Level.ERROR,
            "drg.case.values",
            f"case {c.case_id}: weight must be > 0, cost >= 0, los >= 0",
            "drg_cases.csv",
            i + 2,
            "weight",
        )
        for i, c in enumerate(cases)
        if c.weight <= 0 or c.cost.is_negative or c.los < 0
    ]
    if bad:
        raise PaymentInputError(bad)
    rate = drg_rate(cases, policy, budget)
    results = []
    bands: dict[tuple[Decimal, str], tuple[Money, Money | None, Money | None]] = {}
    for c in sorted(cases, key=lambda x: x.case_id):
        band = bands.get((c.weight, c.level))
        if band is None:  # standard and thresholds depend only on weight and level: compute once
            standard = Money.of(
                CONTEXT.multiply(CONTEXT.multiply(rate, c.weight), _coef(c, policy)), rounding
            )
            low = None if policy.low_ratio is None else standard.scale(policy.low_ratio, rounding)
            high = (
                None if policy.high_ratio is None else standard.scale(policy.high_ratio, rounding)
            )
            band = bands[(c.weight, c.level)] = (standard, low, high)
        standard, low, cap = band
        if _excluded(c, policy):
            category, pay = "excluded", c.cost.scale(policy.excluded_cost_share, rounding)
        elif low is not None and c.cost < low:
            category, pay = "low", c.cost
        elif cap is not None and c.cost > cap:
            category, pay = (
                "high",
                standard + (c.cost - cap).scale(policy.high_excess_share, rounding),
            )
        else:
            category, pay = "normal", standard
        results.append(DrgCaseResult(c.case_id, c.institution_id, c.drg, standard, category, pay))
    weight: dict[str, Decimal] = defaultdict(Decimal)
    cost: dict[str, Money] = defaultdict(Money.zero)
    paid: dict[str, Money] = defaultdict(Money.zero)
    count: dict[str, int] = defaultdict(int)
    for c, r in zip(sorted(cases, key=lambda x: x.case_id), results, strict=True):
        weight[c.institution_id] += c.weight
        cost[c.institution_id] += c.cost
        paid[c.institution_id] += r.payment
        count[c.institution_id] += 1
    ledger = Ledger()
    hospitals = []
    for inst in sorted(paid):
        hospitals.append(DrgHospitalResult(inst, count[inst], weight[inst], cost[inst], paid[inst]))
        ledger.transfer(date=f"{year}-12-31", period=f"{year}-YE", source="external:fund_income", target=f"institution:{inst}",
                        amount=paid[inst], rule_id="drg.settle", clause=policy.clause,
                        inputs={"rate": rate, "cases": count[inst], "total_weight": weight[inst]})  # fmt: skip
    return DrgResult(year, rate, tuple(results), tuple(hospitals), ledger)
