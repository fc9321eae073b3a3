"""The case-mix indicators as catalog entries: id, names, numerator and denominator.

Each is ``sum(numerator column) / sum(denominator column)`` over ``case_facts`` rows, so
an indicator engine that sums measures over any hierarchy node and period can compute
them from the case-facts table without special code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CasemixIndicator:
    id: str
    name_zh: str
    name_en: str
    numerator: str  # case_facts column summed (a boolean counts 1 per true row)
    denominator: str
    direction: str  # higher | lower | neutral
    source: str
    note: str = ""


CASEMIX_INDICATORS: tuple[CasemixIndicator, ...] = (
    CasemixIndicator(
        "drg_cmi",
        "病例组合指数（CMI）",
        "case mix index",
        "weight",
        "weighted",
        "higher",
        "国家三级公立医院绩效考核 / 国办发〔2021〕18号: CMI monitoring",
        "cases whose DRG has no weight are left out of both sums",
    ),
    CasemixIndicator(
        "drg_groups_covered",
        "DRG组数",
        "DRGs covered",
        "distinct drg",
        "-",
        "higher",
        "DRG performance evaluation",
        "a count of distinct DRGs, not a ratio",
    ),
    CasemixIndicator(
        "drg_cost_index",
        "费用消耗指数",
        "cost consumption index",
        "cost_ratio",
        "cost_ratio rows",
        "lower",
        "DRG performance evaluation",
        "1 = the reference mean cost of the same DRGs",
    ),
    CasemixIndicator(
        "drg_time_index",
        "时间消耗指数",
        "time consumption index",
        "los_ratio",
        "los_ratio rows",
        "lower",
        "DRG performance evaluation",
        "1 = the reference mean length of stay",
    ),
    CasemixIndicator(
        "drg_low_risk_mortality",
        "低风险组病死率",
        "low-risk group mortality",
        "low_risk_death",
        "in_low_risk",
        "lower",
        "国家三级公立医院绩效考核",
        "low-risk DRGs: mortality below mean − 1 sd over DRGs (lowrisk.py)",
    ),
)
