"""The read-only FHIR R4 face under ``/fhir``: the CapabilityStatement, and searches and reads
of ServiceRequest and Task over the referrals in the user's scope
(`yigong.access.views.fhir`). Answers are ``application/fhir+json``; errors keep the API's
error object."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from yigong.access.http import CurrentUser
from yigong.access.views import fhir
from yigong.api.errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(prefix="/fhir", responses=ERROR_RESPONSES, tags=["FHIR R4"])
FHIR_JSON = "application/fhir+json"
Values = Annotated[list[str] | None, Query(max_length=400)]
ResourceId = Annotated[str, Path(max_length=80)]


def _fhir(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type=FHIR_JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


@router.get("/metadata", response_model=dict[str, Any])
def metadata(request: Request) -> Response:
    """The CapabilityStatement: FHIR 4.0.1, JSON, read and search on ServiceRequest and Task."""
    return _fhir(fhir.metadata(_base(request)))


@router.get("/ServiceRequest", response_model=dict[str, Any])
def search_service_requests(
    request: Request,
    p: CurrentUser,
    status: Values = None,
    authored: Values = None,
    requester: Values = None,
    performer: Values = None,
    identifier: Values = None,
    _id: Annotated[list[str] | None, Query(alias="_id", max_length=400)] = None,
    _count: Annotated[int | None, Query(alias="_count", ge=1, le=fhir.MAX_COUNT)] = None,
    _offset: Annotated[int | None, Query(alias="_offset", ge=0, le=10**9)] = None,
) -> Response:
    """Referral orders in scope (searchset Bundle): ``status`` (active, completed, revoked),
    ``authored`` (date with eq/ne/lt/le/gt/ge), ``requester`` and ``performer``
    (``Organization/ID``), ``identifier``, ``_id``; paging ``_count``, ``_offset``."""
    return _fhir(fhir.search(p, "ServiceRequest", _params(request), _base(request)))


@router.get("/ServiceRequest/{resource_id}", response_model=dict[str, Any])
def read_service_request(p: CurrentUser, resource_id: ResourceId) -> Response:
    """One referral order (``sr-RFS-…``) in scope."""
    return _fhir(fhir.read(p, "ServiceRequest", resource_id))


@router.get("/Task", response_model=dict[str, Any])
def search_tasks(
    request: Request,
    p: CurrentUser,
    status: Values = None,
    authored_on: Annotated[list[str] | None, Query(alias="authored-on", max_length=400)] = None,
    requester: Values = None,
    owner: Values = None,
    business_status: Annotated[
        list[str] | None, Query(alias="business-status", max_length=400)
    ] = None,
    identifier: Values = None,
    _id: Annotated[list[str] | None, Query(alias="_id", max_length=400)] = None,
    _count: Annotated[int | None, Query(alias="_count", ge=1, le=fhir.MAX_COUNT)] = None,
    _offset: Annotated[int | None, Query(alias="_offset", ge=0, le=10**9)] = None,
) -> Response:
    """Referral tasks in scope (searchset Bundle): ``status`` (FHIR task status),
    ``business-status`` (our step), ``authored-on``, ``requester`` and ``owner``
    (``Organization/ID``), ``identifier``, ``_id``; paging ``_count``, ``_offset``."""
    return _fhir(fhir.search(p, "Task", _params(request), _base(request)))


@router.get("/Task/{resource_id}", response_model=dict[str, Any])
def read_task(p: CurrentUser, resource_id: ResourceId) -> Response:
    """One referral task (``task-RFS-…``) in scope."""
    return _fhir(fhir.read(p, "Task", resource_id))
