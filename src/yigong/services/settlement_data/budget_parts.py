"""Headcount, fund history, claims and the annual fund of one county-year (Ibis aggregations)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import ibis

from yigong.payment.policy_inputs import AnnualFundPolicy
from yigong.payment.records import (
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    ReferralStatus,
)
from yigong.schema.money import Money
from yigong.services.settlement_data._common import Provenance, error, fetch
from yigong.services.settlement_data.community_map import CommunityMap
from yigong.warehouse.protocol import Tables

__all__ = [
    "annual_fund",
    "as_communities",
    "fund_history",
    "in_year_claims",
    "insured_headcount",
    "resident_settlements",
]


def insured_headcount(
    tables: Tables, cmap: CommunityMap, year: int
) -> tuple[dict[str, int], Provenance]:
    """Insured persons of the budgeted scheme, insured in the county and born before the map's
    date, per community."""
    scheme = cmap.coverage.fund_scheme
    p = tables.table("persons")
    p = p.filter(
        (p.scheme == scheme) & p.insured_area.startswith(cmap.prefix) & (p.birth_date < cmap.as_of)
    )
    p = cmap.attribute(p, "division_code")
    rows = fetch(p.group_by("community_id", "by_residence").aggregate(n=p.count()))
    counts = {cid: 0 for cid, _ in cmap.communities}
    fallback = 0
    for r in rows:
        counts[str(r["community_id"])] = counts.get(str(r["community_id"]), 0) + int(r["n"])  # type: ignore[call-overload]
        if not r["by_residence"]:
            fallback += int(r["n"])  # type: ignore[call-overload]
    return counts, Provenance(
        "insured_headcount",
        f"persons with scheme '{scheme}' insured in the county, born before {_day(cmap.as_of)}, "
        "by the community of their township's health centre (lead community otherwise)",
        {
            "total": str(sum(counts.values())),
            "to_lead_community": str(fallback),
            "lead_community": cmap.lead_community,
            **{f"community:{c}": str(n) for c, n in counts.items()},
        },
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%B}"


def resident_settlements(tables: Tables, cmap: CommunityMap) -> ibis.Table:
    """The county's settlements of the budgeted scheme (the residents') with the patient's
    ``community_id`` attached."""
    s = tables.table("settlements")
    s = s.filter((s.scheme == cmap.coverage.fund_scheme) & s.insured_area.startswith(cmap.prefix))
    p = tables.table("persons").select("person_key", residence="division_code")
    s = s.left_join(p, "person_key").drop("person_key_right")
    return cmap.attribute(s.mutate(residence=s.residence.fill_null("")), "residence")


def fund_history(
    tables: Tables, cmap: CommunityMap, years: list[int]
) -> tuple[tuple[FundHistory, ...], Provenance, list[int]]:
    """Fund paid per community and settlement year; also the years without any settlement."""
    s = resident_settlements(tables, cmap)
    s = s.filter(s.settle_date.year().isin(years))
    rows = fetch(
        s.group_by(year=s.settle_date.year(), community_id=s.community_id).aggregate(
            fund_paid=s.fund_paid.sum(), n=s.count()
        )
    )
    have = {(int(r["year"]), str(r["community_id"])): r for r in rows}  # type: ignore[call-overload]
    empty = sorted(y for y in years if not any(k[0] == y for k in have))
    out = []
    for y in sorted(years):
        if y in empty:
            continue
        for cid, _ in cmap.communities:
            r = have.get((y, cid))
            out.append(FundHistory(cid, y, Money(r["fund_paid"]) if r else Money.zero()))  # type: ignore[arg-type]
    figures = {f"{h.year}:{h.community_id}": str(h.fund_paid) for h in out}
    return (
        tuple(out),
        Provenance(
            "history",
            "Σ fund_paid of residents'-scheme settlements (in and out of the county) by "
            "settle_date year and community of residence",
            figures,
        ),
        empty,
    )


def in_year_claims(
    tables: Tables, cmap: CommunityMap, year: int
) -> tuple[tuple[Claim, ...], Provenance]:
    """The year's fund payments by community, provider, month, setting and referral."""
    s = resident_settlements(tables, cmap)
    s = s.filter(s.settle_date.year() == year)
    inside = s.service_area.startswith(cmap.prefix)
    s = s.mutate(
        month=s.settle_date.month(), inside=inside, referred=s.is_referred.fill_null(False)
    )
    agg = s.group_by("community_id", "provider_code", "month", "inside", "referred").aggregate(
        fund_paid=s.fund_paid.sum(), n=s.count(), fallback=s.by_residence.ifelse(0, 1).sum()
    )
    rows = fetch(agg.order_by("community_id", "provider_code", "month", "inside", "referred"))
    claims = []
    counts = Counter[str]()
    for r in rows:
        inside_ = bool(r["inside"])
        setting = ClaimSetting.IN_COUNTY if inside_ else ClaimSetting.OUT_OF_COUNTY
        referral = (
            ReferralStatus.NOT_APPLICABLE
            if inside_
            else ReferralStatus.REFERRED
            if r["referred"]
            else ReferralStatus.SELF_REFERRED
        )
        claims.append(
            Claim(
                str(r["community_id"]),
                str(r["provider_code"]),
                int(r["month"]),  # type: ignore[call-overload]
                setting,
                referral,
                Money(r["fund_paid"]),
            )
        )  # type: ignore[arg-type]
        counts[f"settlements:{setting.value}:{referral.value}"] += int(r["n"])  # type: ignore[call-overload]
        counts["settlements_to_lead_community"] += int(r["fallback"])  # type: ignore[call-overload]
    return tuple(claims), Provenance(
        "claims",
        "residents'-scheme settlements of the year (settle_date) grouped by community "
        "of residence, provider_code, month, in/out of county (service_area) and is_referred",
        {k: str(v) for k, v in sorted(counts.items())},
    )


def annual_fund(
    headcount: int,
    year: int,
    standard: AnnualFundPolicy | None,
    *,
    fund: Money | None = None,
    per_capita: Decimal | None = None,
) -> tuple[Money, Provenance]:
    """The year's residents' fund: given, or per-capita standard × insured headcount (the
    standard given, else the policy's ``annual_fund.per_capita`` of the year)."""
    if fund is not None:
        return fund, Provenance(
            "annual_fund", "given (--fund): the county's budget", {"annual_fund": str(fund)}
        )
    source = "given (--per-capita)"
    if per_capita is None:
        if standard is None or year not in standard.per_capita:
            raise error(
                "warehouse.fund",
                f"no per-capita standard for {year} in the policy's annual_fund section: "
                "pass --fund or --per-capita",
                "annual_fund",
            )
        per_capita = standard.per_capita[year]
        source = f"policy annual_fund.per_capita: {standard.clause}"
    amount = Money.of(per_capita * headcount)
    return amount, Provenance(
        "annual_fund",
        "per-capita financing standard × insured headcount",
        {
            "per_capita": str(per_capita),
            "per_capita_source": source,
            "insured_headcount": str(headcount),
            "annual_fund": str(amount),
        },
    )


def as_communities(cmap: CommunityMap, counts: dict[str, int]) -> tuple[Community, ...]:
    """Community records with their headcount."""
    return tuple(Community(cid, name, counts.get(cid, 0)) for cid, name in cmap.communities)
