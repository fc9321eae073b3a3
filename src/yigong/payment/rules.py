"""The catalogue of settlement rules: every ledger line names one of these ids.

``clause`` names where the clause text comes from: a policy field (``policy:<path>``, copied
from the policy in force) or the rule's fixed source text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RULES", "Rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    name_zh: str
    description: str
    clause: str


_N = "[N] (4)2"
RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in (
        Rule(
            "fund.open",
            "年度医保基金",
            "The county's residents' basic medical insurance fund for the year enters the pool.",
            f"{_N}: total residents' basic medical insurance fund of the county for the year",
        ),
        Rule(
            "reserve.risk_adjustment",
            "风险调剂金",
            "annual fund × reserves.risk_adjustment.share",
            "policy:reserves.risk_adjustment.clause",
        ),
        Rule(
            "reserve.quality_guarantee",
            "质量保证金",
            "annual fund × reserves.quality_guarantee.share",
            "policy:reserves.quality_guarantee.clause",
        ),
        Rule(
            "reserve.major_illness",
            "大病保险基金",
            "annual fund × reserves.major_illness.share",
            "policy:reserves.major_illness.clause",
        ),
        Rule(
            "quota.allocate",
            "年度预算额度",
            "distributable fund split by basis share (headcount and weighted history), largest remainder",
            "policy:quota.clause",
        ),
        Rule(
            "prepay.monthly",
            "按月预拨",
            "quota × month weight, less the withheld share, paid to the community",
            "policy:prepayment.clause",
        ),
        Rule(
            "prepay.withhold",
            "预拨暂扣",
            "quota × month weight × withhold share, kept until the quarterly assessment",
            "policy:prepayment.clause",
        ),
        Rule(
            "prepay.out_of_county_deduction",
            "县外就医费用月度扣减",
            "out-of-county care charged to the quota in earlier months, deducted from this "
            "month's prepayment (at most the prepayment; the rest next month, December's at year end)",
            "policy:out_of_county.clause",
        ),
        Rule(
            "assess.quarterly_release",
            "季度考核拨付",
            "withheld prepayment of the quarter × release share for the quarter's score",
            "policy:assessment.clause",
        ),
        Rule(
            "claims.in_county",
            "县域内结算",
            "fund-paid amount of a member institution's claims, settled by the insured's community",
            f"{_N}: the lead institution settles the fund with the other institutions in the county",
        ),
        Rule(
            "claims.out_of_county.charged",
            "县外就医（计入额度）",
            "out-of-county fund payment × charge_to_quota, paid from the community's quota",
            "policy:out_of_county.clause",
        ),
        Rule(
            "claims.out_of_county.uncharged",
            "县外就医（风险金支付）",
            "out-of-county fund payment not charged to the quota, paid from the risk adjustment fund",
            "policy:out_of_county.clause",
        ),
        Rule(
            "reconcile.withheld_return",
            "暂扣款转回",
            "withheld prepayment not released returns to the quota before year-end liquidation",
            "policy:assessment.clause",
        ),
        Rule(
            "reconcile.final",
            "年终清算",
            "surplus: in-county claims + retained surplus − received; overspend: what is left of the quota",
            "policy:sharing.clause",
        ),
        Rule(
            "reconcile.surplus_return",
            "结余收回",
            "surplus not retained returns to the fund (carried forward)",
            "policy:sharing.clause",
        ),
        Rule(
            "reconcile.overspend_share",
            "超支分担",
            "the fund's tiered share of a reasonable overspend, paid from the risk adjustment fund",
            "policy:sharing.clause",
        ),
        Rule(
            "quality.return",
            "质量保证金返还",
            "community's share of the quality fund (by quota) × return share for its annual score",
            "policy:assessment.clause",
        ),
        Rule(
            "quality.lapse",
            "质量保证金收回",
            "quality fund not returned stays with the fund (carried forward)",
            "policy:assessment.clause",
        ),
    )
}
