"""Itemised-charge use cases: reconciliation, the daily charge list (screen, PDF, CSV, XLSX)
and the price-adjustment simulation.

Warehouse access goes through `services.drugs._warehouse` (one helper for this area); the
arithmetic is `yigong.charges`'s.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis

from yigong.charges.daily_list import (
    ChargeLine,
    DailyList,
    SettlementFigures,
    StayHeader,
    daily_list,
)
from yigong.charges.daily_pdf import LABELS, daily_list_pdf
from yigong.charges.policy import DEFAULT_POLICY, load_policy
from yigong.charges.pricing import ItemRevenue, assess, figures, simulate
from yigong.charges.reconcile import front_page_mismatches, settlement_mismatches
from yigong.schema.codes_drugs import COST_CATEGORY
from yigong.schema.money import Money
from yigong.services.drugs import _money, _names, _node_institutions, _warehouse, procurement

__all__ = [
    "StayNotFound",
    "daily_list_data",
    "daily_list_export",
    "price_simulation",
    "reconciliation",
    "stay_daily_list",
]


class StayNotFound(LookupError):
    """No front page (or no itemised lines) for the stay asked for."""


def reconciliation(db: Any, year: int | None = None, limit: int = 50) -> dict[str, Any]:
    """Itemised stays and visits, the encounters quarantined by the reconciliation rule, and
    the stays whose items differ from their front page or settlement (first `limit`)."""
    with _warehouse(db) as wh:
        con = wh
        c = con.table("charge_items")
        if year is not None:
            c = _of_year(con, c, year)
        counts = c.group_by("setting").aggregate(
            lines=c.count(), encounters=c.encounter_id.nunique(), amount=c.amount.sum()
        )
        q = con.table("quarantine")
        q = q.filter((q.table_name == "charge_items") & (q.rule == "reconciliation"))
        quarantined = q.aggregate(lines=q.count(), encounters=q.value.nunique())
        fp = front_page_mismatches(c, con.table("discharges"))
        st = settlement_mismatches(c, con.table("settlements"))
        out = {
            "year": year,
            "by_setting": [_plain(r) for r in counts.to_pyarrow().to_pylist()],
            "quarantined": _plain(quarantined.to_pyarrow().to_pylist()[0]),
            "front_page_mismatches": fp.count().to_pyarrow().as_py(),
            "settlement_mismatches": st.count().to_pyarrow().as_py(),
            "settled_stays_checked": _settled(c, con.table("settlements")),
            "examples": {
                "front_page": [_plain(r) for r in fp.limit(limit).to_pyarrow().to_pylist()],
                "settlement": [_plain(r) for r in st.limit(limit).to_pyarrow().to_pylist()],
            },
        }
    return out


def _of_year(con: Any, c: ibis.Table, year: int) -> ibis.Table:
    """The lines of the stays discharged and the visits made in `year` (whole encounters)."""
    d = con.table("discharges")
    d = d.filter(d.discharge_date.year() == year).select(encounter_id=d.discharge_id)
    v = con.table("outpatient_visits")
    v = v.filter(v.visit_date.year() == year).select(encounter_id=v.visit_id)
    return c.semi_join(ibis.union(d, v), "encounter_id")


def _settled(c: ibis.Table, s: ibis.Table) -> int:
    stays = c.filter(c.setting == "inpatient").select(discharge_id=c.encounter_id).distinct()
    s = s.filter(s.discharge_id.notnull()).select("discharge_id").distinct()
    return int(stays.join(s, "discharge_id").count().to_pyarrow().as_py())


def _plain(r: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}


def stay_daily_list(db: Any, discharge_id: str) -> DailyList:
    """The daily charge list of one stay (raises `StayNotFound`)."""
    with _warehouse(db) as wh:
        con = wh
        d = con.table("discharges")
        head = d.filter(d.discharge_id == discharge_id).to_pyarrow().to_pylist()
        if not head:
            raise StayNotFound(f"no stay {discharge_id!r} in the warehouse")
        h = head[0]
        c = con.table("charge_items")
        rows = (
            c.filter((c.setting == "inpatient") & (c.encounter_id == discharge_id))
            .to_pyarrow()
            .to_pylist()
        )
        if not rows:
            raise StayNotFound(f"stay {discharge_id!r} has no itemised charges in the warehouse")
        s = con.table("settlements")
        settled = s.filter(s.discharge_id == discharge_id).to_pyarrow().to_pylist()
        name = _names(con).get(h["institution_id"], "")
    header = StayHeader(
        h["discharge_id"],
        h["institution_id"],
        name,
        h["patient_key"],
        h["department"],
        h["admission_date"],
        h["discharge_date"],
        int(h["length_of_stay"]),
        _money(h["total_cost"]),
    )
    lines = [
        ChargeLine(
            r["charge_id"],
            r["charge_date"],
            r["item_code"],
            r["item_name"] or r["item_code"],
            r["cost_category"],
            r["charge_kind"],
            Decimal(str(r["quantity"])),
            _money(r["unit_price"]),
            _money(r["amount"]),
            r["department"] or "",
            bool(r["in_operating_room"]),
        )
        for r in rows
    ]
    first = min(settled, key=lambda r: r["settlement_id"]) if settled else None
    figures_ = (
        None
        if first is None
        else SettlementFigures(
            first["settlement_id"],
            _money(first["total_cost"]),
            _money(first["fund_paid"]),
            _money(first["personal_paid"]),
        )
    )
    return daily_list(header, lines, figures_)


def daily_list_data(dl: DailyList) -> dict[str, Any]:
    """The daily list as JSON-ready data (money as exact text)."""
    h = dl.header
    s = dl.settlement
    return {
        "stay": {
            "discharge_id": h.discharge_id,
            "institution_id": h.institution_id,
            "institution": h.institution_name,
            "patient_key": h.patient_key,
            "department": h.department,
            "admission_date": h.admission_date.isoformat(),
            "discharge_date": h.discharge_date.isoformat(),
            "length_of_stay": h.length_of_stay,
        },
        "days": [
            {
                "day": p.day.isoformat(),
                "outside_stay": p.outside_stay,
                "total": str(p.total),
                "running_total": str(p.running_total),
                "lines": [
                    {
                        "charge_id": ln.charge_id,
                        "item_code": ln.item_code,
                        "item_name": ln.item_name,
                        "category": ln.category,
                        "kind": ln.kind,
                        "quantity": float(ln.quantity),
                        "unit_price": str(ln.unit_price),
                        "amount": str(ln.amount),
                        "in_operating_room": ln.in_operating_room,
                    }
                    for ln in p.lines
                ],
            }
            for p in dl.days
        ],
        "by_category": {k: str(v) for k, v in dl.by_category.items()},
        "total": str(dl.total),
        "front_page_total": str(h.front_page_total),
        "matches_front_page": dl.matches_front_page,
        "settlement": None
        if s is None
        else {
            "settlement_id": s.settlement_id,
            "total_cost": str(s.total_cost),
            "fund_paid": str(s.fund_paid),
            "personal_paid": str(s.personal_paid),
        },
        "matches_settlement": dl.matches_settlement,
        "notes": dl.notes,
        "lines": dl.lines,
    }


EXPORT_COLUMNS = ("day", "charge_id", "item_code", "item_name", "category", "quantity",
                  "unit_price", "amount", "in_operating_room")  # fmt: skip


def _export_rows(dl: DailyList, lang: str) -> tuple[list[str], list[list[Any]]]:
    t = LABELS["zh" if lang == "zh" else "en"]
    head = [t["day"], "id", "code", t["item"], t["category"], t["quantity"], t["unit_price"],
            t["amount"], "OR"]  # fmt: skip
    rows = []
    for p in dl.days:
        for ln in p.lines:
            cat = COST_CATEGORY.get(ln.category, (ln.category, ln.category))
            rows.append(
                [p.day.isoformat(), ln.charge_id, ln.item_code, ln.item_name,
                 cat[0 if lang == "zh" else 1], float(ln.quantity), str(ln.unit_price),
                 str(ln.amount), int(ln.in_operating_room)]
            )  # fmt: skip
    rows.append(["", "", "", t["total"], "", "", "", str(dl.total), ""])
    return head, rows


def daily_list_export(dl: DailyList, fmt: str, lang: str = "zh") -> bytes:
    """The daily list as ``pdf``, ``csv`` (UTF-8 with BOM, for spreadsheets) or ``xlsx``."""
    if fmt == "pdf":
        return daily_list_pdf(dl, lang)
    head, rows = _export_rows(dl, lang)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook  # lazy: heavy (openpyxl), .xlsx only

        wb = Workbook()
        ws = wb.active
        ws.title = dl.header.discharge_id[:31]
        ws.append(head)
        for r in rows:
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise ValueError(f"format {fmt!r}: pdf, csv or xlsx")


def _item_revenues(con: Any, inst: ibis.Table, year: int, outpatient_share: Decimal) -> list:
    c = con.table("charge_items")
    c = c.filter(c.charge_date.year() == year).semi_join(inst, "institution_id")
    s = con.table("settlements")
    s = s.filter(s.discharge_id.notnull() & (s.total_cost > 0))
    share = s.group_by(encounter_id=s.discharge_id).aggregate(
        fund_share=(s.fund_paid.sum().cast("float64") / s.total_cost.sum().cast("float64"))
    )
    j = c.left_join(share, "encounter_id").select(c, share.fund_share)
    fs = ibis.ifelse(
        j.setting == "outpatient", float(outpatient_share), j.fund_share.fill_null(0.0)
    )
    j = j.mutate(fund_weighted=j.amount.cast("float64") * fs)
    g = j.group_by(["institution_id", "item_code", "cost_category", "charge_kind"]).aggregate(
        name=j.item_name.max(),
        quantity=j.quantity.sum(),
        amount=j.amount.sum(),
        fund_weighted=j.fund_weighted.sum(),
    )
    rows = g.to_pyarrow().to_pylist()
    out = []
    for r in sorted(rows, key=lambda r: (r["institution_id"], r["item_code"])):
        amount = _money(r["amount"])
        share = (
            Decimal(0)
            if amount.is_zero
            else (Decimal(str(r["fund_weighted"])) / amount.amount).quantize(Decimal("0.000001"))
        )
        out.append(
            ItemRevenue(
                r["institution_id"],
                r["item_code"],
                r["name"] or r["item_code"],
                r["cost_category"],
                r["charge_kind"],
                Decimal(str(round(r["quantity"], 6))),
                amount,
                min(max(share, Decimal(0)), Decimal(1)),
            )
        )
    return out


def price_simulation(
    db: Any,
    node: str,
    year: int,
    *,
    policy: str | Path = DEFAULT_POLICY,
    force: bool = False,
    vbp_savings: Money | None = None,
) -> dict[str, Any]:
    """Triggers, and (when they start an adjustment, or `force`) the simulated adjustment and
    its effects on each institution, the fund and patients, for `node` in `year`."""

    pol = load_policy(policy)
    if vbp_savings is None:
        vbp_savings = Money.of(Decimal(procurement(db, node, year)["totals"]["savings"]))
    with _warehouse(db) as wh:
        con = wh
        inst = _node_institutions(con, node, _year_end(year))
        rows = _item_revenues(con, inst, year, pol.adjustment.outpatient_fund_share)
        names = _names(con)
    figs = figures(rows, vbp_savings, pol.adjustment)
    started, triggers = assess(figs, pol.triggers)
    out: dict[str, Any] = {
        "node": node,
        "year": year,
        "policy": pol.pack,
        "figures": {
            "medical": str(figs.medical),
            "service": str(figs.service),
            "drugs": str(figs.drugs),
            "consumables": str(figs.consumables),
            "vbp_savings": str(figs.vbp_savings),
            "room": str(figs.room),
            "service_share": _f(figs.metric("service_share")),
            "space_share": _f(figs.metric("space_share")),
        },
        "triggers": [
            {
                "metric": t.metric,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "value": _f(t.value),
                "comparator": t.comparator,
                "threshold": float(t.threshold),
                "met": t.met,
                "clause": t.clause,
            }
            for t in triggers
        ],
        "start_when": pol.triggers.start_when,
        "started": started,
        "simulated": False,
    }
    if not (started or force) or not rows:
        return out
    sim = simulate(rows, pol.adjustment, figs.room)
    out.update(
        simulated=True,
        forced=force and not started,
        adjustment={
            "raise_categories": pol.adjustment.raise_categories,
            "lower_categories": pol.adjustment.lower_categories,
            "raise_rate": float(sim.raise_rate),
            "lower_rate": float(sim.lower_rate),
            "room": str(sim.room),
            "raised_revenue": str(sim.raised_revenue),
            "lowered_revenue": str(sim.lowered_revenue),
            "change": str(sim.change),
            "residual": str(sim.residual),
            "fund_change": str(sim.fund_change),
            "patient_change": str(sim.patient_change),
            "clause": pol.adjustment.clause,
        },
        institutions=[
            {
                "institution_id": e.institution_id,
                "institution": names.get(e.institution_id, ""),
                "medical_before": str(e.medical_before),
                "medical_after": str(e.medical_after),
                "service_before": str(e.service_before),
                "service_after": str(e.service_after),
                "share_before": _f(e.share_before),
                "share_after": _f(e.share_after),
                "change": str(e.change),
                "fund_change": str(e.fund_change),
                "patient_change": str(e.patient_change),
            }
            for e in sim.institutions
        ],
    )
    return out


def _f(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


def _year_end(year: int) -> Any:
    return date(year, 12, 31)
