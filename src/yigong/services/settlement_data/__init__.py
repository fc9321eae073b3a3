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
- **Quarterly scores** (季度考核): the indicator engine's C01 county consultation rate (the
  in-county share of admissions, target 90 %) and C03 primary-care share of consultations (target 65 %), the two figures [N] sets for
  communities, for the community node and the quarter. Each indicator's attainment is
  min(1, value ÷ target) (target ÷ value for a "lower is better" target), from its numerator
  and denominator in Decimal; the score is 100 × the mean attainment, half-up to 0.01. An
  indicator the engine cannot compute is left out and named in the provenance; a quarter with
  none is an error, never an invented score.
- **DRG cases** (:func:`drg_inputs_from_warehouse`): DRG-paid stays of the county's
  institutions, grouped in ``drg_results``, with their front page's cost.
- **DIP history and cases** (:func:`dip_inputs_from_warehouse`): the county's discharges of the
  years before (catalogue) and its DIP-paid stays of the year, each with the treatment type
  derived from the principal procedure (rules in :mod:`.dip`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from yigong.payment.hashing import records_sha256
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs, ClaimSetting, FundHistory
from yigong.schema.money import Money
from yigong.services.settlement_data._common import (
    CENTRE_TYPES,
    NATIONAL_PER_CAPITA,
    Provenance,
    error,
)
from yigong.services.settlement_data.budget_parts import (
    annual_fund,
    as_communities,
    fund_history,
    in_year_claims,
    insured_headcount,
    resident_settlements,
)
from yigong.services.settlement_data.community_map import (
    CommunityMap,
    community_map,
    member_institutions,
)
from yigong.services.settlement_data.dip import dip_inputs_from_warehouse
from yigong.services.settlement_data.drg import drg_inputs_from_warehouse
from yigong.services.settlement_data.scores import SCORE_INDICATORS, assessment_scores, attainment
from yigong.warehouse.hierarchy import TableSource

__all__ = [
    "CENTRE_TYPES",
    "NATIONAL_PER_CAPITA",
    "SCORE_INDICATORS",
    "CommunityMap",
    "Provenance",
    "WarehouseBudget",
    "annual_fund",
    "assessment_scores",
    "attainment",
    "budget_inputs_from_warehouse",
    "community_map",
    "dip_inputs_from_warehouse",
    "drg_inputs_from_warehouse",
    "fund_history",
    "in_year_claims",
    "insured_headcount",
    "member_institutions",
    "resident_settlements",
]


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
            raise error(
                "warehouse.history",
                f"the warehouse holds no residents' settlements of county {county} in "
                f"{', '.join(map(str, empty))}; policy {policy.id} looks back to "
                f"{min(years)} (load those years or use a policy with fewer history "
                "years)",
                "history",
            )
    claims, p_claims = in_year_claims(tables, cmap, year)
    if not claims:
        raise error(
            "warehouse.claims", f"no residents' settlements of county {county} in {year}", "claims"
        )
    institutions = member_institutions(tables, cmap)
    members = {i.institution_id for i in institutions}
    outsiders = sorted(
        {c.institution_id for c in claims if c.setting is ClaimSetting.IN_COUNTY} - members
    )
    if outsiders:
        raise error(
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
