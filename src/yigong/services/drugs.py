"""Drug and consumable use cases: procurement (VBP completion, savings, the retained fund and
its split, platform share, unified distribution), drug-use monitoring (the drug-use catalog,
per institution or prescriber) and the check of the drug master's DDDs against the WHO's.

Each function opens the warehouse it is given (a path, or an open warehouse left open),
reads set-based aggregates through Ibis and hands plain values to `yigong.drugs`; the policy
is a pack (`drugs/packs/procurement-2024`) and the 60–70 % split the payment policy's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import ibis

from yigong.drugs.policy import DEFAULT_POLICY, ProcurementPolicy, load_policy
from yigong.drugs.procurement import (
    PurchaseTotals,
    VbpLine,
    distribution_shares,
    platform_shares,
    retained_funds,
    vbp_results,
)
from yigong.indicators.applicability import indicator_node, residents
from yigong.indicators.periods import parse_period
from yigong.payment.loader import load_policy as load_payment
from yigong.schema.money import Money
from yigong.services.indicators import catalog, compute
from yigong.services.warehouse import opened
from yigong.warehouse.hierarchy import parse_node, resolve

__all__ = [
    "check_master",
    "drug_use",
    "procurement",
    "who_ddd",
]

DEFAULT_PAYMENT_POLICY = "henan-default"


@contextmanager
def _warehouse(db: Any) -> Iterator[Any]:
    """The warehouse at ``db`` opened read-only (and closed here), or ``db`` itself when it is
    already open (`services.warehouse.opened`)."""
    with opened(db, read_only=True) as wh:
        yield wh


def _money(v: Any) -> Money:
    return Money.of(Decimal(str(v if v is not None else 0)))


def _names(con: Any) -> dict[str, str]:
    t = con.table("institutions").select("institution_id", "name_zh").to_pyarrow().to_pylist()
    return {r["institution_id"]: r["name_zh"] for r in t}


def _node_institutions(con: Any, node: str, as_of: date) -> ibis.Table:
    return resolve(con, parse_node(node), as_of).institutions


def _split_rule(payment_policy: str) -> Any:
    p = load_payment(payment_policy)
    if p.distribution is None:
        raise ValueError(f"payment policy {payment_policy} has no distribution section")
    return p.distribution.procurement_surplus


def _bought(con: Any, a: ibis.Table) -> ibis.Table:
    """Per agreement: own purchases received + distributions received − sent, in its period."""
    keys = ["institution_id", "item_code", "contract_year"]
    po = con.table("purchase_orders")
    j = a.join(
        po,
        [
            a.institution_id == po.institution_id,
            a.item_code == po.item_code,
            po.order_date.between(a.period_start, a.period_end),
        ],
    )
    own = j.group_by(keys).aggregate(own=j.delivered_quantity.fill_null(j.quantity).sum())
    dv = con.table("deliveries")
    r = a.join(
        dv,
        [
            a.institution_id == dv.to_institution_id,
            a.item_code == dv.item_code,
            dv.delivered_on.between(a.period_start, a.period_end),
        ],
    )
    received = r.group_by(keys).aggregate(received=r.quantity.sum())
    s = a.join(
        dv,
        [
            a.institution_id == dv.from_institution_id,
            a.item_code == dv.item_code,
            dv.delivered_on.between(a.period_start, a.period_end),
        ],
    )
    sent = s.group_by(keys).aggregate(sent=s.quantity.sum())
    out = a.left_join(own, keys).select(a, own.own)
    out = out.left_join(received, keys).select(out, received.received)
    out = out.left_join(sent, keys).select(out, sent.sent)
    return out.mutate(
        bought=out.own.fill_null(0) + out.received.fill_null(0) - out.sent.fill_null(0)
    )


def procurement(
    db: Any,
    node: str,
    year: int,
    *,
    policy: str | Path = DEFAULT_POLICY,
    payment_policy: str = DEFAULT_PAYMENT_POLICY,
) -> dict[str, Any]:
    """VBP completion and savings per agreement, the retained fund per institution with its
    split, the platform share of purchases and unified distribution, for the institutions of
    `node` in contract year `year` (yuan as exact text)."""
    pol: ProcurementPolicy = load_policy(policy)
    split = _split_rule(payment_policy)
    with _warehouse(db) as wh:
        con = wh
        inst = _node_institutions(con, node, date(year, 12, 31))
        names = _names(con)
        a = con.table("vbp_agreements")
        a = a.filter(a.contract_year == year).semi_join(inst, "institution_id")
        dm = con.table("drug_master").select("item_code", "generic_name", "item_kind")
        rows = _bought(con, a).left_join(dm, "item_code").to_pyarrow().to_pylist()
        totals = _purchases(con, inst, year)
        dist = _distribution(con, inst, year)
    lines = [
        VbpLine(
            r["institution_id"],
            r["item_code"],
            r["generic_name"] or r["item_code"],
            int(r["contract_year"]),
            int(r["agreed_quantity"]),
            int(r["bought"]),
            _money(r["vbp_price"]),
            _money(r["pre_vbp_price"]),
        )
        for r in sorted(rows, key=lambda r: (r["institution_id"], r["item_code"]))
    ]
    results = vbp_results(lines, pol.vbp)
    funds = retained_funds(results, pol.vbp, split)
    platform = platform_shares(totals, pol.platform)
    distribution = distribution_shares(dist, pol.distribution)
    retained = Money.sum([f.retained for f in funds])
    return {
        "node": node,
        "year": year,
        "policy": pol.pack,
        "payment_policy": payment_policy,
        "parameters": {
            "fund_share": str(pol.vbp.fund_share),
            "retention_share": str(pol.vbp.retention_share),
            "completion_required": str(pol.vbp.completion_required),
            "staff_share": str(pol.vbp.staff_share),
            "platform_min_share": str(pol.platform.min_share),
            "platform_levels": pol.platform.levels,
        },
        "clauses": {
            "vbp": pol.vbp.clause,
            "split": split.clause,
            "platform": pol.platform.clause,
            "distribution": pol.distribution.clause,
        },
        "totals": {
            "agreements": len(results),
            "completed": sum(1 for r in results if r.completed),
            "savings": str(Money.sum([r.savings for r in results])),
            "fund_savings": str(Money.sum([r.fund_savings for r in results])),
            "retained": str(retained),
            "staff": str(Money.sum([f.staff for f in funds])),
            "development": str(Money.sum([f.development for f in funds])),
        },
        "agreements": [
            {
                "institution_id": r.line.institution_id,
                "institution": names.get(r.line.institution_id, ""),
                "item_code": r.line.item_code,
                "generic_name": r.line.generic_name,
                "agreed": r.line.agreed_quantity,
                "bought": r.line.bought_quantity,
                "completion": None if r.completion is None else float(r.completion),
                "completed": r.completed,
                "vbp_price": str(r.line.vbp_price),
                "pre_vbp_price": str(r.line.pre_vbp_price),
                "spend": str(r.spend),
                "savings": str(r.savings),
                "fund_savings": str(r.fund_savings),
                "retained": str(r.retained),
            }
            for r in results
        ],
        "retained_funds": [
            {
                "institution_id": f.institution_id,
                "institution": names.get(f.institution_id, ""),
                "agreements": f.agreements,
                "completed": f.completed,
                "savings": str(f.savings),
                "fund_savings": str(f.fund_savings),
                "retained": str(f.retained),
                "staff": str(f.staff),
                "development": str(f.development),
                "staff_share": str(f.staff_share),
            }
            for f in funds
        ],
        "platform": [
            {
                "institution_id": s.institution_id,
                "institution": names.get(s.institution_id, ""),
                "total": str(s.total),
                "via_platform": str(s.via_platform),
                "share": None if s.share is None else float(s.share),
                "bound": s.bound,
                "ok": s.ok,
                "target": str(s.target),
            }
            for s in platform
        ],
        "distribution": [
            {
                "institution_id": d.institution_id,
                "institution": names.get(d.institution_id, ""),
                "delivered": str(d.delivered),
                "own_purchases": str(d.own_purchases),
                "share": None if d.share is None else float(d.share),
                "ok": d.ok,
            }
            for d in distribution
        ],
    }


def _drugs_only(con: Any, t: ibis.Table) -> ibis.Table:
    dm = con.table("drug_master")
    dm = dm.filter(dm.item_kind != "consumable").select("item_code")
    return t.semi_join(dm, "item_code")


def _purchases(con: Any, inst: ibis.Table, year: int) -> list[PurchaseTotals]:
    po = con.table("purchase_orders")
    po = po.filter(po.order_date.year() == year).semi_join(inst, "institution_id")
    po = _drugs_only(con, po)
    g = po.group_by("institution_id").aggregate(
        total=po.amount.sum(), via=po.amount.sum(where=po.via_platform).fill_null(0)
    )
    levels = con.table("institutions").select("institution_id", "level")
    rows = g.left_join(levels, "institution_id").select(g, levels.level).to_pyarrow().to_pylist()
    return [
        PurchaseTotals(r["institution_id"], r["level"] or "", _money(r["total"]), _money(r["via"]))
        for r in sorted(rows, key=lambda r: r["institution_id"])
    ]


def _distribution(con: Any, inst: ibis.Table, year: int) -> list[tuple[str, Money, Money]]:
    """Members (not lead hospitals) that received deliveries or bought goods in the year."""
    m = con.table("community_memberships")
    leads = {
        r["institution_id"]
        for r in m.filter(m.role == "lead").select("institution_id").to_pyarrow().to_pylist()
    }
    dv = con.table("deliveries")
    dv = dv.filter(dv.delivered_on.year() == year).semi_join(
        inst, dv.to_institution_id == inst.institution_id
    )
    got = dv.group_by(institution_id=dv.to_institution_id).aggregate(delivered=dv.amount.sum())
    po = con.table("purchase_orders")
    po = po.filter(po.order_date.year() == year).semi_join(inst, "institution_id")
    own = po.group_by("institution_id").aggregate(own=po.amount.sum())
    both = got.outer_join(own, "institution_id").select(
        institution_id=ibis.coalesce(got.institution_id, own.institution_id),
        delivered=got.delivered,
        own=own.own,
    )
    rows = both.to_pyarrow().to_pylist()
    return [
        (r["institution_id"], _money(r["delivered"]), _money(r["own"]))
        for r in sorted(rows, key=lambda r: r["institution_id"])
        if r["institution_id"] not in leads
    ]


def drug_use(
    db: Any,
    node: str,
    period: str,
    *,
    by: str | None = None,
    indicator: str | None = None,
) -> dict[str, Any]:
    """The drug-use catalog for a node and period; with ``by="prescriber"`` the indicator
    (default R03) broken down per prescriber from the same rows."""
    from yigong.indicators.breakdown import breakdown  # lazy: start-up

    with _warehouse(db) as wh:
        ev = compute(wh, node, period, catalog_name="drug-use")
        out: dict[str, Any] = {
            "node": node,
            "node_name": ev.node.name,
            "period": period,
            "results": [_result(r) for r in ev.results],
        }
        if by:
            if by != "prescriber":
                raise ValueError("breakdown by 'prescriber' only")
            cat = catalog()
            ind = cat.indicator(indicator or "R03")
            p = parse_period(period)
            con = wh
            n = indicator_node(con, cat, ind, residents(con, resolve(con, parse_node(node), p.end)))
            b = breakdown(con, cat, ind, n, p)
            out["breakdown"] = {
                "indicator": ind.id,
                "by": by,
                "notes": b.notes,
                "rows": [
                    {
                        "key": r.key,
                        "numerator": None if r.numerator is None else str(r.numerator),
                        "denominator": None if r.denominator is None else str(r.denominator),
                        "value": r.value,
                    }
                    for r in b.rows
                ],
            }
    return out


def _result(r: Any) -> dict[str, Any]:
    t = r.target
    return {
        "indicator": r.indicator,
        "code": r.code,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "status": r.status.value,
        "value": r.value,
        "numerator": None if r.numerator is None else str(r.numerator),
        "denominator": None if r.denominator is None else str(r.denominator),
        "unit": r.unit,
        "decimals": r.decimals,
        "formatted": r.formatted(),
        "direction": r.direction,
        "target": None
        if t is None or t.value is None
        else {"comparator": t.comparator, "value": t.value, "met": t.met, "gap": t.gap},
        "note": r.note,
        "note_zh": r.note_zh,
        "proxy": r.proxy,
        "proxy_zh": r.proxy_zh,
        "clause": r.clause,
    }


@cache
def who_ddd() -> dict[tuple[str, str], tuple[Decimal, str]]:
    """(ATC code, route) → (DDD, unit) of the shipped WHO table (drugs/data/who_ddd.csv)."""
    path = resources.files("yigong.drugs") / "data" / "who_ddd.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            (r["atc_code"], r["route"]): (Decimal(r["ddd"]), r["unit"]) for r in csv.DictReader(fh)
        }


def check_master(db: Any) -> list[dict[str, Any]]:
    """Antimicrobials of the drug master whose DDD is missing or differs from the WHO's for
    their ATC code and route (an empty list: every DDD agrees)."""
    ref = who_ddd()
    with _warehouse(db) as wh:
        t = wh.table("drug_master")
        rows = (
            t.filter(t.is_antimicrobial)
            .select("item_code", "generic_name", "atc_code", "route", "ddd", "ddd_unit")
            .to_pyarrow()
            .to_pylist()
        )
    out = []
    for r in rows:
        want = ref.get((r["atc_code"] or "", r["route"] or ""))
        got = None if r["ddd"] is None else Decimal(str(r["ddd"]))
        if want is None:
            reason = f"no WHO DDD for {r['atc_code']} route {r['route']} in the shipped table"
        elif got is None:
            reason = f"DDD missing; WHO: {want[0]} {want[1]}"
        elif got != want[0] or (r["ddd_unit"] or "") != want[1]:
            reason = f"DDD {got} {r['ddd_unit']}; WHO: {want[0]} {want[1]}"
        else:
            continue
        keep = {k: r[k] for k in ("item_code", "generic_name", "atc_code", "route")}
        out.append({**keep, "reason": reason})
    return out
