"""Item-level screening evaluators: rules that read the itemised charges (费用明细).

Same contract as `evaluators.py` (set-based Ibis, the flag columns plus the numbers that
triggered the flag, ``rows`` as ``table:key``); registered into `EVALUATORS` there. Every rule
flags one encounter (entity ``case``) and lists the charge lines behind the flag.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from yigong.oversight.evaluators import Evaluator, Params, _in, _money, _need
from yigong.oversight.periods import Period
from yigong.warehouse.protocol import Tables

__all__ = ["ITEM_EVALUATORS"]


def _lines(src: Tables, period: Period) -> ir.Table:
    _need(src, "charge_items", hint="ingest charge_items.csv (itemised charges) first")
    c = src.table("charge_items")
    return c.filter(_in(c.charge_date, period))


def _charge_keys(ids: ir.Value) -> ir.Value:
    return ids.map(lambda x: "charge_items:" + x).sort()


# -- 重复收费 (the same item billed twice on one day) --------------------------------------------
class DuplicateChargeParams(Params):
    min_copies: int = Field(ge=2)
    kinds: list[str] = Field(min_length=1)  # charge_kind values judged


def duplicate_charge(src: Tables, p: DuplicateChargeParams, period: Period) -> ir.Table:
    c = _lines(src, period)
    c = c.filter(c.charge_kind.isin(p.kinds))
    keys = ["encounter_id", "institution_id", "item_code", "charge_date", "quantity", "unit_price"]
    g = c.group_by(keys).aggregate(
        copies=c.count(), ids=c.charge_id.collect(), amount=_money(c.amount).max()
    )
    g = g.filter(g.copies >= p.min_copies)
    g = g.group_by(["encounter_id", "institution_id"]).aggregate(
        items=g.count(),
        copies=g.copies.max(),
        extra=(g.amount * (g.copies - 1).cast("float64")).sum(),
        ids=g.ids.collect().flatten(),
        item=g.item_code.min(),
        day=g.charge_date.min(),
    )
    return g.select(
        entity_id=g.encounter_id,
        institution_id=g.institution_id,
        value=g.extra,
        deviation=g.copies.cast("float64"),
        rows=_charge_keys(g.ids),
        items=g.items,
        copies=g.copies,
        extra_amount=g.extra,
        item=g.item,
        day=g.day.cast("string"),
    )


# -- 超标准收费 (a unit price above the catalogue price of the institution's level) ---------------
class AboveCatalogueParams(Params):
    tolerance: float = Field(ge=0)  # yuan per unit still accepted


def price_above_catalogue(src: Tables, p: AboveCatalogueParams, period: Period) -> ir.Table:
    _need(src, "service_prices", "institutions", hint="ingest service_prices.csv first")
    c = _lines(src, period)
    c = c.filter(c.charge_kind == "service")
    inst = src.table("institutions").select("institution_id", inst_level="level")
    sp = src.table("service_prices")
    c = c.join(inst, "institution_id")
    j = c.join(
        sp,
        [
            c.item_code == sp.item_code,
            sp.valid_from <= c.charge_date,
            sp.valid_to.isnull() | (sp.valid_to >= c.charge_date),
        ],
    )
    ceiling = ibis.cases(
        (j.inst_level == "3", j.price_level3),
        (j.inst_level == "2", j.price_level2),
        else_=j.price_level1,
    )
    j = j.mutate(ceiling=_money(ceiling), price=_money(j.unit_price))
    j = j.filter(j.price > j.ceiling + p.tolerance)
    j = j.mutate(excess=(j.price - j.ceiling) * j.quantity)
    g = j.group_by(["encounter_id", "institution_id"]).aggregate(
        lines=j.count(),
        excess=j.excess.sum(),
        ratio=(j.price / j.ceiling).max(),
        ids=j.charge_id.collect(),
        item=j.item_code.argmax(j.excess),
        price=j.price.argmax(j.excess),
        ceiling=j.ceiling.argmax(j.excess),
    )
    return g.select(
        entity_id=g.encounter_id,
        institution_id=g.institution_id,
        value=g.excess,
        deviation=g.ratio,
        rows=_charge_keys(g.ids),
        lines=g.lines,
        excess=g.excess,
        item=g.item,
        price=g.price,
        ceiling=g.ceiling,
    )


# -- 超日限量收费 (more of an item on one day than the day can hold) ------------------------------
class BeyondDayParams(Params):
    multiple: float = Field(ge=1)  # of the catalogue's daily cap


def quantity_beyond_day(src: Tables, p: BeyondDayParams, period: Period) -> ir.Table:
    _need(src, "service_prices", hint="ingest service_prices.csv first")
    c = _lines(src, period)
    sp = src.table("service_prices")
    sp = sp.filter(sp.max_per_day.notnull()).select(
        "item_code", "max_per_day", "valid_from", "valid_to", cap_unit="unit"
    )
    j = c.join(
        sp,
        [
            c.item_code == sp.item_code,
            sp.valid_from <= c.charge_date,
            sp.valid_to.isnull() | (sp.valid_to >= c.charge_date),
        ],
    )
    g = j.group_by(
        ["encounter_id", "institution_id", "item_code", "charge_date", "max_per_day", "cap_unit"]
    ).aggregate(quantity=j.quantity.sum(), ids=j.charge_id.collect(), amount=_money(j.amount).sum())
    g = g.filter(g.quantity > g.max_per_day * p.multiple)
    g = g.mutate(over=g.amount * (1 - g.max_per_day / g.quantity))
    e = g.group_by(["encounter_id", "institution_id"]).aggregate(
        days=g.count(),
        over=g.over.sum(),
        ratio=(g.quantity / g.max_per_day).max(),
        ids=g.ids.collect().flatten(),
        item=g.item_code.argmax(g.quantity / g.max_per_day),
        quantity=g.quantity.argmax(g.quantity / g.max_per_day),
        cap=g.max_per_day.argmax(g.quantity / g.max_per_day),
        unit=g.cap_unit.argmax(g.quantity / g.max_per_day),
    )
    return e.select(
        entity_id=e.encounter_id,
        institution_id=e.institution_id,
        value=e.over,
        deviation=e.ratio,
        rows=_charge_keys(e.ids),
        item=e.item,
        quantity=e.quantity,
        cap=e.cap,
        unit=e.unit,
        days=e.days,
    )


# -- 出院或死亡后仍有收费 (charges after discharge or death) --------------------------------------
class AfterDischargeItemParams(Params):
    grace_days: int = Field(ge=0, le=30)


def charge_after_discharge(src: Tables, p: AfterDischargeItemParams, period: Period) -> ir.Table:
    _need(src, "discharges")
    c = _lines(src, period)
    d = src.table("discharges")
    stays = d.select(
        encounter_id=d.discharge_id,
        end=d.discharge_date,
        died=d.discharge_mode == "5",
    )
    own = c.filter(c.setting == "inpatient").join(stays, "encounter_id")
    own = own.mutate(days_after=own.charge_date.delta(own.end, unit="day"))
    own = own.filter(own.days_after > p.grace_days).select(
        "charge_id", "encounter_id", "institution_id", "amount", "days_after", "died",
        ref=ibis.literal("discharges:") + own.encounter_id,
    )  # fmt: skip
    deaths = (
        d.filter(d.discharge_mode == "5")
        .group_by(patient_key=d.patient_key)
        .aggregate(death=d.discharge_date.min(), death_case=d.discharge_id.argmin(d.discharge_date))
    )
    later = c.join(deaths, "patient_key")
    later = later.mutate(days_after=later.charge_date.delta(later.death, unit="day"))
    later = later.filter(
        (later.days_after > p.grace_days) & (later.encounter_id != later.death_case)
    ).select(
        "charge_id", "encounter_id", "institution_id", "amount", "days_after",
        died=ibis.literal(True), ref=ibis.literal("discharges:") + later.death_case,
    )  # fmt: skip
    u = ibis.union(own, later)
    g = u.group_by(["encounter_id", "institution_id"]).aggregate(
        lines=u.count(),
        amount=_money(u.amount).sum(),
        days_after=u.days_after.max(),
        after_death=u.died.any(),
        ids=u.charge_id.collect(),
        ref=u.ref.min(),
    )
    return g.select(
        entity_id=g.encounter_id,
        institution_id=g.institution_id,
        value=g.amount,
        deviation=g.days_after.cast("float64"),
        rows=_charge_keys(g.ids).concat(ibis.array([g.ref])),
        lines=g.lines,
        amount=g.amount,
        days_after=g.days_after,
        after_death=g.after_death,
    )


# -- 术中加项 (operating-room items far above those of the same operation) -------------------------
class AddOnParams(Params):
    multiple_of_median: float = Field(gt=1)
    min_group_cases: int = Field(ge=2)
    procedure_chars: int = Field(ge=2, le=12)  # leading characters of the principal procedure


def operating_room_add_on(src: Tables, p: AddOnParams, period: Period) -> ir.Table:
    _need(src, "discharges", "charge_items")
    c = src.table("charge_items")
    d = src.table("discharges").filter(lambda t: _in(t.discharge_date, period))
    d = d.filter(d.procedure_codes.length() > 0).select(
        encounter_id=d.discharge_id, operation=d.procedure_codes[0].substr(0, p.procedure_chars)
    )
    o = c.filter(c.in_operating_room & (c.setting == "inpatient"))
    per = o.group_by(["encounter_id", "institution_id"]).aggregate(
        or_amount=_money(o.amount).sum(), ids=o.charge_id.collect()
    )
    s = per.join(d, "encounter_id")
    stats = s.group_by("operation").aggregate(
        group_median=s.or_amount.median(), group_cases=s.count()
    )
    stats = stats.filter(stats.group_cases >= p.min_group_cases)
    j = s.join(stats, "operation")
    j = j.filter(j.or_amount > j.group_median * p.multiple_of_median)
    return j.select(
        entity_id=j.encounter_id,
        institution_id=j.institution_id,
        value=j.or_amount - j.group_median,
        deviation=j.or_amount / j.group_median,
        rows=_charge_keys(j.ids).concat(ibis.array([ibis.literal("discharges:") + j.encounter_id])),
        or_amount=j.or_amount,
        group=j.operation,
        group_median=j.group_median,
        group_cases=j.group_cases,
    )


def _ev(name: str, params: type[Params], build, numbers, en, zh, tables) -> tuple[str, Evaluator]:  # type: ignore[no-untyped-def]
    return name, Evaluator(name, params, build, numbers, en, zh, tables)


ITEM_EVALUATORS: dict[str, Evaluator] = dict(
    [
        _ev(
            "duplicate_charge",
            DuplicateChargeParams,
            duplicate_charge,
            ("items", "copies", "extra_amount", "item", "day"),
            "item {item} billed {copies} times on {day} with the same quantity and price "
            "({items} item(s) duplicated, {extra_amount:,.2f} yuan extra)",
            "{day} 同一项目 {item} 以相同数量和单价收费 {copies} 次（重复 {items} 项，多收 {extra_amount:,.2f} 元）",
            ("charge_items",),
        ),
        _ev(
            "price_above_catalogue",
            AboveCatalogueParams,
            price_above_catalogue,
            ("lines", "excess", "item", "price", "ceiling"),
            "{lines} line(s) above the catalogue price, e.g. {item} at {price:,.2f} yuan for "
            "{ceiling:,.2f}: {excess:,.2f} yuan above",
            "{lines} 条收费高于价格目录，如 {item} 收 {price:,.2f} 元（标准 {ceiling:,.2f} 元），超收 {excess:,.2f} 元",
            ("charge_items", "service_prices", "institutions"),
        ),
        _ev(
            "quantity_beyond_day",
            BeyondDayParams,
            quantity_beyond_day,
            ("item", "quantity", "cap", "unit", "days"),
            "{item}: {quantity:g} on one day, more than a day holds ({cap:g})",  # unit: zh only
            "{item} 单日计费 {quantity:g}{unit}，超过一日可能的最大量 {cap:g}",
            ("charge_items", "service_prices"),
        ),
        _ev(
            "charge_after_discharge",
            AfterDischargeItemParams,
            charge_after_discharge,
            ("lines", "amount", "days_after", "after_death"),
            "{lines} charge line(s), {amount:,.2f} yuan, dated up to {days_after} d after the "
            "discharge or the patient's death",
            "出院或患者死亡后仍有 {lines} 条收费，{amount:,.2f} 元，最晚晚 {days_after} 天",
            ("charge_items", "discharges"),
        ),
        _ev(
            "operating_room_add_on",
            AddOnParams,
            operating_room_add_on,
            ("or_amount", "group", "group_median", "group_cases"),
            "operating-room charges {or_amount:,.2f} yuan, > {multiple_of_median} × the median "
            "{group_median:,.2f} of operation {group} ({group_cases} stays)",
            "手术室内收费 {or_amount:,.2f} 元，超过同类手术（{group}，{group_cases} 例）中位数 "
            "{group_median:,.2f} 元的 {multiple_of_median} 倍",
            ("charge_items", "discharges"),
        ),
    ]
)
