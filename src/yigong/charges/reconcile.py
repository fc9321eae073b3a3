"""Reconciliation of itemised charges as Ibis expressions (backend-free, not executed here).

Ingest already quarantines every encounter whose items do not add up to its front page or
visit record (`ingest/reconcile.py`); these expressions check a warehouse as it stands
(loaded through another path, or on Spark) and add the settlement: an in-county stay's items
must add up to its settlement's `total_cost` (医疗费总额), so the patient-facing total of the
daily list is the one the insurance settled.
"""

from __future__ import annotations

import ibis.expr.types as ir

from yigong.schema.codes_drugs import COST_CATEGORY

__all__ = ["front_page_mismatches", "settlement_mismatches", "stay_totals"]


def stay_totals(charges: ir.Table) -> ir.Table:
    """Per inpatient stay: items total, lines and the totals by category (``cat_<code>``)."""
    c = charges.filter(charges.setting == "inpatient")
    cats = {
        f"cat_{k}": c.amount.sum(where=c.cost_category == k).fill_null(0) for k in COST_CATEGORY
    }
    return c.group_by(discharge_id=c.encounter_id).aggregate(
        items_total=c.amount.sum(), lines=c.count(), **cats
    )


def front_page_mismatches(charges: ir.Table, discharges: ir.Table) -> ir.Table:
    """Stays whose items differ from their front page in total or in any category."""
    t = stay_totals(charges)
    d = discharges.select(
        "discharge_id",
        "institution_id",
        page_total=discharges.total_cost,
        **{f"page_{k}": discharges[f"cost_{k}"].fill_null(0) for k in COST_CATEGORY},
    )
    j = t.left_join(d, "discharge_id")
    differs = j.page_total.isnull() | (j.items_total != j.page_total)
    for k in COST_CATEGORY:
        differs = differs | (j[f"cat_{k}"] != j[f"page_{k}"])
    return j.filter(differs).select(
        "discharge_id", "institution_id", "items_total", "page_total", "lines"
    )


def settlement_mismatches(charges: ir.Table, settlements: ir.Table) -> ir.Table:
    """Settled stays (settlements with a `discharge_id`) whose items total differs from the
    settlement's total cost; a stay settled twice is listed once per settlement."""
    t = stay_totals(charges)
    s = settlements.filter(settlements.discharge_id.notnull()).select(
        "settlement_id", "discharge_id", settled=settlements.total_cost
    )
    j = t.join(s, "discharge_id")
    return j.filter(j.items_total != j.settled).select(
        "discharge_id", "settlement_id", "items_total", "settled", diff=j.items_total - j.settled
    )
