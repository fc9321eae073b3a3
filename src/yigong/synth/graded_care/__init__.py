"""Synthetic graded-care activity: referrals, shared-centre requests, recognitions, contracts.

``generate_graded_care(store, institutions, residents, years, rng)`` writes a realistic year of
workflow per year into the store, in bulk (fast enough for ~500,000 residents), and returns the
counts. Every referral path is checked step by step with the real state machine
(``yigong.graded_care.referrals.machine.decide``), every repeat examination with the real recognition rule
(``find_repeat``) and every fee distribution with the real ``distribute_fee``, so the generated
store is one the services could have produced. Rates are in ``GradedCareRates`` (documented,
illustrative assumptions — see docs/graded-care.md), never hidden in the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from yigong.graded_care.centres.catalog import load_centre_catalog
from yigong.store import Store
from yigong.store import models as m
from yigong.synth.graded_care._base import GradedCareRates, GradedCareSummary, _Bulk
from yigong.synth.graded_care._canonical import inputs_from_canonical
from yigong.synth.graded_care._centres import _generate_centres
from yigong.synth.graded_care._contracts import _generate_contracts
from yigong.synth.graded_care._referrals import _generate_referrals
from yigong.synth.graded_care._world import _assign_homes, _build_world

__all__ = [
    "GradedCareRates",
    "GradedCareSummary",
    "demo_county",
    "generate_graded_care",
    "inputs_from_canonical",
]


def generate_graded_care(
    store: Store,
    institutions: Iterable[Mapping[str, Any]],
    residents: Sequence[Mapping[str, Any]],
    years: Iterable[int],
    rng: np.random.Generator,
    *,
    county_code: str | None = None,
    rates: GradedCareRates | None = None,
    outside_providers: Sequence[Mapping[str, Any]] | None = None,
) -> GradedCareSummary:
    """Generate referral, shared-centre, recognition and contract activity into ``store``.

    ``institutions``: dicts with ``institution_id``, ``type`` (county_general, township_centre,
    village_clinic …), ``community_id``, ``county_code`` and optionally ``is_lead`` (otherwise
    the county general hospital of each community leads). ``residents``: dicts with
    ``patient_key``, ``age``, ``sex`` and optionally ``home_institution_id``. Out-of-county
    receivers: ``outside_providers`` (dicts with ``institution_id``, ``name``, ``type``
    city_hospital/provincial_hospital, ``county_code``, optional ``weight``), else a synthetic
    city (70 %) and provincial (30 %) hospital. Same seed, same store content.
    """
    rates = rates or GradedCareRates()
    year_list = sorted(set(years))
    summary = GradedCareSummary()
    bulk = _Bulk(store)
    world = _build_world(bulk, institutions, summary, county_code, outside_providers)
    bulk.flush([m.Institution])
    _assign_homes(world, residents, rng)
    _generate_referrals(bulk, world, residents, year_list, rng, rates, summary)
    bulk.flush([m.Referral, m.ReferralEvent])
    _generate_centres(
        bulk, world, residents, year_list, rng, rates, load_centre_catalog(world.county), summary
    )
    bulk.flush([m.CentreRequest, m.Recognition])
    _generate_contracts(bulk, world, residents, year_list, rng, rates, summary)
    bulk.flush(
        [
            m.FamilyDoctorTeam,
            m.FamilyDoctorTeamMember,
            m.Contract,
            m.ContractService,
            m.FeeDistributionLine,
        ]
    )
    return summary


def demo_county(
    residents: int, rng: np.random.Generator, county_code: str = "410122"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A small stand-alone county (2 communities, 8 townships, 6 villages each) and residents
    with a plausible age pyramid — for ``yigong referral synth`` when no county is given."""
    insts: list[dict[str, Any]] = [
        {
            "institution_id": f"{county_code}-H1",
            "type": "county_general",
            "community_id": "C1",
            "county_code": county_code,
            "is_lead": True,
        },
        {
            "institution_id": f"{county_code}-H2",
            "type": "county_tcm",
            "community_id": "C2",
            "county_code": county_code,
            "is_lead": True,
        },
        {
            "institution_id": f"{county_code}-M1",
            "type": "county_mch",
            "community_id": "C1",
            "county_code": county_code,
        },
    ]
    for t in range(8):
        comm = "C1" if t < 5 else "C2"
        tid = f"{county_code}-T{t + 1:02d}"
        insts.append(
            {
                "institution_id": tid,
                "type": "township_centre",
                "community_id": comm,
                "county_code": county_code,
            }
        )
        insts += [
            {
                "institution_id": f"{tid}-V{v + 1:02d}",
                "type": "village_clinic",
                "community_id": comm,
                "county_code": county_code,
            }
            for v in range(6)
        ]
    bands = np.array([0.09, 0.11, 0.12, 0.14, 0.15, 0.14, 0.12, 0.09, 0.04])  # 0-9 … 80-89
    ages = rng.choice(9, size=residents, p=bands / bands.sum()) * 10 + rng.integers(
        0, 10, size=residents
    )
    sexes = rng.integers(0, 2, size=residents)
    people = [
        {"patient_key": f"{county_code}-R{i:07d}", "age": int(a), "sex": "F" if s else "M"}
        for i, (a, s) in enumerate(zip(ages.tolist(), sexes.tolist(), strict=True))
    ]
    return insts, people
