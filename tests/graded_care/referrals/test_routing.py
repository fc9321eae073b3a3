"""Scope, direction checks and reviewers of a requested referral."""

from __future__ import annotations

import pytest

from yigong.graded_care.errors import InvalidRequest
from yigong.graded_care.levels import CareLevel, level_of_type
from yigong.graded_care.referrals.routing import InstitutionRef, resolve_route
from yigong.graded_care.referrals.states import Direction, Scope

T1 = InstitutionRef("T1", CareLevel.TOWNSHIP, "410100", "C1", "H1")
H1 = InstitutionRef("H1", CareLevel.COUNTY, "410100", "C1", "H1")
H2 = InstitutionRef("H2", CareLevel.COUNTY, "410100", "C2", "H2")
CITY = InstitutionRef("CITY", CareLevel.BEYOND_COUNTY, "410000")
LONE = InstitutionRef("LONE", CareLevel.TOWNSHIP, "410100", None, None)


def test_scopes_and_reviewers() -> None:
    r = resolve_route(T1, H1, Direction.UPWARD, "410100")
    assert r.scope is Scope.INTRA_COMMUNITY and r.reviewers == {"T1", "H1"}
    r = resolve_route(T1, H2, Direction.UPWARD, "410100")
    assert r.scope is Scope.INTER_COMMUNITY and r.reviewers == {"T1", "H1"}
    r = resolve_route(T1, CITY, Direction.UPWARD, "410100")
    assert r.scope is Scope.OUT_OF_COUNTY and r.reviewers == {"H1"} and r.community_id == "C1"
    r = resolve_route(CITY, T1, Direction.DOWNWARD, "410100")
    assert r.scope is Scope.OUT_OF_COUNTY and r.reviewers == {"H1"}


def test_out_of_county_without_lead_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="lead hospital"):
        resolve_route(LONE, CITY, Direction.UPWARD, "410100")


def test_both_ends_outside_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="neither"):
        resolve_route(T1, CITY, Direction.UPWARD, "999999")


def test_levels() -> None:
    assert level_of_type("village_clinic") is CareLevel.VILLAGE
    assert CareLevel.parse(" County ") is CareLevel.COUNTY
    with pytest.raises(InvalidRequest, match="unknown institution type 'spa'"):
        level_of_type("spa")
    with pytest.raises(InvalidRequest, match="unknown care level"):
        CareLevel.parse("galaxy")
