"""Measure specs → Ibis expressions (backend-neutral; no SQL text, no backend checks).

Measures that read the same rows (same table, joins, scope and time rule) are answered by one
query: the rows of the node are selected once, then every (measure, period) pair becomes one
filtered aggregate (``count(where=…)``, ``sum(where=…)``, ``nunique(where=…)``) in a single
``aggregate``. Drill-down uses the same row selection without the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis

from yigong.indicators.periods import Period
from yigong.indicators.reference import is_reference_table, reference_table
from yigong.indicators.spec import Condition, Join, Measure, Scope, TimeKind, TimeSpec
from yigong.warehouse.hierarchy import ResolvedNode, division_rank
from yigong.warehouse.protocol import Tables

__all__ = [
    "NotApplicable",
    "SourceKey",
    "aggregate_query",
    "below_county",
    "column_name",
    "merge_sources",
    "measure_rows",
    "source_key",
]


class NotApplicable(ValueError):
    """A measure cannot be computed for this node or period (e.g. population of an institution)."""


def column_name(ref: str) -> str:
    """``discharges.discharge_date`` (a joined table's column) → ``discharges__discharge_date``."""
    return ref.replace(".", "__", 1) if "." in ref else ref


@dataclass(frozen=True)
class SourceKey:
    """What makes two measures share one query: the rows they read."""

    table: str
    joins: tuple[Join, ...]
    scope: Scope
    time: TimeSpec


def source_key(m: Measure) -> SourceKey:
    return SourceKey(m.table, tuple(m.joins), m.scope, m.time)


def merge_sources(measures: dict[str, Measure]) -> dict[str, SourceKey]:
    """The source each measure is read from, sharing one source per table, scope and time.

    Joins are lookups on the joined table's key (left joins: a row is never duplicated or
    dropped by them), so measures on the same rows can share the union of their joins; a
    measure joining the same table through another column keeps a source of its own.
    """
    merged: dict[tuple[Any, ...], dict[str, Join]] = {}
    for m in measures.values():
        joins = merged.setdefault((m.table, m.scope, m.time), {})
        if all(joins.get(j.table, j) == j for j in m.joins):
            joins.update({j.table: j for j in m.joins})
    out = {}
    for name, m in measures.items():
        joins = merged[(m.table, m.scope, m.time)]
        if all(joins.get(j.table) == j for j in m.joins):
            out[name] = SourceKey(m.table, tuple(joins.values()), m.scope, m.time)
        else:
            out[name] = source_key(m)
    return out


def _scope_lookup(key: SourceKey) -> Join | None:
    """The lookup into ``institutions`` on the scope column, if the source has one."""
    for j in key.joins:
        if (
            j.table == "institutions"
            and j.right == "institution_id"
            and key.scope.institution is not None
            and j.left == key.scope.institution
        ):
            return j
    return None


def base_table(tables: Tables, key: SourceKey, node: ResolvedNode | None = None) -> ibis.Table:
    """The table with its lookups left-joined; joined columns are renamed ``table__column``.

    When a lookup into ``institutions`` uses the scope column and a node is given, that lookup
    is an inner join with the node's institutions: one join both scopes and looks up.
    """
    t = tables.table(key.table)
    scoping = _scope_lookup(key) if node is not None else None
    for j in key.joins:
        other = reference_table(j.table) if is_reference_table(j.table) else tables.table(j.table)
        if j is scoping and node is not None:
            ids = node.institutions
            other = other.semi_join(ids, other.institution_id == ids.institution_id)
        other = other.rename({f"{j.table}__{c}": c for c in other.columns})
        pred = t[column_name(j.left)] == other[f"{j.table}__{j.right}"]
        t = t.join(other, pred) if j is scoping else t.left_join(other, pred)
    return t


def _scoped(t: ibis.Table, key: SourceKey, node: ResolvedNode) -> ibis.Table:
    scope = key.scope
    if scope.institution is not None and _scope_lookup(key) is not None:
        return t  # already scoped by the inner join in `base_table`
    if scope.institution is not None:
        col = t[column_name(scope.institution)]
        return t.semi_join(node.institutions, col == node.institutions.institution_id)
    if scope.area is None:
        return t
    if node.area is None:
        raise NotApplicable(
            f"{node.node} has no area (population or residents); "
            "this measure needs a community or a division"
        )
    if scope.residence is not None and below_county(node):
        # residents of townships: matched on where each row's person lives
        return t.filter(node.area.contains(t[column_name(scope.residence)]))
    col = column_name(scope.area)
    if scope.area_match == "exact":
        return t.filter(node.area.exactly(t[col]))
    t = t.filter(node.area.contains(t[col]))
    if scope.area_match == "prefix":
        return t
    # "top": only the rows of the highest division level present, per time value
    part = [t[column_name(key.time.column)]] if key.time.column else []
    t = t.mutate(_rank=division_rank(t[col]))
    # the window goes into its own column first: filtering on a window expression directly
    # compiles to an unresolvable column reference on PySpark
    t = t.mutate(_top=t._rank.min().over(group_by=part) if part else t._rank.min().over())
    return t.filter(t._rank == t._top).drop("_rank", "_top")


def below_county(node: ResolvedNode) -> bool:
    """Whether the node's residents live in townships or villages (not a whole county)."""
    return node.area is not None and all(len(c) >= 9 for c in node.area.codes)


def _as_of(p: Period, time: TimeSpec) -> date:
    """The period's last day, moved ``shift_years`` back (a snapshot at last year's end)."""
    end = p.end
    return end.replace(year=end.year + time.shift_years) if time.shift_years else end


def _snapshot_column(i: int) -> str:
    return f"_snapshot_{i}"


def _with_time_columns(t: ibis.Table, key: SourceKey, periods: list[Period]) -> ibis.Table:
    """Add the as-of snapshot per period (latest snapshot on/before the period end)."""
    if key.time.kind is not TimeKind.SNAPSHOT:
        return t
    col = t[column_name(key.time.column or "")]
    part = [t[column_name(key.scope.institution)]] if key.scope.institution else []
    extra = {}
    for i, p in enumerate(periods):
        end = _as_of(p, key.time)
        latest = ibis.ifelse(col <= end, col, ibis.null(col.type())).max()
        extra[_snapshot_column(i)] = latest.over(group_by=part) if part else latest.over()
    return t.mutate(**extra)


def _time_condition(t: ibis.Table, time: TimeSpec, p: Period, i: int) -> ibis.Value | None:
    kind = time.kind
    if kind is TimeKind.NONE:
        return None
    col = t[column_name(time.column or "")]
    if kind is TimeKind.EVENT:
        return col.between(p.start, p.end)
    if kind in (TimeKind.YEAR_FLOW, TimeKind.YEAR_STOCK):
        return col == p.year
    if kind is TimeKind.SNAPSHOT:
        return col == t[_snapshot_column(i)]
    if kind is TimeKind.ACTIVE:
        end = t[column_name(time.end_column or "")]
        return (col <= p.end) & (end.isnull() | (end >= p.end))
    if kind is TimeKind.OVERLAPS:
        end = t[column_name(time.end_column or "")]
        return (col <= p.end) & (end.isnull() | (end >= p.start))
    raise AssertionError(kind)


_PREFILTERED = (TimeKind.EVENT, TimeKind.YEAR_FLOW, TimeKind.YEAR_STOCK)


def _prefilter(t: ibis.Table, time: TimeSpec, periods: list[Period]) -> ibis.Table:
    """Cut the rows to the span of all periods asked (lets the backend prune early)."""
    if time.kind is TimeKind.EVENT:
        col = t[column_name(time.column or "")]
        return t.filter(col.between(min(p.start for p in periods), max(p.end for p in periods)))
    if time.kind in (TimeKind.YEAR_FLOW, TimeKind.YEAR_STOCK):
        col = t[column_name(time.column or "")]
        return t.filter(col.isin(sorted({p.year for p in periods})))
    return t


def _values(v: list[str | int] | str, valuesets: dict[str, list[str]]) -> list[Any]:
    if isinstance(v, str):
        return list(valuesets[v.removeprefix("@")])
    return list(v)


def condition(
    t: ibis.Table, c: Condition, valuesets: dict[str, list[str]], node: ResolvedNode | None
) -> ibis.Value:
    """One structured filter as an Ibis boolean expression."""
    if c.any_of is not None:
        parts = [condition(t, sub, valuesets, node) for sub in c.any_of]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    col = t[column_name(c.column or "")]
    if c.eq is not None:
        return col == c.eq
    if c.ne is not None:
        return col != c.ne
    if c.in_ is not None:
        return col.isin(_values(c.in_, valuesets))
    if c.not_in is not None:
        return ~col.isin(_values(c.not_in, valuesets))
    if c.is_null is not None:
        return col.isnull() if c.is_null else col.notnull()
    for op in ("gte", "lte", "gt", "lt"):
        value = getattr(c, op)
        if value is not None:
            return {"gte": col >= value, "lte": col <= value, "gt": col > value, "lt": col < value}[
                op
            ]
    if c.contains is not None:
        return col.contains(c.contains)
    if c.startswith is not None:
        return col.startswith(c.startswith)
    if c.in_node_area is not None:
        if node is None or node.area is None:
            raise NotApplicable("an in-area filter needs a community or division node")
        inside = node.area.contains(col)
        return inside if c.in_node_area else ~inside
    if c.same_division_as is not None:
        same = c.same_division_as
        digits = _LEVEL_DIGITS[same.level]
        other = t[column_name(same.column)]
        equal = col.substr(0, digits) == other.substr(0, digits)
        return equal if same.equal else ~equal
    raise AssertionError(f"condition without operator: {c}")


#: leading digits of a division code that name its province, city or county.
_LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6}


def _where(
    t: ibis.Table, m: Measure, valuesets: dict[str, list[str]], node: ResolvedNode
) -> ibis.Value | None:
    out = None
    for c in m.where:
        cond = condition(t, c, valuesets, node)
        out = cond if out is None else out & cond
    return out


def _and(a: ibis.Value | None, b: ibis.Value | None) -> ibis.Value | None:
    if a is None:
        return b
    return a if b is None else a & b


def _aggregate(t: ibis.Table, m: Measure, where: ibis.Value | None) -> ibis.Value:
    if m.agg == "count":
        return t.count(where=where)
    col = t[column_name(m.column or "")]
    if m.agg == "count_distinct":
        return col.nunique(where=where)
    return col.sum(where=where)


def selected_rows(
    tables: Tables, key: SourceKey, node: ResolvedNode, periods: list[Period]
) -> ibis.Table:
    """The node's rows of a source, cut to the periods' span, with as-of columns added."""
    t = _scoped(base_table(tables, key, node), key, node)
    t = _prefilter(t, key.time, periods)
    return _with_time_columns(t, key, periods)


def aggregate_query(
    tables: Tables,
    key: SourceKey,
    wanted: Iterable[tuple[str, Measure, int]],
    periods: list[Period],
    node: ResolvedNode,
    valuesets: dict[str, list[str]],
) -> ibis.Table:
    """One row: a column per (label, measure, period index) asked of this source."""
    t = selected_rows(tables, key, node, periods)
    # with one period, the prefilter already keeps exactly its rows for these time kinds
    exact = len(periods) == 1 and key.time.kind in _PREFILTERED
    aggs = {}
    for label, m, i in wanted:
        when = None if exact else _time_condition(t, key.time, periods[i], i)
        aggs[label] = _aggregate(t, m, _and(_where(t, m, valuesets, node), when))
    return t.aggregate(**aggs)


def measure_rows(
    tables: Tables,
    m: Measure,
    node: ResolvedNode,
    period: Period,
    valuesets: dict[str, list[str]],
) -> ibis.Table:
    """The rows behind one measure for one node and period (drill-down)."""
    key = source_key(m)
    t = selected_rows(tables, key, node, [period])
    cond = _and(_where(t, m, valuesets, node), _time_condition(t, key.time, period, 0))
    if cond is not None:
        t = t.filter(cond)
    extra = [c for c in t.columns if c.startswith("_snapshot_")]
    return t.drop(*extra) if extra else t
