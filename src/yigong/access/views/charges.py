"""Itemised charges as the API and the cockpit show them: one stay's daily charge list (一日清单;
screen, PDF, XLSX, CSV) and the price-adjustment simulation of a node, in the user's scope.

A daily list is case-level data: the stay's institution must lie in the scope (else, or for an
unknown stay, 403 ``outside_scope``) and every read is written to the audit log. The simulation is computed by
`yigong.services.charges` per node, year and data version (`AccessState.memo`); its
institution rows are those in scope. Money is text with two decimals (exact).
"""

from __future__ import annotations

from typing import Any

from yigong.access.principal import Principal
from yigong.access.views.drugs import node_name
from yigong.schema.codes_drugs import COST_CATEGORY
from yigong.services import charges as svc
from yigong.services import hierarchy

__all__ = ["daily_list", "daily_list_file", "price_simulation", "stays"]

STAY_LIMIT = 30


def _in_scope(p: Principal, institution: str) -> bool:
    return p.scope.covers_everything or institution in p.scope.institutions


def _stay(p: Principal, discharge_id: str) -> Any:
    def run() -> Any:
        with p.state.tables() as wh:
            try:
                return svc.stay_daily_list(wh, discharge_id)
            except svc.StayNotFound as exc:
                return exc

    got = p.state.memo(("charges.daily", discharge_id), run)
    # an unknown stay is refused like one outside the scope (no probing of ids)
    if isinstance(got, svc.StayNotFound) or not _in_scope(p, got.header.institution_id):
        raise p.refuse("the stay asked for")
    return got


def daily_list(p: Principal, discharge_id: str) -> dict[str, Any]:
    """One stay's charges day by day with the running total, by cost category, and whether
    the total matches the front page and the settlement (the patient-facing total)."""
    dl = _stay(p, discharge_id)
    data = svc.daily_list_data(dl)
    data["stay"]["institution"] = p.scope.names.get(
        dl.header.institution_id, data["stay"]["institution"]
    )
    data["categories"] = {k: {"zh": v[0], "en": v[1]} for k, v in COST_CATEGORY.items()}
    p.audit_read("charges.daily_list", dl.lines, discharge_id=discharge_id)
    return p.redact(data)  # type: ignore[no-any-return]


def daily_list_file(p: Principal, discharge_id: str, fmt: str, lang: str) -> bytes:
    """The daily list as a PDF (for printing) or an XLSX/CSV file, in `lang`."""
    dl = _stay(p, discharge_id)
    p.audit_read(f"charges.daily_list.{fmt}", dl.lines, discharge_id=discharge_id)
    return svc.daily_list_export(dl, fmt, lang)


def stays(p: Principal, node: str, year: int) -> list[dict[str, Any]]:
    """The last itemised stays of the node's institutions in scope (the daily-list picker):
    id, institution name, department, dates and the front-page total."""
    n = p.node(node)

    def run() -> list[dict[str, Any]]:
        with p.state.tables() as wh:
            members = sorted(hierarchy.members(wh, n) & p.scope.institutions) or [""]
            d = wh.table("discharges")
            c = wh.table("charge_items")
            itemised = (
                c.filter(c.setting == "inpatient").select(discharge_id=c.encounter_id).distinct()
            )
            d = d.filter(d.institution_id.isin(members) & (d.discharge_date.year() == year))
            d = d.semi_join(itemised, "discharge_id")
            d = d.order_by([d.discharge_date.desc(), d.discharge_id]).limit(STAY_LIMIT)
            rows = d.select("discharge_id", "institution_id", "department", "admission_date",
                            "discharge_date", "total_cost").to_pyarrow().to_pylist()  # fmt: skip
        return [
            dict(r, admission_date=r["admission_date"].isoformat(),
                 discharge_date=r["discharge_date"].isoformat(), total_cost=str(r["total_cost"]),
                 institution=p.scope.names.get(r["institution_id"], ""))
            for r in rows
        ]  # fmt: skip

    return p.state.memo(("charges.stays", str(n), year, p.user.nodes), run)  # type: ignore[no-any-return]


def price_simulation(p: Principal, node: str, year: int, force: bool = False) -> dict[str, Any]:
    """The trigger indicators of a price adjustment and (when they start one, or `force`) the
    revenue-neutral adjustment with its effect on each institution in scope, the fund and
    patients."""
    n = p.node(node)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return svc.price_simulation(wh, str(n), year, force=force)

    got = dict(p.state.memo(("charges.price_sim", str(n), year, force), run))
    if got.get("institutions"):
        got["institutions"] = [
            dict(r, institution=p.scope.names.get(r["institution_id"], r["institution"]))
            for r in got["institutions"]
            if _in_scope(p, r["institution_id"])
        ]
    got["node"], got["node_name"] = str(n), node_name(p, n)
    got["categories"] = {k: {"zh": v[0], "en": v[1]} for k, v in COST_CATEGORY.items()}
    return p.redact(got)  # type: ignore[no-any-return]
