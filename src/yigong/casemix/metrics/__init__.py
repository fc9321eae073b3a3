"""Case-mix metrics (DRG 绩效评价) as backend-free Ibis expressions.

Input: a *grouped-discharges* table with columns institution_id, department, doctor_key,
period, drg, adrg, mdc, status, total_cost, length_of_stay, died (one row per discharge;
``services.casemix.grouped_discharges`` builds it from the warehouse). See
``docs/casemix.md`` for the definitions.
"""

from __future__ import annotations

from yigong.casemix.metrics.catalog import CASEMIX_INDICATORS, CasemixIndicator
from yigong.casemix.metrics.facts import case_facts
from yigong.casemix.metrics.lowrisk import Scale, low_risk_groups
from yigong.casemix.metrics.summary import LEVELS, casemix_summary
from yigong.casemix.metrics.weights import (
    Trim,
    WeightTableError,
    read_weight_table,
    weights_from_data,
)

__all__ = [
    "CASEMIX_INDICATORS",
    "LEVELS",
    "CasemixIndicator",
    "Scale",
    "Trim",
    "WeightTableError",
    "case_facts",
    "casemix_summary",
    "low_risk_groups",
    "read_weight_table",
    "weights_from_data",
]
