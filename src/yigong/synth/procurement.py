"""The community catalogue and its procurement, from what the itemised year used.

Assumptions (docs/synthetic-data.md):

- the drug and consumable master is `synth/data/drug_catalogue.csv` with the WHO DDDs; the
  national code column stays empty (the national list could not be shipped);
- the community formulary lists every item for every member, available where the member's tier
  may use it (village clinics the basic list, township centres more, county hospitals all);
- purchases follow use: each county hospital and township centre orders every month what it
  used (× 1.00–1.08), the lead hospital also what it distributes to its members; a township
  centre buys 15 % of its use itself and receives 85 % from the lead hospital's distribution
  centre (unified distribution), a village clinic receives everything from it;
- 92 % of a hospital's order lines and 85 % of a township centre's go through the provincial
  platform, less 0–15 points for each institution; 2 % of lines are delivered short (90 %);
- VBP agreements for the contract year (the calendar year): every county hospital and
  township centre that used a VBP item; agreed volume = its yearly use × 0.75–1.15, so most
  institutions complete it and some do not;
- the service price catalogue is `synth/data/service_items.csv`, valid from 2020-01-01.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, money, padded
from yigong.synth.catalogue import Catalogue, who_ddd
from yigong.synth.charges import Lines
from yigong.synth.context import CountyContext

LEAD_SHARE_TO_CENTRES = 0.85
PLATFORM_SHARE = {2: 0.92, 1: 0.85}
PLATFORM_SHARE_SPREAD = 0.15
FORMULARY_FROM = "2020-01-01"


def drug_master_table(cat: Catalogue) -> pa.Table:
    rows = cat.rows
    ddd = who_ddd()

    def flag(name: str) -> pa.Array:
        return pa.array([r[name] == "1" for r in rows])

    def text(name: str) -> pa.Array:
        return pa.array([r[name] or None for r in rows], pa.string())

    def num(name: str) -> pa.Array:
        return pa.array([float(r[name]) if r[name] else None for r in rows], pa.float64())

    dd = [ddd.get((r["atc_code"], r["route"])) if r["antimicrobial"] == "1" else None for r in rows]
    return pa.table(
        {
            "item_code": text("item_code"),
            "nhsa_code": pa.nulls(len(rows), pa.string()),
            "item_kind": text("item_kind"),
            "generic_name": text("generic_name"),
            "atc_code": text("atc_code"),
            "dosage_form": text("dosage_form"),
            "specification": text("specification"),
            "unit": text("unit"),
            "route": text("route"),
            "strength": num("strength"),
            "ddd": pa.array([d[0] if d else None for d in dd], pa.float64()),
            "ddd_unit": pa.array([d[1] if d else None for d in dd], pa.string()),
            "is_essential": flag("essential"),
            "is_vbp": flag("vbp"),
            "is_antimicrobial": flag("antimicrobial"),
            "antimicrobial_grade": text("grade"),
            "is_key_monitored": flag("key_monitored"),
            "is_high_value": flag("high_value"),
        }
    )


def service_prices_table(cat: Catalogue) -> pa.Table:
    rows = cat.services
    n = len(rows)

    def fen(name: str) -> pa.Array:
        return money(np.array([int(round(float(r[name]) * 100)) for r in rows], np.int64))

    return pa.table(
        {
            "item_code": pa.array([r["item_code"] for r in rows], pa.string()),
            "national_code": pa.nulls(n, pa.string()),
            "name_zh": pa.array([r["name_zh"] for r in rows], pa.string()),
            "cost_category": pa.array([r["cost_category"] for r in rows], pa.string()),
            "unit": pa.array([r["unit"] for r in rows], pa.string()),
            "price_level3": fen("price_level3"),
            "price_level2": fen("price_level2"),
            "price_level1": fen("price_level1"),
            "max_per_day": pa.array(
                [float(r["max_per_day"]) if r["max_per_day"] else None for r in rows], pa.float64()
            ),
            "valid_from": dates(np.full(n, np.datetime64(FORMULARY_FROM))),
            "valid_to": pa.nulls(n, pa.date32()),
        }
    )


def formulary_table(ctx: CountyContext, cat: Catalogue, tier: np.ndarray) -> pa.Table:
    """Every member of every community × every drug and consumable (availability by tier)."""
    goods = np.flatnonzero(cat.charge_kind != "service")
    index = {k: i for i, k in enumerate(ctx.institution_ids())}
    parts = []
    for m in ctx.inst.memberships:
        i = index[str(m["institution_id"])]
        k = len(goods)
        parts.append(
            pa.table(
                {
                    "community_id": pa.array([m["community_id"]] * k, pa.string()),
                    "item_code": pa.array(cat.code[goods], pa.string()),
                    "institution_id": pa.array([m["institution_id"]] * k, pa.string()),
                    "available": pa.array(cat.min_tier[goods] <= tier[i]),
                    "valid_from": dates(np.full(k, np.datetime64(str(m["valid_from"]), "D"))),
                    "valid_to": dates(
                        np.full(k, np.datetime64(str(m["valid_to"] or "1970-01-01"), "D")),
                        np.full(k, m["valid_to"] is not None),
                    ),
                }
            )
        )
    return pa.concat_tables(parts)


def _use(lines: Lines, inst_of_enc: np.ndarray, cat: Catalogue, n_inst: int) -> np.ndarray:
    """Units of each good used per (institution, item, month): shape (n_inst, items, 12)."""
    goods = cat.charge_kind[lines.item] != "service"
    month = lines.day[goods].astype("datetime64[M]").astype(np.int64) % 12
    out = np.zeros((n_inst, cat.size, 12))
    np.add.at(out, (inst_of_enc[lines.enc[goods]], lines.item[goods], month), lines.qty[goods])
    return np.ceil(out)


def procurement_tables(
    ctx: CountyContext,
    cat: Catalogue,
    tier: np.ndarray,
    year: int,
    uses: list[tuple[Lines, np.ndarray]],
) -> dict[str, pa.Table]:
    """VBP agreements, purchase orders and deliveries of the year, from the goods used
    (`uses`: lines and each encounter's institution index)."""
    rng = ctx.rng("procurement", year)
    ids = ctx.institution_ids()
    n_inst = len(ids)
    use = sum(_use(lines, inst, cat, n_inst) for lines, inst in uses)
    lead_of = _lead_of(ctx)
    received = np.zeros_like(use)  # from the distribution centre
    own = use.copy()  # bought by the institution itself
    for i in range(n_inst):
        if tier[i] == 2:
            continue
        share = LEAD_SHARE_TO_CENTRES if tier[i] == 1 else 1.0
        received[i] = np.ceil(use[i] * share)
        own[i] = np.maximum(use[i] - received[i], 0)
        lead = lead_of.get(i)
        if lead is not None:
            own[lead] += received[i]
    orders = _orders(ctx, cat, tier, own, year, rng)
    deliveries = _deliveries(ctx, cat, received, lead_of, year)
    agreements = _agreements(ctx, cat, tier, use, year, rng)
    return {"vbp_agreements": agreements, "purchase_orders": orders, "deliveries": deliveries}


def _lead_of(ctx: CountyContext) -> dict[int, int]:
    """Institution index → index of the lead hospital of its community at the year's end."""
    index = {k: i for i, k in enumerate(ctx.institution_ids())}
    end = f"{max(ctx.years)}-12-31"
    leads = {
        str(m["community_id"]): index[str(m["institution_id"])]
        for m in ctx.inst.memberships
        if m["role"] == "lead"
    }
    out = {}
    for m in ctx.inst.memberships:
        if str(m["valid_from"]) <= end and (m["valid_to"] is None or end <= str(m["valid_to"])):
            out[index[str(m["institution_id"])]] = leads[str(m["community_id"])]
    return out


def _orders(
    ctx: CountyContext,
    cat: Catalogue,
    tier: np.ndarray,
    own: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> pa.Table:
    inst, item, month = np.nonzero(own > 0)
    n = len(inst)
    qty = np.ceil(own[inst, item, month] * rng.uniform(1.0, 1.08, n)).astype(np.int64)
    price = cat.price[item, 2]
    day = (np.datetime64(f"{year}-01") + month.astype("timedelta64[M]")).astype("datetime64[D]")
    day = day + rng.integers(0, 10, n).astype("timedelta64[D]")
    # institutions differ: each one's platform share is its tier's less 0–15 points
    habit = PLATFORM_SHARE_SPREAD * rng.random(len(tier))
    share = np.array([PLATFORM_SHARE.get(int(t), 0.8) for t in tier]) - habit
    platform = rng.random(n) < share[inst]
    short = rng.random(n) < 0.02
    delivered = np.where(short, np.floor(qty * 0.9), qty).astype(np.int64)
    order = np.lexsort((item, inst, day))
    ids = ctx.institution_ids()
    return pa.table(
        {
            "order_line_id": concat(f"CG{ctx.spec.code}-{year}-", padded(np.arange(1, n + 1), 7)),
            "order_date": dates(day[order]),
            "institution_id": pa.array(ids[inst[order]], pa.string()),
            "item_code": pa.array(cat.code[item[order]], pa.string()),
            "supplier_code": pa.array(
                np.array(["PS01", "PS02", "PS03"], dtype=object)[item[order] % 3], pa.string()
            ),
            "quantity": pa.array(qty[order]),
            "unit_price": money(price[order]),
            "amount": money(qty[order] * price[order]),
            "via_platform": pa.array(platform[order]),
            "delivered_quantity": pa.array(delivered[order]),
            "delivered_on": dates(day[order] + rng.integers(1, 6, n).astype("timedelta64[D]")),
        }
    )


def _deliveries(
    ctx: CountyContext, cat: Catalogue, received: np.ndarray, lead_of: dict[int, int], year: int
) -> pa.Table:
    inst, item, month = np.nonzero(received > 0)
    keep = np.array([i in lead_of for i in inst], bool)
    inst, item, month = inst[keep], item[keep], month[keep]
    n = len(inst)
    qty = received[inst, item, month].astype(np.int64)
    price = cat.price[item, 2]
    day = (np.datetime64(f"{year}-01") + month.astype("timedelta64[M]")).astype("datetime64[D]")
    day = day + 14
    ids = ctx.institution_ids()
    lead = np.array([lead_of[i] for i in inst], np.int64)
    return pa.table(
        {
            "delivery_id": concat(f"PS{ctx.spec.code}-{year}-", padded(np.arange(1, n + 1), 8)),
            "delivered_on": dates(day),
            "from_institution_id": pa.array(ids[lead], pa.string()),
            "to_institution_id": pa.array(ids[inst], pa.string()),
            "item_code": pa.array(cat.code[item], pa.string()),
            "quantity": pa.array(qty),
            "amount": money(qty * price),
        }
    )


def _agreements(
    ctx: CountyContext,
    cat: Catalogue,
    tier: np.ndarray,
    use: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> pa.Table:
    vbp = np.array([r["vbp"] == "1" for r in cat.rows] + [False] * len(cat.services))
    yearly = use.sum(axis=2)
    inst, item = np.nonzero((yearly > 0) & vbp[None, :] & (tier[:, None] >= 1))
    n = len(inst)
    agreed = np.maximum(1, np.round(yearly[inst, item] * rng.uniform(0.75, 1.15, n))).astype(
        np.int64
    )
    pre = np.array(
        [int(round(float(r["pre_vbp_price"] or 0) * 100)) for r in cat.rows]
        + [0] * len(cat.services)
    )
    ids = ctx.institution_ids()
    return pa.table(
        {
            "institution_id": pa.array(ids[inst], pa.string()),
            "item_code": pa.array(cat.code[item], pa.string()),
            "contract_year": pa.array(np.full(n, year)),
            "batch": pa.array(["国家组织集采（合成）"] * n, pa.string()),
            "period_start": dates(np.full(n, np.datetime64(f"{year}-01-01"))),
            "period_end": dates(np.full(n, np.datetime64(f"{year}-12-31"))),
            "agreed_quantity": pa.array(agreed),
            "vbp_price": money(cat.price[item, 2]),
            "pre_vbp_price": money(pre[item]),
        }
    )
