"""Relative weights (相对权重, RW) of DRGs: from the data, or loaded from a weight table.

From data: ``weight(drg) = mean cost of the DRG's cases / mean cost of all cases``, both
means taken after trimming outliers *within each DRG*:

* ``Trim.IQR3`` (default): keep cases whose total cost lies in
  ``[Q1 − 3·IQR, Q3 + 3·IQR]`` of their DRG (Q1, Q3 = 25th/75th percentiles, continuous);
* ``Trim.PCT``: keep cases between the DRG's 2.5th and 97.5th percentiles (inclusive);
* ``Trim.NONE``: keep every case.

Only ``status = 'grouped'`` cases count. DRGs with fewer than ``min_cases`` cases (before
trimming) get no weight. The overall mean is over all kept cases of all DRGs that get a
weight. Weights are rounded to 4 decimals and typed ``decimal(12, 4)`` so payment code can
use them with ``Decimal`` money.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

WEIGHT_TYPE = dt.Decimal(12, 4)


class Trim(StrEnum):
    IQR3 = "iqr3"
    PCT = "pct2.5-97.5"
    NONE = "none"


def _kept(grouped: ibis.Table, trim: Trim) -> ibis.Table:
    t = grouped.filter(grouped.status == "grouped").mutate(cost=grouped.total_cost.cast("float64"))
    if trim is Trim.NONE:
        return t
    if trim is Trim.IQR3:
        q = t.group_by("drg").aggregate(q1=t.cost.quantile(0.25), q3=t.cost.quantile(0.75))
        q = q.mutate(lo=q.q1 - 3 * (q.q3 - q.q1), hi=q.q3 + 3 * (q.q3 - q.q1))
    else:
        q = t.group_by("drg").aggregate(lo=t.cost.quantile(0.025), hi=t.cost.quantile(0.975))
    j = t.join(q, "drg")
    return j.filter((j.cost >= j.lo) & (j.cost <= j.hi)).select(*t.columns)


def weights_from_data(
    grouped: ibis.Table, trim: Trim = Trim.IQR3, min_cases: int = 1
) -> ibis.Table:
    """Per DRG: cases, cases_used (after trimming), mean_cost, overall_mean, weight."""
    base = grouped.filter(grouped.status == "grouped")
    counts = base.group_by("drg").aggregate(cases=base.count())
    eligible = counts.filter(counts.cases >= min_cases)
    kept = _kept(grouped, trim)
    kept = kept.semi_join(eligible, "drg")
    per = kept.group_by("drg").aggregate(cases_used=kept.count(), cost_sum=kept.cost.sum())
    overall = kept.aggregate(overall_mean=kept.cost.mean())
    out = per.join(eligible, "drg").cross_join(overall)
    mean_cost = out.cost_sum / out.cases_used
    return out.select(
        "drg",
        "cases",
        "cases_used",
        mean_cost=mean_cost,
        overall_mean=out.overall_mean,
        weight=(mean_cost / out.overall_mean).round(4).cast(WEIGHT_TYPE),
    ).order_by("drg")


class WeightTableError(ValueError):
    """A weight table file is malformed (names file, row, field and reason)."""


def read_weight_table(path: Path | str) -> ibis.Table:
    """Load a published weight table: CSV with columns ``drg,weight`` (weight > 0, decimal)."""
    path = Path(path)
    drgs: list[str] = []
    weights: list[Decimal] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"drg", "weight"} <= set(reader.fieldnames):
            raise WeightTableError(f"{path.name}: header must contain drg,weight")
        seen: dict[str, int] = {}
        for row_no, rec in enumerate(reader, start=1):
            drg, raw = (rec.get("drg") or "").strip(), (rec.get("weight") or "").strip()
            try:
                w = Decimal(raw)
                ok = w.is_finite() and w > 0
            except InvalidOperation:
                ok = False
            if not drg:
                problems.append(f"{path.name}: row {row_no}, field drg: empty")
            elif drg in seen:
                problems.append(
                    f"{path.name}: row {row_no}, field drg: {drg} repeats row {seen[drg]}"
                )
            if not ok:
                problems.append(
                    f"{path.name}: row {row_no}, field weight: not a positive decimal: {raw!r}"
                )
            if drg and drg not in seen and ok:
                seen[drg] = row_no
                drgs.append(drg)
                weights.append(w.quantize(Decimal("0.0001")))
    if problems:
        raise WeightTableError("\n".join(problems))
    return ibis.memtable(
        pa.table(
            {"drg": pa.array(drgs, pa.string()), "weight": pa.array(weights, pa.decimal128(12, 4))}
        )
    )
