"""The read-only FHIR face, scoped: ServiceRequest and Task searches and reads over the
referrals of the user's institutions.

The same rule as the referral inbox (`yigong.access.views.referrals`): a referral is visible when
its requesting or receiving institution is in scope, filtered by the store
(`services.fhir.search_referrals`). An end outside the scope is the counterpart of the user's
own referral: it is a Reference with its *name* as display, never its code. A search naming an
institution outside the scope (``requester``, ``performer``, ``owner``) or a read of a referral
outside it — or unknown, so ids cannot be probed — is 403 ``outside_scope``. The Patient
reference is a per-referral pseudonym (``pt-RFS-…``): as in the inbox, no patient key leaves
the API, and no two referrals of one patient can be linked. Answers are redacted like every
other (`Principal.redact`) with the counterparts' names left readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import yigong
from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.graded_care.errors import NotFound
from yigong.graded_care.referrals.records import ReferralRecord
from yigong.interop.fhir import referral as build
from yigong.interop.fhir.capability import capability_statement
from yigong.interop.fhir.search import InvalidSearch, parse_search, searchset
from yigong.services.fhir import search_referrals
from yigong.services.referral import get_referral

__all__ = ["MAX_COUNT", "RESOURCES", "metadata", "read", "search"]

RESOURCES = ("ServiceRequest", "Task")
MAX_COUNT = 200
_PREFIX = {"ServiceRequest": "sr-", "Task": "task-"}


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def metadata(base_url: str) -> dict[str, Any]:
    """The CapabilityStatement (no data: public, as FHIR expects of ``/metadata``)."""

    return capability_statement(base_url, yigong.__version__, _now()[:10])


def _parties(p: Principal, records: list[ReferralRecord]) -> dict[str, build.Party]:
    ends = {i for r in records for i in (r.requesting_institution, r.receiving_institution)}
    return {
        i: build.Party(i, p.scope.names.get(i, ""), visible=i in p.scope.institutions) for i in ends
    }


def _resource(p: Principal, kind: str, r: ReferralRecord) -> dict[str, Any]:
    parties = _parties(p, [r])
    pid = f"pt-{r.referral_id}"
    made = (
        build.service_request(r, parties, pid)
        if kind == "ServiceRequest"
        else build.task(r, parties, pid)
    )
    shown = {pa.name for pa in parties.values() if pa.name}
    return p.redact.but(shown)(made)  # type: ignore[no-any-return]


def _int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise AccessError(
            400, "bad_request", f"search parameter {name}={raw!r}: expected {low}..{high}"
        )
    return value


def search(
    p: Principal, kind: str, params: Sequence[tuple[str, str]], base_url: str
) -> dict[str, Any]:
    """A ``searchset`` Bundle of ``kind`` resources of the referrals in scope that match."""

    try:
        query = parse_search(kind, params)
    except InvalidSearch as exc:
        raise AccessError(400, "bad_request", str(exc), {"parameter": exc.parameter}) from None
    if query.institutions_named() - p.scope.institutions:
        raise p.refuse("the institution searched for")
    given = dict(params)
    count = _int("_count", given.get("_count"), 50, 1, MAX_COUNT)
    offset = _int("_offset", given.get("_offset"), 0, 0, 10**9)
    page = search_referrals(
        p.state.workflow(),
        p.scope.institutions,
        query,
        limit=count,
        offset=offset,
        with_events=kind == "Task",  # Task.statusReason is the last step's reason
    )
    kept = [(k, v) for k, v in params if k not in ("_count", "_offset")]
    url = f"{base_url.rstrip('/')}/{kind}"

    def link(at: int) -> str:
        return f"{url}?{urlencode([*kept, ('_count', str(count)), ('_offset', str(at))])}"

    more = offset + count < page.total
    return searchset(
        [_resource(p, kind, r) for r in page.items],
        page.total,
        base_url,
        link(offset),
        link(offset + count) if more else None,
        _now(),
    )


def read(p: Principal, kind: str, resource_id: str) -> dict[str, Any]:
    """One ServiceRequest (``sr-RFS-…``) or Task (``task-RFS-…``) of a referral in scope."""

    prefix = _PREFIX[kind]
    if not resource_id.startswith(prefix):
        raise p.refuse("the referral asked for")
    try:
        record = get_referral(p.state.workflow(), resource_id.removeprefix(prefix))
    except NotFound:
        raise p.refuse("the referral asked for") from None
    if not {record.requesting_institution, record.receiving_institution} & p.scope.institutions:
        raise p.refuse("the referral asked for")
    return _resource(p, kind, record)
