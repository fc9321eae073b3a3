"""The bureau's desk from the warehouse: coverage, fund running, time-elapsed progress, the
registry of designated providers, the agreement assessment's values and claim timings.

The rules (also in ``docs/payment.md``, "The bureau's desk"):

- **Coverage**: per area and year where both are loaded, ``insured_population`` (by scheme)
  beside ``population.resident_population``; areas are the county and the divisions under it.
- **Fund running** per scheme: insured = ``insured_population`` of the county; contribution
  standards and fund accounts of the county; expenditure = Σ ``fund_paid`` of the scheme's
  settlements of persons insured in the county, by ``settle_date`` year; the months of a year
  are 12, or the last month with a settlement for the last year loaded.
- **Progress**: a community's monthly spending is its claims charged to the budget (in-county
  claims and out-of-county care, by month) against its quota of the budget run; an
  institution's is the fund paid on its settlements (every scheme, the county's insured) by
  month against its agreement's annual quota.
- **Assessment values** of a provider-year: the ``agreement_inspections`` items as recorded;
  ``claim_timeliness`` = share of its monthly claims of the year submitted by the ``claim_day``
  of the next month; ``personal_burden`` = Σ personal paid ÷ Σ total cost of its settlements
  of the year; ``cost_growth`` = mean total cost of its inpatient settlements this year ÷ last
  year − 1 (no value without inpatient settlements in both years).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import ibis

from yigong.payment.agreements import ClaimRecord, ProviderYear
from yigong.payment.fund_running import ContributionStandard, FundAccount
from yigong.schema.money import Money
from yigong.services.settlement_data._common import Provenance, error, fetch
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import division_prefix

__all__ = [
    "claim_records",
    "coverage_rows",
    "fund_inputs",
    "institution_spending",
    "provider_years",
    "registry_rows",
]

FOUR = Decimal("0.0001")


def coverage_rows(
    tables: Tables, county: str, years: list[int]
) -> list[tuple[str, str, int, dict[str, int], int]]:
    prefix = division_prefix(county, "county")
    pop = tables.table("population")
    pop = pop.filter(pop.division_code.startswith(prefix) & pop.year.isin(years))
    ins = tables.table("insured_population")
    ins = ins.filter(ins.division_code.startswith(prefix) & ins.year.isin(years))
    names = tables.table("admin_divisions").select("division_code", "name_zh").distinct()
    insured: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for r in fetch(ins):
        insured[(str(r["division_code"]), int(r["year"]))][str(r["scheme"])] = int(
            r["insured_count"]
        )  # type: ignore[call-overload]
    residents = {(str(r["division_code"]), int(r["year"])): int(r["resident_population"])  # type: ignore[call-overload]
                 for r in fetch(pop)}  # fmt: skip
    label = {str(r["division_code"]): str(r["name_zh"]) for r in fetch(
        names.filter(names.division_code.isin([k[0] for k in insured] or ["-"])))}  # fmt: skip
    return [
        (code, label.get(code, code), year, insured[(code, year)], residents.get((code, year), 0))
        for code, year in sorted(insured)
    ]


def fund_inputs(
    tables: Tables, county: str
) -> tuple[
    dict[tuple[int, str], int],
    list[ContributionStandard],
    list[FundAccount],
    dict[tuple[int, str], Money],
    dict[int, int],
]:
    """Insured, standards, accounts, expenditure and months of data, per year and scheme."""
    prefix = division_prefix(county, "county")
    ins = tables.table("insured_population")
    ins = ins.filter(ins.division_code == county)
    insured = {(int(r["year"]), str(r["scheme"])): int(r["insured_count"]) for r in fetch(ins)}  # type: ignore[call-overload]
    st = tables.table("contribution_standards")
    standards = [
        ContributionStandard(int(r["year"]), str(r["scheme"]), Money(r["individual"]),  # type: ignore[call-overload, arg-type]
                             Money(r["subsidy"]), str(r["source"]))  # type: ignore[arg-type]
        for r in fetch(st.filter(st.division_code == county))
    ]  # fmt: skip
    fa = tables.table("fund_accounts")
    accounts = [
        FundAccount(int(r["year"]), str(r["scheme"]), Money(r["opening_balance"]),  # type: ignore[call-overload, arg-type]
                    None if r["income"] is None else Money(r["income"]),  # type: ignore[arg-type]
                    Money(r["other_income"]) if r["other_income"] is not None else Money.zero(),  # type: ignore[arg-type]
                    str(r["source"]),
                    Money(r["other_expenditure"]) if r.get("other_expenditure") is not None else Money.zero())  # type: ignore[arg-type]
        for r in fetch(fa.filter(fa.division_code == county))
    ]  # fmt: skip
    s = tables.table("settlements")
    s = s.filter(s.insured_area.startswith(prefix) & (s.scheme != "none"))
    agg = s.group_by(year=s.settle_date.year(), scheme=s.scheme).aggregate(
        fund=s.fund_paid.sum(), last=s.settle_date.month().max()
    )
    loaded = {y for y, _ in insured} | {a.year for a in accounts}  # the years the bureau reports
    rows = [r for r in fetch(agg) if int(r["year"]) in loaded]  # type: ignore[call-overload]
    expenditure = {(int(r["year"]), str(r["scheme"])): Money(r["fund"]) for r in rows}  # type: ignore[call-overload, arg-type]
    years = sorted({k[0] for k in expenditure})
    months = {y: 12 for y in years}
    if years:
        months[years[-1]] = max(int(r["last"]) for r in rows if int(r["year"]) == years[-1])  # type: ignore[call-overload]
    return insured, standards, accounts, expenditure, months


def institution_spending(
    tables: Tables, county: str, year: int
) -> tuple[dict[str, tuple[str, Money | None]], dict[tuple[str, int], Money]]:
    """Institution → (name, agreement quota of the year), and fund paid by institution-month."""
    prefix = division_prefix(county, "county")
    ag = tables.table("provider_agreements")
    ag = ag.filter((ag.valid_from.year() <= year) & (ag.valid_to.year() >= year))
    dp = tables.table("designated_providers")
    j = ag.join(dp, "provider_code").filter(dp.division_code.startswith(prefix))
    quotas = {
        str(r["provider_code"]): (str(r["name_zh"]), None if r["annual_quota"] is None else Money(r["annual_quota"]))  # type: ignore[arg-type]
        for r in fetch(j.select("provider_code", "name_zh", "annual_quota"))
    }  # fmt: skip
    s = tables.table("settlements")
    s = s.filter(s.insured_area.startswith(prefix) & s.service_area.startswith(prefix)
                 & (s.settle_date.year() == year))  # fmt: skip
    agg = s.group_by("provider_code", month=s.settle_date.month()).aggregate(fund=s.fund_paid.sum())
    monthly = {(str(r["provider_code"]), int(r["month"])): Money(r["fund"]) for r in fetch(agg)}  # type: ignore[call-overload, arg-type]
    return quotas, monthly


def registry_rows(tables: Tables, county: str, year: int) -> list[dict[str, object]]:
    """Designated providers of the county with their agreement of ``year`` (if any)."""
    prefix = division_prefix(county, "county")
    dp = tables.table("designated_providers")
    dp = dp.filter(dp.division_code.startswith(prefix))
    ag = tables.table("provider_agreements")
    ag = ag.filter((ag.valid_from.year() <= year) & (ag.valid_to.year() >= year))
    j = dp.left_join(ag, "provider_code").drop("provider_code_right")
    return fetch(j.order_by("provider_code"))


def _claim_timeliness(tables: Tables, county: str, year: int, day: int) -> dict[str, Decimal]:
    c = tables.table("claim_submissions").filter(ibis._.year == year)
    due = ibis.date(
        (c.year + (c.month == 12).cast("int64")).cast("int32"),
        (c.month % 12 + 1).cast("int32"),
        day,
    )
    agg = c.group_by("provider_code").aggregate(
        n=c.count(), on_time=(c.submitted_date <= due).cast("int64").sum()
    )
    return {str(r["provider_code"]): (Decimal(int(r["on_time"])) / int(r["n"])).quantize(FOUR)  # type: ignore[call-overload]
            for r in fetch(agg)}  # fmt: skip


def provider_years(
    tables: Tables, county: str, year: int, claim_day: int
) -> tuple[list[ProviderYear], Provenance]:
    """Every provider with an agreement of ``year``: its kind, deposit and item values."""
    rows = [r for r in registry_rows(tables, county, year) if r.get("agreement_id")]
    if not rows:
        raise error("warehouse.agreements", f"no provider agreement of county {county} in {year}",
                    "provider_agreements")  # fmt: skip
    insp = tables.table("agreement_inspections").filter(ibis._.year == year)
    values: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for r in fetch(insp):
        values[str(r["provider_code"])][str(r["item"])] = Decimal(r["value"])  # type: ignore[arg-type]
    for code, v in _claim_timeliness(tables, county, year, claim_day).items():
        values[code]["claim_timeliness"] = v
    prefix = division_prefix(county, "county")
    s = tables.table("settlements")
    s = s.filter(s.insured_area.startswith(prefix) & s.service_area.startswith(prefix))
    cur = s.filter(s.settle_date.year() == year)
    for r in fetch(
        cur.group_by("provider_code").aggregate(p=cur.personal_paid.sum(), t=cur.total_cost.sum())
    ):
        if r["t"]:
            values[str(r["provider_code"])]["personal_burden"] = (
                Decimal(r["p"]) / Decimal(r["t"])
            ).quantize(FOUR)  # type: ignore[arg-type]
    ip = s.filter((s.care_type == "inpatient") & s.settle_date.year().isin([year - 1, year]))
    means: dict[str, dict[int, Decimal]] = defaultdict(dict)
    agg = ip.group_by("provider_code", y=ip.settle_date.year()).aggregate(
        t=ip.total_cost.sum(), n=ip.count()
    )
    for r in fetch(agg):  # exact: Σ cost ÷ stays in Decimal, not the database's float mean
        means[str(r["provider_code"])][int(r["y"])] = Decimal(r["t"]) / int(r["n"])  # type: ignore[arg-type, call-overload]
    for code, m in means.items():
        if year in m and year - 1 in m and m[year - 1] > 0:
            values[code]["cost_growth"] = (m[year] / m[year - 1] - 1).quantize(FOUR)
    out = [
        ProviderYear(str(r["provider_code"]), str(r["name_zh"]), str(r["provider_kind"]),
                     Money(r["deposit"]) if r["deposit"] is not None else Money.zero(),  # type: ignore[arg-type]
                     dict(values.get(str(r["provider_code"]), {})))
        for r in rows
    ]  # fmt: skip
    return out, Provenance(
        "assessment_values",
        "inspection items as recorded; claims on time = share of the year's monthly claims "
        f"submitted by day {claim_day} of the next month; personal burden = Σ personal paid ÷ "
        "Σ total cost of the year's settlements; cost growth = mean inpatient cost this year ÷ "
        "last year − 1",
        {"providers": str(len(out)), "with_inspections": str(sum(1 for p in out if "satisfaction" in p.values))},
    )  # fmt: skip


def claim_records(tables: Tables, county: str, year: int) -> list[ClaimRecord]:
    """The year's monthly claims of the county's providers, with their agreement's limit."""
    prefix = division_prefix(county, "county")
    c = tables.table("claim_submissions").filter(ibis._.year == year)
    dp = tables.table("designated_providers")
    c = c.semi_join(dp.filter(dp.division_code.startswith(prefix)), "provider_code")
    ag = tables.table("provider_agreements")
    ag = ag.filter((ag.valid_from.year() <= year) & (ag.valid_to.year() >= year))
    j = c.left_join(ag.select("provider_code", "settlement_days"), "provider_code")
    out = []
    for r in fetch(j.order_by("provider_code", "month", "submission_id")):
        out.append(ClaimRecord(
            str(r["submission_id"]), str(r["provider_code"]), int(r["year"]), int(r["month"]),  # type: ignore[call-overload]
            r["submitted_date"], Money(r["amount_claimed"]),  # type: ignore[arg-type]
            r["paid_date"] if isinstance(r["paid_date"], date) else None,
            Money(r["amount_paid"]) if r["amount_paid"] is not None else None,  # type: ignore[arg-type]
            int(r["settlement_days"]) if r["settlement_days"] is not None else None,  # type: ignore[call-overload]
        ))  # fmt: skip
    return out
