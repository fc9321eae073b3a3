"""Reference tables for case mix: DRG weights, reference means and low-risk DRGs of a
population wider than the one assessed, so that a county's CMI is not ~1 by construction.

A reference has one row per DRG: ``weight`` (相对权重), optionally the reference mean cost and
length of stay (for the cost and time consumption indices) and whether the DRG is low-risk
(低风险组). It is either

* a published table (CSV with ``drg,weight`` and optionally ``mean_cost``, ``mean_los``,
  ``low_risk``), or
* computed on a wider population's grouped discharges (a city's or province's warehouse) by
  `reference_from_grouped`: weights by `weights_from_data` (IQR×3 trimming within each DRG)
  and low-risk DRGs by the national method (`Scale.LOG`: over the DRGs with deaths,
  ln(mortality) below the mean − 1 SD).

`reference_case_facts` applies a reference to the grouped discharges of a node: weight, cost
and time ratios to the reference means, and the low-risk flag, per discharge.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from yigong.casemix.metrics.lowrisk import Scale, low_risk_groups
from yigong.casemix.metrics.weights import WEIGHT_TYPE, Trim, WeightTableError, weights_from_data

__all__ = [
    "REFERENCE_COLUMNS",
    "read_reference",
    "reference_case_facts",
    "reference_from_grouped",
    "write_reference",
]

#: columns of a reference table file, in order (only drg and weight are required).
REFERENCE_COLUMNS = ("drg", "weight", "mean_cost", "mean_los", "low_risk", "cases", "deaths")

_SCHEMA = pa.schema(
    [
        ("drg", pa.string()),
        ("weight", pa.decimal128(12, 4)),
        ("ref_mean_cost", pa.float64()),
        ("ref_mean_los", pa.float64()),
        ("low_risk", pa.bool_()),
    ]
)


def reference_from_grouped(
    grouped: ibis.Table, trim: Trim = Trim.IQR3, min_cases: int = 1, scale: Scale = Scale.LOG
) -> ibis.Table:
    """A reference computed on grouped discharges of a (wider) population: per DRG the weight,
    mean cost and length of stay of all its grouped cases, cases, deaths and the low-risk flag."""
    g = grouped.filter(grouped.status == "grouped")
    w = weights_from_data(grouped, trim, min_cases).select("drg", "weight")
    means = g.group_by("drg").aggregate(
        mean_cost=g.total_cost.cast("float64").mean(),
        mean_los=g.length_of_stay.cast("float64").mean(),
    )
    lr = low_risk_groups(grouped, min_cases, scale).select("drg", "cases", "deaths", "low_risk")
    out = w.join(means, "drg").join(lr, "drg")
    return out.select(
        "drg",
        "weight",
        mean_cost=out.mean_cost.round(2),
        mean_los=out.mean_los.round(4),
        low_risk=out.low_risk,
        cases=out.cases,
        deaths=out.deaths,
    ).order_by("drg")


def write_reference(table: pa.Table, path: Path, header: list[str]) -> Path:
    """Write a reference table as CSV, after ``#`` comment lines saying where it comes from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(REFERENCE_COLUMNS)
        for r in table.to_pylist():
            w.writerow(
                [
                    r["drg"],
                    r["weight"],
                    "" if r.get("mean_cost") is None else f"{r['mean_cost']:.2f}",
                    "" if r.get("mean_los") is None else f"{r['mean_los']:.4f}",
                    int(bool(r.get("low_risk"))),
                    r.get("cases", ""),
                    r.get("deaths", ""),
                ]
            )
    return path


def _decimal(raw: str) -> Decimal | None:
    try:
        v = Decimal(raw)
    except InvalidOperation:
        return None
    return v if v.is_finite() and v > 0 else None


def read_reference(path: Path | str) -> tuple[ibis.Table, list[str]]:
    """Load a reference table file: the table (drg, weight, ref_mean_cost, ref_mean_los,
    low_risk) and its ``#`` header lines (the provenance). Bad rows are refused with their
    file, row and field."""
    path = Path(path)
    header: list[str] = []
    with path.open(encoding="utf-8-sig") as fh:
        lines = fh.read().splitlines()
    while lines and lines[0].startswith("#"):
        header.append(lines.pop(0).lstrip("# ").rstrip())
    reader = csv.DictReader(lines)
    if not reader.fieldnames or not {"drg", "weight"} <= set(reader.fieldnames):
        raise WeightTableError(f"{path.name}: header must contain drg,weight")
    cols: dict[str, list[Any]] = {name: [] for name in _SCHEMA.names}
    problems, seen = [], set()
    for row_no, rec in enumerate(reader, start=1):
        drg = (rec.get("drg") or "").strip()
        weight = _decimal((rec.get("weight") or "").strip())
        if not drg or drg in seen:
            problems.append(f"{path.name}: row {row_no}, field drg: empty or repeated {drg!r}")
            continue
        if weight is None:
            problems.append(f"{path.name}: row {row_no}, field weight: not a positive decimal")
            continue
        seen.add(drg)
        cost, los = _decimal(rec.get("mean_cost") or ""), _decimal(rec.get("mean_los") or "")
        cols["drg"].append(drg)
        cols["weight"].append(weight.quantize(Decimal("0.0001")))
        cols["ref_mean_cost"].append(None if cost is None else float(cost))
        cols["ref_mean_los"].append(None if los is None else float(los))
        cols["low_risk"].append((rec.get("low_risk") or "0").strip() in ("1", "true", "True"))
    if problems:
        raise WeightTableError("\n".join(problems))
    return ibis.memtable(pa.table(cols, schema=_SCHEMA)), header


def as_reference(table: ibis.Table) -> ibis.Table:
    """A computed reference (`reference_from_grouped`) in the shape `read_reference` gives."""
    return table.select(
        "drg",
        weight=table.weight.cast(WEIGHT_TYPE),
        ref_mean_cost=table.mean_cost.cast(dt.float64),
        ref_mean_los=table.mean_los.cast(dt.float64),
        low_risk=table.low_risk,
    )


def reference_case_facts(grouped: ibis.Table, reference: ibis.Table) -> ibis.Table:
    """Per grouped discharge: the reference weight, cost and time ratios to the reference
    means (null when the reference has no mean for the DRG), and the reference's low-risk
    flag. Discharges of DRGs missing from the reference have no weight (``weighted`` false)."""
    g = grouped.filter(grouped.status == "grouped")
    g = g.mutate(cost=g.total_cost.cast("float64"), los=g.length_of_stay.cast("float64"))
    ref = reference.select(
        ref_drg=reference.drg,
        weight=reference.weight,
        ref_mean_cost=reference.ref_mean_cost,
        ref_mean_los=reference.ref_mean_los,
        ref_low_risk=reference.low_risk,
    )
    j = g.left_join(ref, g.drg == ref.ref_drg).drop("ref_drg")
    in_low_risk = j.ref_low_risk.fill_null(False)
    return j.mutate(
        weighted=j.weight.notnull(),
        cost_ratio=ibis.ifelse(j.ref_mean_cost > 0, j.cost / j.ref_mean_cost, ibis.null("float64")),
        los_ratio=ibis.ifelse(j.ref_mean_los > 0, j.los / j.ref_mean_los, ibis.null("float64")),
        in_low_risk=in_low_risk,
        low_risk_death=in_low_risk & j.died,
    ).drop("ref_low_risk")
