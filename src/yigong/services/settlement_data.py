"""The global budget's inputs, built from the warehouse (医保总额付费的数据来源).

The payment engine (:mod:`yigong.payment`) reads plain records of already aggregated data. This
module builds them from the canonical tables with Ibis expressions: every sum and count runs in
the database and only the aggregated rows come back to Python, as ``Money``/``Decimal``.

The rules (also in ``docs/payment.md``, "From the warehouse"):

- **Which fund.** The global budget of [N] is the *residents'* basic medical-insurance fund
  (城乡居民基本医疗保险). Only settlements with ``scheme = 'resident'`` whose ``insured_area``
  lies in the county count; the employees' scheme is another fund.
- **The community map is frozen on 1 January of the budget year** (the quota is fixed at the
  start of the year, [N] "budget at the start of the year"). Memberships valid on that day
  decide the communities, their institutions and which community covers which township.
- **Whom a community covers.** A resident belongs to the community of the township health
  centre (乡镇卫生院, or community health centre) of the township they live in
  (``persons.division_code``, first 9 digits). Residents of a township without such a centre in
  a community (the county seat, when it has no centre of its own) and settlements of persons
  not found in ``persons`` go to the **lead community**: the community led by the county general
  hospital (else the first community by id). Every figure records how many went that way.
- **Insured headcount** (参保人数): persons with ``scheme = 'resident'``, insured in the county,
  born before 1 January of the year, counted per community by the rule above.
- **Fund history**: each community's residents' fund payments (``fund_paid``, in and out of the
  county) settled in each year the policy looks back to (``settle_date``), by today's map.
- **Claims**: the year's settlements by community of residence, provider and month of
  ``settle_date``. ``service_area`` inside the county → in-county (the provider must be a
  member institution, else an error names it); outside → out-of-county, *referred* when ``is_referred`` is true and
  *self-referred* otherwise (no referral on file).
- **Annual fund**: ``--fund`` if given; else the per-capita financing standard (``--per-capita``
  or the national standard of the year, :data:`NATIONAL_PER_CAPITA`) × insured headcount.
- **Quarterly scores** (季度考核): the indicator engine's C02 county consultation rate (target
  90 %) and C03 primary-care share of consultations (target 65 %), the two figures [N] sets for
  communities, for the community node and the quarter. Each indicator's attainment is
  min(1, value ÷ target) (target ÷ value for a "lower is better" target), from its numerator
  and denominator in Decimal; the score is 100 × the mean attainment, half-up to 0.01. An
  indicator the engine cannot compute is left out and named in the provenance; a quarter with
  none is an error, never an invented score.
- **DRG cases** (:func:`drg_inputs_from_warehouse`): DRG-paid stays of the county's
  institutions, grouped in ``drg_results``, with their front page's cost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import ibis

from yigong.payment.bundle_casemix import DrgInputs
from yigong.payment.drg import DrgCase
from yigong.payment.hashing import records_sha256
from yigong.payment.issues import Issue, IssueLevel, PaymentInputError
from yigong.payment.policy import Policy
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    Institution,
    ReferralStatus,
)
from yigong.schema.money import Money
from yigong.warehouse.hierarchy import Node, NodeKind, TableSource, division_prefix, institution_set

__all__ = [
    "CENTRE_TYPES",
    "NATIONAL_PER_CAPITA",
    "CommunityMap",
    "Provenance",
    "SCORE_INDICATORS",
    "WarehouseBudget",
    "annual_fund",
    "assessment_scores",
    "budget_inputs_from_warehouse",
    "drg_inputs_from_warehouse",
    "community_map",
    "fund_history",
    "in_year_claims",
    "insured_headcount",
    "member_institutions",
    "resident_settlements",
]

#: institution types whose township (first 9 digits of their division code) decides residents' community.
CENTRE_TYPES = ("township_centre", "community_centre")

#: National minimum per-capita financing of the residents' scheme (财政补助 + 个人缴费, yuan per
#: insured person and year), from the yearly notices of 国家医保局/财政部/国家税务总局 on residents'
#: basic medical insurance. NOT in the five policy texts: an *assumption* for the default fund;
#: a county passes its real budget with ``--fund`` or ``--per-capita``.
NATIONAL_PER_CAPITA: dict[int, Decimal] = {
    2020: Decimal("830"),  # 550 + 280
    2021: Decimal("900"),  # 580 + 320
    2022: Decimal("960"),  # 610 + 350
    2023: Decimal("1020"),  # 640 + 380
    2024: Decimal("1070"),  # 670 + 400
    2025: Decimal("1100"),  # 700 + 400
}

#: institution type → the level key of policies (``drg.coefficients``, ``simple.per_bed_day``).
_LEVEL_KEY = {
    "county_general": "county_hospital",
    "county_tcm": "county_hospital",
    "county_mch": "county_hospital",
    "county_specialised": "county_hospital",
    "township_centre": "township_center",
    "community_centre": "township_center",
}

RESIDENT_SCHEME = "resident"


@dataclass(frozen=True, slots=True)
class Provenance:
    """How one input was derived: the rule in words and the figures behind it."""

    item: str
    rule: str
    figures: dict[str, str] = field(default_factory=dict)


def _error(code: str, message: str, fld: str = "") -> PaymentInputError:
    return PaymentInputError([Issue(IssueLevel.ERROR, code, message, "warehouse", None, fld)])


def _rows(expr: ibis.Table) -> list[dict[str, object]]:
    return expr.to_pyarrow().to_pylist()


@dataclass(frozen=True, slots=True)
class CommunityMap:
    """The county's communities on ``as_of``, and which township each community covers."""

    county: str
    as_of: date
    communities: tuple[tuple[str, str], ...]  # (community_id, name_zh), by id
    lead_community: str
    townships: tuple[tuple[str, str], ...]  # (9-digit township code, community_id)
    ambiguous: tuple[str, ...]  # townships with centres in two communities (first id wins)

    @property
    def prefix(self) -> str:
        return division_prefix(self.county, "county")

    def table(self) -> ibis.Table:
        """The township → community map as an in-memory Ibis table (joined in the database)."""
        codes = [t for t, _ in self.townships] or ["-"]
        comms = [c for _, c in self.townships] or [self.lead_community]
        return ibis.memtable({"township": codes, "map_community": comms})

    def attribute(self, t: ibis.Table, residence: str) -> ibis.Table:
        """Add ``community_id`` to ``t`` from its residence column (the lead community if none)."""
        m = self.table()
        joined = t.left_join(m, t[residence].substr(0, 9) == m.township)
        return joined.mutate(
            community_id=joined.map_community.fill_null(self.lead_community),
            by_residence=joined.map_community.notnull(),
        ).drop("township", "map_community")


def community_map(tables: TableSource, county: str, as_of: date) -> CommunityMap:
    """The county's communities valid on ``as_of`` and the townships their centres cover."""
    div = tables.table("admin_divisions")
    if not _rows(div.filter((div.division_code == county) & (div.level == "county")).limit(1)):
        raise _error("warehouse.county", f"no county {county!r} in admin_divisions", "county")
    com = tables.table("communities")
    valid = (com.valid_from <= as_of) & (com.valid_to.isnull() | (com.valid_to >= as_of))
    found = _rows(
        com.filter((com.county_code == county) & valid)
        .select("community_id", "name_zh")
        .order_by("community_id")
    )
    if not found:
        raise _error(
            "warehouse.communities",
            f"no medical community of county {county} valid on {as_of}",
            "county",
        )
    inst = tables.table("institutions")
    mem = tables.table("community_memberships")
    pairs: list[tuple[str, str]] = []
    lead = ""
    for row in found:
        cid = str(row["community_id"])
        members = institution_set(tables, Node(NodeKind.COMMUNITY, cid), as_of)
        centres = members.join(inst, "institution_id").filter(
            inst.institution_type.isin(CENTRE_TYPES)
        )
        for r in _rows(centres.select(township=centres.division_code.substr(0, 9)).distinct()):
            pairs.append((str(r["township"]), cid))
        valid_m = (mem.valid_from <= as_of) & (mem.valid_to.isnull() | (mem.valid_to >= as_of))
        leads = mem.filter((mem.community_id == cid) & (mem.role == "lead") & valid_m)
        general = leads.join(inst, "institution_id").filter(
            inst.institution_type == "county_general"
        )
        if not lead and _rows(general.select("institution_id").limit(1)):
            lead = cid
    seen = Counter(t for t, _ in pairs)
    ambiguous = tuple(sorted(t for t, n in seen.items() if n > 1))
    first: dict[str, str] = {}
    for t, c in sorted(pairs):
        first.setdefault(t, c)
    return CommunityMap(
        county,
        as_of,
        tuple((str(r["community_id"]), str(r["name_zh"])) for r in found),
        lead or str(found[0]["community_id"]),
        tuple(sorted(first.items())),
        ambiguous,
    )


def member_institutions(tables: TableSource, cmap: CommunityMap) -> tuple[Institution, ...]:
    """Every institution with a membership valid on the map's date (any role), with its level key."""
    inst = tables.table("institutions")
    out: list[Institution] = []
    for cid, _ in cmap.communities:
        members = institution_set(tables, Node(NodeKind.COMMUNITY, cid), cmap.as_of)
        rows = _rows(
            members.join(inst, "institution_id")
            .select("institution_id", "name_zh", "institution_type")
            .order_by("institution_id")
        )
        out += [
            Institution(
                str(r["institution_id"]),
                cid,
                str(r["name_zh"]),
                _LEVEL_KEY.get(str(r["institution_type"]), str(r["institution_type"])),
            )
            for r in rows
        ]
    return tuple(sorted(out, key=lambda i: i.institution_id))


def insured_headcount(
    tables: TableSource, cmap: CommunityMap, year: int
) -> tuple[dict[str, int], Provenance]:
    """Insured residents (scheme resident, insured in the county, born before 1 January) per community."""
    p = tables.table("persons")
    p = p.filter(
        (p.scheme == RESIDENT_SCHEME)
        & p.insured_area.startswith(cmap.prefix)
        & (p.birth_date < date(year, 1, 1))
    )
    p = cmap.attribute(p, "division_code")
    rows = _rows(p.group_by("community_id", "by_residence").aggregate(n=p.count()))
    counts = {cid: 0 for cid, _ in cmap.communities}
    fallback = 0
    for r in rows:
        counts[str(r["community_id"])] = counts.get(str(r["community_id"]), 0) + int(r["n"])  # type: ignore[call-overload]
        if not r["by_residence"]:
            fallback += int(r["n"])  # type: ignore[call-overload]
    return counts, Provenance(
        "insured_headcount",
        "persons with scheme 'resident' insured in the county, born before 1 January, by the "
        "community of their township's health centre (lead community otherwise)",
        {
            "total": str(sum(counts.values())),
            "to_lead_community": str(fallback),
            "lead_community": cmap.lead_community,
            **{f"community:{c}": str(n) for c, n in counts.items()},
        },
    )


def resident_settlements(tables: TableSource, cmap: CommunityMap) -> ibis.Table:
    """The county's residents'-scheme settlements with the patient's ``community_id`` attached."""
    s = tables.table("settlements")
    s = s.filter((s.scheme == RESIDENT_SCHEME) & s.insured_area.startswith(cmap.prefix))
    p = tables.table("persons").select("person_key", residence="division_code")
    s = s.left_join(p, "person_key").drop("person_key_right")
    return cmap.attribute(s.mutate(residence=s.residence.fill_null("")), "residence")


def fund_history(
    tables: TableSource, cmap: CommunityMap, years: list[int]
) -> tuple[tuple[FundHistory, ...], Provenance, list[int]]:
    """Fund paid per community and settlement year; also the years without any settlement."""
    s = resident_settlements(tables, cmap)
    s = s.filter(s.settle_date.year().isin(years))
    rows = _rows(
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
    tables: TableSource, cmap: CommunityMap, year: int
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
    rows = _rows(agg.order_by("community_id", "provider_code", "month", "inside", "referred"))
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
    headcount: int, year: int, *, fund: Money | None = None, per_capita: Decimal | None = None
) -> tuple[Money, Provenance]:
    """The year's residents' fund: given, or per-capita standard × insured headcount."""
    if fund is not None:
        return fund, Provenance(
            "annual_fund", "given (--fund): the county's budget", {"annual_fund": str(fund)}
        )
    source = "given (--per-capita)"
    if per_capita is None:
        if year not in NATIONAL_PER_CAPITA:
            raise _error(
                "warehouse.fund",
                f"no national per-capita standard known for {year}: pass --fund or --per-capita",
                "annual_fund",
            )
        per_capita = NATIONAL_PER_CAPITA[year]
        source = "national minimum per-capita financing of the residents' scheme (assumption)"
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


#: the indicators a quarterly score is made of: the two figures [N] sets for communities.
SCORE_INDICATORS = ("C02", "C03")


def _attainment(value: Decimal, target: Decimal, lower_is_better: bool) -> Decimal:
    if lower_is_better:
        return Decimal(1) if value <= target else target / value
    return min(Decimal(1), value / target)


def assessment_scores(
    tables: TableSource, cmap: CommunityMap, year: int
) -> tuple[tuple[AssessmentScore, ...], Provenance]:
    """Quarterly 0–100 scores per community from the indicator engine (see the module doc)."""
    from yigong.services import indicators as indicator_service

    scores, figures, missing = [], {}, []
    for cid, _ in cmap.communities:
        for q in range(1, 5):
            ev = indicator_service.compute(
                tables, f"community:{cid}", f"{year}Q{q}", ids=list(SCORE_INDICATORS), compare=False
            )
            parts = []
            for r in ev.results:
                key = f"{cid}:Q{q}:{r.indicator}"
                if (
                    r.numerator is None
                    or not r.denominator
                    or r.target is None
                    or r.target.value is None
                ):
                    figures[key] = f"not computed ({r.status}{': ' + r.note if r.note else ''})"
                    continue
                value = Decimal(r.numerator) * Decimal(str(r.factor)) / Decimal(r.denominator)
                target = Decimal(str(r.target.value))
                att = _attainment(value, target, r.target.comparator in ("<=", "<"))
                parts.append(att)
                figures[key] = (
                    f"{r.numerator}/{r.denominator} × {r.factor:g} = "
                    f"{value:.2f} vs {r.target.comparator} {target:g} → "
                    f"attainment {att:.4f}"
                )
            if not parts:
                missing.append(f"{cid} Q{q}")
                continue
            score = (Decimal(100) * sum(parts, Decimal(0)) / len(parts)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            figures[f"{cid}:Q{q}"] = str(score)
            scores.append(AssessmentScore(cid, q, score))
    if missing:
        raise PaymentInputError(
            [
                Issue(
                    IssueLevel.ERROR,
                    "warehouse.scores",
                    f"the indicator engine computed none of {', '.join(SCORE_INDICATORS)} for {m}; "
                    f"details: {figures}",
                    "warehouse",
                    None,
                    "score",
                )
                for m in missing
            ]
        )
    return tuple(scores), Provenance(
        "assessments",
        "100 × mean over C02 (≥ 90 %) and C03 (≥ 65 %) of min(1, value ÷ target), "
        "per community node and quarter, half-up to 0.01",
        figures,
    )


@dataclass(frozen=True, slots=True)
class WarehouseBudget:
    """The engine's inputs built from the warehouse, their hash, and how each was derived."""

    inputs: BudgetInputs
    inputs_sha256: str
    provenance: tuple[Provenance, ...]


def budget_inputs_from_warehouse(
    tables: TableSource,
    county: str,
    year: int,
    policy: Policy,
    *,
    fund: Money | None = None,
    per_capita: Decimal | None = None,
) -> WarehouseBudget:
    """Everything the global budget of ``county`` in ``year`` needs, from the canonical tables."""
    cmap = community_map(tables, county, date(year, 1, 1))
    counts, p_head = insured_headcount(tables, cmap, year)
    history: tuple[FundHistory, ...] = ()
    p_hist = Provenance("history", "not used: the policy's quota is by headcount only")
    if policy.quota.headcount_weight < 1:
        years = [year - k for k in sorted(policy.quota.history_weights)]
        history, p_hist, empty = fund_history(tables, cmap, years)
        if empty:
            raise _error(
                "warehouse.history",
                f"the warehouse holds no residents' settlements of county {county} in "
                f"{', '.join(map(str, empty))}; policy {policy.id} looks back to "
                f"{min(years)} (load those years or use a policy with fewer history "
                "years)",
                "history",
            )
    claims, p_claims = in_year_claims(tables, cmap, year)
    if not claims:
        raise _error(
            "warehouse.claims", f"no residents' settlements of county {county} in {year}", "claims"
        )
    institutions = member_institutions(tables, cmap)
    members = {i.institution_id for i in institutions}
    outsiders = sorted(
        {c.institution_id for c in claims if c.setting is ClaimSetting.IN_COUNTY} - members
    )
    if outsiders:
        raise _error(
            "warehouse.claims",
            f"in-county settlements of {year} name providers that are no member of any community "
            f"of county {county} on {cmap.as_of}: {', '.join(outsiders)} (add their memberships)",
            "provider_code",
        )
    amount, p_fund = annual_fund(sum(counts.values()), year, fund=fund, per_capita=per_capita)
    scores, p_scores = assessment_scores(tables, cmap, year)
    p_map = Provenance(
        "communities",
        "communities of the county valid on 1 January; township "
        "→ community by the membership of its health centre",
        {
            "as_of": cmap.as_of.isoformat(),
            "lead_community": cmap.lead_community,
            "townships": str(len(cmap.townships)),
            "ambiguous_townships": ",".join(cmap.ambiguous),
        },
    )
    inputs = BudgetInputs(
        county,
        year,
        amount,
        as_communities(cmap, counts),
        institutions,
        history,
        claims,
        scores,
    )
    return WarehouseBudget(
        inputs, records_sha256(inputs), (p_map, p_head, p_hist, p_claims, p_fund, p_scores)
    )


def drg_inputs_from_warehouse(
    tables: TableSource,
    county: str,
    year: int,
    scheme: str,
    *,
    weights_csv: Path | None = None,
    budget: Money | None = None,
) -> tuple[DrgInputs, Provenance]:
    """DRG cases of the county's institutions in ``year`` from ``drg_results`` and ``discharges``.

    A case is a discharge (``discharge_date`` in the year) at an institution located in the
    county whose settlement was paid by DRG (``payment_method = 'drg'``, insured in the county),
    grouped under ``scheme`` by ``yigong drg group --warehouse``. Cost is the front page's
    ``total_cost``, LOS its ``length_of_stay``. Weights come from ``weights_csv`` (drg,weight)
    or from the data (:func:`yigong.casemix.metrics.weights.weights_from_data`: the DRG's
    trimmed mean cost ÷ the overall mean, over every grouped discharge in the warehouse).
    Stays not grouped or without a weight are not DRG cases; the provenance counts them.
    """
    from ibis.common.exceptions import TableNotFound

    from yigong.casemix.metrics.weights import read_weight_table, weights_from_data
    from yigong.services.casemix import RESULTS_TABLE, grouped_discharges

    try:
        results = tables.table(RESULTS_TABLE)
    except TableNotFound as exc:
        raise _error(
            "warehouse.drg",
            f"no {RESULTS_TABLE} table: run `yigong drg group --warehouse DB --scheme {scheme}` "
            "first",
            "drg",
        ) from exc
    prefix = division_prefix(county, "county")
    inst = tables.table("institutions")
    inst = inst.filter(inst.division_code.startswith(prefix)).select(
        "institution_id", "institution_type"
    )
    s = tables.table("settlements")
    paid = s.filter(
        (s.payment_method == "drg")
        & s.insured_area.startswith(prefix)
        & s.service_area.startswith(prefix)
        & s.discharge_id.notnull()
    )
    d = tables.table("discharges")
    d = d.filter(d.discharge_date.year() == year).join(inst, "institution_id")
    d = d.semi_join(paid.select("discharge_id").distinct(), "discharge_id")
    r = results.filter(results.scheme == scheme).select("discharge_id", "status", "drg")
    weights = (
        read_weight_table(weights_csv)
        if weights_csv is not None
        else weights_from_data(grouped_discharges(tables, scheme, "year"))
    )  # type: ignore[arg-type]
    w = weights.select(w_drg="drg", weight="weight")
    j = d.left_join(r, "discharge_id").drop("discharge_id_right")
    j = j.left_join(w, j.drg == w.w_drg).drop("w_drg")
    counts = _rows(
        j.group_by(
            status=j.status.fill_null("not_grouped"), has_weight=j.weight.notnull()
        ).aggregate(n=j.count())
    )
    ok = j.filter((j.status == "grouped") & j.weight.notnull())
    rows = _rows(
        ok.select(
            "discharge_id",
            "institution_id",
            "institution_type",
            "drg",
            "weight",
            "total_cost",
            "length_of_stay",
        ).order_by("discharge_id")
    )
    cases = tuple(
        DrgCase(
            str(x["discharge_id"]),
            str(x["institution_id"]),
            _LEVEL_KEY.get(str(x["institution_type"]), str(x["institution_type"])),
            str(x["drg"]),
            Decimal(x["weight"]),
            Money(x["total_cost"]),  # type: ignore[arg-type]
            int(x["length_of_stay"]),
        )  # type: ignore[call-overload]
        for x in rows
    )
    figures = {
        f"stays:{c['status']}:{'weighted' if c['has_weight'] else 'no_weight'}": str(c["n"])
        for c in counts
    }
    figures["cases"] = str(len(cases))
    figures["weights"] = str(weights_csv) if weights_csv else "from the data (IQR×3 trimmed)"
    if not cases:
        raise _error(
            "warehouse.drg",
            f"no DRG-paid stays of county {county} grouped under {scheme} in {year} ({figures})",
            "drg",
        )
    return DrgInputs(county, year, budget, cases), Provenance(
        "drg_cases",
        "discharges of the year at the county's institutions with a DRG-paid "
        "settlement of the county's insured, grouped, with a weight",
        figures,
    )
