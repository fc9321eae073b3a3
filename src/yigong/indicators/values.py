"""Computing indicator values for one node over any set of periods, in as few queries as possible.

Every indicator is reduced to the measures it needs at each period (growth indicators need
their base at two periods). Measures reading the same rows are grouped into one query per
source (see `compile.aggregate_query`). The numbers come back as exact integers and Decimals;
ratios are formed here once, from the node's summed numerator and denominator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import ibis

from yigong.indicators.compile import NotApplicable, SourceKey, aggregate_query, merge_sources
from yigong.indicators.loader import Catalog
from yigong.indicators.periods import Period
from yigong.indicators.spec import Indicator, IndicatorKind, Measure, Terms
from yigong.schema.derived import DERIVED_TABLES
from yigong.schema.model import DType
from yigong.schema.tables import BY_NAME as CANONICAL
from yigong.warehouse.hierarchy import ResolvedNode
from yigong.warehouse.protocol import Tables

BY_NAME = {**CANONICAL, **DERIVED_TABLES}

__all__ = ["Computed", "MeasureValues", "compute", "periods_needed"]

Number = int | Decimal


@dataclass(frozen=True)
class Computed:
    """An indicator at one period: value and the numbers it is made of."""

    numerator: Number | None
    denominator: Number | None
    value: float | None
    parts: dict[str, Number] = field(default_factory=dict)  # measure name -> its number
    note: str = ""


@dataclass
class MeasureValues:
    """Measure numbers fetched for one node, by (measure name, period)."""

    numbers: dict[tuple[str, Period], Number] = field(default_factory=dict)
    unavailable: dict[tuple[str, Period], str] = field(default_factory=dict)
    queries: int = 0


def periods_needed(cat: Catalog, ind: Indicator, p: Period) -> list[tuple[Indicator, Period]]:
    """The (ratio/count indicator, period) pairs a value needs: growth reaches its base twice."""
    if ind.kind is IndicatorKind.GROWTH:
        base = cat.indicator(ind.base or "")
        before = p.year_earlier() if ind.growth_against == "same_period_last_year" else p.previous()
        return [(base, p), (base, before)]
    return [(ind, p)]


def _terms_measures(t: Terms | None) -> list[str]:
    return [] if t is None else [*t.measures, *t.minus]


def _measure_needs(cat: Catalog, wanted: list[tuple[Indicator, Period]]) -> set[tuple[str, Period]]:
    needs: set[tuple[str, Period]] = set()
    for ind, p in wanted:
        for base, q in periods_needed(cat, ind, p):
            for name in (*_terms_measures(base.numerator), *_terms_measures(base.denominator)):
                needs.add((name, q))
    return needs


def fetch(
    tables: Tables, cat: Catalog, node: ResolvedNode, needs: set[tuple[str, Period]]
) -> MeasureValues:
    """All the (measure, period) pairs needed, in one query.

    Each source (rows read alike) becomes one filtered-aggregate row; the one-row results are
    cross-joined so the backend answers everything in a single round trip.
    """
    groups: dict[SourceKey, list[tuple[str, Period]]] = defaultdict(list)
    sources = merge_sources({name: cat.measures[name] for name, _ in needs})
    for name, p in sorted(needs, key=lambda x: (x[0], x[1])):
        groups[sources[name]].append((name, p))
    out = MeasureValues()
    labels: dict[str, tuple[str, Period]] = {}
    parts = []
    for key, items in groups.items():
        periods = sorted({p for _, p in items})
        index = {p: i for i, p in enumerate(periods)}
        mine = {f"m{len(labels) + n}": item for n, item in enumerate(items)}
        wanted = [(lab, cat.measures[name], index[p]) for lab, (name, p) in mine.items()]
        try:
            parts.append(aggregate_query(tables, key, wanted, periods, node, cat.valuesets))
        except NotApplicable as exc:
            for item in items:
                out.unavailable[item] = str(exc)
            continue
        labels.update(mine)
    if not parts:
        return out
    # one row per source: its numbers as text in one array column, so sources with different
    # columns can be unioned into a single query; the text is read back exactly below
    rows = [
        q.select(src=ibis.literal(i), v=ibis.array([q[c].cast("string") for c in q.columns]))
        for i, q in enumerate(parts)
    ]
    expr = rows[0] if len(rows) == 1 else ibis.union(*rows, distinct=False)
    result = {r["src"]: r["v"] for r in expr.to_pyarrow().to_pylist()}
    out.queries = 1
    for i, q in enumerate(parts):
        for lab, text in zip(q.columns, result[i], strict=True):
            item = labels[lab]
            out.numbers[item] = _number(cat.measures[item[0]], text)
    return out


def _number(m: Measure, text: str | None) -> Number:
    """A measure's number from its text: counts and integer sums as int, money as Decimal."""
    if text is None:
        return 0
    integral = m.agg != "sum" or _column_type(m) is DType.INT
    return int(text) if integral else Decimal(text)


def _column_type(m: Measure) -> DType | None:
    name = m.column or ""
    table, _, col = name.rpartition(".") if "." in name else (m.table, "", name)
    try:
        return BY_NAME[table].column(col).dtype
    except KeyError:
        return None


def _sum_terms(t: Terms, p: Period, mv: MeasureValues, parts: dict[str, Number]) -> Number | None:
    total: Number = 0
    for sign, names in ((1, t.measures), (-1, t.minus)):
        for name in names:
            if (name, p) in mv.unavailable:
                return None
            v = mv.numbers[(name, p)]
            parts[name] = v
            total = total + v if sign > 0 else total - v
    if t.divisor != 1:  # a mean of stocks (e.g. two year ends), kept exact
        total = Decimal(total) / t.divisor
        return int(total) if total == total.to_integral_value() else total
    return total


def _scale(ind: Indicator) -> Decimal:
    return Decimal(str(ind.factor)) / Decimal(str(ind.divisor))


def _ratio(num: Number, den: Number, ind: Indicator) -> Decimal | None:
    if den == 0:
        return None
    return Decimal(num) / Decimal(den) * _scale(ind)


def _plain(ind: Indicator, p: Period, mv: MeasureValues) -> tuple[Computed, Decimal | None]:
    parts: dict[str, Number] = {}
    assert ind.numerator is not None
    num = _sum_terms(ind.numerator, p, mv, parts)
    if num is None:
        why = next((v for (_, q), v in mv.unavailable.items() if q == p), "not available")
        return Computed(None, None, None, parts, why), None
    if ind.kind is IndicatorKind.COUNT:
        exact = Decimal(num) * _scale(ind)
        return Computed(num, None, float(exact), parts), exact
    assert ind.denominator is not None
    den = _sum_terms(ind.denominator, p, mv, parts)
    if den is None:
        return Computed(num, None, None, parts, "denominator not available for this node"), None
    ratio = _ratio(num, den, ind)
    note = "" if ratio is not None else "denominator is zero: no value"
    return Computed(num, den, None if ratio is None else float(ratio), parts, note), ratio


def value_at(cat: Catalog, ind: Indicator, p: Period, mv: MeasureValues) -> Computed:
    """An indicator's value at one period from fetched measure numbers."""
    if ind.kind is not IndicatorKind.GROWTH:
        return _plain(ind, p, mv)[0]
    (base, now), (_, before) = periods_needed(cat, ind, p)
    c_now, v_now = _plain(base, now, mv)
    c_before, v_before = _plain(base, before, mv)
    parts = {f"{base.id}@{now}": v_now or 0, f"{base.id}@{before}": v_before or 0}
    if v_now is None or v_before is None or v_before == 0:
        why = f"{base.id} has no value at {now if v_now is None else before}"
        return Computed(None, None, None, parts, why)
    num = v_now - v_before
    exact = num / v_before * _scale(ind)
    return Computed(num, v_before, float(exact), parts)


def compute(
    tables: Tables,
    cat: Catalog,
    node: ResolvedNode,
    wanted: list[tuple[Indicator, Period]],
) -> tuple[dict[tuple[str, Period], Computed], MeasureValues]:
    """Each (indicator, period) asked, for one node (indicators must be applicable)."""
    mv = fetch(tables, cat, node, _measure_needs(cat, wanted))
    return {(ind.id, p): value_at(cat, ind, p, mv) for ind, p in wanted}, mv
