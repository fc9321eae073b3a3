"""Year-end reconciliation (年终清算): surplus retention, overspend sharing, quality return.

For community c with quota Q, in-county claims M, out-of-county charges X (E = M + X) and
prepayments received R (monthly + quarterly releases):

* surplus S = Q − E ≥ 0: the community keeps the tiered retained part r(S); the final payment
  is M + r(S) − R; the rest of the quota (S − r(S)) returns to the fund.
* overspend O = E − Q > 0: the quota is used up (final payment Q − X − R) and the fund pays
  its tiered share f(O) from the risk adjustment fund (pro rata if the reserve cannot cover
  every community); the community bears O − f(O).

The quality-guarantee fund is split between communities by quota (largest remainder) and each
part is returned × the share its annual score earns; the rest stays with the fund.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.context import Ctx
from yigong.payment.records import Claim, ClaimSetting, Community
from yigong.payment.scoring import TierPart, annual_score, score_share, tiered
from yigong.schema.money import Money, allocate

__all__ = ["CommunitySettlement", "NextYearBasis", "reconcile_year"]


@dataclass(frozen=True, slots=True)
class CommunitySettlement:
    """A community's year in figures (each one also traceable to ledger lines)."""

    community_id: str
    name: str
    quota: Money
    prepaid: Money
    released: Money
    in_county: Money
    out_of_county_charged: Money
    out_of_county_total: Money
    expenditure: Money
    surplus: Money
    overspend: Money
    retained: Money
    fund_share: Money
    community_borne: Money
    final_payment: Money
    annual_score: Decimal
    quality_share: Money
    quality_return_share: Decimal
    quality_returned: Money
    net_position: Money
    out_of_county_deducted: Money = Money.zero()


@dataclass(frozen=True, slots=True)
class NextYearBasis:
    """What this year leaves for next year's quota: headcount, fund paid, the annual assessment
    score and the quota factor it earns next year (``quota.assessment_adjustment``; 1 without)."""

    community_id: str
    year: int
    insured_headcount: int
    fund_paid: Money
    annual_score: Decimal
    quota_factor: Decimal = Decimal(1)


def _sum_by(claims: Iterable[Claim]) -> tuple[dict[str, Money], dict[str, Money]]:
    in_county: dict[str, Money] = defaultdict(Money.zero)
    outside: dict[str, Money] = defaultdict(Money.zero)
    for cl in claims:
        bucket = in_county if cl.setting is ClaimSetting.IN_COUNTY else outside
        bucket[cl.community_id] = bucket[cl.community_id] + cl.fund_paid
    return in_county, outside


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A community's year-end position before the fund's overspend share is granted."""

    surplus: Money
    overspend: Money
    retained: Money
    final: Money
    wanted_share: Money
    tiers: str


def _tiers_text(parts: list[TierPart]) -> str:
    return "; ".join(f"{p.segment}×{p.share}={p.result}" for p in parts)


def _close_quota(ctx: Ctx, cid: str, quota: Money, in_county: Money, charged: Money) -> _Outcome:
    """Return withheld money to the quota, then settle surplus or overspend for one community."""
    ledger, day, period, sharing = ctx.ledger, ctx.year_end(), f"{ctx.year}-YE", ctx.policy.sharing
    left = ledger.balance(f"fund:withheld:{cid}")
    ctx.post(
        day,
        period,
        f"fund:withheld:{cid}",
        f"fund:quota:{cid}",
        left,
        "reconcile.withheld_return",
        {"withheld_left": left},
    )
    received = (
        ledger.balance(f"community:{cid}") + in_county
    )  # balance = received − paid to members
    spent = in_county + charged
    base = {
        "quota": quota,
        "in_county": in_county,
        "out_of_county_charged": charged,
        "expenditure": spent,
        "received": received,
    }
    if spent <= quota:
        surplus = quota - spent
        parts = tiered(
            surplus, quota, [(t.up_to, t.retained) for t in sharing.surplus_tiers], ctx.rounding
        )
        retained = Money.sum([p.result for p in parts])
        final = in_county + retained - received
        info = {**base, "surplus": surplus, "retained": retained, "tiers": _tiers_text(parts)}
        ctx.post(
            day, period, f"fund:quota:{cid}", f"community:{cid}", final, "reconcile.final", info
        )
        back = ledger.balance(f"fund:quota:{cid}")
        ctx.post(
            day,
            period,
            f"fund:quota:{cid}",
            "fund:carry_forward",
            back,
            "reconcile.surplus_return",
            {"surplus": surplus, "retained": retained},
        )
        return _Outcome(surplus, Money.zero(), retained, final, Money.zero(), "")
    overspend = spent - quota
    parts = tiered(
        overspend, quota, [(t.up_to, t.fund_share) for t in sharing.overspend_tiers], ctx.rounding
    )
    final = ledger.balance(f"fund:quota:{cid}")
    ctx.post(
        day,
        period,
        f"fund:quota:{cid}",
        f"community:{cid}",
        final,
        "reconcile.final",
        {**base, "overspend": overspend},
    )
    return _Outcome(
        Money.zero(),
        overspend,
        Money.zero(),
        final,
        Money.sum([p.result for p in parts]),
        _tiers_text(parts),
    )


def _grant_overspend_shares(ctx: Ctx, outcomes: dict[str, _Outcome]) -> dict[str, Money]:
    """Pay each community the fund's tiered share from the risk fund, pro rata if it is short."""
    day, period = ctx.year_end(), f"{ctx.year}-YE"
    available = ctx.ledger.balance("fund:reserve:risk_adjustment").max(Money.zero())
    demanded = Money.sum([o.wanted_share for o in outcomes.values()])
    ids = list(outcomes)
    granted = {i: outcomes[i].wanted_share for i in ids}
    if demanded > available:
        granted = dict(
            zip(
                ids,
                allocate(available, [outcomes[i].wanted_share.amount for i in ids]),
                strict=True,
            )
        )
    for cid, o in outcomes.items():
        info = {
            "overspend": o.overspend,
            "tiers": o.tiers,
            "tiered_share": o.wanted_share,
            "reserve_available": available,
            "total_demanded": demanded,
        }
        ctx.post(
            day,
            period,
            "fund:reserve:risk_adjustment",
            f"community:{cid}",
            granted[cid],
            "reconcile.overspend_share",
            info,
        )
    return granted


def reconcile_year(
    ctx: Ctx,
    communities: tuple[Community, ...],
    quotas: dict[str, Money],
    claims: tuple[Claim, ...],
    scores: dict[tuple[str, int], Decimal],
) -> tuple[tuple[CommunitySettlement, ...], tuple[NextYearBasis, ...]]:
    """Year-end liquidation of every community; returns settlements and next year's basis."""
    policy, day, period, ledger = ctx.policy, ctx.year_end(), f"{ctx.year}-YE", ctx.ledger
    in_county, outside_total = _sum_by(claims)
    charged: dict[str, Money] = defaultdict(Money.zero)
    totals: dict[tuple[str, str], Money] = defaultdict(Money.zero)
    for line in ledger.lines:
        if line.rule_id == "claims.out_of_county.charged" and line.account.startswith(
            "fund:quota:"
        ):
            charged[line.account.removeprefix("fund:quota:")] -= line.amount
        elif line.rule_id in (
            "prepay.monthly",
            "assess.quarterly_release",
            "prepay.out_of_county_deduction",
        ) and line.account.startswith("community:"):
            totals[(line.account, line.rule_id)] += line.amount
    ids = [c.community_id for c in communities]
    outcomes = {
        cid: _close_quota(ctx, cid, quotas[cid], in_county[cid], charged[cid]) for cid in ids
    }
    granted = _grant_overspend_shares(ctx, outcomes)

    quality_fund = ledger.balance("fund:reserve:quality_guarantee")
    q_parts = dict(zip(ids, allocate(quality_fund, [quotas[i].amount for i in ids]), strict=True))
    settlements, nexts = [], []
    for c in communities:
        cid, o = c.community_id, outcomes[c.community_id]
        score = annual_score(
            [scores[(cid, k)] for k in range(1, 5)],
            policy.assessment.quarter_weights,
            policy.score_quantum(),
        )
        share = score_share(score, policy.assessment.quality_return)
        returned = q_parts[cid].scale(share, ctx.rounding)
        info = {
            "quality_fund": quality_fund,
            "community_part": q_parts[cid],
            "annual_score": score,
            "return_share": share,
        }
        ctx.post(
            day,
            period,
            "fund:reserve:quality_guarantee",
            f"community:{cid}",
            returned,
            "quality.return",
            info,
        )
        ctx.post(
            day,
            period,
            "fund:reserve:quality_guarantee",
            "fund:carry_forward",
            q_parts[cid] - returned,
            "quality.lapse",
            info,
        )
        settlements.append(
            CommunitySettlement(
                community_id=cid,
                name=c.name,
                quota=quotas[cid],
                prepaid=totals[(f"community:{cid}", "prepay.monthly")],
                released=totals[(f"community:{cid}", "assess.quarterly_release")],
                in_county=in_county[cid],
                out_of_county_charged=charged[cid],
                out_of_county_total=outside_total[cid],
                expenditure=in_county[cid] + charged[cid],
                surplus=o.surplus,
                overspend=o.overspend,
                retained=o.retained,
                fund_share=granted[cid],
                community_borne=o.overspend - granted[cid],
                final_payment=o.final,
                annual_score=score,
                quality_share=q_parts[cid],
                quality_return_share=share,
                quality_returned=returned,
                net_position=ledger.balance(f"community:{cid}"),
                out_of_county_deducted=-totals[
                    (f"community:{cid}", "prepay.out_of_county_deduction")
                ],
            )
        )
        adjust = policy.quota.assessment_adjustment
        nexts.append(
            NextYearBasis(
                cid,
                ctx.year + 1,
                c.insured_headcount,
                in_county[cid] + outside_total[cid],
                score,
                adjust.factor(score) if adjust is not None else Decimal(1),
            )
        )
    return tuple(settlements), tuple(nexts)
