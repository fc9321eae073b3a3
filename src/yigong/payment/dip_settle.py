"""DIP settlement (按病种分值付费结算) of one year's cases against a catalogue.

Per case ([S1] §5.4–5.5 of the payment research notes):

* group: core (dx4 + procedure) if in the catalogue's core set, else comprehensive (dx3 +
  treatment attribute), else **unmatched** — scored by its own cost (cost ÷ M × scale) and
  listed for review;
* reference cost = group mean × hospital coefficient (the same-level group standard);
  ratio = case cost ÷ reference cost;
* deviation cases (偏差病例, DIP 1.0): ratio < ``low_ratio`` → points = score × coef × ratio;
  ratio > ``high_ratio`` → points = score × coef × (ratio − high_ratio + 1); ratio >
  ``extreme_ratio`` → same formula, flagged for expert review (特例单议); otherwise
  points = score × coef. Points are rounded half-up to ``score_decimals``.

Point value (结算点值) = (fund available for DIP ÷ fund payment ratio) ÷ total points, rounded
half-up to ``point_value_decimals``; fund payment ratio = Σ fund paid ÷ Σ cost of the DIP cases.
Hospital settlement = points × point value × payment ratio × assessment coefficient − audit
deductions, rounded once to the fen. What rounding leaves in the DIP pool is reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from yigong.payment.dip_catalog import DipCatalog, ProcedureKind, group_id_for
from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.policy_casemix import DipPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide

__all__ = [
    "DipCase",
    "DipCaseResult",
    "DipHospitalResult",
    "DipResult",
    "HospitalAdjustment",
    "settle_dip",
]


@dataclass(frozen=True, slots=True)
class DipCase:
    """A discharge of the settlement year, with its total cost and fund-paid amount."""

    case_id: str
    institution_id: str
    level: str
    diagnosis: str
    procedure: str
    procedure_kind: ProcedureKind
    cost: Money
    fund_paid: Money


@dataclass(frozen=True, slots=True)
class HospitalAdjustment:
    """Assessment coefficient (考核系数) and audit deductions (审核扣减) of one hospital."""

    institution_id: str
    assessment_coefficient: Decimal = Decimal(1)
    deductions: Money = field(default_factory=Money.zero)


@dataclass(frozen=True, slots=True)
class DipCaseResult:
    case_id: str
    institution_id: str
    group_id: str
    score: Decimal
    coefficient: Decimal
    reference_cost: Decimal
    ratio: Decimal
    deviation: str  # normal | low | high | extreme | unmatched
    points: Decimal


@dataclass(frozen=True, slots=True)
class DipHospitalResult:
    institution_id: str
    cases: int
    points: Decimal
    gross: Money
    assessment_coefficient: Decimal
    deductions: Money
    settlement: Money


@dataclass(frozen=True, slots=True)
class DipResult:
    year: int
    fund_available: Money
    payment_ratio: Decimal
    total_points: Decimal
    point_value: Decimal
    cases: tuple[DipCaseResult, ...]
    hospitals: tuple[DipHospitalResult, ...]
    residual: Money
    ledger: Ledger


def _case_points(case: DipCase, catalog: DipCatalog, policy: DipPolicy) -> DipCaseResult:
    q = Decimal(1).scaleb(-policy.score_decimals)
    gid = group_id_for(case.diagnosis, case.procedure, case.procedure_kind, catalog)
    cost = case.cost.amount
    if gid is None:
        points = CONTEXT.multiply(divide(cost, catalog.overall_mean), policy.score_scale).quantize(
            q, rounding=ROUND_HALF_UP
        )
        return DipCaseResult(
            case.case_id,
            case.institution_id,
            "",
            Decimal(0),
            Decimal(1),
            Decimal(0),
            Decimal(0),
            "unmatched",
            points,
        )
    group = catalog.groups[gid]
    coef = catalog.coefficients.get(case.level)
    if coef is None:
        raise PaymentInputError(
            [
                Issue(
                    Level.ERROR,
                    "dip.level",
                    f"case {case.case_id}: no coefficient for level {case.level!r}",
                    "dip_cases.csv",
                    None,
                    "level",
                )
            ]
        )
    reference = CONTEXT.multiply(group.mean_cost, coef)
    ratio = divide(cost, reference)
    base = CONTEXT.multiply(group.score, coef)
    if ratio < policy.low_ratio:
        deviation, factor = "low", ratio
    elif ratio > policy.high_ratio:
        deviation = "extreme" if ratio > policy.extreme_ratio else "high"
        factor = ratio - policy.high_ratio + 1
    else:
        deviation, factor = "normal", Decimal(1)
    points = CONTEXT.multiply(base, factor).quantize(q, rounding=ROUND_HALF_UP)
    return DipCaseResult(
        case.case_id,
        case.institution_id,
        gid,
        group.score,
        coef,
        reference,
        ratio,
        deviation,
        points,
    )


def settle_dip(
    cases: tuple[DipCase, ...],
    catalog: DipCatalog,
    policy: DipPolicy,
    fund_available: Money,
    year: int,
    rounding: RoundingRule,
    adjustments: tuple[HospitalAdjustment, ...] = (),
) -> DipResult:
    """Score every case, derive the point value and settle each hospital."""
    if not cases:
        raise PaymentInputError(
            [Issue(Level.ERROR, "dip.cases.empty", "no cases to settle", "dip_cases.csv")]
        )
    bad = [
        Issue(
            Level.ERROR,
            "dip.case.amount",
            f"case {c.case_id}: cost must be > 0 and fund paid >= 0",
            "dip_cases.csv",
            i + 2,
            "cost",
        )
        for i, c in enumerate(cases)
        if c.cost.amount <= 0 or c.fund_paid.is_negative
    ]
    if bad:
        raise PaymentInputError(bad)
    results = tuple(
        _case_points(c, catalog, policy) for c in sorted(cases, key=lambda c: c.case_id)
    )
    total_cost = sum((c.cost.amount for c in cases), Decimal(0))
    total_fund = sum((c.fund_paid.amount for c in cases), Decimal(0))
    payment_ratio = divide(total_fund, total_cost)
    total_points = sum((r.points for r in results), Decimal(0))
    pv_q = Decimal(1).scaleb(-policy.point_value_decimals)
    point_value = divide(divide(fund_available.amount, payment_ratio), total_points).quantize(
        pv_q, rounding=ROUND_HALF_UP
    )
    adj = {a.institution_id: a for a in adjustments}
    points_by: dict[str, Decimal] = defaultdict(Decimal)
    count_by: dict[str, int] = defaultdict(int)
    for r in results:
        points_by[r.institution_id] += r.points
        count_by[r.institution_id] += 1
    ledger = Ledger()
    clause = policy.clause
    ledger.transfer(date=f"{year}-12-31", period=f"{year}-YE", source="external:fund_income", target="fund:dip_pool",
                    amount=fund_available, rule_id="dip.fund", clause=clause, inputs={"fund_available": fund_available})  # fmt: skip
    hospitals = []
    for inst in sorted(points_by):
        a = adj.get(inst, HospitalAdjustment(inst))
        gross = Money.of(
            CONTEXT.multiply(CONTEXT.multiply(points_by[inst], point_value), payment_ratio),
            rounding,
        )
        settled = gross.scale(a.assessment_coefficient, rounding) - a.deductions
        hospitals.append(
            DipHospitalResult(
                inst,
                count_by[inst],
                points_by[inst],
                gross,
                a.assessment_coefficient,
                a.deductions,
                settled,
            )
        )
        ledger.transfer(date=f"{year}-12-31", period=f"{year}-YE", source="fund:dip_pool", target=f"institution:{inst}",
                        amount=settled, rule_id="dip.settle", clause=clause,
                        inputs={"points": points_by[inst], "point_value": point_value, "payment_ratio": payment_ratio,
                                "assessment_coefficient": a.assessment_coefficient, "deductions": a.deductions})  # fmt: skip
    residual = ledger.balance("fund:dip_pool")
    return DipResult(
        year,
        fund_available,
        payment_ratio,
        total_points,
        point_value,
        results,
        tuple(hospitals),
        residual,
        ledger,
    )
