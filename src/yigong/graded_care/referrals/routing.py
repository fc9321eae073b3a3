"""Where a referral goes: its scope, a direction check, and who reviews it.

Rules (Henan 2020 opinions, tasks (3)7 and (4)2):
- a referral goes up or down at least one care level; lateral moves are not referrals here;
- its scope is *intra-community* when both ends belong to the same medical community,
  *inter-community* when both are in the county, *out-of-county* otherwise;
- review (审核): for an out-of-county referral only the lead hospital (牵头医院) of the community
  of the in-county end may review; for an in-county referral the requesting institution's own
  referral office or that lead hospital may review.
"""

from __future__ import annotations

from dataclasses import dataclass

from yigong.graded_care.errors import InvalidRequest
from yigong.graded_care.levels import CareLevel
from yigong.graded_care.referrals.states import Direction, Scope


@dataclass(frozen=True)
class InstitutionRef:
    """What routing needs to know about an institution."""

    institution_id: str
    level: CareLevel
    county_code: str
    community_id: str | None = None
    lead_institution_id: str | None = None  # the lead hospital of its community


@dataclass(frozen=True)
class Route:
    """The resolved route of one referral."""

    direction: Direction
    scope: Scope
    home_county: str
    community_id: str | None
    reviewers: frozenset[str]


def resolve_route(
    requester: InstitutionRef, receiver: InstitutionRef, direction: Direction, home_county: str
) -> Route:
    """Check a requested referral and return its scope and reviewers; refuse inconsistent input."""
    if requester.institution_id == receiver.institution_id:
        raise InvalidRequest("a referral needs two different institutions")
    if direction is Direction.UPWARD and receiver.level <= requester.level:
        raise InvalidRequest(
            f"upward referral (上转) must go to a higher level: {requester.institution_id} is "
            f"{requester.level.key}, {receiver.institution_id} is {receiver.level.key}"
        )
    if direction is Direction.DOWNWARD and receiver.level >= requester.level:
        raise InvalidRequest(
            f"downward referral (下转) must go to a lower level: {requester.institution_id} is "
            f"{requester.level.key}, {receiver.institution_id} is {receiver.level.key}"
        )
    in_county = [ref for ref in (requester, receiver) if ref.county_code == home_county]
    if not in_county:
        raise InvalidRequest(
            f"neither {requester.institution_id} nor {receiver.institution_id} is in county "
            f"{home_county}; the county's workflow only records referrals with one end inside"
        )
    anchor = requester if requester.county_code == home_county else receiver
    lead = anchor.lead_institution_id
    if len(in_county) == 1:
        scope = Scope.OUT_OF_COUNTY
        if lead is None:
            raise InvalidRequest(
                f"out-of-county referral needs the lead hospital's review, but "
                f"{anchor.institution_id} belongs to no medical community with a lead hospital"
            )
        reviewers = frozenset({lead})
    else:
        same = (
            requester.community_id is not None and requester.community_id == receiver.community_id
        )
        scope = Scope.INTRA_COMMUNITY if same else Scope.INTER_COMMUNITY
        req_lead = requester.lead_institution_id
        reviewers = frozenset({requester.institution_id} | ({req_lead} if req_lead else set()))
    return Route(direction, scope, home_county, anchor.community_id, reviewers)
