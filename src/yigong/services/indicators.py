"""Indicator use cases shared by the CLI and (later) the REST API: list, compute, explain,
scorecard, export, and catalog check. Each function opens what it needs and returns plain data.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import ibis

from yigong.indicators.applicability import indicator_node, residents
from yigong.indicators.checks import validate
from yigong.indicators.drill import MeasureRows, drill_down
from yigong.indicators.evaluate import Evaluation, IndicatorResult, evaluate
from yigong.indicators.loader import Catalog, CatalogError, load_catalog
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import DIVISION_LEVELS, Indicator, NodeLevel
from yigong.rulepacks import Issue, Level
from yigong.services import packs
from yigong.services.warehouse import Where, opened
from yigong.warehouse.hierarchy import parse_node, resolve

__all__ = [
    "Explanation",
    "catalog",
    "catalog_reference",
    "check_catalog",
    "compute",
    "explain",
    "export",
    "list_indicators",
    "SCORECARD_CATALOGS",
    "full_scorecard",
    "group_scorecard",
    "scorecard",
]


def check_catalog(paths: list[Path] | None = None) -> list[Issue]:
    """Load and validate catalog files or pack folders (the built-in packs, with their folder
    convention, by default)."""
    if paths is None:
        return packs.check_kind("indicator-catalog")
    return validate(load_catalog(paths))


@cache
def catalog() -> Catalog:
    """The built-in catalog, validated once; raises `CatalogError` if it has errors."""
    cat = load_catalog()
    errors = [i for i in validate(cat) if i.level is Level.ERROR]
    if errors:
        raise CatalogError(errors)
    return cat


def _ids(cat: Catalog, catalog_name: str | None, ids: list[str] | None) -> list[str]:
    if ids:
        return ids
    if catalog_name:
        chosen = [i.id for i in cat.indicators.values() if i.catalog == catalog_name]
        if not chosen:
            raise KeyError(f"no catalog {catalog_name!r}; known: {', '.join(sorted(cat.headers))}")
        return chosen
    return list(cat.indicators)


def list_indicators(catalog_name: str | None = None) -> list[Indicator]:
    cat = catalog()
    return [cat.indicators[i] for i in _ids(cat, catalog_name, None)]


def compute(
    db: Where,
    node: str,
    period: str,
    *,
    catalog_name: str | None = None,
    ids: list[str] | None = None,
    as_of: date | None = None,
    compare: bool = True,
) -> Evaluation:
    """Indicators for one node and period from a warehouse (a location, or open tables)."""
    cat = catalog()
    n, p = parse_node(node), parse_period(period)
    with opened(db, read_only=True) as tables:
        return evaluate(
            tables, cat, n, p, _ids(cat, catalog_name, ids), as_of=as_of, compare=compare
        )


def scorecard(db: Where, node: str, period: str) -> list[IndicatorResult]:
    """Every indicator with a target binding the node, with gap and trajectory."""
    ev = compute(db, node, period)
    return [r for r in ev.results if r.target is not None]


#: the scorecard's groups after the targets, in order: catalog id -> (中文, English).
SCORECARD_CATALOGS: dict[str, tuple[str, str]] = {
    "policy-targets": ("医改政策目标", "Reform policy targets"),
    "community-monitoring": ("医共体监测指标", "Medical community monitoring"),
    "tertiary-appraisal": ("三级公立医院绩效考核", "Tertiary hospital appraisal"),
    "secondary-appraisal": ("二级公立医院绩效考核", "Secondary hospital appraisal"),
    "health-statistics": ("卫生健康统计", "Health statistics"),
    "public-health": ("基本公共卫生与慢病管理", "Basic public health and chronic disease"),
    "drg-performance": ("DRG 绩效评价", "DRG performance"),
    "operations": ("医院运营管理", "Hospital operations"),
    "drug-use": ("合理用药监测", "Drug-use monitoring"),
}


def _matches(r: IndicatorResult, query: str) -> bool:
    if not query:
        return True
    q = query.strip().lower()
    return any(q in str(v).lower() for v in (r.indicator, r.code, r.name_zh, r.name_en))


def group_scorecard(results: list[IndicatorResult], query: str = "") -> dict[str, Any]:
    """Every applicable indicator of a node, grouped: the targets binding it first, then each
    catalog (policy targets, community monitoring, tertiary and secondary appraisal, health
    statistics, DRG); indicators that are not applicable here are listed apart with their
    reason. ``query`` keeps the indicators whose id, code or name contains it."""
    chosen = [r for r in results if _matches(r, query)]
    applicable = [r for r in chosen if r.status.value != "not_applicable"]
    targets = [r for r in applicable if r.target is not None]
    shown = {r.indicator for r in targets}
    groups = [
        {"key": "targets", "title_zh": "目标指标", "title_en": "Policy targets", "items": targets}
    ]
    catalogs = list(SCORECARD_CATALOGS) + sorted(
        {r.catalog for r in applicable} - set(SCORECARD_CATALOGS)
    )
    for name in catalogs:
        zh, en = SCORECARD_CATALOGS.get(name, (name, name))
        items = [r for r in applicable if r.catalog == name and r.indicator not in shown]
        if items:
            groups.append({"key": name, "title_zh": zh, "title_en": en, "items": items})
    return {
        "query": query,
        "groups": groups,
        "not_applicable": [r for r in chosen if r.status.value == "not_applicable"],
        "counts": {
            "indicators": len(results),
            "applicable": sum(1 for r in results if r.status.value != "not_applicable"),
            "shown": len(applicable),
        },
    }


def full_scorecard(db: Where, node: str, period: str, query: str = "") -> dict[str, Any]:
    """The grouped scorecard of a node and period (`group_scorecard` over every indicator)."""
    ev = compute(db, node, period)
    return {"node": node, "node_name": ev.node.name, "period": period} | group_scorecard(
        ev.results, query
    )


@dataclass(frozen=True)
class Explanation:
    indicator: Indicator
    result: IndicatorResult
    rows: list[MeasureRows]

    def sql(self) -> dict[str, str]:
        """The compiled SQL of each measure's row selection (for review, not for running)."""
        return {
            m.measure: str(ibis.to_sql(m.expression)) for m in self.rows if m.expression is not None
        }


def explain(
    db: Where, ident: str, node: str, period: str, limit: int = 10, offset: int = 0
) -> Explanation:
    """Definition, value, numerator, denominator and ``limit`` rows behind them (from
    ``offset``: the cockpit pages through them)."""
    cat = catalog()
    n, p = parse_node(node), parse_period(period)
    with opened(db, read_only=True) as tables:
        ev = evaluate(tables, cat, n, p, [ident])
        ind = cat.indicator(ident)
        node_rows = indicator_node(tables, cat, ind, residents(tables, resolve(tables, n, p.end)))
        rows = drill_down(tables, cat, ind, node_rows, p, limit, offset)
    return Explanation(ind, ev.results[0], rows)


def _flat(r: IndicatorResult) -> dict[str, Any]:
    d = r.as_dict()
    tgt, traj = d.pop("target") or {}, d.pop("trajectory") or {}
    d.pop("parts")
    d["formatted"] = r.formatted()
    d.update(
        {
            "target": tgt.get("value"),
            "target_comparator": tgt.get("comparator"),
            "target_deadline": tgt.get("deadline"),
            "gap": tgt.get("gap"),
            "met": tgt.get("met"),
            "target_source": tgt.get("source"),
            "benchmark": tgt.get("benchmark"),
            "projected_at_deadline": traj.get("projected"),
            "will_meet": traj.get("will_meet"),
            "trajectory_note": traj.get("note"),
        }
    )
    return d


def export(results: list[IndicatorResult], path: Path) -> Path:
    """Write results to ``.csv``, ``.xlsx`` or ``.json`` (chosen by the suffix)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(
            json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        return path
    rows = [_flat(r) for r in results]
    header = list(rows[0]) if rows else ["indicator"]
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
        return path
    if suffix == ".xlsx":
        from openpyxl import Workbook  # lazy: heavy (openpyxl), .xlsx only

        wb = Workbook()
        ws = wb.active
        ws.title = "indicators"
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
        wb.save(path)
        return path
    raise ValueError(f"{path}: write .csv, .xlsx or .json")


_LEVEL_ORDER = (*DIVISION_LEVELS, NodeLevel.COMMUNITY, NodeLevel.INSTITUTION)


def _terms(t: Any) -> str:
    if t is None:
        return ""
    text = " + ".join(f"`{m}`" for m in t.measures)
    if t.minus:
        text += " − " + " − ".join(f"`{m}`" for m in t.minus)
    if t.divisor != 1:
        text = f"({text}) ÷ {t.divisor}"
    return f"{t.description_zh} ({text})" if t.description_zh else text


def catalog_reference() -> str:
    """The catalog as a Markdown reference page (generated; `docs/indicators-catalog.md`)."""
    cat = catalog()
    lines = [
        "# Indicator catalog reference",
        "",
        "Generated by `yigong catalog docs -o docs/indicators-catalog.md` from the YAML "
        "files of the packs in `src/yigong/indicators/packs/`; do not edit by hand.",
        "",
    ]
    for name, head in sorted(cat.headers.items()):
        lines += [
            f"## {head.title_zh} — {head.title_en}",
            "",
            f"catalog `{name}`, edition {head.edition}; {head.issuer}; {head.document}.",
            f"Status: {head.status}.",
            "",
            "| id | code | 名称 | name | numerator | denominator | ×/÷ | unit | dir | "
            "periods | levels | institution types | prov. | source · clause | "
            "proxy · interpretation |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for i in cat.in_catalog(name):
            num = (
                _terms(i.numerator)
                if i.kind.value != "growth"
                else f"growth of `{i.base}` ({i.growth_against})"
            )
            scale = f"×{i.factor:g}" + (f" ÷{i.divisor:g}" if i.divisor != 1 else "")
            note = i.interpretation + (f" Requires: {', '.join(i.requires)}." if i.requires else "")
            if i.proxy:
                note = f"**proxy**: {i.proxy}" + (f" — {note}" if note else "")
            same = f" (= `{i.same_as}`)" if i.same_as else ""
            levels = [lv.value for lv in _LEVEL_ORDER if lv in i.node_levels]
            lines.append(
                " | ".join(
                    [
                        f"| {i.id}",
                        i.code,
                        i.name_zh + same,
                        i.name_en,
                        num,
                        _terms(i.denominator),
                        scale,
                        i.unit,
                        i.direction.value if i.direction else "",
                        ", ".join(p.value for p in i.period_types),
                        ", ".join(levels),
                        ", ".join(i.institution_types) or "all",
                        i.provenance.value if i.provenance else "",
                        f"{i.source} · {i.clause}".replace("|", "/"),
                        note.replace("|", "/").replace("\n", " "),
                    ]
                )
                + " |"
            )
        lines.append("")
    lines += [
        "## Targets",
        "",
        "| indicator | target | deadline | from | nodes | source | text |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in cat.targets:
        value = (
            f"{t.comparator.value} {t.value:g}"
            if t.value is not None
            else f"{t.comparator.value} {t.benchmark}"
        )
        nodes = ", ".join(t.nodes) + (f" {t.institution_filter}" if t.institution_filter else "")
        lines.append(
            f"| {t.indicator} | {value} | {t.deadline} | {t.from_year or ''} | {nodes} "
            f"| {t.source} | {t.source_text.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"
