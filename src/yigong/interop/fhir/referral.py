"""A referral as FHIR R4 resources: ServiceRequest + Task (+ Provenance per audited step), the
Organizations it references and a pseudonymous Patient.

The shape follows HL7 BSeR (bidirectional services eReferral) and the Chinese two-way referral
guides (``peers.md``): the **ServiceRequest** is the order (requester: the referring
institution, performer: the receiving one); the **Task** tracks it — ``status`` is the FHIR
task status, ``businessStatus`` the Chinese step (已申请, 已审核, 已接收, 已到诊, 已回传 …), and
``owner`` the receiving institution that fulfils it (one Reference, as FHIR allows); each
**Provenance** records one step of the audit trail (who, on behalf of which institution, when,
why).

The **Patient** carries no name, birth date or identity number: its id and only identifier are
the warehouse pseudonym (or, for the API, a per-referral pseudonym) and it is labelled
``PSEUDED``. An **Organization** is written for each institution the caller may show
(`Party`: id, name, division); an end the caller may not identify is a Reference with a display
text only (its name, or nothing), so no hidden institution code leaves the builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yigong.graded_care.referrals.records import ReferralRecord
from yigong.graded_care.referrals.states import ReferralStatus
from yigong.interop.fhir import systems as cs

__all__ = [
    "Party",
    "organization",
    "patient",
    "provenances",
    "referral_bundle",
    "service_request",
    "service_request_status",
    "task",
]

_SETTING_ZH = {"outpatient": "门诊转诊", "inpatient": "住院转诊"}


@dataclass(frozen=True)
class Party:
    """An institution as the caller may show it: ``visible`` ones become Organizations with
    their code, name and division; others are named by ``name`` only (may be empty)."""

    institution_id: str
    name: str = ""
    division_code: str = ""
    division_name: str = ""
    visible: bool = True


def instant(at: datetime) -> str:
    """A naive UTC time (as the store keeps them) as a FHIR instant."""
    return at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def service_request_status(status: ReferralStatus) -> str:
    """The order is ``completed`` once records came back (回传), ``revoked`` when the referral
    ended without care, ``active`` while it runs."""
    if status is ReferralStatus.RECORDS_RETURNED:
        return "completed"
    return "revoked" if status.is_final else "active"


def _reference(inst: str, parties: Mapping[str, Party]) -> dict[str, Any]:
    party = parties.get(inst)
    if party is None:
        return {"reference": f"Organization/{inst}"}
    if not party.visible:
        return {"display": party.name} if party.name else {"display": "(outside scope)"}
    ref: dict[str, Any] = {"reference": f"Organization/{inst}"}
    if party.name:
        ref["display"] = party.name
    return ref


def organization(party: Party) -> dict[str, Any]:
    """An institution: its code as identifier, its name, and the administrative division it
    lies in (``partOf`` by a GB/T 2260 identifier, the division named)."""
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "id": party.institution_id,
        "identifier": [{"system": cs.INSTITUTION, "value": party.institution_id}],
        "active": True,
    }
    if party.name:
        org["name"] = party.name
    if party.division_code:
        part: dict[str, Any] = {"identifier": {"system": cs.DIVISION, "value": party.division_code}}
        if party.division_name:
            part["display"] = party.division_name
        org["partOf"] = part
    return org


def patient(patient_id: str, pseudonym: str) -> dict[str, Any]:
    """A pseudonymous Patient: no name, birth date, sex or identity number."""
    return {
        "resourceType": "Patient",
        "id": patient_id,
        "meta": {
            "security": [
                {"system": cs.V3_OBSERVATION_VALUE, "code": "PSEUDED", "display": "pseudonymized"}
            ]
        },
        "identifier": [{"system": cs.PATIENT_PSEUDONYM, "value": pseudonym}],
    }


def _diagnosis(record: ReferralRecord) -> dict[str, Any]:
    code = record.diagnosis_icd10
    coding = [{"system": cs.ICD10_NHSA, "code": code}]
    if len(code) >= 3:
        coding.append({"system": cs.ICD10_WHO, "code": code[:3]})
    concept: dict[str, Any] = {"coding": coding}
    if record.reason:
        concept["text"] = record.reason
    return concept


def service_request(
    record: ReferralRecord, parties: Mapping[str, Party], patient_id: str
) -> dict[str, Any]:
    """The order: who refers (requester) to whom (performer), why (ICD-10), when."""
    code, display = cs.SNOMED_PATIENT_REFERRAL
    setting = _SETTING_ZH.get(record.setting, record.setting)
    return {
        "resourceType": "ServiceRequest",
        "id": f"sr-{record.referral_id}",
        "identifier": [{"system": cs.REFERRAL, "value": record.referral_id}],
        "status": service_request_status(record.status),
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": cs.REFERRAL_DIRECTION,
                        "code": record.direction.value,
                        "display": record.direction.name_zh,
                    }
                ]
            },
            {
                "coding": [
                    {
                        "system": cs.REFERRAL_SCOPE,
                        "code": record.scope.value,
                        "display": record.scope.name_zh,
                    }
                ]
            },
            {
                "coding": [
                    {"system": cs.REFERRAL_SETTING, "code": record.setting, "display": setting}
                ]
            },
        ],
        "code": {
            "coding": [{"system": cs.SNOMED, "code": code, "display": display}],
            "text": f"{record.direction.name_zh} · {record.scope.name_zh} · {setting}",
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": instant(record.requested_at),
        "requester": _reference(record.requesting_institution, parties),
        "performer": [_reference(record.receiving_institution, parties)],
        "reasonCode": [_diagnosis(record)],
    }


def task(record: ReferralRecord, parties: Mapping[str, Party], patient_id: str) -> dict[str, Any]:
    """The tracking Task: FHIR status, the Chinese step as businessStatus, the receiving
    institution as owner, the last refusal's reason as statusReason."""
    sr = f"ServiceRequest/sr-{record.referral_id}"
    out: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"task-{record.referral_id}",
        "meta": {"versionId": str(record.version)},
        "identifier": [{"system": cs.REFERRAL, "value": record.referral_id}],
        "basedOn": [{"reference": sr}],
        "status": record.status.fhir_task_status,
        "businessStatus": {
            "coding": [
                {
                    "system": cs.REFERRAL_STATUS,
                    "code": record.status.value,
                    "display": record.status.name_zh,
                }
            ],
            "text": record.status.name_zh,
        },
        "intent": "order",
        "code": {"coding": [{"system": cs.TASK_CODE, "code": "fulfill"}]},
        "focus": {"reference": sr},
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": instant(record.requested_at),
        "lastModified": instant(record.updated_at),
        "requester": _reference(record.requesting_institution, parties),
        "owner": _reference(record.receiving_institution, parties),
    }
    last = record.events[-1] if record.events else None
    if (
        last is not None
        and last.reason
        and record.status.fhir_task_status in ("rejected", "cancelled", "failed")
    ):
        out["statusReason"] = {"text": last.reason}
    return out


def provenances(record: ReferralRecord, parties: Mapping[str, Party]) -> list[dict[str, Any]]:
    """One Provenance per audited step: the step, the user, the institution acted for."""
    out = []
    for e in record.events:
        prov: dict[str, Any] = {
            "resourceType": "Provenance",
            "id": f"prov-{record.referral_id}-{e.seq}",
            "target": [{"reference": f"Task/task-{record.referral_id}"}],
            "recorded": instant(e.at),
            "activity": {
                "coding": [
                    {
                        "system": cs.REFERRAL_ACTION,
                        "code": e.action.value,
                        "display": e.action.name_zh,
                    }
                ]
            },
            "agent": [
                {
                    "who": {"identifier": {"system": cs.USER, "value": e.user_id}},
                    "onBehalfOf": _reference(e.institution_id, parties),
                }
            ],
        }
        if e.reason:
            prov["reason"] = [{"text": e.reason}]
        out.append(prov)
    return out


def referral_bundle(
    record: ReferralRecord,
    parties: Mapping[str, Party] | None = None,
    *,
    patient_id: str | None = None,
) -> dict[str, Any]:
    """A ``collection`` Bundle: ServiceRequest, Task, the Provenance trail, every visible
    Organization referenced and the pseudonymous Patient (id: the warehouse pseudonym unless
    ``patient_id`` says otherwise)."""
    parties = parties or {}
    pid = patient_id or f"pt-{record.patient_key}"
    resources = [
        service_request(record, parties, pid),
        task(record, parties, pid),
        *provenances(record, parties),
    ]
    seen: list[str] = []
    for inst in (
        record.requesting_institution,
        record.receiving_institution,
        *(e.institution_id for e in record.events),
    ):
        if inst not in seen:
            seen.append(inst)
    for inst in seen:
        party = parties.get(inst, Party(inst))
        if party.visible:
            resources.append(organization(party))
    resources.append(patient(pid, record.patient_key))
    return {
        "resourceType": "Bundle",
        "id": f"referral-{record.referral_id}",
        "type": "collection",
        "timestamp": instant(record.updated_at),
        "entry": [{"resource": r} for r in resources],
    }
