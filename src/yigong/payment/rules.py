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
        Rule(
            "drg.fund_budget",
            "DRG付费基金（预算）",
            "the DRG fund of the year (drg_fund) enters the DRG pool",
            "policy:drg.clause",
        ),
        Rule(
            "drg.fund_paid",
            "DRG付费基金（据实）",
            "the DRG pool is funded with what the cases are paid (no budget)",
            "policy:drg.clause",
        ),
        Rule(
            "drg.settle",
            "DRG结算",
            "Σ case payments of a hospital: standard = rate × weight × coefficient; low outliers "
            "their cost; high outliers standard + excess × share; excluded stays cost × share",
            "policy:drg.clause",
        ),
        Rule(
            "drg.unspent",
            "DRG基金结余",
            "DRG fund − what the cases are paid: the unspent fund (or overrun) carried forward",
            "policy:drg.clause",
        ),
        Rule(
            "dip.fund",
            "DIP付费基金",
            "the fund available for DIP enters the DIP pool",
            "policy:dip.clause",
        ),
        Rule(
            "dip.settle",
            "DIP结算",
            "hospital points × point value × payment ratio × assessment coefficient − deductions",
            "policy:dip.clause",
        ),
        Rule(
            "bed_day.settle",
            "按床日结算",
            "Σ per stay: bed-day standard × days paid (at most max_days) + standard × excess "
            "share × days beyond, by category and level",
            "policy:simple.per_bed_day.clause",
        ),
        Rule(
            "per_head.settle",
            "门诊按人头结算",
            "annual rate × persons under a family-doctor contract in the month ÷ 12",
            "policy:simple.per_head_outpatient.clause",
        ),
        Rule(
            "agreement.deposit_withheld",
            "质量保证金预留",
            "the quality deposit of the provider's agreement, withheld from its payments over the year",
            "policy:agreements.assessment.clause",
        ),
        Rule(
            "agreement.deposit_return",
            "质量保证金返还",
            "deposit × the return share of the band the provider's annual assessment score reaches",
            "policy:agreements.assessment.clause",
        ),
        Rule(
            "agreement.deposit_forfeit",
            "质量保证金扣留",
            "the part of the deposit the score does not return stays with the fund",
            "policy:agreements.assessment.clause",
        ),
        Rule(
            "day_surgery.settle",
            "日间手术结算",
            "Σ per stay: the procedure's standard (cost when below low_ratio × standard; cost "
            "when the procedure is not in the catalogue)",
            "policy:simple.day_surgery.clause",
        ),
    )
}
