"""The referral state machine as an explicit transition table.

Each row says: from this status, this action, done by this party, leads to that status. Any
(status, action) pair not in the table is an illegal transition and is refused with an error
naming the allowed actions. The table is data; ``decide`` only looks it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotPermitted
from yigong.graded_care.referrals.states import Direction, Party, ReferralAction, ReferralStatus

S = ReferralStatus
A = ReferralAction


@dataclass(frozen=True)
class Transition:
    """One row of the table; ``source`` is None for the creating action (申请)."""

    source: ReferralStatus | None
    action: ReferralAction
    target: ReferralStatus
    party: Party


TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, A.REQUEST, S.REQUESTED, Party.REQUESTER),
    Transition(S.REQUESTED, A.APPROVE, S.APPROVED, Party.REVIEWER),
    Transition(S.REQUESTED, A.REJECT, S.REVIEW_REJECTED, Party.REVIEWER),
    Transition(S.REQUESTED, A.CANCEL, S.CANCELLED, Party.REQUESTER),
    Transition(S.APPROVED, A.ACCEPT, S.ACCEPTED, Party.RECEIVER),
    Transition(S.APPROVED, A.DECLINE, S.DECLINED, Party.RECEIVER),
    Transition(S.APPROVED, A.CANCEL, S.CANCELLED, Party.REQUESTER),
    Transition(S.ACCEPTED, A.ARRIVE, S.ARRIVED, Party.RECEIVER),
    Transition(S.ACCEPTED, A.NO_SHOW, S.NO_SHOW, Party.RECEIVER),
    Transition(S.ACCEPTED, A.CANCEL, S.CANCELLED, Party.REQUESTER),
    Transition(S.ARRIVED, A.RETURN_RECORDS, S.RECORDS_RETURNED, Party.RECEIVER),
    # 随访 may be repeated after the records came back; it keeps the status.
    Transition(S.RECORDS_RETURNED, A.FOLLOW_UP, S.RECORDS_RETURNED, Party.PRIMARY_CARE),
)

_BY_KEY: dict[tuple[ReferralStatus | None, ReferralAction], Transition] = {
    (t.source, t.action): t for t in TRANSITIONS
}


@dataclass(frozen=True)
class Parties:
    """Which institution plays which party in one referral."""

    requester: str
    receiver: str
    reviewers: frozenset[str]
    direction: Direction

    def of(self, institution_id: str) -> frozenset[Party]:
        """All parties an institution plays (a lead hospital may request and review)."""
        roles: set[Party] = set()
        if institution_id == self.requester:
            roles.add(Party.REQUESTER)
        if institution_id == self.receiver:
            roles.add(Party.RECEIVER)
        if institution_id in self.reviewers:
            roles.add(Party.REVIEWER)
        primary = self.requester if self.direction is Direction.UPWARD else self.receiver
        if institution_id == primary:
            roles.add(Party.PRIMARY_CARE)
        return frozenset(roles)

    def institutions_for(self, party: Party) -> frozenset[str]:
        """Institutions allowed to act as ``party`` (used to name the next actor)."""
        match party:
            case Party.REQUESTER:
                return frozenset({self.requester})
            case Party.RECEIVER:
                return frozenset({self.receiver})
            case Party.REVIEWER:
                return self.reviewers
            case Party.PRIMARY_CARE:
                up = self.direction is Direction.UPWARD
                return frozenset({self.requester if up else self.receiver})


def allowed_actions(status: ReferralStatus | None) -> tuple[ReferralAction, ...]:
    """The actions the table allows from ``status`` (in table order)."""
    return tuple(t.action for t in TRANSITIONS if t.source == status)


def decide(
    status: ReferralStatus | None,
    action: ReferralAction,
    institution_id: str,
    parties: Parties,
    reason: str | None = None,
) -> Transition:
    """Return the transition ``action`` performs, or raise the refusal that explains why not."""
    transition = _BY_KEY.get((status, action))
    if transition is None:
        allowed = ", ".join(f"{a.value} ({a.name_zh})" for a in allowed_actions(status)) or "none"
        where = (
            "a new referral"
            if status is None
            else f"a referral that is {status.value} ({status.name_zh})"
        )
        raise IllegalTransition(
            f"cannot {action.value} ({action.name_zh}) {where}; allowed: {allowed}"
        )
    held = parties.of(institution_id)
    if transition.party not in held:
        who = ", ".join(sorted(parties.institutions_for(transition.party)))
        raise NotPermitted(
            f"{action.value} ({action.name_zh}) must be done by the {transition.party.value} "
            f"({transition.party.name_zh}: {who}); institution {institution_id} is "
            f"{', '.join(sorted(p.value for p in held)) or 'not a party to this referral'}"
        )
    if action.needs_reason and not (reason and reason.strip()):
        raise InvalidRequest(f"{action.value} ({action.name_zh}) needs a reason")
    return transition
