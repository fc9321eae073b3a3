"""Graded care (分级诊疗) as pure domain code: referral state machine, routing, FHIR shape,
three-level disease catalogs, shared centres with mutual recognition, family-doctor contracts."""

from __future__ import annotations

from yigong.referral.errors import (
    ConcurrentUpdate,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    NotPermitted,
    WorkflowError,
)
from yigong.referral.levels import CareLevel
from yigong.referral.machine import TRANSITIONS, Parties, Transition, allowed_actions, decide
from yigong.referral.records import Actor, ReferralEvent, ReferralRecord
from yigong.referral.states import Direction, Party, ReferralAction, ReferralStatus, Scope

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
