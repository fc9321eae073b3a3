"""Per-case case-mix facts: the additive pieces every case-mix indicator is a ratio of.

For each grouped discharge: its DRG weight, its cost and length-of-stay relative to the
reference mean of its DRG, and whether its DRG is low-risk. Every indicator is then
``sum(numerator) / sum(denominator)`` over any set of cases, so institution, department,
doctor and period roll-ups never average rates:

* CMI = Σ weight / Σ weighted cases;
* cost consumption index (费用消耗指数) = Σ cost / ref_mean_cost(drg) / Σ cases; the
  classic form Σ k_i n_i / Σ n_i with k_i = unit mean cost in DRG i / reference mean,
  rewritten per case;
* time consumption index (时间消耗指数): the same with length of stay;
* low-risk group mortality = Σ died in low-risk DRGs / Σ cases in low-risk DRGs.

The reference means are those of the table passed in (per DRG, and per period when
``by_period`` is set): filter it to the region and time you compare against.
"""

from __future__ import annotations

import ibis


def case_facts(
    grouped: ibis.Table,
    weights: ibis.Table,
    low_risk: ibis.Table | None = None,
    by_period: bool = False,
) -> ibis.Table:
    g = grouped.filter(grouped.status == "grouped")
    g = g.mutate(cost=g.total_cost.cast("float64"), los=g.length_of_stay.cast("float64"))
    keys = ["drg", "period"] if by_period else ["drg"]
    ref = g.group_by(keys).aggregate(ref_mean_cost=g.cost.mean(), ref_mean_los=g.los.mean())
    j = g.join(ref, keys).left_join(weights.select("drg", "weight"), "drg")
    j = j.drop(*[c for c in j.columns if c.endswith("_right")])
    if low_risk is not None:
        lr = low_risk.filter(low_risk.low_risk).select(lr_drg=low_risk.drg)
        j = j.left_join(lr, j.drg == lr.lr_drg)
        j = j.mutate(in_low_risk=j.lr_drg.notnull()).drop("lr_drg")
    else:
        j = j.mutate(in_low_risk=ibis.literal(False))
    return j.mutate(
        weighted=j.weight.notnull(),
        cost_ratio=ibis.ifelse(j.ref_mean_cost > 0, j.cost / j.ref_mean_cost, ibis.null("float64")),
        los_ratio=ibis.ifelse(j.ref_mean_los > 0, j.los / j.ref_mean_los, ibis.null("float64")),
        low_risk_death=j.in_low_risk & j.died,
    )
