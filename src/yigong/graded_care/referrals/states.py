"""Referral vocabulary: statuses, actions, directions, scopes and parties, with Chinese names.

The step vocabulary follows the Chinese two-way referral guides (申请 → 审核 → 应答 → 到诊 →
回传, plus 下转 and 随访; CN-Public-Health-Core notes in the project's research notes on peer systems) and the
Henan 2020 opinions on close county medical communities (referral inside a community, between
communities and out of the county; out-of-county referrals reviewed by the lead hospital).
"""

from __future__ import annotations

from enum import StrEnum


class ReferralStatus(StrEnum):
    """Where a referral stands (FHIR ``Task.businessStatus``)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REVIEW_REJECTED = "review_rejected"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ARRIVED = "arrived"
    RECORDS_RETURNED = "records_returned"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def name_zh(self) -> str:
        return _STATUS_ZH[self]

    @property
    def fhir_task_status(self) -> str:
        """The FHIR R4 ``Task.status`` code this business status maps onto."""
        return _STATUS_FHIR[self]

    @property
    def is_final(self) -> bool:
        """True when no further step except follow-up can happen."""
        return self in _FINAL


_STATUS_ZH = {
    ReferralStatus.REQUESTED: "已申请（待审核）",
    ReferralStatus.APPROVED: "已审核（待应答）",
    ReferralStatus.REVIEW_REJECTED: "审核未通过",
    ReferralStatus.ACCEPTED: "已接收（待到诊）",
    ReferralStatus.DECLINED: "已拒收",
    ReferralStatus.ARRIVED: "已到诊",
    ReferralStatus.RECORDS_RETURNED: "已回传",
    ReferralStatus.NO_SHOW: "未到诊",
    ReferralStatus.CANCELLED: "已撤销",
}
_STATUS_FHIR = {
    ReferralStatus.REQUESTED: "requested",
    ReferralStatus.APPROVED: "received",
    ReferralStatus.REVIEW_REJECTED: "rejected",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.DECLINED: "rejected",
    ReferralStatus.ARRIVED: "in-progress",
    ReferralStatus.RECORDS_RETURNED: "completed",
    ReferralStatus.NO_SHOW: "failed",
    ReferralStatus.CANCELLED: "cancelled",
}
_FINAL = frozenset(
    {
        ReferralStatus.REVIEW_REJECTED,
        ReferralStatus.DECLINED,
        ReferralStatus.RECORDS_RETURNED,
        ReferralStatus.NO_SHOW,
        ReferralStatus.CANCELLED,
    }
)


class ReferralAction(StrEnum):
    """A user action on a referral; each one is a row of the transition table."""

    REQUEST = "request"
    APPROVE = "approve"
    REJECT = "reject"
    ACCEPT = "accept"
    DECLINE = "decline"
    ARRIVE = "arrive"
    RETURN_RECORDS = "return"
    FOLLOW_UP = "follow_up"
    CANCEL = "cancel"
    NO_SHOW = "no_show"

    @property
    def name_zh(self) -> str:
        return _ACTION_ZH[self]

    @property
    def needs_reason(self) -> bool:
        """Refusals and interruptions must say why (kept in the audit trail)."""
        return self in _NEEDS_REASON


_ACTION_ZH = {
    ReferralAction.REQUEST: "申请",
    ReferralAction.APPROVE: "审核通过",
    ReferralAction.REJECT: "审核不通过",
    ReferralAction.ACCEPT: "应答·接收",
    ReferralAction.DECLINE: "应答·拒收",
    ReferralAction.ARRIVE: "到诊",
    ReferralAction.RETURN_RECORDS: "回传",
    ReferralAction.FOLLOW_UP: "随访",
    ReferralAction.CANCEL: "撤销",
    ReferralAction.NO_SHOW: "未到诊",
}
_NEEDS_REASON = frozenset(
    {
        ReferralAction.REQUEST,
        ReferralAction.REJECT,
        ReferralAction.DECLINE,
        ReferralAction.CANCEL,
        ReferralAction.NO_SHOW,
    }
)


class Direction(StrEnum):
    """双向转诊: upward to a higher level, downward back to primary care."""

    UPWARD = "upward"
    DOWNWARD = "downward"

    @property
    def name_zh(self) -> str:
        return "上转" if self is Direction.UPWARD else "下转"


class Scope(StrEnum):
    """How far the patient travels: inside the community, across communities, out of the county."""

    INTRA_COMMUNITY = "intra_community"
    INTER_COMMUNITY = "inter_community"
    OUT_OF_COUNTY = "out_of_county"

    @property
    def name_zh(self) -> str:
        return _SCOPE_ZH[self]


_SCOPE_ZH = {
    Scope.INTRA_COMMUNITY: "医共体内转诊",
    Scope.INTER_COMMUNITY: "县域内跨医共体转诊",
    Scope.OUT_OF_COUNTY: "转县域外",
}


class Party(StrEnum):
    """The role an institution plays in one referral; permissions are granted to parties."""

    REQUESTER = "requester"
    RECEIVER = "receiver"
    REVIEWER = "reviewer"
    PRIMARY_CARE = "primary_care"

    @property
    def name_zh(self) -> str:
        return _PARTY_ZH[self]


_PARTY_ZH = {
    Party.REQUESTER: "申请机构",
    Party.RECEIVER: "接收机构",
    Party.REVIEWER: "审核机构",
    Party.PRIMARY_CARE: "基层随访机构",
}
