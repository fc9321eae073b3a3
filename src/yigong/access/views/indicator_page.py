"""One indicator at one node, as its cockpit page shows it: the value with numerator and
denominator, the definition and its source (and the proxy the data model forces, if any), the
time series (every year with data; the months of the year when a month or quarter is asked),
the node's children compared, the node's institutions where the indicator applies (paged,
no empty rows) and the records behind the value (paged). The records are redacted to the
scope and their reading is an audit row with its count."""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.views import nodes
from yigong.access.views.indicators import _row, check_indicator
from yigong.access.views.overview import applicable, ranking
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import PeriodType
from yigong.services import indicators as indicators_svc
from yigong.services.tables import measure_rows
from yigong.warehouse.hierarchy import Node, NodeKind

__all__ = ["INSTITUTIONS_PER_PAGE", "ROWS_PER_PAGE", "definition", "indicator_page", "series"]

INSTITUTIONS_PER_PAGE = 20
ROWS_PER_PAGE = 20


def definition(indicator: str) -> dict[str, Any]:
    """What the catalog says of the indicator: both languages, terms, scale, source, proxy."""
    i = indicators_svc.catalog().indicator(indicator)

    def terms(x: Any) -> dict[str, Any] | None:
        if x is None:
            return None
        return {
            "measures": list(x.measures),
            "minus": list(x.minus),
            "divisor": x.divisor,
            "zh": x.description_zh,
            "en": x.description_en,
        }

    return {
        "id": i.id,
        "code": i.code,
        "catalog": i.catalog,
        "edition": i.edition,
        "name_zh": i.name_zh,
        "name_en": i.name_en,
        "kind": i.kind.value,
        "numerator": terms(i.numerator),
        "denominator": terms(i.denominator),
        "base": i.base,
        "factor": i.factor,
        "divisor": i.divisor,
        "unit": i.unit,
        "direction": i.direction.value if i.direction else "",
        "period_types": [p.value for p in i.period_types],
        "levels": sorted(lv.value for lv in i.node_levels),
        "institution_types": list(i.institution_types),
        "source": i.source,
        "clause": i.clause,
        "interpretation": i.interpretation,
        "proxy": i.proxy,
        "proxy_zh": i.proxy_zh,
    }


def _point(p: Principal, node: Node, code: str, indicator: str) -> dict[str, Any]:
    try:
        (r,) = p.state.results(str(node), code, [indicator])
    except AccessError:  # the node did not exist then
        return {"period": code, "value": None, "status": "not_applicable", "target": None}
    tgt = r.target.value if r.target is not None else None
    return {
        "period": code,
        "value": r.value,
        "numerator": r.numerator if r.numerator is None else str(r.numerator),
        "denominator": r.denominator if r.denominator is None else str(r.denominator),
        "status": r.status.value,
        "target": tgt,
    }


def series(p: Principal, node: Node, indicator: str, period: str) -> list[dict[str, Any]]:
    """The indicator over every year with data (oldest first) — or, for a month or quarter,
    over that year's months or quarters — where it applies."""
    ind = indicators_svc.catalog().indicator(indicator)
    per = parse_period(period)
    if per.type is PeriodType.YEAR:
        if PeriodType.YEAR not in ind.period_types:
            return []
        codes = [str(y) for y in sorted(nodes.periods(p))]
    elif per.type is PeriodType.QUARTER:
        codes = [f"{per.year}Q{q}" for q in range(1, 5)]
    else:
        codes = [f"{per.year}{m:02d}" for m in range(1, 13)]
    if per.type not in ind.period_types:
        return []
    return [_point(p, node, c, indicator) for c in codes]


def _institutions(p: Principal, node: Node, indicator: str, period: str) -> list[str]:
    """The node's institutions in scope where the indicator applies, by id."""
    h = nodes.hierarchy(p)
    if node.kind is NodeKind.INSTITUTION:
        return []
    if node.kind is NodeKind.COMMUNITY:
        ids = set(h.members.get(node.id, ()))
    else:
        ids = set(h.located(node.id))
    ids &= p.scope.institutions
    return sorted(
        i for i in ids if applicable(p, Node(NodeKind.INSTITUTION, i), indicator, period) is None
    )


def indicator_page(
    p: Principal,
    node: str,
    indicator: str,
    period: str,
    page: int = 1,
    rows_page: int = 1,
    size: int | None = None,
) -> dict[str, Any]:
    """Everything the indicator's page shows (see the module docstring); ``size`` overrides
    the page sizes (a download holds every institution and up to that many records)."""
    check_indicator(indicator)
    n = p.node(node)
    code = p.period(period)
    per_inst, per_rows = (size, size) if size else (INSTITUTIONS_PER_PAGE, ROWS_PER_PAGE)
    (top,) = p.state.results(str(n), code, [indicator])
    why = applicable(p, n, indicator, code)
    members = _institutions(p, n, indicator, code)
    start = (page - 1) * per_inst
    shown = members[start : start + per_inst]
    insts = []
    for i in shown:
        (r,) = p.state.results(f"inst:{i}", code, [indicator])
        insts.append(_row(r))
    records: list[dict[str, Any]] = []
    more_rows = False
    if why is None and top.status.value in ("ok", "no_value"):
        offset = (rows_page - 1) * per_rows
        ex = p.state.explanation(str(n), indicator, code, per_rows + 1, offset)
        records = p.redact(measure_rows(ex.rows))
        measures = indicators_svc.catalog().measures
        for m in records:
            m["name_en"] = measures[m["measure"]].name_en if m["measure"] in measures else ""
            if len(m["rows"]) > per_rows:
                more_rows = True
                m["rows"] = m["rows"][:per_rows]
    kids = ranking(p, n, code, indicator) if why is None else {"items": [], "skipped": []}
    data = {
        "node": str(n),
        "node_name": nodes.hierarchy(p).name(n),
        "period": code,
        "result": _row(top),
        "definition": definition(indicator),
        "series": series(p, n, indicator, code) if why is None else [],
        "children": kids,
        "institutions": insts,
        "institutions_total": len(members),
        "page": page,
        "per_page": per_inst,
        "measures": records,
        "rows_page": rows_page,
        "rows_per_page": per_rows,
        "more_rows": more_rows,
    }
    p.audit_read(
        f"drill-down {indicator}",
        sum(len(m["rows"]) for m in records),
        node=str(n),
        period=code,
        rows_page=rows_page,
    )
    return data
