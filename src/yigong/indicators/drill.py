"""Drill-down: the rows behind an indicator's numerator (and denominator) for a node and period.

The rows come from the same Ibis selection the evaluator aggregates (node scope, period, filter),
so what a user sees here is exactly what was counted or summed.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pyarrow as pa

from yigong.indicators.compile import NotApplicable, measure_rows
from yigong.indicators.loader import Catalog
from yigong.indicators.periods import Period
from yigong.indicators.spec import Indicator, IndicatorKind
from yigong.warehouse.hierarchy import ResolvedNode
from yigong.warehouse.protocol import Tables

__all__ = ["MeasureRows", "drill_down"]


@dataclass(frozen=True)
class MeasureRows:
    """The first rows behind one measure of a numerator or denominator."""

    role: str  # numerator | numerator (minus) | denominator | denominator (minus)
    measure: str
    name_zh: str
    rows: pa.Table | None
    expression: ibis.Table | None  # the Ibis selection (``ibis.to_sql`` shows its SQL)
    note: str = ""


def drill_down(
    tables: Tables,
    cat: Catalog,
    ind: Indicator,
    node: ResolvedNode,
    period: Period,
    limit: int = 10,
    offset: int = 0,
) -> list[MeasureRows]:
    """``limit`` rows (from ``offset``, in the selection's order) of every measure of the
    indicator (growth: of its base, now)."""
    if ind.kind is IndicatorKind.GROWTH:
        ind = cat.indicator(ind.base or "")
    out = []
    for role, terms in (("numerator", ind.numerator), ("denominator", ind.denominator)):
        if terms is None:
            continue
        named = [(role, n) for n in terms.measures] + [(f"{role} (minus)", n) for n in terms.minus]
        for r, name in named:
            m = cat.measures[name]
            try:
                expr = measure_rows(tables, m, node, period, cat.valuesets)
            except NotApplicable as exc:
                out.append(MeasureRows(r, name, m.name_zh, None, None, str(exc)))
                continue
            rows = expr.limit(limit, offset=offset).to_pyarrow()
            out.append(MeasureRows(r, name, m.name_zh, rows, expr))
    return out
