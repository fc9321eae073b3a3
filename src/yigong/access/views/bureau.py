"""The insurance bureau's desk (医保局工作台) as the API and the cockpit show it: the fund of the
county (coverage, fund running, time-elapsed progress), its designated providers with their
agreements and annual assessment, and what each payment method pays each institution.

**Scope.** The fund is the county's: only a user whose scope covers the whole county sees it
(403 ``outside_scope`` otherwise). Providers and payments are rows of institutions: a user who
covers the county sees every row (pharmacies too); anyone else sees the rows of the
institutions of their scope located in the county (possibly none), and is refused when their
scope holds no institution of the county. Every value is redacted to the scope
(`Principal.redact`).

**Computing.** The fund and agreement pages compute from the warehouse (a few queries, cached
per process like the other read pages). The payment-by-method page reads stored runs
(``settings.runs_path / <method>-<county>-<year>/``, what `yigong settle dip|drg|bed-day|
per-head|day-surgery --db` writes) and computes them only on the explicit action
`compute_methods` (``settlement.act``, the insurance bureau, whole county), audited like the
budget run.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from yigong.access.principal import Principal
from yigong.access.views.settlement import visible
from yigong.rulepacks import IssuesError
from yigong.services.bureau_desk import agreements_desk, fund_desk
from yigong.services.payment_methods import settle_method_from_warehouse
from yigong.services.settlement import settle_dip_from_warehouse, settle_drg_from_warehouse
from yigong.warehouse.hierarchy import division_prefix

__all__ = ["METHODS", "agreements", "compute_methods", "fund", "methods"]

#: method → (the run's per-institution file, its institution column, its paid column, cases)
METHODS: dict[str, tuple[str, str, str, str]] = {
    "drg": ("drg_hospitals.csv", "institution_id", "payment", "cases"),
    "dip": ("dip_hospitals.csv", "institution_id", "settlement", "cases"),
    "per_bed_day": ("institutions.csv", "institution_id", "payment", "cases"),
    "per_head": ("institutions.csv", "institution_id", "payment", "units"),
    "day_surgery": ("institutions.csv", "institution_id", "payment", "cases"),
}
_REFUSED = "refused.json"


def _whole(p: Principal, county: str) -> bool:
    whole, _ = p.state.memo(
        ("settlement-visible", p.user.nodes, county), lambda: visible(p, county)
    )
    return bool(whole)


def _own_in_county(p: Principal, county: str) -> frozenset[str]:
    """The user's institutions located in the county (none: the county is outside the scope)."""

    def load() -> frozenset[str]:
        with p.state.tables() as wh:
            t = wh.table("institutions")
            t = t.filter(t.division_code.startswith(division_prefix(county, "county")))
            ids = {str(r) for r in t.institution_id.to_pyarrow().to_pylist()}
        return frozenset(ids & set(p.scope.institutions))

    return p.state.memo(("bureau-own", p.user.nodes, county), load)  # type: ignore[no-any-return]


def _policy(p: Principal) -> str:
    return str(p.state.settings.settlement_policy)


def fund(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Coverage, fund running and progress of the county (whole-county scope only)."""

    if not _whole(p, county):
        raise p.refuse("the whole county (the fund is the county's)")
    policy = _policy(p)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return fund_desk(wh, county, year, policy)

    try:
        data = p.state.memo(("bureau-fund", county, year, policy), run)
    except IssuesError as exc:
        data = {"county": county, "year": year, "error": str(exc)}
    return p.redact(data)  # type: ignore[no-any-return]


def agreements(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Designated providers in scope with their agreement, assessment and overdue claims."""

    whole = _whole(p, county)
    policy = _policy(p)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return agreements_desk(wh, county, year, policy)

    mine = frozenset() if whole else _own_in_county(p, county)
    if not whole and not mine:
        raise p.refuse("an institution of the county")
    data = p.state.memo(("bureau-agreements", county, year, policy), run)
    rows = [r for r in data["providers"] if whole or r.get("institution_id") in mine]
    shown = {r["provider_code"] for r in rows}
    limits = data["time_limits"]
    out = {
        **data,
        "whole_county": whole,
        "providers": rows,
        "time_limits": {**limits, "alerts": [a for a in limits["alerts"] if a["provider_code"] in shown]},
    }  # fmt: skip
    return p.redact(out)  # type: ignore[no-any-return]


def _dir(p: Principal, method: str, county: str, year: int) -> Path:
    return Path(p.state.settings.runs_path) / f"{method}-{county}-{year}"


def _stored(p: Principal, method: str, county: str, year: int) -> dict[str, Any]:
    """One method's stored run: its per-institution rows and record, its refusal, or none."""
    out = _dir(p, method, county, year)
    file, inst, paid, cases = METHODS[method]
    if (out / "run.json").is_file():
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        rows = list(csv.DictReader(io.StringIO((out / file).read_text(encoding="utf-8"))))
        when = datetime.fromtimestamp((out / "run.json").stat().st_mtime, UTC)
        return {
            "status": "ready",
            "error": None,
            "run": {"inputs_sha256": record["inputs_sha256"], "policy": record["policy"],
                    "computed_at": when.isoformat(timespec="seconds")},
            "rows": [{"institution_id": r[inst], "payment": r[paid], "cases": r.get(cases, "")}
                     for r in rows],
        }  # fmt: skip
    if (out / _REFUSED).is_file():
        refused = json.loads((out / _REFUSED).read_text(encoding="utf-8"))
        return {"status": "refused", "error": refused["error"], "run": {"computed_at": refused["at"]},
                "rows": []}  # fmt: skip
    return {"status": "no_run", "error": None, "run": {}, "rows": []}


def _names(p: Principal) -> dict[str, str]:
    def load() -> dict[str, str]:
        with p.state.tables() as wh:
            t = wh.table("institutions").select("institution_id", "name_zh").to_pyarrow()
        return {str(r["institution_id"]): str(r["name_zh"]) for r in t.to_pylist()}

    return p.state.memo(("institution-names",), load)  # type: ignore[no-any-return]


def methods(p: Principal, county: str, year: int) -> dict[str, Any]:
    """What each method's stored run pays each institution in scope (yuan, as strings)."""
    whole = _whole(p, county)
    mine = frozenset() if whole else _own_in_county(p, county)
    if not whole and not mine:
        raise p.refuse("an institution of the county")
    names = _names(p)
    sections = []
    for method in METHODS:
        run = _stored(p, method, county, year)
        rows = [
            {**r, "name": names.get(r["institution_id"], r["institution_id"])}
            for r in run["rows"]
            if whole or r["institution_id"] in mine
        ]
        total = _sum(r["payment"] for r in rows)
        sections.append({"method": method, **run, "rows": rows, "total": total})
    return p.redact({"county": county, "year": year, "whole_county": whole, "methods": sections})  # type: ignore[no-any-return]


def _sum(values: Any) -> str:
    return str(sum((Decimal(v) for v in values), Decimal("0.00")))


def compute_methods(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Compute every method's run of the county-year (the insurance bureau, whole county),
    each method's refusal kept beside it; audited."""

    p.require("act", "settlement")
    if not _whole(p, county):
        raise p.refuse("the whole county (a settlement run covers every institution)")
    policy = _policy(p)
    done: dict[str, str | None] = {}
    for method in METHODS:
        out = _dir(p, method, county, year)
        try:
            with p.state.tables() as wh:
                if method == "dip":
                    settle_dip_from_warehouse(wh, county, year, policy, out, replace=True)
                elif method == "drg":
                    settle_drg_from_warehouse(wh, county, year, policy, out, replace=True)
                else:
                    settle_method_from_warehouse(
                        method, wh, county, year, policy, out, replace=True
                    )
            (out / _REFUSED).unlink(missing_ok=True)
            done[method] = None
        except (IssuesError, FileNotFoundError) as exc:
            out.mkdir(parents=True, exist_ok=True)
            (out / "run.json").unlink(missing_ok=True)
            (out / _REFUSED).write_text(
                json.dumps({"error": str(exc), "at": datetime.now(UTC).isoformat(timespec="seconds"),
                            "by": p.user.username}, ensure_ascii=False),
                encoding="utf-8",
            )  # fmt: skip
            done[method] = str(exc)
    p.audit("settlement.methods.run", {"county": county, "year": year, "policy": policy,
                                       "refused": {k: v for k, v in done.items() if v}})  # fmt: skip
    return {"county": county, "year": year,
            "status": {k: "refused" if v else "ready" for k, v in done.items()}}  # fmt: skip
