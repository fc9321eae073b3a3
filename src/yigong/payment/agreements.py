"""Designated providers' agreements (定点医药机构协议管理): the annual assessment with quantified
indicators, the quality deposit it returns or keeps, the elimination of the last, and the
settlement time limit from claim to payment.

[Q] "refine the management agreement for fixed-point medical institutions … quantify the
assessment indicators, and implement the final elimination system"; [S] "standardize the
management of medical insurance agreements, clarify the settlement time limit"; [N] (4)2: the
assessment results are linked to the return of quality guarantee funds.

**Assessment.** Each item of the policy's ``agreements.assessment.items`` (rules as data) turns
one value of a provider-year into points: ``linear`` — full points at ``full_at``, none at
``zero_at``, a straight line between; ``deduct`` — the item's points minus ``per_unit`` per
unit, not below 0. A provider's score is the sum of its item points — × 100 ÷ the points of the
items that apply to its kind, when some do not (a pharmacy has no inpatient cost) — rounded
half-up to ``decimals`` once; an item without a value scores 0 and is named (never skipped
silently).

**Deposit.** The deposit of the provider's agreement, withheld over the year, is returned ×
the share of the first ``deposit_return`` band the score reaches; the rest is kept by the fund
(ledger: ``agreement.deposit_withheld``, ``agreement.deposit_return``,
``agreement.deposit_forfeit``).

**Elimination.** Providers of one kind (medical institutions, pharmacies) are ranked by score
(then code); those in the lowest ``bottom_share`` (rounded up to whole providers) that also
score below ``below_score`` are marked not to be renewed.

**Time limits.** A monthly claim is paid on time when paid within the agreement's
``settlement_days`` (else the policy's) calendar days of its submission; a claim not paid
when the limit has passed (on the ``as_of`` day) is overdue and outstanding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from yigong.payment.ledger import Ledger
from yigong.payment.policy import QualityReturn
from yigong.payment.policy_bureau import AgreementItem, AgreementPolicy
from yigong.payment.scoring import score_share
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide, in_context

__all__ = [
    "ClaimRecord",
    "ClaimTiming",
    "ItemScore",
    "ProviderAssessment",
    "ProviderYear",
    "assess_providers",
    "item_points",
    "settle_deposits",
    "time_limits",
]


@dataclass(frozen=True, slots=True)
class ProviderYear:
    """What the assessment of one provider-year reads: its kind, deposit and item values."""

    provider_code: str
    name: str
    kind: str  # medical_institution | retail_pharmacy
    deposit: Money
    values: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemScore:
    item: str
    value: Decimal | None
    points: Decimal
    max_points: Decimal
    rule: str


@dataclass(frozen=True, slots=True)
class ProviderAssessment:
    provider_code: str
    name: str
    kind: str
    items: tuple[ItemScore, ...]
    score: Decimal
    rank: int
    of: int
    eliminated: bool
    deposit: Money
    return_share: Decimal
    returned: Money
    kept: Money


@in_context
def item_points(item: AgreementItem, value: Decimal | None) -> tuple[Decimal, str]:
    """Points of one item for one value (unrounded), and the rule in words."""
    if value is None:
        return Decimal(0), "no value: 0 points"
    if item.method == "deduct":
        assert item.per_unit is not None
        pts = max(Decimal(0), item.points - item.per_unit * value)
        return pts, f"{item.points} − {item.per_unit} × {value}"
    assert item.zero_at is not None and item.full_at is not None
    lo, hi = item.zero_at, item.full_at
    frac = divide(value - lo, hi - lo)  # works both ways: full_at may lie below zero_at
    frac = min(Decimal(1), max(Decimal(0), frac))
    return item.points * frac, f"{item.points} × ({value} − {lo}) ÷ ({hi} − {lo}), within 0…1"


def _bands(policy: AgreementPolicy) -> QualityReturn:
    return QualityReturn(method="bands", bands=list(policy.assessment.deposit_return))


@in_context
def assess_providers(
    providers: Sequence[ProviderYear], policy: AgreementPolicy, rounding: RoundingRule
) -> list[ProviderAssessment]:
    """Score every provider, rank each kind, mark eliminations and the deposit returned."""
    a = policy.assessment
    q = Decimal(1).scaleb(-a.decimals, CONTEXT)
    scored = []
    for p in providers:
        items = []
        for item in a.items:
            if p.kind not in item.applies_to:
                continue
            value = p.values.get(item.id)
            pts, rule = item_points(item, value)
            items.append(ItemScore(item.id, value, pts, item.points, rule))
        got = sum((i.points for i in items), Decimal(0))
        most = sum((i.max_points for i in items), Decimal(0))
        raw = got if most == 100 else divide(got * 100, most) if most else Decimal(0)
        score = raw.quantize(q, rounding=ROUND_HALF_UP)
        scored.append((p, tuple(items), score))
    out = []
    for kind in sorted({p.kind for p, _, _ in scored}):
        group = sorted(
            (x for x in scored if x[0].kind == kind), key=lambda x: (-x[2], x[0].provider_code)
        )
        n = len(group)
        bottom = int(
            CONTEXT.multiply(a.elimination.bottom_share, n).to_integral_value(
                ROUND_CEILING, CONTEXT
            )
        )
        for rank, (p, scores, score) in enumerate(group, start=1):
            eliminated = rank > n - bottom and score < a.elimination.below_score
            share = score_share(score, _bands(policy))
            returned = p.deposit.scale(share, rounding)
            out.append(ProviderAssessment(p.provider_code, p.name, kind, scores, score, rank, n,
                                          eliminated, p.deposit, share, returned,
                                          p.deposit - returned))  # fmt: skip
    return sorted(out, key=lambda r: (r.kind, r.rank))


def settle_deposits(results: Sequence[ProviderAssessment], year: int, clause: str) -> Ledger:
    """The deposit of each provider: withheld over the year, returned by score, the rest kept."""
    ledger = Ledger()
    day, period = f"{year}-12-31", f"{year}-YE"
    for r in sorted(results, key=lambda x: x.provider_code):
        acct = f"fund:deposit:{r.provider_code}"
        who = f"institution:{r.provider_code}"
        info = {"score": r.score, "return_share": r.return_share, "deposit": r.deposit}
        ledger.transfer(date=f"{year}-01-01", period=f"{year}-01", source=who, target=acct,
                        amount=r.deposit, rule_id="agreement.deposit_withheld", clause=clause,
                        inputs={"deposit": r.deposit})  # fmt: skip
        ledger.transfer(date=day, period=period, source=acct, target=who, amount=r.returned,
                        rule_id="agreement.deposit_return", clause=clause, inputs=info)  # fmt: skip
        ledger.transfer(date=day, period=period, source=acct, target="fund:carry_forward",
                        amount=r.kept, rule_id="agreement.deposit_forfeit", clause=clause,
                        inputs=info)  # fmt: skip
    return ledger


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One monthly claim of a provider and its payment (``claim_submissions``)."""

    submission_id: str
    provider_code: str
    year: int
    month: int
    submitted: date
    claimed: Money
    paid_on: date | None
    paid: Money | None
    limit_days: int | None = None  # the agreement's; None: the policy's


@dataclass(frozen=True, slots=True)
class ClaimTiming:
    submission_id: str
    provider_code: str
    year: int
    month: int
    submitted: date
    claimed: Money
    paid_on: date | None
    limit_days: int
    days: int  # to payment, or to ``as_of`` while unpaid
    status: str  # on_time | late | overdue_unpaid | pending


@in_context
def time_limits(
    claims: Sequence[ClaimRecord], policy: AgreementPolicy, as_of: date
) -> list[ClaimTiming]:
    """Days from claim to payment against the limit; unpaid claims past it are overdue."""
    out = []
    for c in sorted(claims, key=lambda x: (x.provider_code, x.year, x.month, x.submission_id)):
        limit = c.limit_days or policy.settlement_days
        if c.paid_on is not None:
            days = (c.paid_on - c.submitted).days
            status = "on_time" if days <= limit else "late"
        else:
            days = (as_of - c.submitted).days
            status = "overdue_unpaid" if days > limit else "pending"
        out.append(ClaimTiming(c.submission_id, c.provider_code, c.year, c.month, c.submitted,
                               c.claimed, c.paid_on, limit, days, status))  # fmt: skip
    return out
