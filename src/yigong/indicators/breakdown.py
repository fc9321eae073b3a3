"""An indicator broken down by a column of its rows (per prescriber, per department …).

Each measure of the numerator and denominator is read from the same row selection the
evaluator and the drill-down use (`compile.measure_rows`: node scope, period, filter), then
aggregated per value of the column named for its table; the value per key is computed like the
indicator's (numerator ÷ denominator × factor ÷ divisor). A measure whose table has no column
in ``by`` cannot be broken down and is reported, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from yigong.indicators.compile import NotApplicable, column_name, measure_rows
from yigong.indicators.loader import Catalog
from yigong.indicators.periods import Period
from yigong.indicators.spec import Indicator, IndicatorKind, Measure
from yigong.warehouse.hierarchy import ResolvedNode
from yigong.warehouse.protocol import Tables

__all__ = ["PRESCRIBER", "Breakdown", "BreakdownRow", "breakdown"]

#: the column naming the responsible doctor in each table a drug-use measure reads.
PRESCRIBER = {
    "prescriptions": "prescriber_key",
    "discharges": "attending_doctor_key",
    "charge_items": "ordered_by",
}


@dataclass(frozen=True)
class BreakdownRow:
    key: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    value: float | None


@dataclass
class Breakdown:
    indicator: str
    by: dict[str, str]
    rows: list[BreakdownRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _per_key(
    tables: Tables, m: Measure, node: ResolvedNode, period: Period, cat: Catalog, col: str
) -> dict[str | None, Decimal]:
    t = measure_rows(tables, m, node, period, cat.valuesets)
    key = t[col].cast("string").name("key")
    if m.agg == "count":
        agg = t.count()
    elif m.agg == "count_distinct":
        agg = t[column_name(m.column or "")].nunique()
    else:
        agg = t[column_name(m.column or "")].sum()
    rows = t.group_by(key).aggregate(v=agg).to_pyarrow().to_pylist()
    # float sums (DDDs) are read to 6 decimals; counts and money are exact
    return {
        r["key"]: Decimal(str(round(r["v"], 6) if isinstance(r["v"], float) else r["v"] or 0))
        for r in rows
    }


def breakdown(
    tables: Tables,
    cat: Catalog,
    ind: Indicator,
    node: ResolvedNode,
    period: Period,
    by: dict[str, str] | None = None,
) -> Breakdown:
    """The indicator per key of the ``by`` columns (table → column; prescribers by default)."""
    by = dict(PRESCRIBER if by is None else by)
    out = Breakdown(ind.id, by)
    if ind.kind is IndicatorKind.GROWTH:
        out.notes.append("a growth indicator is not broken down")
        return out
    sums: dict[str, dict[str | None, Decimal]] = {
        "n": defaultdict(Decimal),
        "d": defaultdict(Decimal),
    }
    for role, terms in (("n", ind.numerator), ("d", ind.denominator)):
        if terms is None:
            continue
        for sign, names in ((1, terms.measures), (-1, terms.minus)):
            for name in names:
                m = cat.measures[name]
                col = by.get(m.table)
                if col is None:
                    out.notes.append(f"{name}: table {m.table} has no column to break down by")
                    continue
                try:
                    part = _per_key(tables, m, node, period, cat, col)
                except NotApplicable as exc:
                    out.notes.append(f"{name}: {exc}")
                    continue
                for k, v in part.items():
                    sums[role][k] += sign * v
        if terms.divisor != 1:
            for k in sums[role]:
                sums[role][k] /= terms.divisor
    keys = sorted(set(sums["n"]) | set(sums["d"]), key=lambda k: (k is None, k or ""))
    has_den = ind.denominator is not None
    for k in keys:
        n = sums["n"].get(k, Decimal(0))
        d = sums["d"].get(k) if has_den else None
        if has_den and not d:
            value: float | None = None
        else:
            value = float(n / (d if has_den and d else 1)) * ind.factor / ind.divisor
        out.rows.append(BreakdownRow(k, n, d, value))
    return out
