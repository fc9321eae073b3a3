"""The insurance bureau's desk as page data (医保局工作台): what the API and the cockpit show for a
county and year — fund running, agreements and assessment, payment by method. Language-neutral
codes (bands, statuses, methods) that the faces translate; names beside ids; money as exact
text. Each function reads the warehouse once and calls the same services as the CLI, so the
pages, the API and ``yigong fund …`` / ``yigong agreements …`` / ``yigong settle …`` agree.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigong.payment.drg import settle_drg_columns
from yigong.payment.errors import PaymentInputError, PolicyError
from yigong.payment.loader import load_policy
from yigong.payment.method_result import MethodResult
from yigong.services import agreements as agreements_service
from yigong.services import fund as fund_service
from yigong.services.fund import plain_rows
from yigong.services.payment_methods import settle_method
from yigong.services.settlement import run_budget, run_dip
from yigong.services.settlement_data import (
    budget_inputs_from_warehouse,
    dip_inputs_from_warehouse,
    drg_inputs_from_warehouse,
)
from yigong.services.settlement_runs import need_levels, with_tables

if TYPE_CHECKING:
    from yigong.warehouse import Tables

__all__ = ["METHOD_ORDER", "agreements_desk", "fund_desk", "methods_desk"]

#: payment methods in the order the desk shows them
METHOD_ORDER = ("global_budget", "drg", "dip", "per_bed_day", "per_head", "day_surgery")


def fund_desk(
    db: Path | Tables, county: str, year: int, policy: str = "henan-default"
) -> dict[str, Any]:
    """Coverage of the year, the fund of every scheme and year, and where spending stands
    against time elapsed at the last month with data (communities first)."""
    cov = fund_service.coverage_report(db, county, [year], policy)
    run = fund_service.fund_report(db, county, policy)
    prog = fund_service.progress_report(db, county, year, policy)
    last = max((r["month"] for r in prog["rows"]), default=12)
    return {
        "county": county,
        "year": year,
        "coverage": cov,
        "fund": run,
        "progress": {**prog, "month": last,
                     "rows": [r for r in prog["rows"] if r["month"] == last]},
    }  # fmt: skip


def agreements_desk(
    db: Path | Tables,
    county: str,
    year: int,
    policy: str = "henan-default",
    as_of: date | None = None,
) -> dict[str, Any]:
    """Every designated provider with its agreement, its assessment (score, rank, deposit
    returned, elimination) and its overdue claims."""
    registry = agreements_service.provider_registry(db, county, year)
    try:
        results, _, _ = agreements_service.assessment(db, county, year, policy)
        assessed = {r["provider_code"]: r for r in plain_rows(results)}
        note = ""
    except PaymentInputError as exc:
        assessed, note = {}, "; ".join(str(i) for i in exc.issues)
    limits = agreements_service.time_limit_report(db, county, year, as_of, policy)
    overdue: dict[str, int] = {}
    for a in limits["alerts"]:
        overdue[a["provider_code"]] = overdue.get(a["provider_code"], 0) + 1
    rows = []
    for r in registry:
        a = assessed.get(r["provider_code"], {})
        rows.append({**r, "score": a.get("score"), "rank": a.get("rank"), "of": a.get("of"),
                     "eliminated": a.get("eliminated"), "return_share": a.get("return_share"),
                     "returned": a.get("returned"), "kept": a.get("kept"),
                     "items": a.get("items", []), "overdue_claims": overdue.get(r["provider_code"], 0)})  # fmt: skip
    return {"county": county, "year": year, "providers": rows, "note": note,
            "time_limits": {k: v for k, v in limits.items() if k != "rows"}}  # fmt: skip


def methods_desk(
    db: Path | Tables, county: str, year: int, policy: str = "henan-default"
) -> dict[str, Any]:
    """What each institution is paid under each method in the year (the same engines as
    ``yigong settle … --db``, nothing written); a method without data says why."""

    pol = load_policy(policy)
    out: list[dict[str, Any]] = []

    def section(method: str, action: Any) -> None:
        try:
            rows, total, counts = action()
            out.append({"method": method, "rows": rows, "total": total, "counts": counts,
                        "error": ""})  # fmt: skip
        except (PaymentInputError, PolicyError) as exc:
            out.append({"method": method, "rows": [], "total": "0.00", "counts": {},
                        "error": "; ".join(i.message for i in exc.issues)})  # fmt: skip

    def work(t: Tables) -> None:
        def budget() -> tuple[list[dict[str, Any]], str, dict[str, int]]:
            built = budget_inputs_from_warehouse(t, county, year, pol)
            res = run_budget(built.inputs, pol)
            rows = [{"subject": c.community_id, "name": c.name, "cases": None,
                     "payment": str(c.in_county + c.out_of_county_charged),
                     "extra": {"quota": str(c.quota), "surplus": str(c.surplus),
                               "overspend": str(c.overspend)}}
                    for c in res.communities]  # fmt: skip
            total = sum((c.in_county + c.out_of_county_charged).amount for c in res.communities)
            return rows, str(total), {"communities": len(rows)}

        def dip() -> tuple[list[dict[str, Any]], str, dict[str, int]]:
            assert pol.dip is not None
            inputs, _ = dip_inputs_from_warehouse(t, county, year, pol.dip, levels=need_levels(pol))
            _, res = run_dip(inputs, pol)
            rows = [{"subject": h.institution_id, "name": None, "cases": h.cases,
                     "payment": str(h.settlement), "extra": {"points": str(h.points)}}
                    for h in res.hospitals]  # fmt: skip
            return rows, str(sum(h.settlement.amount for h in res.hospitals)), res.counts

        def drg() -> tuple[list[dict[str, Any]], str, dict[str, int]]:
            assert pol.drg is not None
            inputs, _ = drg_inputs_from_warehouse(t, county, year, "chs-drg-1.1",
                                                  levels=need_levels(pol))  # fmt: skip
            res = settle_drg_columns(inputs.cases, pol.drg, year, pol.rounding.rule(),  # type: ignore[arg-type]
                                     check_ids=False)  # fmt: skip
            rows = [{"subject": h.institution_id, "name": None, "cases": h.cases,
                     "payment": str(h.payment), "extra": {"rate": str(res.rate)}}
                    for h in res.hospitals]  # fmt: skip
            return rows, str(res.fund), res.counts

        def simple(method: str) -> Any:
            def run() -> tuple[list[dict[str, Any]], str, dict[str, int]]:
                res: MethodResult = settle_method(method, t, county, year, pol)[0]
                rows = [{"subject": i.institution_id, "name": None, "cases": i.cases,
                         "payment": str(i.payment), "extra": {"units": str(i.units)}}
                        for i in res.institutions]  # fmt: skip
                return rows, str(res.total), dict(res.counts)

            return run

        section("global_budget", budget)
        section("drg", drg)
        section("dip", dip)
        for m in ("per_bed_day", "per_head", "day_surgery"):
            section(m, simple(m))

    def names(t: Tables) -> dict[str, str]:
        inst = t.table("institutions").select("institution_id", "name_zh")
        return {str(r["institution_id"]): str(r["name_zh"]) for r in inst.to_pyarrow().to_pylist()}

    with_tables(db, work)
    known = with_tables(db, names)
    for m in out:
        for r in m["rows"]:
            r["name"] = r["name"] or known.get(r["subject"], r["subject"])
    return {"county": county, "year": year, "methods": out}
