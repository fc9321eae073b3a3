"""Graded care (分级诊疗) as pure domain code: referral state machine, routing,
three-level disease catalogs, shared centres with mutual recognition, family-doctor contracts."""

from __future__ import annotations

from yigong.graded_care.errors import (
    ConcurrentUpdate,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    NotPermitted,
    WorkflowError,
)
from yigong.graded_care.levels import CareLevel
from yigong.graded_care.referrals.machine import (
    TRANSITIONS,
    Parties,
    Transition,
    allowed_actions,
    decide,
)
from yigong.graded_care.referrals.records import Actor, ReferralEvent, ReferralRecord
from yigong.graded_care.referrals.states import (
    Direction,
    Party,
    ReferralAction,
    ReferralStatus,
    Scope,
)

__all__ = [
    "TRANSITIONS",
    "Actor",
    "CareLevel",
    "ConcurrentUpdate",
    "Direction",
    "IllegalTransition",
    "InvalidRequest",
    "NotFound",
    "NotPermitted",
    "Parties",
    "Party",
    "ReferralAction",
    "ReferralEvent",
    "ReferralRecord",
    "ReferralStatus",
    "Scope",
    "Transition",
    "WorkflowError",
    "allowed_actions",
    "decide",
]
