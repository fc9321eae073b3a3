"""DIP inputs of a county-year from ``discharges`` and ``settlements`` (按病种分值付费的数据来源).

The rules (also in ``docs/payment.md``, "DIP from the warehouse"):

- **Treatment type** (治疗方式属性) of each stay: the policy's ``dip.treatment_types`` rule
  (engine: :func:`yigong.payment.dip_treatment.treatment_type`), run here inside the database
  on the principal procedure of the front page (``procedure_codes``, first element): no
  procedure → conservative; an operating-room procedure of the rule's grouper pack (local codes
  translated through its ``procedure_map``) → surgical; the rule's diagnostic ICD-9-CM-3 ranges
  → diagnostic; any other procedure → therapeutic.
- **History** (catalogue, [S1 p.57–58]): every discharge (全口径, self-pay included, "M = mean
  over all local discharges") at an institution located in the county, in the ``len(year_weights)``
  years before the settlement year, cost = the front page's ``total_cost``. A window year
  without discharges is left out (the engine re-normalises the weights) and named in the
  provenance; a window without any is an error.
- **Cases** of the settlement year: discharges (``discharge_date`` in the year) at the county's
  institutions with a settlement of the county's insured in the county whose
  ``payment_method`` is ``'dip'`` (scope ``dip``, the default: the shipped policy does not say
  the county pays all stays by DIP), or any inpatient settlement (scope ``all_inpatient``: a
  county that pays every stay by DIP, or a what-if). Cost = front page ``total_cost``; fund paid
  = Σ ``fund_paid`` of those settlements of the discharge.
- **Fund available for DIP**: ``fund`` if given, else Σ fund paid of the year's cases (the
  fund the year's DIP stays actually drew, re-distributed by points) — an assumption, recorded.
- No assessment coefficients or audit deductions are in the warehouse: none are applied.
"""

from __future__ import annotations

from typing import Literal

import ibis
import numpy as np

from yigong.casemix.model import pack_model
from yigong.payment.bundle_casemix import DipInputs
from yigong.payment.columns import Codes
from yigong.payment.dip_catalog import DipHistoryColumns, ProcedureKind
from yigong.payment.dip_settle import DipCaseColumns
from yigong.payment.policy_casemix import DipPolicy, DipTreatmentTypes
from yigong.payment.policy_inputs import InstitutionLevels
from yigong.schema.money import Money
from yigong.services.settlement_data._common import Provenance, error, fetch, need
from yigong.services.settlement_data.arrow_columns import codes, ints, level_codes
from yigong.warehouse.hierarchy import division_prefix
from yigong.warehouse.protocol import Tables

__all__ = [
    "DipScope",
    "dip_inputs_from_warehouse",
    "or_procedure_codes",
    "treatment_types",
]

DipScope = Literal["dip", "all_inpatient"]


def or_procedure_codes(pack: str) -> frozenset[str]:
    """Procedure codes that are operating-room procedures under ``pack``, local codes included.

    A code is OR if the pack flags it, or if the pack's ``procedure_map`` translates it to a
    flagged code (the same translation the grouper applies).
    """

    model = pack_model(pack)
    mapped = {src for src, dst in model.px_map.items() if dst in model.or_codes}
    return frozenset(model.or_codes | mapped)


def treatment_types(discharges: ibis.Table, rule: DipTreatmentTypes) -> ibis.Table:
    """``discharges`` with ``diagnosis``, ``procedure`` (principal codes) and ``kind`` added,
    ``kind`` by the policy's treatment-type rule (the same rule as
    :func:`yigong.payment.dip_treatment.treatment_type`, run in the database)."""
    or_codes = ibis.memtable({"or_code": sorted(or_procedure_codes(rule.or_pack))})
    d = discharges.mutate(
        diagnosis=discharges.diagnosis_codes[0], procedure=discharges.procedure_codes[0]
    )
    d = d.left_join(or_codes, d.procedure == or_codes.or_code)
    digits = d.procedure.replace(".", "")
    kind = ibis.cases(
        ((d.procedure.isnull() | (d.procedure.strip() == "")), ProcedureKind.CONSERVATIVE.value),
        (d.or_code.notnull(), ProcedureKind.SURGICAL.value),
        (
            digits.substr(0, 2).isin(rule.category_digits)
            | digits.substr(0, 3).isin(rule.subcategory_digits),
            ProcedureKind.DIAGNOSTIC.value,
        ),
        else_=ProcedureKind.THERAPEUTIC.value,
    )
    return d.mutate(kind=kind).drop("or_code")


def _county_discharges(tables: Tables, county: str, rule: DipTreatmentTypes) -> ibis.Table:
    prefix = division_prefix(county, "county")
    inst = tables.table("institutions")
    inst = inst.filter(inst.division_code.startswith(prefix)).select(
        "institution_id", "institution_type"
    )
    d = tables.table("discharges").join(inst, "institution_id")
    d = d.select(
        "discharge_id", "institution_id", "institution_type", "discharge_date",
        "diagnosis_codes", "procedure_codes", "total_cost",
    )  # fmt: skip
    return treatment_types(d, rule).mutate(year=d.discharge_date.year())


def _paid(tables: Tables, county: str, scope: DipScope) -> ibis.Table:
    """Fund paid per discharge by the settlements in scope."""
    prefix = division_prefix(county, "county")
    s = tables.table("settlements")
    cond = (
        s.insured_area.startswith(prefix)
        & s.service_area.startswith(prefix)
        & s.discharge_id.notnull()
    )
    cond &= (s.payment_method == "dip") if scope == "dip" else (s.care_type == "inpatient")
    s = s.filter(cond)
    return s.group_by("discharge_id").aggregate(fund_paid=s.fund_paid.sum(), settlements=s.count())


def _kind_figures(kind: Codes) -> dict[str, str]:
    counts = np.bincount(kind.index, minlength=len(kind.labels))
    return {f"kind:{k}": str(int(n)) for k, n in sorted(zip(kind.labels, counts, strict=True)) if n}


def _history(
    d: ibis.Table, county: str, year: int, policy: DipPolicy, levels: InstitutionLevels
) -> tuple[DipHistoryColumns, Provenance]:
    window = list(range(year - len(policy.year_weights), year))
    h = d.filter(d.year.isin(window))
    t = (
        h.mutate(cost_fen=(h.total_cost * 100).cast("int64"))
        .select("year", "discharge_id", "institution_id", "institution_type", "diagnosis",
                "procedure", "kind", "cost_fen")
        .order_by("discharge_id")
        .to_pyarrow()
    )  # fmt: skip
    history = DipHistoryColumns(
        ints(t, "year"),
        codes(t, "institution_id"),
        level_codes(codes(t, "institution_type"), levels),
        codes(t, "diagnosis"),
        codes(t, "procedure"),
        codes(t, "kind"),
        ints(t, "cost_fen"),
        "warehouse: discharges",
        None,
    )
    if not len(history):
        raise error(
            "warehouse.dip.history",
            f"no discharges at the institutions of county {county} in {window[0]}–{window[-1]}: "
            f"the DIP catalogue of {year} is built from them (load those years)",
            "history",
        )
    per_year = {y: int((history.year == y).sum()) for y in window}
    empty = [y for y in window if not per_year[y]]
    figures = {f"discharges:{y}": str(per_year[y]) for y in window}
    figures["empty_years"] = ",".join(map(str, empty))
    figures.update(_kind_figures(history.kind))
    return history, Provenance(
        "dip_history",
        "every discharge (全口径) at the county's institutions in the years before the settlement "
        "year; a year without discharges is left out and the weights re-normalised",
        figures,
    )


def _cases(
    d: ibis.Table,
    paid: ibis.Table,
    county: str,
    year: int,
    scope: DipScope,
    levels: InstitutionLevels,
) -> tuple[DipCaseColumns, Provenance]:
    cur = d.filter(d.year == year)
    j = cur.join(paid, "discharge_id")
    t = (
        j.mutate(cost_fen=(j.total_cost * 100).cast("int64"),
                 fund_fen=(j.fund_paid * 100).cast("int64"))
        .select("discharge_id", "institution_id", "institution_type", "diagnosis", "procedure",
                "kind", "cost_fen", "fund_fen")
        .order_by("discharge_id")
        .to_pyarrow()
    )  # fmt: skip
    cases = DipCaseColumns(
        t.column("discharge_id").to_pylist(),
        codes(t, "institution_id"),
        level_codes(codes(t, "institution_type"), levels),
        codes(t, "diagnosis"),
        codes(t, "procedure"),
        codes(t, "kind"),
        ints(t, "cost_fen"),
        ints(t, "fund_fen"),
        "warehouse: discharges + settlements",
        None,
    )
    what = "a DIP-paid" if scope == "dip" else "an inpatient"
    if not len(cases):
        raise error(
            "warehouse.dip.cases",
            f"no discharge with {what} settlement of county {county}'s insured at its institutions in {year} "
            "(payment_method 'dip'; scope all_inpatient, `--all-inpatient`, takes every stay)",
            "payment_method",
        )
    figures = {
        "scope": scope,
        "cases": str(len(cases)),
        "discharges_of_year": str(fetch(cur.aggregate(n=cur.count()))[0]["n"]),
        **_kind_figures(cases.kind),
    }
    return cases, Provenance(
        "dip_cases",
        f"discharges of the year at the county's institutions with {what} settlement of the "
        "county's insured in the county; fund paid = Σ fund_paid of those settlements",
        figures,
    )


def dip_inputs_from_warehouse(
    tables: Tables,
    county: str,
    year: int,
    policy: DipPolicy,
    *,
    levels: InstitutionLevels,
    fund: Money | None = None,
    scope: DipScope = "dip",
) -> tuple[DipInputs, tuple[Provenance, ...]]:
    """History and current-year DIP cases of ``county`` for settlement year ``year``; treatment
    types by ``policy.treatment_types``, institution levels by ``levels`` (policy sections)."""
    rule = need(policy.treatment_types, "dip.treatment_types")
    d = _county_discharges(tables, county, rule)
    history, p_hist = _history(d, county, year, policy, levels)
    cases, p_cases = _cases(d, _paid(tables, county, scope), county, year, scope, levels)
    paid = Money.from_fen(int(cases.fund_fen.sum()))
    amount = fund if fund is not None else paid
    p_fund = Provenance(
        "dip_fund",
        "given (--dip-fund)" if fund is not None else
        "assumption: Σ fund paid of the year's DIP cases, re-distributed by points",
        {"fund_available": str(amount), "fund_paid_by_cases": str(paid)},
    )  # fmt: skip
    p_kind = Provenance(
        "treatment_type",
        f"principal procedure: none → conservative; OR procedure of {rule.or_pack} → surgical; "
        f"ICD-9-CM-3 {'/'.join(rule.diagnostic_categories)} and "
        f"{'/'.join(rule.diagnostic_subcategories)} → diagnostic (our interpretation); else "
        "therapeutic",
        {"pack": rule.or_pack},
    )
    inputs = DipInputs(county, year, amount, history, cases, ())
    return inputs, (p_hist, p_cases, p_fund, p_kind)
