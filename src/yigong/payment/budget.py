"""The global-budget engine (医保基金总额付费) for one county and year.

Order of the cycle (policy text [N] (4)2):
annual fund → reserves → quota per community → monthly prepayments (with a withheld share)
and the month's claims (in-county member institutions, out-of-county settlements) →
quarterly assessment releases → year-end reconciliation (:mod:`.reconcile`): surplus
retention / overspend sharing and the quality-guarantee return → next year's quota basis.

All money moves through the :class:`~yigong.payment.ledger.Ledger`; results are read back from
it, so the statements and the ledger can never disagree.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.budget_input_checks import budget_input_issues
from yigong.payment.context import Ctx
from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.policy import Policy
from yigong.payment.quota import QuotaBasis, allocate_quotas, quota_basis
from yigong.payment.reconcile import CommunitySettlement, NextYearBasis, reconcile_year
from yigong.payment.records import BudgetInputs, Claim, ClaimSetting, ReferralStatus
from yigong.payment.scoring import score_share
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money, allocate
from yigong.schema.rounding import in_context

__all__ = ["BudgetResult", "QuarterAssessment", "settle_budget"]


@dataclass(frozen=True, slots=True)
class QuarterAssessment:
    """A community's quarterly assessment and the withheld prepayment it released."""

    community_id: str
    quarter: int
    score: Decimal
    withheld: Money
    release_share: Decimal
    released: Money


@dataclass(frozen=True, slots=True)
class BudgetResult:
    county: str
    year: int
    policy_id: str
    ledger: Ledger
    bases: tuple[QuotaBasis, ...]
    communities: tuple[CommunitySettlement, ...]
    quarters: tuple[QuarterAssessment, ...]
    next_year: tuple[NextYearBasis, ...]
    warnings: tuple[Issue, ...]


def _open_and_reserve(ctx: Ctx, fund: Money) -> None:
    day = ctx.date(1, 1)
    ctx.post(
        day,
        f"{ctx.year}-01",
        "external:fund_income",
        "fund:pool",
        fund,
        "fund.open",
        {"annual_fund": fund},
    )
    res = ctx.policy.reserves
    for name, section in (
        ("risk_adjustment", res.risk_adjustment),
        ("quality_guarantee", res.quality_guarantee),
        ("major_illness", res.major_illness),
    ):
        amount = fund.scale(section.share, ctx.rounding)
        ctx.post(
            day,
            f"{ctx.year}-01",
            "fund:pool",
            f"fund:reserve:{name}",
            amount,
            f"reserve.{name}",
            {"annual_fund": fund, "share": section.share, "rounding": ctx.rounding.describe()},
        )


def _post_claim(ctx: Ctx, claim: Claim, day: str, period: str) -> Money:
    """Post one claim; returns what it charged to the community's quota out of the county."""
    c = claim.community_id
    if claim.setting is ClaimSetting.IN_COUNTY:
        ctx.post(
            day,
            period,
            f"community:{c}",
            f"institution:{claim.institution_id}",
            claim.fund_paid,
            "claims.in_county",
            {
                "community": c,
                "institution": claim.institution_id,
                "month": claim.month,
                "fund_paid": claim.fund_paid,
            },
        )
        return Money.zero()
    rule = (
        ctx.policy.out_of_county.referred
        if claim.referral is ReferralStatus.REFERRED
        else ctx.policy.out_of_county.self_referred
    )
    share = rule.charge_to_quota
    charged = claim.fund_paid if share == 1 else claim.fund_paid.scale(share, ctx.rounding)
    inputs = {
        "community": c,
        "provider": claim.institution_id,
        "referral": claim.referral,
        "month": claim.month,
        "fund_paid": claim.fund_paid,
        "charge_to_quota": rule.charge_to_quota,
    }
    target = f"external:out_of_county:{claim.institution_id}"
    ctx.post(
        day, period, f"fund:quota:{c}", target, charged, "claims.out_of_county.charged", inputs
    )
    if share != 1:
        ctx.post(
            day,
            period,
            "fund:reserve:risk_adjustment",
            target,
            claim.fund_paid - charged,
            "claims.out_of_county.uncharged",
            inputs,
        )
    return charged


@in_context
def settle_budget(inputs: BudgetInputs, policy: Policy) -> BudgetResult:
    """Run the whole budget cycle; raise :class:`PaymentInputError` if the inputs are invalid."""
    problems = budget_input_issues(inputs, policy)
    if problems:
        raise PaymentInputError(problems)
    ctx = Ctx(policy=policy, year=inputs.year, ledger=Ledger())
    _open_and_reserve(ctx, inputs.annual_fund)

    communities = tuple(sorted(inputs.communities, key=lambda c: c.community_id))
    prior = {p.community_id: p.annual_score for p in inputs.prior_scores}
    bases = quota_basis(
        communities, inputs.history, inputs.year, policy.quota,
        prior if policy.quota.assessment_adjustment else None,
    )  # fmt: skip
    distributable = ctx.ledger.balance("fund:pool")
    quotas = dict(
        zip(
            (c.community_id for c in communities),
            allocate_quotas(distributable, bases),
            strict=True,
        )
    )
    for b in bases:
        ctx.post(
            ctx.date(1, 1),
            f"{ctx.year}-01",
            "fund:pool",
            f"fund:quota:{b.community_id}",
            quotas[b.community_id],
            "quota.allocate",
            {
                "distributable": distributable,
                "headcount": b.headcount,
                "headcount_share": b.headcount_share,
                "weighted_history": b.weighted_history,
                "history_share": b.history_share,
                "basis_share": b.basis_share,
                **(
                    {
                        "prior_annual_score": b.prior_score,
                        "assessment_factor": b.factor,
                        "adjusted_share": b.share,
                    }
                    if b.adjusted_share is not None
                    else {}
                ),
            },  # fmt: skip
        )

    claims_by_month: dict[int, list[Claim]] = defaultdict(list)
    for cl in sorted(
        inputs.claims,
        key=lambda x: (
            x.month,
            x.community_id,
            x.setting,  # StrEnum: compares as its text, without the slow .value lookup
            x.referral,
            x.institution_id,
        ),
    ):
        claims_by_month[cl.month].append(cl)
    scores = {(a.community_id, a.quarter): a.score for a in inputs.assessments}
    schedules = {cid: allocate(q, policy.prepayment.month_weights) for cid, q in quotas.items()}
    withheld_q: dict[str, Money] = defaultdict(Money.zero)
    pending: dict[str, Money] = defaultdict(Money.zero)  # out-of-county charges not yet deducted
    deduct = policy.out_of_county.deduct_from_prepayment
    quarters: list[QuarterAssessment] = []
    for month in range(1, 13):
        period = f"{ctx.year}-{month:02d}"
        pay_day = ctx.date(month, policy.prepayment.day_of_month)
        for cid in quotas:
            scheduled = schedules[cid][month - 1]
            held = scheduled.scale(policy.prepayment.withhold_share, ctx.rounding)
            inputs_ = {
                "quota": quotas[cid],
                "month_weight": policy.prepayment.month_weights[month - 1],
                "scheduled": scheduled,
                "withhold_share": policy.prepayment.withhold_share,
            }
            ctx.post(
                pay_day,
                period,
                f"fund:quota:{cid}",
                f"community:{cid}",
                scheduled - held,
                "prepay.monthly",
                inputs_,
            )
            ctx.post(
                pay_day,
                period,
                f"fund:quota:{cid}",
                f"fund:withheld:{cid}",
                held,
                "prepay.withhold",
                inputs_,
            )
            withheld_q[cid] = withheld_q[cid] + held
            if deduct and not pending[cid].is_zero:
                taken = pending[cid].min(scheduled - held)
                ctx.post(
                    pay_day,
                    period,
                    f"community:{cid}",
                    f"fund:quota:{cid}",
                    taken,
                    "prepay.out_of_county_deduction",
                    {"prepaid": scheduled - held, "out_of_county_pending": pending[cid]},
                )
                pending[cid] = pending[cid] - taken
        month_end = ctx.date(month, calendar.monthrange(ctx.year, month)[1])
        for cl in claims_by_month.get(month, []):
            charged = _post_claim(ctx, cl, month_end, period)
            if deduct:
                pending[cl.community_id] = pending[cl.community_id] + charged
        if month % 3 == 0:
            quarter, _ = divmod(month, 3)
            for cid in quotas:
                score = scores[(cid, quarter)]
                share = score_share(score, policy.assessment.quarterly_release)
                released = withheld_q[cid].scale(share, ctx.rounding)
                ctx.post(
                    month_end,
                    period,
                    f"fund:withheld:{cid}",
                    f"community:{cid}",
                    released,
                    "assess.quarterly_release",
                    {
                        "quarter": quarter,
                        "score": score,
                        "withheld_in_quarter": withheld_q[cid],
                        "release_share": share,
                    },
                )
                quarters.append(
                    QuarterAssessment(cid, quarter, score, withheld_q[cid], share, released)
                )
                withheld_q[cid] = Money.zero()

    settlements, next_year = reconcile_year(ctx, communities, quotas, inputs.claims, scores)
    warnings = tuple(
        Issue(Level.WARNING, "reserve.negative", f"{acct} ends at {bal}", "ledger", None, acct)
        for acct, bal in ctx.ledger.balances().items()
        if acct.startswith("fund:reserve:") and bal.is_negative
    )
    return BudgetResult(
        inputs.county,
        inputs.year,
        policy.id,
        ctx.ledger,
        tuple(bases),
        settlements,
        tuple(quarters),
        next_year,
        warnings,
    )
