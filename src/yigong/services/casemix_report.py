"""Case mix per institution (CMI, DRGs covered, cost and time indices) for the cockpit and API."""

from __future__ import annotations

from typing import Any

from yigong.services.tables import rows
from yigong.warehouse import Tables

__all__ = ["casemix_by_institution"]


def casemix_by_institution(
    wh: Tables, allowed: frozenset[str], period: str | None, scheme: str | None
) -> list[dict[str, Any]]:
    """CMI (mean reference weight), DRGs covered, cost and time consumption indices per
    institution, from ``drg_case_facts`` (materialised by the DRG step with its reference);
    numerator (``weight_sum``) and denominator (``cases``: grouped discharges whose DRG has a
    reference weight, as in the catalog's CMI) shown, and all ``grouped`` discharges."""
    f = wh.table("drg_case_facts")
    f = f.filter(f.institution_id.isin(sorted(allowed) or [""]))
    if period:
        f = f.filter(f.period == period)
    if scheme:
        f = f.filter(f.scheme == scheme)
    g = f.group_by(["scheme", "period", "institution_id"]).aggregate(
        grouped=f.count(),
        cases=f.count(where=f.weighted),
        weight_sum=f.weight.sum(),
        drgs=f.drg.nunique(),
        cost_index=f.cost_ratio.mean(),
        time_index=f.los_ratio.mean(),
    )
    g = g.mutate(cmi=g.weight_sum / g.cases).order_by(["scheme", "period", "institution_id"])
    return rows(g)
