"""The CapabilityStatement of the read-only FHIR face (``GET /fhir/metadata``): FHIR R4
(4.0.1), JSON, ``read`` and ``search-type`` on ServiceRequest and Task with the parameters of
`yigong.interop.fhir.search`."""

from __future__ import annotations

from typing import Any

from yigong.interop.fhir.validate import FHIR_VERSION

__all__ = ["capability_statement"]

_COMMON = [
    ("_id", "token", "the resource id (sr-RFS-… / task-RFS-…)"),
    ("identifier", "token", "the referral id (urn:yigong:referral|RFS-…)"),
    ("requester", "reference", "the referring institution (Organization/ID)"),
]
_SEARCH = {
    "ServiceRequest": [
        *_COMMON,
        ("status", "token", "active | completed | revoked"),
        ("authored", "date", "authoredOn, with prefixes eq ne lt le gt ge"),
        ("performer", "reference", "the receiving institution (Organization/ID)"),
    ],
    "Task": [
        *_COMMON,
        ("status", "token", "FHIR task status (requested, accepted, in-progress, completed, …)"),
        ("authored-on", "date", "authoredOn, with prefixes eq ne lt le gt ge"),
        ("owner", "reference", "the receiving institution (Organization/ID)"),
        ("business-status", "token", "our step (urn:yigong:referral-status)"),
    ],
}
_PROFILES = {
    "ServiceRequest": "http://hl7.org/fhir/StructureDefinition/ServiceRequest",
    "Task": "http://hl7.org/fhir/StructureDefinition/Task",
}


def capability_statement(base_url: str, software_version: str, date: str) -> dict[str, Any]:
    """What the face does: read and search, JSON only, no writes, every answer scoped to the
    user's institutions (a bearer token of the yigong API)."""
    return {
        "resourceType": "CapabilityStatement",
        "id": "yigong-referrals",
        "status": "active",
        "date": date,
        "publisher": "yigong",
        "kind": "instance",
        "software": {"name": "yigong", "version": software_version},
        "implementation": {
            "description": "yigong two-way referrals (双向转诊), read-only",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Every search and read answers only referrals whose requesting or "
                    "receiving institution is in the user's scope; an institution outside it is "
                    "named by display text only. Paging: _count (1-200, default 50), _offset."
                ),
                "security": {
                    "description": (
                        "Bearer token from POST /api/v1/auth/token (OAuth2 password form); the "
                        "role needs referrals.read."
                    )
                },
                "resource": [
                    {
                        "type": kind,
                        "profile": _PROFILES[kind],
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "readHistory": False,
                        "updateCreate": False,
                        "searchParam": [
                            {"name": n, "type": t, "documentation": doc} for n, t, doc in params
                        ],
                    }
                    for kind, params in _SEARCH.items()
                ],
            }
        ],
    }
