"""Performance-pay distribution (绩效工资分配): the envelope, its link to the appraisal, and its
distribution to departments and staff, with a ledger line for every step.

Rules (``pay`` section of the operations policy):

1. **Envelope**: the approved total performance pay × the coefficient of the band the
   institution's appraisal score falls in ([H]: appraisal results linked to the total
   performance pay), half-up to the fen. No score: coefficient 1, said so.
2. **Incentive pool**: the distributable envelope less the performance pay items that are not
   distributed by points (basic performance pay, GP allowance, family-doctor fees, night and
   rural subsidies — what was paid of them in the year). A pool below 0 is 0, reported.
3. **Department points**: Σ DRG relative weights of the department's discharges (cases × CMI,
   from the case-mix facts) × ``case_weight`` + bed-days × ``bed_day`` + visits ×
   ``outpatient_visit`` + examinations × ``exam``, times the quality factor
   max(``quality_floor``, 1 − ``low_risk_death_penalty`` × deaths in low-risk DRGs).
   Departments without workload (administration, support) get ``non_clinical_factor`` × the
   points per head of the departments with workload, × their staff.
4. **Department pools** and **staff shares**: the pool split by points among the departments
   with staff in the year's pay data (a department without staff takes no share, reported),
   each department's pool by its staff's title coefficients × months worked; largest
   remainder to the fen.

Every move is a ledger transfer (`yigong.payment.ledger.Ledger`): envelope → institution pool →
department → staff member, each with its rule, clause and inputs, so a staff member's figure
explains itself. `entitled` vs `paid` compares the result with the incentive pay actually paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from yigong.operations.policy import PayPolicy
from yigong.payment.ledger import Ledger
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money, allocate
from yigong.schema.rounding import CONTEXT, RoundingRule, divide

__all__ = [
    "DepartmentWork",
    "Distribution",
    "StaffMonths",
    "StaffShare",
    "distribute_envelope",
    "envelope_coefficient",
]

HALF_UP = RoundingRule(mode=ROUND_HALF_UP)


@dataclass(frozen=True)
class DepartmentWork:
    """A department's year: workload and quality behind its points."""

    department_id: str
    name: str
    case_weight: Decimal = Decimal(0)  # Σ DRG relative weights of its discharges
    bed_days: int = 0
    visits: int = 0
    exams: int = 0
    low_risk_deaths: int = 0


@dataclass(frozen=True)
class StaffMonths:
    """A staff member's year in one department: title, months worked, incentive pay paid."""

    staff_key: str
    department_id: str
    title: str
    months: int
    paid_incentive: Money


@dataclass(frozen=True)
class DepartmentShare:
    department_id: str
    name: str
    points: Decimal
    quality: Decimal
    pool: Money
    staff: int


@dataclass(frozen=True)
class StaffShare:
    staff_key: str
    department_id: str
    title: str
    weight: Decimal
    entitled: Money
    paid: Money

    @property
    def difference(self) -> Money:
        return self.paid - self.entitled


@dataclass(frozen=True)
class Distribution:
    institution_id: str
    year: int
    approved: Money
    score: Decimal | None
    coefficient: Decimal
    distributable: Money
    fixed_items_paid: Money
    pool: Money
    departments: tuple[DepartmentShare, ...]
    staff: tuple[StaffShare, ...]
    ledger: Ledger
    issues: tuple[Issue, ...] = field(default=())


def envelope_coefficient(score: Decimal | None, policy: PayPolicy) -> Decimal:
    """The coefficient of the band ``score`` falls in (1 without a score)."""
    if score is None:
        return Decimal(1)
    for band in policy.envelope.bands:
        if score >= band.min_score:
            return band.coefficient
    return policy.envelope.bands[-1].coefficient


def _points(d: DepartmentWork, policy: PayPolicy) -> tuple[Decimal, Decimal]:
    p = policy.distribution
    pts = p.points
    raw = (d.case_weight * pts.get("case_weight", Decimal(0))
           + d.bed_days * pts.get("bed_day", Decimal(0))
           + d.visits * pts.get("outpatient_visit", Decimal(0))
           + d.exams * pts.get("exam", Decimal(0)))  # fmt: skip
    quality = max(p.quality_floor, 1 - p.low_risk_death_penalty * d.low_risk_deaths)
    return CONTEXT.multiply(raw, quality), quality


def distribute_envelope(
    institution_id: str,
    year: int,
    approved: Money,
    score: Decimal | None,
    fixed_items_paid: Money,
    departments: Sequence[DepartmentWork],
    staff: Sequence[StaffMonths],
    policy: PayPolicy,
) -> Distribution:
    """Distribute one institution-year's envelope; see the module docstring."""
    issues: list[Issue] = []
    ledger = Ledger()
    day, period = f"{year}-12-31", str(year)
    coefficient = envelope_coefficient(score, policy)
    if score is None:
        issues.append(Issue(Level.WARNING, "pay.score",
                            f"{institution_id} {year}: no appraisal score; coefficient 1"))  # fmt: skip
    distributable = approved.scale(coefficient, HALF_UP)
    pool_account = f"pool:incentive:{institution_id}"
    ledger.post(day, period, f"envelope:{institution_id}", f"pool:performance:{institution_id}",
                distributable, "pay.envelope", policy.envelope.clause,
                {"approved": approved, "appraisal_score": score, "coefficient": coefficient})  # fmt: skip
    pool = distributable - fixed_items_paid
    if pool.is_negative:
        issues.append(Issue(Level.WARNING, "pay.pool",
                            f"{institution_id} {year}: the items not distributed by points "
                            f"({fixed_items_paid}) exceed the distributable envelope "
                            f"({distributable}); nothing left to distribute"))  # fmt: skip
        pool = Money.zero()
    ledger.post(day, period, f"pool:performance:{institution_id}", "paid:fixed_items",
                distributable - pool, "pay.fixed_items", policy.distribution.clause,
                {"basic_and_sub_items_paid": fixed_items_paid})  # fmt: skip
    ledger.post(day, period, f"pool:performance:{institution_id}", pool_account, pool,
                "pay.pool", policy.distribution.clause, {"distributable": distributable})  # fmt: skip
    heads: dict[str, int] = {}
    for s in staff:
        heads[s.department_id] = heads.get(s.department_id, 0) + 1
    staffed = [d for d in departments if heads.get(d.department_id, 0)]
    idle = [d.name for d in departments if not heads.get(d.department_id, 0)]
    if idle:
        issues.append(Issue(Level.WARNING, "pay.department",
                            f"{institution_id} {year}: {len(idle)} departments have no staff in "
                            f"the pay data and take no share: {', '.join(idle[:8])}"
                            + (" …" if len(idle) > 8 else "")))  # fmt: skip
    scored = [(d, *_points(d, policy)) for d in staffed]
    working = [(d, p, q) for d, p, q in scored if p > 0]
    work_heads = sum(heads.get(d.department_id, 0) for d, _, _ in working)
    per_head = (divide(sum((p for _, p, _ in working), Decimal(0)), Decimal(work_heads))
                if work_heads else Decimal(0))  # fmt: skip
    factor = policy.distribution.non_clinical_factor
    points = []
    for d, p, q in scored:
        if p <= 0:
            p = CONTEXT.multiply(CONTEXT.multiply(per_head, factor),
                                 Decimal(heads.get(d.department_id, 0)))  # fmt: skip
        points.append((d, p, q))
    dept_rows: list[DepartmentShare] = []
    staff_rows: list[StaffShare] = []
    if pool.is_zero or not any(p > 0 for _, p, _ in points):
        if not pool.is_zero:
            issues.append(Issue(Level.WARNING, "pay.points",
                                f"{institution_id} {year}: no department has points; "
                                "the pool is not distributed"))  # fmt: skip
        return Distribution(institution_id, year, approved, score, coefficient, distributable,
                            fixed_items_paid, pool, (), (), ledger, tuple(issues))  # fmt: skip
    shares = allocate(pool, [p for _, p, _ in points])
    titles = policy.distribution.title_coefficients
    for (d, p, q), dept_pool in zip(points, shares, strict=True):
        ledger.post(day, period, pool_account, f"department:{d.department_id}", dept_pool,
                    "pay.department", policy.distribution.clause,
                    {"points": p.quantize(Decimal("0.01")), "quality": q,
                     "case_weight": d.case_weight, "bed_days": d.bed_days, "visits": d.visits,
                     "exams": d.exams})  # fmt: skip
        members = [s for s in staff if s.department_id == d.department_id]
        dept_rows.append(DepartmentShare(d.department_id, d.name, p, q, dept_pool, len(members)))
        weights = [CONTEXT.multiply(titles.get(s.title, Decimal(1)), Decimal(s.months))
                   for s in members]  # fmt: skip
        if not any(w > 0 for w in weights):
            weights = [Decimal(1)] * len(members)
        for s, w, part in zip(members, weights, allocate(dept_pool, weights), strict=True):
            ledger.post(day, period, f"department:{d.department_id}", f"staff:{s.staff_key}",
                        part, "pay.staff", policy.distribution.clause,
                        {"title": s.title, "months": s.months, "weight": w})  # fmt: skip
            staff_rows.append(StaffShare(s.staff_key, d.department_id, s.title, w, part,
                                         s.paid_incentive))  # fmt: skip
    return Distribution(institution_id, year, approved, score, coefficient, distributable,
                        fixed_items_paid, pool, tuple(dept_rows), tuple(staff_rows), ledger,
                        tuple(issues))  # fmt: skip
