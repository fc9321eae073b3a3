"""Per bed-day, per-head and day-surgery inputs of a county-year from the warehouse.

- **Bed-day stays**: discharges of the year (``discharge_date``) at the county's institutions
  whose settlement of the county's insured in the county was paid per bed-day
  (``payment_method = 'per_bed_day'``); the principal diagnosis and length of stay come from the
  front page, the month from its discharge date.
- **Day-surgery stays**: the same with ``payment_method = 'day_surgery'``, principal procedure
  and total cost of the front page.
- **Persons under contract** (per head): per institution of the county and month of the year,
  the distinct residents of the budgeted scheme insured in the county with a family-doctor
  contract of that institution in force on any day of the month (``signed_date`` ≤ month end
  and ``end_date`` ≥ month start).

Institution levels come from the policy's ``institution_levels``. Sums and counts run in the
database; only one row per stay (a few hundred to a few thousand a county-year) or per
institution-month comes back.
"""

from __future__ import annotations

import calendar
from datetime import date

import ibis

from yigong.payment.bed_day import BedDayStay
from yigong.payment.day_surgery import DaySurgeryStay
from yigong.payment.per_head import HeadCount
from yigong.payment.policy_inputs import InstitutionLevels
from yigong.schema.money import Money
from yigong.services.settlement_data._common import Provenance, error, fetch
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import division_prefix

__all__ = ["bed_day_stays", "day_surgery_stays", "paid_stays", "persons_under_contract"]


def paid_stays(tables: Tables, county: str, year: int, method: str) -> ibis.Table:
    """Front pages of the year at the county's institutions whose settlement (of the county's
    insured, in the county) was paid by ``method``, with the institution's type."""
    prefix = division_prefix(county, "county")
    inst = tables.table("institutions")
    inst = inst.filter(inst.division_code.startswith(prefix)).select(
        "institution_id", "institution_type"
    )
    s = tables.table("settlements")
    paid = s.filter(
        (s.payment_method == method)
        & s.insured_area.startswith(prefix)
        & s.service_area.startswith(prefix)
        & s.discharge_id.notnull()
    )
    d = tables.table("discharges")
    d = d.filter(d.discharge_date.year() == year).join(inst, "institution_id")
    d = d.semi_join(paid.select("discharge_id").distinct(), "discharge_id")
    return d.mutate(
        diagnosis=d.diagnosis_codes[0],
        procedure=d.procedure_codes[0].fill_null(""),
        month=d.discharge_date.month(),
    )


def _none(county: str, year: int, method: str) -> Exception:
    return error(
        f"warehouse.{method}",
        f"no stay of county {county}'s insured at its institutions in {year} was paid by "
        f"{method} (settlements.payment_method '{method}')",
        "payment_method",
    )


def bed_day_stays(
    tables: Tables, county: str, year: int, levels: InstitutionLevels
) -> tuple[tuple[BedDayStay, ...], Provenance]:
    d = paid_stays(tables, county, year, "per_bed_day")
    rows = fetch(
        d.select("discharge_id", "institution_id", "institution_type", "diagnosis",
                 "length_of_stay", "month").order_by("discharge_id")
    )  # fmt: skip
    stays = tuple(
        BedDayStay(str(r["discharge_id"]), str(r["institution_id"]),
                   levels.key(str(r["institution_type"])), str(r["diagnosis"] or ""),
                   int(r["length_of_stay"]), int(r["month"]))  # type: ignore[call-overload]
        for r in rows
    )  # fmt: skip
    if not stays:
        raise _none(county, year, "per_bed_day")
    return stays, Provenance(
        "bed_day_stays",
        "discharges of the year at the county's institutions with a per-bed-day settlement of "
        "the county's insured; principal diagnosis and length of stay from the front page",
        {"stays": str(len(stays)), "bed_days": str(sum(s.los for s in stays))},
    )


def day_surgery_stays(
    tables: Tables, county: str, year: int, levels: InstitutionLevels
) -> tuple[tuple[DaySurgeryStay, ...], Provenance]:
    d = paid_stays(tables, county, year, "day_surgery")
    rows = fetch(
        d.select("discharge_id", "institution_id", "institution_type", "procedure",
                 "total_cost", "month", "is_day_surgery").order_by("discharge_id")
    )  # fmt: skip
    stays = tuple(
        DaySurgeryStay(str(r["discharge_id"]), str(r["institution_id"]),
                       levels.key(str(r["institution_type"])), str(r["procedure"] or ""),
                       Money(r["total_cost"]), int(r["month"]))  # type: ignore[arg-type, call-overload]
        for r in rows
    )  # fmt: skip
    if not stays:
        raise _none(county, year, "day_surgery")
    flagged = sum(1 for r in rows if r["is_day_surgery"])
    return stays, Provenance(
        "day_surgery_stays",
        "discharges of the year at the county's institutions with a day-surgery settlement of "
        "the county's insured; principal procedure and total cost from the front page",
        {"stays": str(len(stays)), "flagged_day_surgery_on_front_page": str(flagged)},
    )


def persons_under_contract(
    tables: Tables, county: str, year: int, scheme: str, levels: InstitutionLevels
) -> tuple[tuple[HeadCount, ...], Provenance]:
    prefix = division_prefix(county, "county")
    inst = tables.table("institutions")
    inst = inst.filter(inst.division_code.startswith(prefix)).select(
        "institution_id", "institution_type"
    )
    p = tables.table("persons")
    p = p.filter((p.scheme == scheme) & p.insured_area.startswith(prefix)).select("person_key")
    c = tables.table("family_doctor_contracts")
    c = c.join(inst, "institution_id").semi_join(p, "person_key")
    months = ibis.memtable(
        {
            "month": list(range(1, 13)),
            "start": [date(year, m, 1) for m in range(1, 13)],
            "end": [date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)],
        }
    )
    j = c.cross_join(months)
    j = j.filter((j.signed_date <= j.end) & (j.end_date >= j.start))
    agg = j.group_by("institution_id", "institution_type", "month").aggregate(
        persons=j.person_key.nunique()
    )
    rows = fetch(agg.order_by("institution_id", "month"))
    counts = tuple(
        HeadCount(str(r["institution_id"]), levels.key(str(r["institution_type"])),
                  int(r["month"]), int(r["persons"]))  # type: ignore[call-overload]
        for r in rows
    )  # fmt: skip
    if not counts:
        raise error(
            "warehouse.per_head",
            f"no family-doctor contract of county {county}'s insured ({scheme}) with its "
            f"institutions is in force in {year}",
            "family_doctor_contracts",
        )
    return counts, Provenance(
        "persons_under_contract",
        f"distinct persons of scheme '{scheme}' insured in the county with a family-doctor "
        "contract of the institution in force on any day of the month",
        {"institutions": str(len({c.institution_id for c in counts})),
         "person_months": str(sum(c.persons for c in counts))},
    )  # fmt: skip
