"""Case-mix indicators per institution, department or doctor (and period), with their
numerators and denominators next to every value."""

from __future__ import annotations

import ibis

LEVELS: dict[str, tuple[str, ...]] = {
    "institution": ("institution_id",),
    "department": ("institution_id", "department"),
    "doctor": ("institution_id", "doctor_key"),
}


def casemix_summary(
    facts: ibis.Table, by: tuple[str, ...] | list[str] = LEVELS["institution"], period: bool = True
) -> ibis.Table:
    """One row per unit (and period): every indicator with numerator and denominator.

    Columns: cases (grouped), groups_covered (distinct DRGs, DRG组数), weighted_cases,
    total_weight, cmi; cost_index_num, cost_index (费用消耗指数); time_index_num,
    time_index (时间消耗指数); low_risk_cases, low_risk_deaths, low_risk_mortality.
    """
    keys = [*by, "period"] if period else list(by)
    f = facts
    agg = f.group_by(keys).aggregate(
        cases=f.count(),
        groups_covered=f.drg.nunique(),
        weighted_cases=f.weighted.cast("int64").sum(),
        total_weight=f.weight.cast("float64").sum(),
        cost_index_num=f.cost_ratio.sum(),
        cost_index_den=f.cost_ratio.count(),
        time_index_num=f.los_ratio.sum(),
        time_index_den=f.los_ratio.count(),
        low_risk_cases=f.in_low_risk.cast("int64").sum(),
        low_risk_deaths=f.low_risk_death.cast("int64").sum(),
    )

    def ratio(num: ibis.Value, den: ibis.Value) -> ibis.Value:
        return ibis.ifelse(den > 0, num.cast("float64") / den, ibis.null("float64"))

    return agg.mutate(
        cmi=ratio(agg.total_weight, agg.weighted_cases),
        cost_index=ratio(agg.cost_index_num, agg.cost_index_den),
        time_index=ratio(agg.time_index_num, agg.time_index_den),
        low_risk_mortality=ratio(agg.low_risk_deaths, agg.low_risk_cases),
    ).order_by(keys)
