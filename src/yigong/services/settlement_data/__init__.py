"""The global budget's inputs, built from the warehouse (医保总额付费的数据来源).

The payment engine (:mod:`yigong.payment`) reads plain records of already aggregated data. This
module builds them from the canonical tables with Ibis expressions: every sum and count runs in
the database and only the aggregated rows come back to Python, as ``Money``/``Decimal``.

The rules are sections of the payment policy pack (``payment/packs/henan-default/``); they are
described in ``docs/payment.md`` ("From the warehouse"):

- **Which fund** (``communities.fund_scheme``): the global budget of [N] is the *residents'*
  basic medical-insurance fund; only settlements of that scheme whose ``insured_area`` lies in
  the county count.
- **The community map** (``communities``) is frozen on ``map_date`` (1 January) of the budget
  year. A resident belongs to the community of the health centre (``centre_types``) of the
  township they live in (``persons.division_code``, first 9 digits); residents of a township
  without such a centre and settlements of persons not found in ``persons`` go to the
  community led by a ``lead_type`` institution (the county general hospital; else the first
  community by id). Every figure records how many went that way.
- **Insured headcount**: persons of the scheme, insured in the county, born before the map's
  date, counted per community by the rule above.
- **Fund history**: each community's fund payments (in and out of the county) settled in each
  year the policy looks back to (``settle_date``), by today's map.
- **Claims**: the year's settlements by community of residence, provider and month of
  ``settle_date``; ``service_area`` inside the county → in-county (the provider must be a member
  institution, else an error names it); outside → out-of-county, *referred* when
  ``is_referred`` is true and *self-referred* otherwise. Institution level keys come from
  ``institution_levels``.
- **Annual fund**: ``--fund`` if given; else the per-capita financing standard (``--per-capita``
  or the policy's ``annual_fund.per_capita`` of the year) × insured headcount.
- **Quarterly scores** (``assessment.score``): the indicators the policy names (C01 county
  consultation rate and C03 primary-care share, the two figures [N] sets), their targets read
  from the indicator catalog, scored by the payment engine (:mod:`yigong.payment.assessment`).
- **DRG cases** (:func:`drg_inputs_from_warehouse`): DRG-paid stays of the county's
  institutions, grouped in ``drg_results``, with their front page's cost.
- **DIP history and cases** (:func:`dip_inputs_from_warehouse`): the county's discharges of the
  years before (catalogue) and its DIP-paid stays of the year, each with the treatment type of
  the policy's ``dip.treatment_types`` rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.bundle import budget_parts as bundle_files
from yigong.payment.hashing import input_digests
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs, ClaimSetting, FundHistory, PriorScore
from yigong.payment.scoring import annual_score
from yigong.schema.money import Money
from yigong.services.settlement_data._common import Provenance, error, need
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
from yigong.services.settlement_data.scores import assessment_scores
from yigong.warehouse.protocol import Tables

__all__ = [
    "CommunityMap",
    "Provenance",
    "WarehouseBudget",
    "annual_fund",
    "assessment_scores",
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
    tables: Tables,
    county: str,
    year: int,
    policy: Policy,
    *,
    fund: Money | None = None,
    per_capita: Decimal | None = None,
) -> WarehouseBudget:
    """Everything the global budget of ``county`` in ``year`` needs, from the canonical tables,
    derived by the policy's ``communities``, ``institution_levels``, ``annual_fund`` and
    ``assessment.score`` rules."""
    coverage = need(policy.communities, "communities")
    levels = need(policy.institution_levels, "institution_levels")
    cmap = community_map(tables, county, coverage.map_on(year), coverage)
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
    institutions = member_institutions(tables, cmap, levels)
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
    amount, p_fund = annual_fund(
        sum(counts.values()), year, policy.annual_fund, fund=fund, per_capita=per_capita
    )
    scores, p_scores = assessment_scores(tables, cmap, year, policy.assessment.score)
    prior, p_prior = _prior_scores(tables, cmap, year, policy)
    p_map = Provenance(
        "communities",
        f"communities of the county valid on {cmap.as_of.day} {cmap.as_of:%B}; township "
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
        prior,
    )
    provenance = (p_map, p_head, p_hist, p_claims, p_fund, p_scores, p_prior)
    return WarehouseBudget(inputs, input_digests(bundle_files(inputs))[0], provenance)


def _prior_scores(
    tables: Tables, cmap: CommunityMap, year: int, policy: Policy
) -> tuple[tuple[PriorScore, ...], Provenance]:
    """Last year's annual score of each community, when the policy adjusts quotas by it: the
    same quarterly scores (indicator engine, ``assessment.score``) for ``year − 1``, averaged
    by the policy's quarter weights and kept to its score decimals."""
    if policy.quota.assessment_adjustment is None:
        return (), Provenance("prior_scores", "not used: the policy does not adjust quotas")
    quarters, prov = assessment_scores(tables, cmap, year - 1, policy.assessment.score)
    by_community: dict[str, dict[int, Decimal]] = {}
    for q in quarters:
        by_community.setdefault(q.community_id, {})[q.quarter] = q.score
    out = tuple(
        PriorScore(
            cid,
            year - 1,
            annual_score(
                [qs[k] for k in range(1, 5)],
                policy.assessment.quarter_weights,
                policy.score_quantum(),
            ),
        )
        for cid, qs in sorted(by_community.items())
    )
    figures = {f"{p.community_id}:{p.year}": str(p.annual_score) for p in out}
    figures.update({f"quarter:{k}": v for k, v in prov.figures.items()})
    return out, Provenance(
        "prior_scores",
        f"annual score of {year - 1} (mean of its quarterly scores: {prov.rule}), which sets "
        "this year's quota factor (quota.assessment_adjustment)",
        figures,
    )
