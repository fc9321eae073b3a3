"""Catalog checks: small registered functions that yield `Issue`s with file and line.

`validate(catalog)` runs the loader's findings plus every check: columns exist on the canonical
tables (or joined ones), filter codes belong to the column's code system, measure and
indicator references resolve, kinds carry the fields they need, period types and node levels
agree with the measures' time and scope rules, interpretations are written down, and targets
point at real indicators. `yigong catalog check` prints them and fails on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from yigong.indicators.evaluate import CAPABILITY_TABLES
from yigong.indicators.loader import Catalog
from yigong.indicators.spec import (
    Condition,
    Indicator,
    IndicatorKind,
    Measure,
    NodeLevel,
    PeriodType,
    Provenance,
    TimeKind,
)
from yigong.rulepacks import Checks, Issue, Level, run_checks
from yigong.schema.codes import INSTITUTION_TYPE, SMALL_CODE_SYSTEMS
from yigong.schema.derived import DERIVED_TABLES
from yigong.schema.model import Column, DType, Table
from yigong.schema.reference import REFERENCE_TABLES
from yigong.schema.tables import BY_NAME as CANONICAL

#: tables a measure can read or join: the canonical ones, the shipped reference tables and the
#: declared derived tables (engine results such as the public-health registers).
BY_NAME: dict[str, Table] = {**CANONICAL, **REFERENCE_TABLES, **DERIVED_TABLES}

__all__ = ["CATALOG_CHECKS", "validate"]

CATALOG_CHECKS: Checks[Catalog] = Checks("indicator catalog")

_TIME_TYPES: dict[TimeKind, tuple[DType, ...]] = {
    TimeKind.EVENT: (DType.DATE, DType.TIMESTAMP),
    TimeKind.SNAPSHOT: (DType.DATE,),
    TimeKind.ACTIVE: (DType.DATE,),
    TimeKind.OVERLAPS: (DType.DATE,),
    TimeKind.YEAR_FLOW: (DType.INT,),
    TimeKind.YEAR_STOCK: (DType.INT,),
}


def _measure_columns(m: Measure) -> dict[str, Column] | None:
    """Columns visible to a measure (``table.column`` for joined ones); None: unknown table."""
    if m.table not in BY_NAME:
        return None
    cols = {c.name: c for c in BY_NAME[m.table].columns}
    for j in m.joins:
        if j.table not in BY_NAME:
            return None
        cols.update({f"{j.table}.{c.name}": c for c in BY_NAME[j.table].columns})
    return cols


def _conditions(
    conds: list[Condition], path: tuple[Any, ...]
) -> Iterator[tuple[Condition, tuple[Any, ...]]]:
    for i, c in enumerate(conds):
        if c.any_of is not None:
            yield from _conditions(c.any_of, (*path, i, "any_of"))
        else:
            yield c, (*path, i)


@CATALOG_CHECKS.check("measure-column")
def measure_columns(cat: Catalog) -> Iterator[Issue]:
    """Tables, joins and columns named by a measure exist, with types that fit their use."""
    for name, m in cat.measures.items():
        f, p = m.origin.file, m.origin.path
        cols = _measure_columns(m)
        if cols is None:
            if m.requires and m.table in CAPABILITY_TABLES.values():
                yield cat.issue(
                    Level.WARNING,
                    "planned-table",
                    f"{name}: table {m.table!r} comes with {', '.join(m.requires)};"
                    " not checked, not computable yet",
                    f,
                    (*p, "table"),
                )
                continue
            yield cat.issue(
                Level.ERROR,
                "measure-column",
                f"{name}: unknown table in {m.table!r} or its joins",
                f,
                (*p, "table"),
            )
            continue
        seen = {c.name for c in BY_NAME[m.table].columns}
        for k, j in enumerate(m.joins):
            if j.left not in cols or j.right not in {c.name for c in BY_NAME[j.table].columns}:
                yield cat.issue(
                    Level.ERROR,
                    "measure-column",
                    f"{name}: join {j.left} = {j.table}.{j.right} names an unknown column",
                    f,
                    (*p, "joins", k),
                )
            elif BY_NAME[j.table].key != (j.right,):
                yield cat.issue(
                    Level.ERROR,
                    "measure-column",
                    f"{name}: a join is a lookup by key; {j.right} is not the key of {j.table}",
                    f,
                    (*p, "joins", k),
                )
            seen |= {f"{j.table}.{c}" for c in BY_NAME[j.table].column_names}
        refs = [
            ("column", m.column),
            ("scope", m.scope.institution),
            ("scope", m.scope.area),
            ("scope", m.scope.residence),
            ("time", m.time.column),
            ("time", m.time.end_column),
        ]
        for where, ref in refs:
            if ref is not None and ref not in cols:
                yield cat.issue(
                    Level.ERROR,
                    "measure-column",
                    f"{name}: no column {ref!r} on {m.table} (or its joins)",
                    f,
                    (*p, where),
                )
        if (
            m.agg == "sum"
            and m.column in cols
            and cols[m.column].dtype not in (DType.INT, DType.DECIMAL, DType.FLOAT)
        ):
            yield cat.issue(
                Level.ERROR,
                "measure-column",
                f"{name}: cannot sum {m.column!r} ({cols[m.column].dtype})",
                f,
                (*p, "column"),
            )
        if m.agg != "count" and m.column is None:
            yield cat.issue(Level.ERROR, "measure-column", f"{name}: {m.agg} needs a column", f, p)
        for c, cp in _conditions(m.where, (*p, "where")):
            if c.column not in cols:
                yield cat.issue(
                    Level.ERROR,
                    "measure-column",
                    f"{name}: filter on unknown column {c.column!r}",
                    f,
                    cp,
                )
            if c.same_division_as is not None and c.same_division_as.column not in cols:
                yield cat.issue(
                    Level.ERROR,
                    "measure-column",
                    f"{name}: same_division_as names unknown column {c.same_division_as.column!r}",
                    f,
                    cp,
                )


@CATALOG_CHECKS.check("measure-time")
def time_rules(cat: Catalog) -> Iterator[Issue]:
    """A measure's time rule names the columns it needs, of the right type."""
    for name, m in cat.measures.items():
        cols = _measure_columns(m)
        f, p = m.origin.file, (*m.origin.path, "time")
        if m.time.kind is TimeKind.NONE:
            continue
        spans = (TimeKind.ACTIVE, TimeKind.OVERLAPS)
        if m.time.column is None or (m.time.kind in spans and not m.time.end_column):
            yield cat.issue(
                Level.ERROR,
                "measure-time",
                f"{name}: time kind {m.time.kind} needs column "
                "(and end_column for active and overlaps)",
                f,
                p,
            )
            continue
        if m.time.shift_years and m.time.kind is not TimeKind.SNAPSHOT:
            yield cat.issue(
                Level.ERROR,
                "measure-time",
                f"{name}: shift_years is for snapshot measures only",
                f,
                (*p, "shift_years"),
            )
        if (
            cols
            and m.time.column in cols
            and cols[m.time.column].dtype not in _TIME_TYPES[m.time.kind]
        ):
            yield cat.issue(
                Level.ERROR,
                "measure-time",
                f"{name}: {m.time.column} is "
                f"{cols[m.time.column].dtype}, not usable as {m.time.kind}",
                f,
                p,
            )
        if (m.scope.institution is None) == (m.scope.area is None) and m.table != "institutions":
            yield cat.issue(
                Level.ERROR,
                "measure-scope",
                f"{name}: give exactly one of scope.institution or scope.area",
                f,
                (*m.origin.path, "scope"),
            )


@CATALOG_CHECKS.check("filter-value")
def filter_values(cat: Catalog) -> Iterator[Issue]:
    """Each filter has one operator; coded values belong to the column's code system."""
    for name, m in cat.measures.items():
        cols = _measure_columns(m) or {}
        for c, cp in _conditions(m.where, (*m.origin.path, "where")):
            ops = c.operators()
            if len(ops) != 1:
                yield cat.issue(
                    Level.ERROR,
                    "filter-value",
                    f"{name}: a filter takes exactly one operator, got {ops or 'none'}",
                    m.origin.file,
                    cp,
                )
                continue
            col = cols.get(c.column or "")
            values: Any = c.in_ if c.in_ is not None else c.not_in
            if isinstance(values, str):
                if values.removeprefix("@") not in cat.valuesets:
                    yield cat.issue(
                        Level.ERROR,
                        "filter-value",
                        f"{name}: unknown value set {values!r}",
                        m.origin.file,
                        cp,
                    )
                    continue
                values = cat.valuesets[values.removeprefix("@")]
            if c.eq is not None and not isinstance(c.eq, bool):
                values = [c.eq]
            if col is None or col.codes not in SMALL_CODE_SYSTEMS or not values:
                continue
            bad = [v for v in values if str(v) not in SMALL_CODE_SYSTEMS[col.codes]]
            if bad:
                yield cat.issue(
                    Level.ERROR,
                    "filter-value",
                    f"{name}: {bad} not in code system {col.codes!r} of {c.column}",
                    m.origin.file,
                    cp,
                )


def _measures_of(ind: Indicator) -> list[str]:
    out: list[str] = []
    for t in (ind.numerator, ind.denominator):
        if t is not None:
            out += [*t.measures, *t.minus]
    return out


@CATALOG_CHECKS.check("indicator")
def indicator_shape(cat: Catalog) -> Iterator[Issue]:
    """Kinds carry what they need, references resolve, directions and provenance are stated."""
    for ind in cat.indicators.values():
        f, p = ind.origin.file, ind.origin.path
        kind = ind.kind
        if kind is not IndicatorKind.GROWTH and ind.numerator is None:
            yield cat.issue(Level.ERROR, "indicator", f"{ind.id}: {kind} needs a numerator", f, p)
        if kind is IndicatorKind.RATIO and ind.denominator is None:
            yield cat.issue(
                Level.ERROR, "indicator", f"{ind.id}: a ratio needs a denominator", f, p
            )
        if kind is IndicatorKind.COUNT and ind.denominator is not None:
            yield cat.issue(
                Level.ERROR,
                "indicator",
                f"{ind.id}: a count has no denominator",
                f,
                (*p, "denominator"),
            )
        if kind is IndicatorKind.GROWTH:
            base = cat.indicators.get(ind.base or "")
            if base is None or base.kind is IndicatorKind.GROWTH:
                yield cat.issue(
                    Level.ERROR,
                    "indicator",
                    f"{ind.id}: growth base {ind.base!r} must be a ratio or count indicator",
                    f,
                    (*p, "base"),
                )
        for name in _measures_of(ind):
            if name not in cat.measures:
                yield cat.issue(
                    Level.ERROR,
                    "unknown-measure",
                    f"{ind.id}: no measure {name!r}",
                    f,
                    (*p, "numerator"),
                )
        if ind.direction is None:
            yield cat.issue(Level.ERROR, "indicator", f"{ind.id}: direction is required", f, p)
        if ind.provenance is None:
            yield cat.issue(
                Level.ERROR, "indicator", f"{ind.id}: provenance (S/K/I) is required", f, p
            )
        if ind.provenance is Provenance.I and not ind.interpretation:
            yield cat.issue(
                Level.ERROR,
                "interpretation",
                f"{ind.id}: provenance I needs the interpretation written down",
                f,
                (*p, "provenance"),
            )
        if not ind.name_zh or not ind.name_en:
            yield cat.issue(
                Level.ERROR, "indicator", f"{ind.id}: name_zh and name_en are required", f, p
            )
        if ind.divisor == 0:
            yield cat.issue(Level.ERROR, "indicator", f"{ind.id}: divisor 0", f, (*p, "divisor"))
        yield from _sources_and_applicability(cat, ind)


def _sources_and_applicability(cat: Catalog, ind: Indicator) -> Iterator[Issue]:
    """Source and clause named, a proxy in both languages, known institution types."""
    f, p = ind.origin.file, ind.origin.path
    if bool(ind.proxy) != bool(ind.proxy_zh):
        yield cat.issue(
            Level.ERROR,
            "proxy",
            f"{ind.id}: a proxy is stated in both languages (proxy:, proxy_zh:)",
            f,
            p,
        )
    if not ind.source or not ind.clause:
        yield cat.issue(
            Level.ERROR,
            "source",
            f"{ind.id}: name the source and its clause (source:, clause:)",
            f,
            p,
        )
    for k, sel in enumerate(ind.institution_types):
        known = (
            sel.removeprefix("@") in cat.valuesets
            if sel.startswith("@")
            else sel in INSTITUTION_TYPE
        )
        if not known:
            yield cat.issue(
                Level.ERROR,
                "indicator",
                f"{ind.id}: institution type {sel!r} is neither a type code nor a value set",
                f,
                (*p, "institution_types", k),
            )
    for t in (ind.numerator, ind.denominator):
        if t is not None and t.divisor < 1:
            yield cat.issue(
                Level.ERROR, "indicator", f"{ind.id}: a term's divisor must be ≥ 1", f, p
            )


def _all_measures(cat: Catalog, ind: Indicator) -> list[Measure]:
    if ind.kind is IndicatorKind.GROWTH:
        base = cat.indicators.get(ind.base or "")
        return [] if base is None else _all_measures(cat, base)
    return [cat.measures[n] for n in _measures_of(ind) if n in cat.measures]


@CATALOG_CHECKS.check("periods-levels")
def periods_and_levels(cat: Catalog) -> Iterator[Issue]:
    """Annual flows allow year periods only; area measures exclude institution nodes;
    measures that need a capability make the indicator declare it."""
    for ind in cat.indicators.values():
        f, p = ind.origin.file, ind.origin.path
        ms = _all_measures(cat, ind)
        if any(m.time.kind is TimeKind.YEAR_FLOW for m in ms) and set(ind.period_types) != {
            PeriodType.YEAR
        }:
            yield cat.issue(
                Level.ERROR,
                "periods-levels",
                f"{ind.id}: uses annual data; period_types must be [year]",
                f,
                (*p, "id"),
            )
        if (
            any(
                m.scope.area is not None
                or any(c.in_node_area is not None for c, _ in _conditions(m.where, ()))
                for m in ms
            )
            and NodeLevel.INSTITUTION in ind.node_levels
        ):
            yield cat.issue(
                Level.ERROR,
                "periods-levels",
                f"{ind.id}: uses the node's area "
                "(population, residents); levels must exclude institution",
                f,
                (*p, "id"),
            )
        needed = {r for m in ms for r in m.requires}
        if not needed <= set(ind.requires):
            yield cat.issue(
                Level.ERROR,
                "periods-levels",
                f"{ind.id}: measures need {sorted(needed)}; declare requires",
                f,
                (*p, "id"),
            )


@CATALOG_CHECKS.check("target")
def target_refs(cat: Catalog) -> Iterator[Issue]:
    """Targets name a known indicator, a deadline and their source sentence."""
    for t in cat.targets:
        f, p = t.origin.file, t.origin.path
        if t.indicator not in cat.indicators:
            yield cat.issue(
                Level.ERROR,
                "target",
                f"target for unknown indicator {t.indicator!r}",
                f,
                (*p, "indicator"),
            )
        if t.value is None and not t.benchmark:
            yield cat.issue(Level.ERROR, "target", "a target needs a value or a benchmark", f, p)
        if t.from_year is not None and t.from_year > t.deadline:
            yield cat.issue(
                Level.ERROR, "target", "from_year is after the deadline", f, (*p, "from_year")
            )
        for sel in t.nodes:
            if sel != "*" and sel not in {lv.value for lv in NodeLevel} and ":" not in sel:
                yield cat.issue(
                    Level.ERROR,
                    "target",
                    f"node selector {sel!r}: use *, a level or kind:id",
                    f,
                    (*p, "nodes"),
                )


def validate(cat: Catalog) -> list[Issue]:
    """Every finding of the loader and of every rule, errors first."""
    found = list(cat.issues) + run_checks(CATALOG_CHECKS, cat)
    return sorted(found, key=lambda i: (i.level != Level.ERROR, i.file, i.line or 0))
