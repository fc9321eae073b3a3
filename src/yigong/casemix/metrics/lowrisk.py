"""Low-risk DRGs (低风险组) chosen from the data, for low-risk group mortality (低风险组病死率).

A DRG is *low-risk* when its in-hospital mortality lies more than one standard deviation
below the mean over DRGs. Mortality = deaths (``died``) / grouped cases; only DRGs with at
least ``min_cases`` grouped cases take part; each DRG counts once (unweighted); sd is the
sample standard deviation. Two scales:

* ``Scale.PLAIN`` (default): ``mortality < mean − sd`` over the mortality rates of all
  participating DRGs, zero-death DRGs included.
* ``Scale.LOG``: the death-risk scoring used with DRG performance evaluation (CN-DRG
  死亡风险评分): over the DRGs *with at least one death*, ``ln(mortality) < mean − sd`` of
  the log rates (z < −1). DRGs without deaths get risk score 0 ("no deaths") and are not
  counted as low-risk.

With skewed data (most DRGs without deaths, a few with many) the plain scale can give
``mean − sd < 0`` and then honestly finds no low-risk DRG; the log scale is the usual
remedy. The result lists every participating DRG with its numbers, so the choice is
visible.
"""

from __future__ import annotations

from enum import StrEnum

import ibis


class Scale(StrEnum):
    PLAIN = "plain"
    LOG = "log"


def low_risk_groups(
    grouped: ibis.Table, min_cases: int = 1, scale: Scale = Scale.PLAIN
) -> ibis.Table:
    """Per DRG: cases, deaths, mortality, x (the scaled rate), mean, sd, threshold, low_risk."""
    g = grouped.filter(grouped.status == "grouped")
    per = g.group_by("drg").aggregate(cases=g.count(), deaths=g.died.cast("int64").sum())
    per = per.filter(per.cases >= min_cases)
    per = per.mutate(mortality=per.deaths.cast("float64") / per.cases)
    if scale is Scale.LOG:
        per = per.mutate(x=ibis.ifelse(per.deaths > 0, per.mortality.ln(), ibis.null("float64")))
    else:
        per = per.mutate(x=per.mortality)
    stats = per.aggregate(mean=per.x.mean(), sd=per.x.std(how="sample"))
    out = per.cross_join(stats)
    threshold = out["mean"] - out.sd
    return out.mutate(threshold=threshold, low_risk=(out.x < threshold).fill_null(False)).order_by(
        "drg"
    )
