"""Scope-filtered reads the services do not offer yet (institutions, case-mix facts, quarantine,
table export), as Ibis expressions over the warehouse. Candidates to move into `yigong.services`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import ibis

from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import Node, resolve

__all__ = ["casemix_by_institution", "exportable_tables", "institutions", "latest_year",
           "measure_rows", "members", "quarantine", "redact", "table_rows"]


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _rows(expr: ibis.Table) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in r.items()} for r in expr.to_pyarrow().to_pylist()]


def members(wh: Warehouse, node: Node) -> frozenset[str]:
    """The institution ids of a node today."""
    rows = resolve(wh, node, date.today()).institutions.to_pyarrow()
    return frozenset(str(i) for i in rows.column("institution_id").to_pylist())


def latest_year(wh: Warehouse) -> str:
    """The last year with discharges (the cockpit's default period)."""
    d = wh.table("discharges")
    y = d.discharge_date.year().max().to_pyarrow().as_py()
    return str(y) if y is not None else "2024"


def institutions(wh: Warehouse, allowed: frozenset[str], limit: int, offset: int
                 ) -> tuple[int, list[dict[str, Any]]]:
    t = wh.table("institutions")
    t = t.filter(t.institution_id.isin(sorted(allowed) or [""])).order_by("institution_id")
    total = int(t.count().to_pyarrow().as_py())
    return total, _rows(t.limit(limit, offset=offset))


def casemix_by_institution(wh: Warehouse, allowed: frozenset[str], period: str | None,
                           scheme: str | None) -> list[dict[str, Any]]:
    """CMI (mean DRG weight), DRGs covered, cost and time consumption indices per institution,
    from ``drg_case_facts`` (materialised by the DRG step); numerator and denominator shown."""
    f = wh.table("drg_case_facts")
    f = f.filter(f.institution_id.isin(sorted(allowed) or [""]))
    if period:
        f = f.filter(f.period == period)
    if scheme:
        f = f.filter(f.scheme == scheme)
    g = f.group_by(["scheme", "period", "institution_id"]).aggregate(
        cases=f.count(), weight_sum=f.weight.sum(), drgs=f.drg.nunique(),
        cost_index=f.cost_ratio.mean(), time_index=f.los_ratio.mean())
    g = g.mutate(cmi=g.weight_sum / g.cases).order_by(["scheme", "period", "institution_id"])
    return _rows(g)


def quarantine(wh: Warehouse, detailed: bool, limit: int, offset: int
               ) -> tuple[int, list[dict[str, Any]]]:
    """Rejected rows (file, row, field, rule, reason, value) or, when ``detailed`` is false,
    only their counts by table and rule (rows can name any institution)."""
    q = wh.table("quarantine")
    if not detailed:
        g = q.group_by(["table_name", "rule"]).aggregate(errors=q.count())
        g = g.order_by(["table_name", "rule"])
        return int(g.count().to_pyarrow().as_py()), _rows(g.limit(limit, offset=offset))
    q = q.select("run_id", "table_name", "file", "row_no", "field", "rule", "reason", "value")
    q = q.order_by(["file", "row_no", "field"])
    return int(q.count().to_pyarrow().as_py()), _rows(q.limit(limit, offset=offset))


def exportable_tables(wh: Warehouse) -> list[str]:
    """Tables with an ``institution_id`` column (so the export can be scoped)."""
    out = []
    for name in sorted(wh.ibis.list_tables()):
        if "institution_id" in wh.table(name).columns:
            out.append(name)
    return out


def table_rows(wh: Warehouse, name: str, allowed: frozenset[str], limit: int
               ) -> tuple[list[str], list[dict[str, Any]]]:
    t = wh.table(name)
    t = t.filter(t.institution_id.isin(sorted(allowed) or [""]))
    return list(t.columns), _rows(t.limit(limit))


def measure_rows(rows: list[Any], hidden: frozenset[str]) -> list[dict[str, Any]]:
    """The drill-down's rows per measure as JSON-ready dicts, with `redact` applied."""
    return [{"role": m.role, "measure": m.measure, "name_zh": m.name_zh, "note": m.note,
             "rows": redact([{k: _plain(v) for k, v in r.items()}
                             for r in (m.rows.to_pylist() if m.rows is not None else [])],
                            hidden)} for m in rows]


def redact(value: Any, hidden: frozenset[str]) -> Any:
    """Replace every string naming an institution outside the scope (e.g. the other end of
    a referral in a drill-down row) by ``"(outside scope)"``."""
    if isinstance(value, str):
        return "(outside scope)" if value in hidden else value
    if isinstance(value, dict):
        return {k: redact(v, hidden) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, hidden) for v in value]
    return value
