"""Per bed-day, per-head and day-surgery settlement runs from the warehouse (one per action).

``yigong settle bed-day|per-head|day-surgery --db … --county … --year …`` call these. Each run
writes, atomically and reproducibly (:mod:`yigong.services.settlement_runs`): ``ledger.csv``
(explained line by line by ``yigong settle explain``), ``statements.csv`` (institution ×
month, sums of ledger lines), ``institutions.csv``, ``cases.csv`` (one row per stay, or per
institution-month for per head), ``provenance.json`` and ``run.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigong.payment.bed_day import settle_bed_days
from yigong.payment.day_surgery import settle_day_surgery
from yigong.payment.export import csv_bytes, dataclass_csv, json_bytes, ledger_csv
from yigong.payment.loader import load_policy
from yigong.payment.method_result import MethodResult
from yigong.payment.per_head import settle_per_head
from yigong.payment.policy import Policy
from yigong.services.settlement_data.methods import (
    bed_day_stays,
    day_surgery_stays,
    persons_under_contract,
)
from yigong.services.settlement_runs import (
    RunSummary,
    db_source,
    finish_run,
    need_levels,
    need_section,
    provenance_bytes,
    with_tables,
)

if TYPE_CHECKING:
    from yigong.warehouse import Tables

__all__ = [
    "METHODS",
    "method_files",
    "settle_bed_day_from_warehouse",
    "settle_day_surgery_from_warehouse",
    "settle_method",
    "settle_method_from_warehouse",
    "settle_per_head_from_warehouse",
]

#: method → (policy section under ``simple``, CLI command)
METHODS = {
    "per_bed_day": ("per_bed_day", "bed-day"),
    "per_head": ("per_head_outpatient", "per-head"),
    "day_surgery": ("day_surgery", "day-surgery"),
}


def method_files(result: MethodResult) -> dict[str, bytes]:
    """The files of a method run (without ``run.json``)."""
    statements = csv_bytes(
        ["institution_id", "period", "cases", "payment"],
        ([r.institution_id, r.period, r.cases, r.payment] for r in result.statements()),
    )
    return {
        "ledger.csv": ledger_csv(result.ledger.lines),
        "statements.csv": statements,
        "institutions.csv": dataclass_csv(list(result.institutions)),
        "cases.csv": dataclass_csv(list(result.details)),
        "summary.json": json_bytes(
            {"method": result.method, "total": result.total, "counts": dict(result.counts)}
        ),  # fmt: skip
    }


def settle_method(method: str, tables: Tables, county: str, year: int, policy: Policy) -> tuple[MethodResult, Any, list[Any]]:  # fmt: skip

    levels = need_levels(policy)
    simple = policy.simple
    section = None if simple is None else getattr(simple, METHODS[method][0])
    need_section(section, policy, f"simple.{METHODS[method][0]}")
    rounding = policy.rounding.rule()
    if method == "per_bed_day":
        stays, prov = bed_day_stays(tables, county, year, levels)
        return settle_bed_days(stays, section, year, rounding), prov, list(stays)  # type: ignore[arg-type]
    if method == "day_surgery":
        stays2, prov = day_surgery_stays(tables, county, year, levels)
        return settle_day_surgery(stays2, section, year, rounding), prov, list(stays2)  # type: ignore[arg-type]
    scheme = policy.communities.fund_scheme if policy.communities else "resident"
    counts, prov = persons_under_contract(tables, county, year, scheme, levels)
    return settle_per_head(counts, section, year, rounding), prov, list(counts)  # type: ignore[arg-type]


def settle_method_from_warehouse(
    method: str,
    db: Path | Tables,
    county: str,
    year: int,
    policy_name: str,
    out_dir: Path,
    *,
    replace: bool = False,
) -> RunSummary:
    """Settle one county-year by ``method`` (per_bed_day, per_head, day_surgery) and write it."""
    if method not in METHODS:
        raise KeyError(f"unknown payment method {method!r}; known: {', '.join(METHODS)}")
    policy = load_policy(policy_name)
    result, prov, inputs = with_tables(db, lambda t: settle_method(method, t, county, year, policy))
    files = method_files(result)
    files["provenance.json"] = provenance_bytes([prov])
    extra = {"county": county, "year": year, "method": method, "total": str(result.total),
             "counts": dict(result.counts)}  # fmt: skip
    headline = [
        {"institution": i.institution_id, "level": i.level, "cases": str(i.cases),
         "units": str(i.units), "payment": str(i.payment)}
        for i in result.institutions
    ]  # fmt: skip
    parts = {"bundle.yaml": {"county": county, "year": year}, f"{method}.csv": inputs}
    return finish_run(method, files, parts, policy, out_dir, extra, db_source(db), headline, [],
                      replace=replace)  # fmt: skip


def _bound(method: str) -> Callable[..., RunSummary]:
    def run(db: Path | Tables, county: str, year: int, policy_name: str, out_dir: Path, *,
            replace: bool = False) -> RunSummary:  # fmt: skip
        return settle_method_from_warehouse(method, db, county, year, policy_name, out_dir,
                                            replace=replace)  # fmt: skip

    run.__doc__ = f"``yigong settle {METHODS[method][1]} --db``: {method} payment of a county-year."
    return run


settle_bed_day_from_warehouse = _bound("per_bed_day")
settle_per_head_from_warehouse = _bound("per_head")
settle_day_surgery_from_warehouse = _bound("day_surgery")
