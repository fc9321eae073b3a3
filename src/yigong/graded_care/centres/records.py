"""Frozen views of shared-centre requests and recognition decisions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from yigong.graded_care.centres.catalog import CentreRequestStatus, CentreType
from yigong.graded_care.centres.recognition import RecognitionStatus
from yigong.graded_care.referrals.records import _jsonable


@dataclass(frozen=True)
class CentreRequestRecord:
    request_id: str
    centre_type: CentreType
    service_code: str
    patient_key: str
    requesting_institution: str
    centre_institution: str
    status: CentreRequestStatus
    requested_at: datetime
    reported_at: datetime | None
    report_text: str | None
    price: Decimal

    @property
    def turnaround_hours(self) -> Decimal | None:
        """Hours from request to report (2 decimals); None until reported."""
        if self.reported_at is None:
            return None
        seconds = Decimal(int((self.reported_at - self.requested_at).total_seconds()))
        return (seconds / 3600).quantize(Decimal("0.01"))

    def to_dict(self) -> dict[str, Any]:
        out = _jsonable(asdict(self))
        out["price"] = str(self.price)
        hours = self.turnaround_hours
        out["turnaround_hours"] = None if hours is None else str(hours)
        return out


@dataclass(frozen=True)
class RecognitionRecord:
    recognition_id: str
    patient_key: str
    service_code: str
    earlier_request_id: str
    new_request_id: str
    window_days: int
    days_between: int
    status: RecognitionStatus
    decided_by: str | None
    decided_institution: str | None
    decided_at: datetime | None
    reason: str | None
    avoided: Decimal

    def to_dict(self) -> dict[str, Any]:
        out = _jsonable(asdict(self))
        out["avoided"] = str(self.avoided)
        return out


@dataclass(frozen=True)
class CentreOrder:
    """The result of ordering a centre service: the request and, if a repeat, the flag."""

    request: CentreRequestRecord
    recognition: RecognitionRecord | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.to_dict(),
            "recognition": self.recognition.to_dict() if self.recognition else None,
        }
