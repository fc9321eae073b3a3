"""FHIR-shaped JSON for a referral: ServiceRequest + Task (+ one Provenance per audited step).

Follows the shape of HL7 BSeR and the Chinese two-way referral guide (``peers.md``): the
``ServiceRequest`` is the order, the ``Task`` tracks it with ``status`` (FHIR R4 Task status) and
``businessStatus`` (our Chinese step vocabulary). It is FHIR-*shaped*, not profile-validated.
"""

from __future__ import annotations

from typing import Any

from yigong.graded_care.referrals.machine import TRANSITIONS, Parties
from yigong.graded_care.referrals.records import ReferralRecord
from yigong.graded_care.referrals.states import ReferralStatus

STATUS_SYSTEM = "urn:yigong:referral-status"
ACTION_SYSTEM = "urn:yigong:referral-action"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"


def _org(institution_id: str) -> dict[str, Any]:
    return {"reference": f"Organization/{institution_id}"}


def _service_request_status(status: ReferralStatus) -> str:
    """The order is revoked when the referral ended without care, completed after 回传."""
    if status is ReferralStatus.RECORDS_RETURNED:
        return "completed"
    return "revoked" if status.is_final else "active"


def _owner(record: ReferralRecord) -> list[str]:
    parties = Parties(
        record.requesting_institution,
        record.receiving_institution,
        frozenset(record.reviewers),
        record.direction,
    )
    owners: set[str] = set()
    for t in TRANSITIONS:
        if t.source == record.status:
            owners |= parties.institutions_for(t.party)
    return sorted(owners)


def to_fhir_bundle(record: ReferralRecord) -> dict[str, Any]:
    """A ``collection`` Bundle with the ServiceRequest, the Task and the Provenance trail."""
    sr_id = f"sr-{record.referral_id}"
    task_id = f"task-{record.referral_id}"
    service_request = {
        "resourceType": "ServiceRequest",
        "id": sr_id,
        "identifier": [{"system": "urn:yigong:referral", "value": record.referral_id}],
        "status": _service_request_status(record.status),
        "intent": "order",
        "category": [
            {
                "coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}],
                "text": f"{record.direction.name_zh} · {record.scope.name_zh}",
            }
        ],
        "code": {
            "coding": [
                {
                    "system": "urn:yigong:referral-direction",
                    "code": record.direction.value,
                    "display": record.direction.name_zh,
                },
                {
                    "system": "urn:yigong:referral-scope",
                    "code": record.scope.value,
                    "display": record.scope.name_zh,
                },
            ]
        },
        "subject": {"identifier": {"system": "urn:yigong:patient", "value": record.patient_key}},
        "authoredOn": record.requested_at.isoformat() + "Z",
        "requester": _org(record.requesting_institution),
        "performer": [_org(record.receiving_institution)],
        "reasonCode": [
            {
                "coding": [{"system": ICD10_SYSTEM, "code": record.diagnosis_icd10}],
                "text": record.reason,
            }
        ],
    }
    last = record.events[-1] if record.events else None
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id,
        "meta": {"versionId": str(record.version)},
        "basedOn": [{"reference": f"ServiceRequest/{sr_id}"}],
        "focus": {"reference": f"ServiceRequest/{sr_id}"},
        "status": record.status.fhir_task_status,
        "businessStatus": {
            "coding": [
                {
                    "system": STATUS_SYSTEM,
                    "code": record.status.value,
                    "display": record.status.name_zh,
                }
            ],
            "text": record.status.name_zh,
        },
        "intent": "order",
        "for": service_request["subject"],
        "authoredOn": service_request["authoredOn"],
        "lastModified": record.updated_at.isoformat() + "Z",
        "requester": _org(record.requesting_institution),
        "owner": [_org(i) for i in _owner(record)],
    }
    if (
        last is not None
        and last.reason
        and record.status.fhir_task_status in ("rejected", "cancelled", "failed")
    ):
        task["statusReason"] = {"text": last.reason}
    provenance = [
        {
            "resourceType": "Provenance",
            "id": f"prov-{record.referral_id}-{e.seq}",
            "target": [{"reference": f"Task/{task_id}"}],
            "recorded": e.at.isoformat() + "Z",
            "activity": {
                "coding": [
                    {"system": ACTION_SYSTEM, "code": e.action.value, "display": e.action.name_zh}
                ]
            },
            "agent": [
                {"who": {"identifier": {"value": e.user_id}}, "onBehalfOf": _org(e.institution_id)}
            ],
            "reason": [{"text": e.reason}] if e.reason else [],
        }
        for e in record.events
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (service_request, task, *provenance)],
    }
