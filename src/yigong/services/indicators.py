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

from yigong.indicators.checks import validate
from yigong.indicators.drill import MeasureRows, drill_down
from yigong.indicators.evaluate import Evaluation, IndicatorResult, evaluate
from yigong.indicators.loader import Catalog, CatalogError, load_catalog
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import Indicator
from yigong.rulepacks import Issue, Level
from yigong.services import packs
from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import TableSource, parse_node, resolve

__all__ = [
    "Explanation",
    "catalog",
    "catalog_reference",
    "check_catalog",
    "compute",
    "explain",
    "export",
    "list_indicators",
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


def _open(db: Path | TableSource) -> TableSource:
    if not isinstance(db, Path):
        return db
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db} (ingest data first, or pass --db)")
    return Warehouse(db)


def compute(
    db: Path | TableSource,
    node: str,
    period: str,
    *,
    catalog_name: str | None = None,
    ids: list[str] | None = None,
    as_of: date | None = None,
    compare: bool = True,
) -> Evaluation:
    """Indicators for one node and period from a warehouse file (or any table source)."""
    cat = catalog()
    n, p = parse_node(node), parse_period(period)
    tables = _open(db)
    try:
        return evaluate(
            tables, cat, n, p, _ids(cat, catalog_name, ids), as_of=as_of, compare=compare
        )
    finally:
        if tables is not db and isinstance(tables, Warehouse):
            tables.close()


def scorecard(db: Path | TableSource, node: str, period: str) -> list[IndicatorResult]:
    """Every indicator with a target binding the node, with gap and trajectory."""
    ev = compute(db, node, period)
    return [r for r in ev.results if r.target is not None]


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
    db: Path | TableSource, ident: str, node: str, period: str, limit: int = 10
) -> Explanation:
    """Definition, value, numerator, denominator and the first rows behind them."""
    cat = catalog()
    n, p = parse_node(node), parse_period(period)
    tables = _open(db)
    ev = evaluate(tables, cat, n, p, [ident])
    rows = drill_down(tables, cat, cat.indicator(ident), resolve(tables, n, p.end), p, limit)
    return Explanation(cat.indicator(ident), ev.results[0], rows)


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
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "indicators"
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
        wb.save(path)
        return path
    raise ValueError(f"{path}: write .csv, .xlsx or .json")


def _terms(t: Any) -> str:
    if t is None:
        return ""
    text = " + ".join(f"`{m}`" for m in t.measures)
    if t.minus:
        text += " − " + " − ".join(f"`{m}`" for m in t.minus)
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
            "periods | nodes | prov. | interpretation |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for i in cat.in_catalog(name):
            num = (
                _terms(i.numerator)
                if i.kind.value != "growth"
                else f"growth of `{i.base}` ({i.growth_against})"
            )
            scale = f"×{i.factor:g}" + (f" ÷{i.divisor:g}" if i.divisor != 1 else "")
            note = i.interpretation + (f" Requires: {', '.join(i.requires)}." if i.requires else "")
            same = f" (= `{i.same_as}`)" if i.same_as else ""
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
                        ", ".join(lv.value for lv in i.levels),
                        i.provenance.value if i.provenance else "",
                        note.replace("|", "/"),
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
