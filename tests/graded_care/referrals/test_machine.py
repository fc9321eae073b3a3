"""The transition table: every legal transition is allowed, every other pair refused."""

from __future__ import annotations

import itertools

import pytest

from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotPermitted
from yigong.graded_care.referrals.machine import TRANSITIONS, Parties, allowed_actions, decide
from yigong.graded_care.referrals.states import Direction, Party, ReferralAction, ReferralStatus

UP = Parties("T1", "H1", frozenset({"T1", "H1"}), Direction.UPWARD)
OUT = Parties("T1", "CITY", frozenset({"H1"}), Direction.UPWARD)
DOWN = Parties("H1", "V1", frozenset({"H1"}), Direction.DOWNWARD)

# The expected table, written out independently of machine.TRANSITIONS.
EXPECTED = {
    (None, "request"): "requested",
    ("requested", "approve"): "approved",
    ("requested", "reject"): "review_rejected",
    ("requested", "cancel"): "cancelled",
    ("approved", "accept"): "accepted",
    ("approved", "decline"): "declined",
    ("approved", "cancel"): "cancelled",
    ("accepted", "arrive"): "arrived",
    ("accepted", "no_show"): "no_show",
    ("accepted", "cancel"): "cancelled",
    ("arrived", "return"): "records_returned",
    ("records_returned", "follow_up"): "records_returned",
}
ALL_PAIRS = list(itertools.product([None, *ReferralStatus], ReferralAction))


def _doer(parties: Parties, party: Party) -> str:
    return sorted(parties.institutions_for(party))[0]


def test_table_matches_the_documented_table() -> None:
    got = {
        (t.source.value if t.source else None, t.action.value): t.target.value for t in TRANSITIONS
    }
    assert got == EXPECTED


@pytest.mark.parametrize(
    ("source", "action"), [p for p in ALL_PAIRS if (p[0] and p[0].value, p[1].value) in EXPECTED]
)
def test_every_legal_transition(source: ReferralStatus | None, action: ReferralAction) -> None:
    t = decide(
        source,
        action,
        _doer(UP, next(t.party for t in TRANSITIONS if t.source == source and t.action == action)),
        UP,
        reason="理由",
    )
    assert t.target.value == EXPECTED[(source and source.value, action.value)]


@pytest.mark.parametrize(
    ("source", "action"),
    [p for p in ALL_PAIRS if (p[0] and p[0].value, p[1].value) not in EXPECTED],
)
def test_every_illegal_transition_is_refused(
    source: ReferralStatus | None, action: ReferralAction
) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot {action.value}"):
        decide(source, action, "T1", UP, reason="理由")


def test_final_statuses_allow_nothing_but_follow_up() -> None:
    for status in ReferralStatus:
        if status.is_final:
            assert set(allowed_actions(status)) <= {ReferralAction.FOLLOW_UP}


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}-{t.action}")
@pytest.mark.parametrize("parties", [UP, OUT, DOWN], ids=["up", "out", "down"])
def test_only_the_named_party_may_act(transition, parties: Parties) -> None:  # type: ignore[no-untyped-def]
    allowed = parties.institutions_for(transition.party)
    for inst in ("T1", "H1", "V1", "CITY", "H2"):
        if inst in allowed:
            assert decide(transition.source, transition.action, inst, parties, "r") == transition
        else:
            with pytest.raises(NotPermitted, match=transition.party.value):
                decide(transition.source, transition.action, inst, parties, "r")


def test_out_of_county_review_only_by_lead() -> None:
    with pytest.raises(NotPermitted):
        decide(ReferralStatus.REQUESTED, ReferralAction.APPROVE, "T1", OUT)
    assert decide(ReferralStatus.REQUESTED, ReferralAction.APPROVE, "H1", OUT).target is (
        ReferralStatus.APPROVED
    )


def test_primary_care_side_follows_direction() -> None:
    assert UP.institutions_for(Party.PRIMARY_CARE) == {"T1"}
    assert DOWN.institutions_for(Party.PRIMARY_CARE) == {"V1"}


@pytest.mark.parametrize("action", [a for a in ReferralAction if a.needs_reason])
def test_refusals_need_a_reason(action: ReferralAction) -> None:
    t = next(t for t in TRANSITIONS if t.action is action)
    with pytest.raises(InvalidRequest, match="needs a reason"):
        decide(t.source, action, _doer(UP, t.party), UP, reason=None)


def test_every_status_and_action_has_a_chinese_name() -> None:
    assert all(s.name_zh for s in ReferralStatus)
    assert all(a.name_zh for a in ReferralAction)
    assert {s.fhir_task_status for s in ReferralStatus} <= {
        "requested",
        "received",
        "accepted",
        "rejected",
        "cancelled",
        "in-progress",
        "failed",
        "completed",
    }
