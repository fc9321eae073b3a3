"""A tiny hand-built county used by the store tests (plain data, no randomness)."""

from __future__ import annotations

from yigong.graded_care.referrals.records import Actor
from yigong.services.referral import register_institution
from yigong.store import Store

COUNTY = "410100"

#: id, type, county, community, is_lead
INSTITUTIONS = [
    ("H1", "county_general", COUNTY, "C1", True),
    ("T1", "township_centre", COUNTY, "C1", False),
    ("V1", "village_clinic", COUNTY, "C1", False),
    ("H2", "county_tcm", COUNTY, "C2", True),
    ("T2", "township_centre", COUNTY, "C2", False),
    ("CITY", "city_hospital", "410000", None, False),
]


def build(store: Store) -> None:
    for iid, itype, county, community, lead in INSTITUTIONS:
        register_institution(store, iid, itype, county, community_id=community, is_lead=lead)


def actor(institution_id: str, user: str | None = None) -> Actor:
    return Actor(user or f"dr-{institution_id.lower()}", institution_id)
