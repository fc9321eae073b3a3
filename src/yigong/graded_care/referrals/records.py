"""Plain, frozen views of workflow records, shared by services, FHIR rendering and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from yigong.graded_care.referrals.states import Direction, ReferralAction, ReferralStatus, Scope


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (``user_id``) on behalf of an institution."""

    user_id: str
    institution_id: str


@dataclass(frozen=True)
class ReferralEvent:
    """One audited transition: who did what, when and why."""

    seq: int
    action: ReferralAction
    from_status: ReferralStatus | None
    to_status: ReferralStatus
    user_id: str
    institution_id: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class ReferralRecord:
    """A referral with its audit trail (times are UTC, naive)."""

    referral_id: str
    patient_key: str
    direction: Direction
    scope: Scope
    setting: str  # "outpatient" (门诊转诊) or "inpatient" (住院转诊)
    status: ReferralStatus
    requesting_institution: str
    receiving_institution: str
    reviewers: tuple[str, ...]
    home_county: str
    community_id: str | None
    diagnosis_icd10: str
    reason: str
    requested_at: datetime
    updated_at: datetime
    version: int
    events: tuple[ReferralEvent, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (enums as values, datetimes as ISO strings)."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
