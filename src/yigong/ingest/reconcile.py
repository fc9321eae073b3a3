"""The reconciliation rule of itemised charges: a stay's items add up to its front page.

Every inpatient stay's charge lines, summed by front-page cost category (`cost_category`),
must equal the eleven cost columns of its front page (`discharges.cost_*`, empty = 0) and
their sum its `total_cost`; a visit's lines must add up to the visit's `total_cost`, its drug
lines (西药, 中成药, 中草药) to `cost_drugs` and its consumable lines to `cost_consumables`
(a visit's other columns do not map one to one onto the front-page categories). A stay or visit
that does not reconcile, or whose encounter is not in the warehouse, has **every** line
rejected with rule ``reconciliation`` and a reason naming the categories and both totals: a
partial item list would otherwise be read as the whole stay (the daily list, the screening
rules and the price simulation read only reconciled encounters).

A file therefore carries the complete item list of each encounter in it (an extract of the
month's discharges and visits). The rule needs every row of the file at once, so it runs with
the duplicate-key rule over the checked rows of the whole file (`load.py`), as Ibis
expressions against the warehouse's front pages and visits: the same on every backend.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from yigong.schema.codes_drugs import COST_CATEGORY
from yigong.schema.tables import DISCHARGE_COST_COLUMNS
from yigong.warehouse import Tables

__all__ = ["RECONCILE_RULES", "reconcile_errors"]

ROW = "_yg_row"  # the file row column of the checked rows (as `check.ROW`)
_CATS = tuple(COST_CATEGORY)
_DRUG_CATS = ("western_drugs", "patent_drugs", "herbal_drugs")
assert tuple(f"cost_{c}" for c in _CATS) == DISCHARGE_COST_COLUMNS


def _zero(x: ir.NumericValue) -> ir.NumericValue:
    return x.fill_null(0)


def _mismatch(label: str, items: ir.NumericValue, page: ir.NumericValue) -> ir.StringValue:
    """The text naming one category whose items and record differ (NULL when equal)."""
    a, b = _zero(items), _zero(page)
    text = ibis.literal(label + " ") + a.cast(str) + " ≠ " + b.cast(str)
    return ibis.ifelse(a != b, text, ibis.null(str))


def _lines(checked: ir.Table, setting: str) -> ir.Table:
    c = checked.filter((checked.setting == setting) & checked.encounter_id.notnull())
    return c.select(ROW, enc=c.encounter_id, cat=c.cost_category, amount=_zero(c.amount))


def _rejected(lines: ir.Table, bad: ir.Table, what: str, record: str) -> ir.Table:
    j = lines.join(bad, lines.enc == bad.bad_enc)
    return j.select(
        ROW,
        field=ibis.literal("encounter_id"),
        value=j.enc,
        reason=ibis.literal(f"reconciliation: {what} ")
        + j.enc
        + f" does not add up to its {record}: "
        + j.why,
    )


def _inpatient(checked: ir.Table, wh: Tables) -> ir.Table:
    lines = _lines(checked, "inpatient")
    st = lines.group_by("enc").aggregate(
        total=lines.amount.sum(), **{c: lines.amount.sum(where=lines.cat == c) for c in _CATS}
    )
    d = wh.table("discharges").select("discharge_id", "total_cost", *DISCHARGE_COST_COLUMNS)
    j = st.left_join(d, st.enc == d.discharge_id)
    differs = d_missing = j.discharge_id.isnull()
    for c in _CATS:
        differs = differs | (_zero(j[c]) != _zero(j[f"cost_{c}"]))
    differs = differs | (_zero(j.total) != _zero(j.total_cost))
    parts = [_mismatch(COST_CATEGORY[c][0], j[c], j[f"cost_{c}"]) for c in _CATS]
    parts.append(_mismatch("总费用", j.total, j.total_cost))
    why = ibis.ifelse(
        d_missing,
        ibis.literal("no front page (discharges) for this stay"),
        ibis.literal("; ").join(parts),
    )
    bad = j.filter(differs).select(bad_enc=j.enc, why=why)
    return _rejected(lines, bad, "stay", "front page")


def _outpatient(checked: ir.Table, wh: Tables) -> ir.Table:
    lines = _lines(checked, "outpatient")
    st = lines.group_by("enc").aggregate(
        total=lines.amount.sum(),
        drugs=lines.amount.sum(where=lines.cat.isin(_DRUG_CATS)),
        consumables=lines.amount.sum(where=lines.cat == "consumables"),
    )
    v = wh.table("outpatient_visits").select(
        "visit_id", "total_cost", "cost_drugs", "cost_consumables"
    )
    j = st.left_join(v, st.enc == v.visit_id)
    missing = j.visit_id.isnull()
    pairs = (
        ("总费用", j.total, j.total_cost),
        ("药品费", j.drugs, j.cost_drugs),
        ("卫生材料费", j.consumables, j.cost_consumables),
    )
    differs = missing
    for _, a, b in pairs:
        differs = differs | (_zero(a) != _zero(b))
    why = ibis.ifelse(
        missing,
        ibis.literal("no visit (outpatient_visits) for this encounter"),
        ibis.literal("; ").join([_mismatch(label, a, b) for label, a, b in pairs]),
    )
    bad = j.filter(differs).select(bad_enc=j.enc, why=why)
    return _rejected(lines, bad, "visit", "visit record")


def _charge_items(checked: ir.Table, wh: Tables) -> ir.Table:
    return _inpatient(checked, wh).union(_outpatient(checked, wh))


#: table → its reconciliation errors over the whole file's checked rows (`ROW`, field, value,
#: reason), for the tables that must agree with others.
RECONCILE_RULES: dict[str, Callable[[ir.Table, Tables], ir.Table]] = {"charge_items": _charge_items}


def reconcile_errors(name: str, checked: ir.Table, wh: Tables) -> ir.Table | None:
    """The reconciliation errors of table `name`'s checked rows (None for most tables)."""
    rule = RECONCILE_RULES.get(name)
    return rule(checked, wh) if rule else None
