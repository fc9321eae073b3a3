"""Low-risk DRGs (低风险组) chosen from the data, for low-risk group mortality (低风险组病死率).

As in the national DRG performance manual, a DRG is *low-risk* when its in-hospital
mortality lies more than one standard deviation below the mean mortality of all DRGs:
``mortality(drg) < mean − 1·sd``, where mean and sd (sample standard deviation) are taken
over the per-DRG mortality rates of the DRGs with at least ``min_cases`` grouped cases
(each DRG counts once, unweighted). Mortality = deaths (``died``) / grouped cases.

Note: when most DRGs have zero mortality and a few have high mortality, ``mean − sd`` can
be negative and no DRG qualifies; the result then honestly lists none.
"""

from __future__ import annotations

import ibis


def low_risk_groups(grouped: ibis.Table, min_cases: int = 1) -> ibis.Table:
    """Per DRG: cases, deaths, mortality, mean, sd, threshold, low_risk (bool)."""
    g = grouped.filter(grouped.status == "grouped")
    per = g.group_by("drg").aggregate(cases=g.count(), deaths=g.died.cast("int64").sum())
    per = per.filter(per.cases >= min_cases)
    per = per.mutate(mortality=per.deaths.cast("float64") / per.cases)
    stats = per.aggregate(mean=per.mortality.mean(), sd=per.mortality.std(how="sample"))
    out = per.cross_join(stats)
    threshold = out["mean"] - out.sd
    return out.mutate(threshold=threshold, low_risk=(out.mortality < threshold).fill_null(False)).order_by("drg")
