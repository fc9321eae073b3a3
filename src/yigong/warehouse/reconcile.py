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
the other whole-file rules (`cross_row_error_queries(duplicate_keys=True)`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yigong.schema.codes_drugs import COST_CATEGORY
from yigong.schema.tables import DISCHARGE_COST_COLUMNS

__all__ = ["RECONCILE_RULES", "reconcile_queries"]

_CATS = tuple(COST_CATEGORY)
_DRUG_CATS = ("western_drugs", "patent_drugs", "herbal_drugs")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _mismatch(label: str, items: str, page: str) -> str:
    """SQL text naming one category whose items and front page differ (NULL when equal)."""
    return (
        f"CASE WHEN coalesce({items}, 0) <> coalesce({page}, 0) THEN {_lit(label + ' ')} || "
        f"CAST(coalesce({items}, 0) AS VARCHAR) || ' ≠ ' || CAST(coalesce({page}, 0) AS VARCHAR) "
        "END"
    )


def _charge_items(plan: Any) -> list[str]:
    cols = {n: plan.by_name(n) for n in ("setting", "encounter_id", "cost_category", "amount")}
    if any(c.source is None for c in cols.values()):
        return []  # a missing required column is reported by its own rule
    enc, setting = cols["encounter_id"].typed, cols["setting"].typed
    cat, amount = cols["cost_category"].typed, cols["amount"].typed
    sums = ", ".join(f"sum({amount}) FILTER (WHERE {cat} = {_lit(c)}) AS {c}" for c in _CATS)
    assert tuple(f"cost_{c}" for c in _CATS) == DISCHARGE_COST_COLUMNS
    page_why = ", ".join(_mismatch(COST_CATEGORY[c][0], f"st.{c}", f"d.cost_{c}") for c in _CATS)
    inpatient = (
        f"WITH st AS (SELECT {enc} AS enc, {sums}, sum({amount}) AS total FROM stg s "
        f"WHERE {setting} = 'inpatient' GROUP BY 1), "
        "bad AS (SELECT st.enc, CASE WHEN d.discharge_id IS NULL THEN "
        "'no front page (discharges) for this stay' ELSE "
        f"concat_ws('; ', {page_why}, {_mismatch('总费用', 'st.total', 'd.total_cost')}) END "
        "AS why FROM st LEFT JOIN discharges d ON d.discharge_id = st.enc "
        "WHERE d.discharge_id IS NULL OR "
        + " OR ".join(f"coalesce(st.{c}, 0) <> coalesce(d.cost_{c}, 0)" for c in _CATS)
        + " OR coalesce(st.total, 0) <> coalesce(d.total_cost, 0)) "
        f"SELECT s.rowid, 'encounter_id', bad.enc, 'reconciliation: stay ' || bad.enc || "
        f"' does not add up to its front page: ' || bad.why FROM stg s "
        f"JOIN bad ON bad.enc = {enc} WHERE {setting} = 'inpatient'"
    )
    drugs = " OR ".join(f"{cat} = {_lit(c)}" for c in _DRUG_CATS)
    visit_why = ", ".join(
        (
            _mismatch("总费用", "st.total", "v.total_cost"),
            _mismatch("药品费", "st.drugs", "v.cost_drugs"),
            _mismatch("卫生材料费", "st.consumables", "v.cost_consumables"),
        )
    )
    outpatient = (
        f"WITH st AS (SELECT {enc} AS enc, sum({amount}) AS total, "
        f"sum({amount}) FILTER (WHERE {drugs}) AS drugs, "
        f"sum({amount}) FILTER (WHERE {cat} = 'consumables') AS consumables FROM stg s "
        f"WHERE {setting} = 'outpatient' GROUP BY 1), "
        "bad AS (SELECT st.enc, CASE WHEN v.visit_id IS NULL THEN "
        f"'no visit (outpatient_visits) for this encounter' ELSE concat_ws('; ', {visit_why}) "
        "END AS why FROM st LEFT JOIN outpatient_visits v ON v.visit_id = st.enc "
        "WHERE v.visit_id IS NULL OR coalesce(st.total, 0) <> coalesce(v.total_cost, 0) "
        "OR coalesce(st.drugs, 0) <> coalesce(v.cost_drugs, 0) "
        "OR coalesce(st.consumables, 0) <> coalesce(v.cost_consumables, 0)) "
        f"SELECT s.rowid, 'encounter_id', bad.enc, 'reconciliation: visit ' || bad.enc || "
        f"' does not add up to the visit record: ' || bad.why FROM stg s "
        f"JOIN bad ON bad.enc = {enc} WHERE {setting} = 'outpatient'"
    )
    return [inpatient, outpatient]


#: table → the reconciliation queries of a staged file (each yields _rowid, field, value,
#: reason), for the tables that must agree with others.
RECONCILE_RULES: dict[str, Callable[[Any], list[str]]] = {"charge_items": _charge_items}


def reconcile_queries(plan: Any) -> list[str]:
    """The reconciliation queries of the plan's table (none for most tables)."""
    rule = RECONCILE_RULES.get(plan.table.name)
    # each query is a subquery: the caller joins them with UNION ALL
    return [f"SELECT * FROM ({q})" for q in rule(plan)] if rule else []
