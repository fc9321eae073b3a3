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
from yigong.payment.scoring import annual_score, score_share, tiered
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


@dataclass(frozen=True, slots=True)
class NextYearBasis:
    """What this year leaves for next year's quota: headcount, fund paid, assessment score."""

    community_id: str
    year: int
    insured_headcount: int
    fund_paid: Money
    annual_score: Decimal


def _sum_by(claims: Iterable[Claim]) -> tuple[dict[str, Money], dict[str, Money]]:
    in_county: dict[str, Money] = defaultdict(Money.zero)
    outside: dict[str, Money] = defaultdict(Money.zero)
    for cl in claims:
        bucket = in_county if cl.setting is ClaimSetting.IN_COUNTY else outside
        bucket[cl.community_id] = bucket[cl.community_id] + cl.fund_paid
    return in_county, outside


def reconcile_year(
    ctx: Ctx,
    communities: tuple[Community, ...],
    quotas: dict[str, Money],
    claims: tuple[Claim, ...],
    scores: dict[tuple[str, int], Decimal],
) -> tuple[tuple[CommunitySettlement, ...], tuple[NextYearBasis, ...]]:
    policy, day, period = ctx.policy, ctx.year_end(), f"{ctx.year}-YE"
    ledger = ctx.ledger
    in_county, outside_total = _sum_by(claims)
    charged: dict[str, Money] = defaultdict(Money.zero)
    for line in ledger.lines:
        if line.rule_id == "claims.out_of_county.charged" and line.account.startswith(
            "fund:quota:"
        ):
            charged[line.account.removeprefix("fund:quota:")] -= line.amount
    surplus_tiers = [(t.up_to, t.retained) for t in policy.sharing.surplus_tiers]
    over_tiers = [(t.up_to, t.fund_share) for t in policy.sharing.overspend_tiers]

    rows: dict[str, dict[str, object]] = {}
    wanted_share: dict[str, Money] = {}
    for c in communities:
        cid = c.community_id
        ctx.post(
            day,
            period,
            f"fund:withheld:{cid}",
            f"fund:quota:{cid}",
            ledger.balance(f"fund:withheld:{cid}"),
            "reconcile.withheld_return",
            {"withheld_left": ledger.balance(f"fund:withheld:{cid}")},
        )
        q, m, x = quotas[cid], in_county[cid], charged[cid]
        received = (
            ledger.balance(f"community:{cid}") + m
        )  # community balance = received − paid to members
        spent = m + x
        base = {
            "quota": q,
            "in_county": m,
            "out_of_county_charged": x,
            "expenditure": spent,
            "received": received,
        }
        if spent <= q:
            surplus = q - spent
            parts = tiered(surplus, q, surplus_tiers, ctx.rounding)
            retained = Money.sum([p.result for p in parts])
            final = m + retained - received
            tiers_txt = "; ".join(f"{p.segment}×{p.share}={p.result}" for p in parts)
            ctx.post(
                day,
                period,
                f"fund:quota:{cid}",
                f"community:{cid}",
                final,
                "reconcile.final",
                {**base, "surplus": surplus, "retained": retained, "tiers": tiers_txt},
            )
            ctx.post(
                day,
                period,
                f"fund:quota:{cid}",
                "fund:carry_forward",
                ledger.balance(f"fund:quota:{cid}"),
                "reconcile.surplus_return",
                {"surplus": surplus, "retained": retained},
            )
            rows[cid] = {
                "surplus": surplus,
                "overspend": Money.zero(),
                "retained": retained,
                "final": final,
            }
            wanted_share[cid] = Money.zero()
        else:
            overspend = spent - q
            parts = tiered(overspend, q, over_tiers, ctx.rounding)
            wanted_share[cid] = Money.sum([p.result for p in parts])
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
            rows[cid] = {
                "surplus": Money.zero(),
                "overspend": overspend,
                "retained": Money.zero(),
                "final": final,
                "tiers": "; ".join(f"{p.segment}×{p.share}={p.result}" for p in parts),
            }

    available = ledger.balance("fund:reserve:risk_adjustment").max(Money.zero())
    demanded = Money.sum(list(wanted_share.values()))
    ids = [c.community_id for c in communities]
    if demanded > available and not demanded.is_zero:
        granted = dict(
            zip(ids, allocate(available, [wanted_share[i].amount for i in ids]), strict=True)
        )
    else:
        granted = dict(wanted_share)
    for cid in ids:
        ctx.post(
            day,
            period,
            "fund:reserve:risk_adjustment",
            f"community:{cid}",
            granted[cid],
            "reconcile.overspend_share",
            {
                "overspend": rows[cid]["overspend"],
                "tiers": rows[cid].get("tiers", ""),
                "tiered_share": wanted_share[cid],
                "reserve_available": available,
                "total_demanded": demanded,
            },
        )

    totals: dict[tuple[str, str], Money] = defaultdict(Money.zero)
    for line in ledger.lines:
        if line.rule_id in ("prepay.monthly", "assess.quarterly_release"):
            totals[(line.account, line.rule_id)] += line.amount
    quality_fund = ledger.balance("fund:reserve:quality_guarantee")
    q_parts = dict(zip(ids, allocate(quality_fund, [quotas[i].amount for i in ids]), strict=True))
    settlements, nexts = [], []
    for c in communities:
        cid = c.community_id
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
        r = rows[cid]
        overspend = r["overspend"]
        assert isinstance(overspend, Money)
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
                surplus=r["surplus"],
                overspend=overspend,  # type: ignore[arg-type]
                retained=r["retained"],
                fund_share=granted[cid],
                community_borne=overspend - granted[cid],  # type: ignore[arg-type]
                final_payment=r["final"],
                annual_score=score,
                quality_share=q_parts[cid],  # type: ignore[arg-type]
                quality_return_share=share,
                quality_returned=returned,
                net_position=ledger.balance(f"community:{cid}"),
            )
        )
        nexts.append(
            NextYearBasis(
                cid, ctx.year + 1, c.insured_headcount, in_county[cid] + outside_total[cid], score
            )
        )
    return tuple(settlements), tuple(nexts)
