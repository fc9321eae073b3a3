"""The search parameters of the read-only FHIR face, parsed into one store-neutral query.

Supported (FHIR R4 search, §3.1.1 of the RESTful API: token, reference and date parameters;
several values of one parameter separated by commas are OR-ed, a parameter repeated is AND-ed):

| resource | parameter | meaning |
|---|---|---|
| both | ``_id`` | the resource id (``sr-RFS-…`` / ``task-RFS-…``) |
| both | ``identifier`` | the referral id (``RFS-…``, optionally ``system|RFS-…``) |
| both | ``requester`` | the referring institution (``Organization/ID`` or ``ID``) |
| both | ``status`` | ServiceRequest or Task status (FHIR codes) |
| ServiceRequest | ``authored`` | ``authoredOn`` (date with prefix ``eq ne lt le gt ge``) |
| ServiceRequest | ``performer`` | the receiving institution |
| Task | ``authored-on`` | ``authoredOn`` |
| Task | ``owner`` | the receiving institution |
| Task | ``business-status`` | our step code (``requested``, ``arrived``, …) |

A bad value is an `InvalidSearch` naming the parameter, value and reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from yigong.graded_care.referrals.states import ReferralStatus
from yigong.interop.fhir import systems as cs
from yigong.interop.fhir.referral import service_request_status
from yigong.interop.fhir.validate import REQUIRED_CODES

__all__ = ["InvalidSearch", "ReferralQuery", "TimeRange", "parse_search", "searchset"]

_DATE = re.compile(
    r"^(?P<prefix>eq|ne|lt|le|gt|ge)?(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2})?)(?:Z|\+00:00)?)?)?)?$"
)
_PARAMS = {
    "ServiceRequest": {"_id", "identifier", "requester", "status", "authored", "performer"},
    "Task": {"_id", "identifier", "requester", "status", "authored-on", "owner", "business-status"},
}
#: paging and format parameters the face accepts besides the search parameters
CONTROL = frozenset({"_count", "_offset", "_format"})


class InvalidSearch(ValueError):
    """A search parameter the face does not support, or a value it cannot read."""

    def __init__(self, parameter: str, value: str, reason: str) -> None:
        super().__init__(f"search parameter {parameter}={value!r}: {reason}")
        self.parameter = parameter


@dataclass(frozen=True)
class TimeRange:
    """``start <= t < end`` (either side open when None); ``negate`` for the ``ne`` prefix."""

    start: datetime | None
    end: datetime | None
    negate: bool = False


@dataclass
class ReferralQuery:
    """What a FHIR search asks of the referral store: each set is OR-ed, each field AND-ed;
    None means no condition."""

    referral_ids: set[str] | None = None
    statuses: set[ReferralStatus] | None = None
    requesters: set[str] | None = None
    receivers: set[str] | None = None
    requested: list[TimeRange] = field(default_factory=list)

    def institutions_named(self) -> set[str]:
        """Every institution the query names (the access layer checks them against scope)."""
        return (self.requesters or set()) | (self.receivers or set())


def _and(current: set[str] | None, values: set[str]) -> set[str]:
    return values if current is None else current & values


def _statuses(param: str, values: list[str], resource: str) -> set[ReferralStatus]:
    out: set[ReferralStatus] = set()
    for v in values:
        if param == "business-status":
            code = v.split("|")[-1]
            if code not in {s.value for s in ReferralStatus}:
                raise InvalidSearch(param, v, f"not a step of {cs.REFERRAL_STATUS}")
            out.add(ReferralStatus(code))
            continue
        if resource == "Task":
            found = {s for s in ReferralStatus if s.fhir_task_status == v}
        else:
            found = {s for s in ReferralStatus if service_request_status(s) == v}
        if not found and v not in _KNOWN_STATUS[resource]:
            raise InvalidSearch(param, v, f"not a {resource} status")
        out |= found  # a valid status no referral takes (e.g. draft) matches nothing
    return out


_KNOWN_STATUS = {
    "Task": REQUIRED_CODES[("Task", "status")],
    "ServiceRequest": REQUIRED_CODES[("ServiceRequest", "status")],
}


def _reference(param: str, v: str) -> str:
    ref = v.removeprefix("Organization/")
    if not ref or "/" in ref:
        raise InvalidSearch(param, v, "expected Organization/ID or an institution id")
    return ref


def _identifier(param: str, v: str, prefix: str = "") -> str:
    if "|" in v:
        system, _, code = v.partition("|")
        if system and system != cs.REFERRAL:
            raise InvalidSearch(param, v, f"identifiers are of system {cs.REFERRAL}")
        v = code
    return v.removeprefix(prefix) if prefix else v


def _time(param: str, v: str) -> TimeRange:
    m = _DATE.match(v)
    if not m:
        raise InvalidSearch(param, v, "expected [eq|ne|lt|le|gt|ge]YYYY[-MM[-DD[Thh:mm[:ss]]]]")
    y, mo, d, t = int(m["y"]), m["m"], m["d"], m["time"]
    try:
        if t:
            start = datetime.fromisoformat(f"{m['y']}-{mo}-{d}T{t}")
            end = start + timedelta(seconds=1 if t.count(":") == 2 else 60)
        elif d:
            start = datetime(y, int(mo), int(d))
            end = start + timedelta(days=1)
        elif mo:
            start = datetime(y, int(mo), 1)
            end = datetime(y + int(mo) // 12, int(mo) % 12 + 1, 1)
        else:
            start, end = datetime(y, 1, 1), datetime(y + 1, 1, 1)
    except ValueError as exc:
        raise InvalidSearch(param, v, str(exc)) from None
    match m["prefix"] or "eq":
        case "eq":
            return TimeRange(start, end)
        case "ne":
            return TimeRange(start, end, negate=True)
        case "lt":
            return TimeRange(None, start)
        case "le":
            return TimeRange(None, end)
        case "gt":
            return TimeRange(end, None)
        case _:  # ge
            return TimeRange(start, None)


def parse_search(resource: str, params: Iterable[tuple[str, str]]) -> ReferralQuery:
    """The query of a search on ``resource`` (``ServiceRequest`` or ``Task``) from its
    (name, value) pairs; paging parameters (``_count``, ``_offset``, ``_format``) are skipped."""
    allowed = _PARAMS[resource]
    q = ReferralQuery()
    for name, raw in params:
        if name in CONTROL:
            continue
        if name not in allowed:
            raise InvalidSearch(name, raw, f"not supported on {resource}: {sorted(allowed)}")
        values = [v for v in raw.split(",") if v]
        if not values:
            raise InvalidSearch(name, raw, "empty value")
        if name == "_id":
            prefix = "sr-" if resource == "ServiceRequest" else "task-"
            ids = {v.removeprefix(prefix) for v in values if v.startswith(prefix)}
            q.referral_ids = _and(q.referral_ids, ids)
        elif name == "identifier":
            q.referral_ids = _and(q.referral_ids, {_identifier(name, v) for v in values})
        elif name in ("status", "business-status"):
            found = _statuses(name, values, resource)
            q.statuses = found if q.statuses is None else q.statuses & found
        elif name == "requester":
            q.requesters = _and(q.requesters, {_reference(name, v) for v in values})
        elif name in ("performer", "owner"):
            q.receivers = _and(q.receivers, {_reference(name, v) for v in values})
        else:  # authored, authored-on
            if len(values) > 1:
                raise InvalidSearch(name, raw, "one date per parameter (repeat it to AND)")
            q.requested.append(_time(name, values[0]))
    return q


def searchset(
    resources: list[dict[str, object]],
    total: int,
    base_url: str,
    self_url: str,
    next_url: str | None,
    timestamp: str,
) -> dict[str, object]:
    """A ``searchset`` Bundle: each resource a ``match`` with its full URL, the total and the
    self / next links."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timestamp,
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url.rstrip('/')}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
