"""Check FHIR JSON against the official models: ``fhir.resources`` (R4B, 4.3.0).

yigong states FHIR R4 (4.0.1); R4B changed none of the elements its referral resources use, and
``fhir.resources`` ships no R4 (4.0.1) package beside R4B and R5, so R4B is the model checked.
A Bundle is validated as a whole (the models resolve each entry's ``resourceType``) and then
entry by entry, so a problem names the resource it is in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FhirModelsMissing", "Validation", "validate_bundles", "validate_resource"]

FHIR_VERSION = "4.0.1"
MODELS = "fhir.resources.R4B"


class FhirModelsMissing(RuntimeError):
    """``fhir.resources`` is not installed (the ``interop`` extra)."""


@dataclass
class Validation:
    """How many resources were checked, and the first problems found (resource id: message)."""

    checked: int = 0
    valid: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checked == self.valid


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: codes of the R4 elements with a *required* binding that yigong writes; the models check
#: structure and datatypes but not bindings, so these are checked here (values from the R4
#: value sets TaskStatus, TaskIntent, RequestStatus, RequestIntent, BundleType,
#: SearchEntryMode, PublicationStatus, CapabilityStatementKind)
REQUIRED_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("Task", "status"): _codes(
        "draft requested received accepted rejected ready cancelled in-progress on-hold "
        "failed completed entered-in-error"
    ),
    ("Task", "intent"): _codes(
        "unknown proposal plan order original-order reflex-order filler-order instance-order option"
    ),
    ("ServiceRequest", "status"): _codes(
        "draft active on-hold revoked completed entered-in-error unknown"
    ),
    ("ServiceRequest", "intent"): _codes(
        "proposal plan directive order original-order reflex-order filler-order "
        "instance-order option"
    ),
    ("Bundle", "type"): _codes(
        "document message transaction transaction-response batch batch-response history "
        "searchset collection"
    ),
    ("CapabilityStatement", "status"): _codes("draft active retired unknown"),
    ("CapabilityStatement", "kind"): _codes("instance capability requirements"),
}
_SEARCH_MODES = frozenset({"match", "include", "outcome"})


def _bindings(resource: dict[str, Any], where: str) -> list[str]:
    kind = str(resource.get("resourceType", ""))
    out = [
        f"{where}: {el} {resource.get(el)!r} is not in the required value set"
        for (k, el), codes in REQUIRED_CODES.items()
        if k == kind and el in resource and resource[el] not in codes
    ]
    if kind == "Bundle":
        for e in resource.get("entry", []):
            mode = (e.get("search") or {}).get("mode")
            if mode is not None and mode not in _SEARCH_MODES:
                out.append(f"{where}: search mode {mode!r} is not in SearchEntryMode")
    return out


def _model(resource_type: str) -> Any:
    try:
        from fhir.resources.R4B import get_fhir_model_class  # lazy: interop extra
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise FhirModelsMissing(
            "FHIR validation needs fhir.resources: pip install 'yigong[interop]'"
        ) from exc
    return get_fhir_model_class(resource_type)


def validate_resource(resource: dict[str, Any]) -> list[str]:
    """The problems the R4B model of the resource's type finds (empty: valid). A Bundle's
    entries are also checked as their own types."""
    kind = str(resource.get("resourceType", ""))
    where = f"{kind}/{resource.get('id', '?')}"
    try:
        model = _model(kind)
    except KeyError:
        return [f"{where}: unknown resource type"]
    problems = _bindings(resource, where)
    try:
        model.model_validate(resource)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        problems.append(f"{where}: " + " / ".join(str(exc).splitlines()[:3]))
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            problems += validate_resource(entry.get("resource") or {})
    return problems


def validate_bundles(bundles: Iterable[dict[str, Any]], keep: int = 20) -> Validation:
    """Validate every bundle; count the valid ones and keep the first ``keep`` problems."""
    out = Validation()
    for b in bundles:
        out.checked += 1
        problems = validate_resource(b)
        if problems:
            out.errors += problems[: max(0, keep - len(out.errors))]
        else:
            out.valid += 1
    return out
