"""Shared-centre use cases: order, report, cancel, and decide mutual recognition.

Ordering a service checks the patient's earlier reports of the same service: inside the
service's recognition window the new request is flagged (a pending recognition) and cannot be
reported until the ordering institution decides whether the earlier result is recognised.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from yigong.graded_care.centres.catalog import (
    CentreCatalog,
    CentreRequestStatus,
    CentreType,
    load_centre_catalog,
)
from yigong.graded_care.centres.recognition import (
    PriorResult,
    RecognitionStatus,
    RecognitionSummary,
    find_repeat,
)
from yigong.graded_care.centres.records import CentreOrder, CentreRequestRecord, RecognitionRecord
from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotFound, NotPermitted
from yigong.graded_care.levels import CareLevel
from yigong.graded_care.referrals.records import Actor
from yigong.schema.money import Money
from yigong.services._workflow import action, as_naive_utc, institution, need_text, new_id
from yigong.store import Store
from yigong.store import models as m


@lru_cache(maxsize=8)
def centre_catalog(county: str | None = None) -> CentreCatalog:
    """The (cached) centre services for a county, falling back to the default file."""
    return load_centre_catalog(county)


def _request_record(row: m.CentreRequest) -> CentreRequestRecord:
    return CentreRequestRecord(
        row.request_id,
        CentreType(row.centre_type),
        row.service_code,
        row.patient_key,
        row.requesting_institution,
        row.centre_institution,
        CentreRequestStatus(row.status),
        row.requested_at,
        row.reported_at,
        row.report_text,
        Money.from_fen(row.price_fen).amount,
    )


def _recognition_record(row: m.Recognition) -> RecognitionRecord:
    return RecognitionRecord(
        row.recognition_id,
        row.patient_key,
        row.service_code,
        row.earlier_request_id,
        row.new_request_id,
        row.window_days,
        row.days_between,
        RecognitionStatus(row.status),
        row.decided_by,
        row.decided_institution,
        row.decided_at,
        row.reason,
        Money.from_fen(row.avoided_fen).amount,
    )


def order_centre_service(
    store: Store,
    actor: Actor,
    *,
    patient_key: str,
    service_code: str,
    centre_institution: str,
    at: datetime | None = None,
    county: str | None = None,
) -> CentreOrder:
    """Send a request to a shared centre; flag it when an earlier result is still recognisable."""
    service = centre_catalog(county).service(service_code)
    now = as_naive_utc(at)
    patient = need_text(patient_key, "patient_key")
    request_id = new_id("CR")
    with action(store, "order centre service") as s:
        institution(s, actor.institution_id)
        centre = institution(s, centre_institution)
        if CareLevel.parse(centre.level) < CareLevel.COUNTY:
            raise InvalidRequest(
                f"{centre_institution} is a {centre.level} institution; shared "
                "centres are county-level"
            )
        priors = [
            PriorResult(r.request_id, r.reported_at)
            for r in s.scalars(
                select(m.CentreRequest).where(
                    m.CentreRequest.patient_key == patient,
                    m.CentreRequest.service_code == service.code,
                    m.CentreRequest.status == CentreRequestStatus.REPORTED.value,
                )
            )
            if r.reported_at is not None
        ]
        s.add(
            m.CentreRequest(
                request_id=request_id,
                centre_type=service.centre.value,
                service_code=service.code,
                patient_key=patient,
                requesting_institution=actor.institution_id,
                centre_institution=centre_institution,
                status=CentreRequestStatus.REQUESTED.value,
                requested_at=now,
                price_fen=Money(service.price).fen,
            )
        )
        flag = find_repeat(priors, now, service.recognition_window_days)
        recognition = None
        if flag is not None:
            s.flush()
            recognition = m.Recognition(
                recognition_id=new_id("RC"),
                patient_key=patient,
                service_code=service.code,
                earlier_request_id=flag.prior.request_id,
                new_request_id=request_id,
                window_days=flag.window_days,
                days_between=flag.days_between,
                status=RecognitionStatus.PENDING.value,
                flagged_at=now,
                avoided_fen=0,
            )
            s.add(recognition)
        s.flush()
        return CentreOrder(
            _request_record(s.get(m.CentreRequest, request_id)),  # type: ignore[arg-type]
            _recognition_record(recognition) if recognition else None,
        )


def _load_request(s: Session, request_id: str) -> m.CentreRequest:
    row = s.get(m.CentreRequest, request_id)
    if row is None:
        raise NotFound(f"centre request {request_id!r} not found")
    return row


def _pending_for(s: Session, request_id: str) -> m.Recognition | None:
    return s.scalar(
        select(m.Recognition).where(
            m.Recognition.new_request_id == request_id,
            m.Recognition.status == RecognitionStatus.PENDING.value,
        )
    )


def report_centre_request(
    store: Store, request_id: str, actor: Actor, *, report_text: str, at: datetime | None = None
) -> CentreRequestRecord:
    """The centre reports back (报告); only the centre institution may report."""
    now = as_naive_utc(at)
    with action(store, f"report centre request {request_id}") as s:
        row = _load_request(s, request_id)
        if actor.institution_id != row.centre_institution:
            raise NotPermitted(
                f"only the centre institution {row.centre_institution} may report "
                f"request {request_id}; {actor.institution_id} may not"
            )
        if row.status != CentreRequestStatus.REQUESTED.value:
            raise IllegalTransition(f"cannot report a centre request that is {row.status}")
        if _pending_for(s, request_id) is not None:
            raise IllegalTransition(
                f"request {request_id} repeats an earlier result inside its "
                "recognition window; decide the recognition first"
            )
        if now < row.requested_at:
            raise InvalidRequest("the report cannot be earlier than the request")
        row.status = CentreRequestStatus.REPORTED.value
        row.reported_at = now
        row.report_text = need_text(report_text, "report_text")
        s.flush()
        return _request_record(row)


def cancel_centre_request(
    store: Store, request_id: str, actor: Actor, *, reason: str, at: datetime | None = None
) -> CentreRequestRecord:
    """The requesting institution withdraws an unreported request (撤销), with a reason."""
    need_text(reason, "reason")
    with action(store, f"cancel centre request {request_id}") as s:
        row = _load_request(s, request_id)
        if actor.institution_id != row.requesting_institution:
            raise NotPermitted(f"only {row.requesting_institution} may cancel {request_id}")
        if row.status != CentreRequestStatus.REQUESTED.value:
            raise IllegalTransition(f"cannot cancel a centre request that is {row.status}")
        pending = _pending_for(s, request_id)
        if pending is not None:
            raise IllegalTransition(f"decide recognition {pending.recognition_id} instead")
        row.status = CentreRequestStatus.CANCELLED.value
        row.report_text = f"cancelled: {reason.strip()} ({as_naive_utc(at).isoformat()})"
        s.flush()
        return _request_record(row)


def decide_recognition(
    store: Store,
    recognition_id: str,
    actor: Actor,
    *,
    recognised: bool,
    reason: str | None = None,
    at: datetime | None = None,
) -> RecognitionRecord:
    """The ordering institution recognises the earlier result (exam avoided) or repeats it."""
    now = as_naive_utc(at)
    with action(store, f"decide recognition {recognition_id}") as s:
        rec = s.get(m.Recognition, recognition_id)
        if rec is None:
            raise NotFound(f"recognition {recognition_id!r} not found")
        new = _load_request(s, rec.new_request_id)
        if actor.institution_id != new.requesting_institution:
            raise NotPermitted(
                f"only the ordering institution {new.requesting_institution} "
                f"decides recognition {recognition_id}"
            )
        if rec.status != RecognitionStatus.PENDING.value:
            raise IllegalTransition(f"recognition {recognition_id} is already {rec.status}")
        if not recognised and not (reason and reason.strip()):
            raise InvalidRequest("not recognising an earlier result needs a reason (e.g. 病情变化)")
        rec.status = (
            RecognitionStatus.RECOGNISED if recognised else RecognitionStatus.NOT_RECOGNISED
        ).value
        rec.decided_by = need_text(actor.user_id, "user_id")
        rec.decided_institution = actor.institution_id
        rec.decided_at = now
        rec.reason = reason.strip() if reason and reason.strip() else None
        if recognised:
            rec.avoided_fen = new.price_fen
            new.status = CentreRequestStatus.AVOIDED.value
        s.flush()
        return _recognition_record(rec)


def get_centre_request(store: Store, request_id: str) -> CentreRequestRecord:
    with store.transaction() as s:
        return _request_record(_load_request(s, request_id))


def list_centre_requests(
    store: Store,
    *,
    status: str | None = None,
    institution_id: str | None = None,
    patient_key: str | None = None,
    limit: int = 100,
) -> list[CentreRequestRecord]:
    """Centre requests, newest first, filtered by status, involved institution or patient."""
    q = select(m.CentreRequest).order_by(
        m.CentreRequest.requested_at.desc(), m.CentreRequest.request_id
    )
    if status is not None:
        q = q.where(m.CentreRequest.status == CentreRequestStatus(status).value)
    if institution_id is not None:
        q = q.where(
            (m.CentreRequest.requesting_institution == institution_id)
            | (m.CentreRequest.centre_institution == institution_id)
        )
    if patient_key is not None:
        q = q.where(m.CentreRequest.patient_key == patient_key)
    with store.transaction() as s:
        return [_request_record(r) for r in s.scalars(q.limit(limit))]


def list_recognitions(
    store: Store, *, status: str | None = None, limit: int = 100
) -> list[RecognitionRecord]:
    q = select(m.Recognition).order_by(
        m.Recognition.flagged_at.desc(), m.Recognition.recognition_id
    )
    if status is not None:
        q = q.where(m.Recognition.status == RecognitionStatus(status).value)
    with store.transaction() as s:
        return [_recognition_record(r) for r in s.scalars(q.limit(limit))]


def recognition_summary(store: Store, year: int | None = None) -> RecognitionSummary:
    """Recognition rate (numerator/denominator) and avoided-duplicate savings, over the store or
    over the repeats flagged in ``year``."""
    with store.transaction() as s:
        rows = [
            (status, fen)
            for status, fen, flagged in s.execute(
                select(m.Recognition.status, m.Recognition.avoided_fen, m.Recognition.flagged_at)
            )
            if year is None or flagged.year == year
        ]
    by = {st: 0 for st in RecognitionStatus}
    total = 0
    for status, fen in rows:
        by[RecognitionStatus(status)] += 1
        total += fen
    return RecognitionSummary(
        len(rows),
        by[RecognitionStatus.PENDING],
        by[RecognitionStatus.RECOGNISED],
        by[RecognitionStatus.NOT_RECOGNISED],
        Money.from_fen(total).amount,
    )


def turnaround_summary(store: Store, county: str | None = None) -> list[dict[str, object]]:
    """Per centre type: reported requests, median and 90th-percentile turnaround (minutes,
    nearest-rank), and how many met their service's target (numerator/denominator)."""
    catalog = centre_catalog(county)
    with store.transaction() as s:
        rows = s.execute(
            select(
                m.CentreRequest.centre_type,
                m.CentreRequest.service_code,
                m.CentreRequest.requested_at,
                m.CentreRequest.reported_at,
            ).where(m.CentreRequest.reported_at.is_not(None))
        ).all()
    by_type: dict[str, list[tuple[int, bool]]] = {}
    for centre, code, asked, done in rows:
        minutes = int((done - asked).total_seconds() // 60)
        service = catalog.services.get(code)
        on_time = service is not None and minutes <= service.turnaround_target_hours * 60
        by_type.setdefault(centre, []).append((minutes, on_time))
    out: list[dict[str, object]] = []
    for centre in sorted(by_type):
        values = sorted(v for v, _ in by_type[centre])
        n = len(values)
        met = sum(1 for _, ok in by_type[centre] if ok)
        out.append(
            {
                "centre_type": centre,
                "reported": n,
                "median_minutes": values[(n - 1) // 2],
                "p90_minutes": values[max(0, -(-9 * n // 10) - 1)],
                "within_target": f"{met}/{n}",
            }
        )
    return out


def _rank(values: list[int], share: int) -> int | None:
    """Nearest-rank percentile (``share`` in %) of sorted values; None when there are none."""
    if not values:
        return None
    return values[max(0, -(-share * len(values) // 100) - 1)]


def _stats(
    requests: list[tuple[int | None, bool]], recognitions: list[tuple[str, int]]
) -> dict[str, object]:
    minutes = sorted(m for m, _ in requests if m is not None)
    met = sum(1 for m, ok in requests if m is not None and ok)
    by = {st.value: 0 for st in RecognitionStatus}
    for status, _ in recognitions:
        by[status] += 1
    decided = by[RecognitionStatus.RECOGNISED.value] + by[RecognitionStatus.NOT_RECOGNISED.value]
    return {
        "requests": len(requests),
        "reported": len(minutes),
        "p50_minutes": _rank(minutes, 50),
        "p90_minutes": _rank(minutes, 90),
        "within_target": f"{met}/{len(minutes)}",
        "repeats_flagged": len(recognitions),
        "recognised": by[RecognitionStatus.RECOGNISED.value],
        "not_recognised": by[RecognitionStatus.NOT_RECOGNISED.value],
        "pending": by[RecognitionStatus.PENDING.value],
        "recognition_rate": f"{by[RecognitionStatus.RECOGNISED.value]}/{decided}",
        "avoided_savings": str(Money.from_fen(sum(fen for _, fen in recognitions)).amount),
    }


def centre_activity(
    store: Store,
    institutions: frozenset[str] | None = None,
    year: int | None = None,
    county: str | None = None,
) -> list[dict[str, object]]:
    """Per shared centre (centre institution and centre type) and month of request: requests, reported,
    turnaround p50/p90 (minutes, nearest rank) and how many met their service's target, the
    repeats flagged on its requests, the recognition rate (recognised / decided) and the
    avoided-duplicate savings (yuan). Only requests whose requesting or centre institution is
    in ``institutions`` count (None: all); ``month`` ``"all"`` rows total each centre."""
    catalog = centre_catalog(county)
    q = select(
        m.CentreRequest.request_id,
        m.CentreRequest.centre_institution,
        m.CentreRequest.centre_type,
        m.CentreRequest.service_code,
        m.CentreRequest.requested_at,
        m.CentreRequest.reported_at,
    )
    if institutions is not None:
        ids = sorted(institutions) or [""]
        q = q.where(
            m.CentreRequest.requesting_institution.in_(ids)
            | m.CentreRequest.centre_institution.in_(ids)
        )
    with store.transaction() as s:
        rows = [r for r in s.execute(q) if year is None or r.requested_at.year == year]
        recs = s.execute(
            select(m.Recognition.new_request_id, m.Recognition.status, m.Recognition.avoided_fen)
        ).all()
    where: dict[str, tuple[str, str, str]] = {}
    requests: dict[tuple[str, str, str], list[tuple[int | None, bool]]] = {}
    for r in rows:
        month = r.requested_at.strftime("%Y-%m")
        where[r.request_id] = (r.centre_institution, r.centre_type, month)
        minutes = None
        on_time = False
        if r.reported_at is not None:
            minutes = int((r.reported_at - r.requested_at).total_seconds() // 60)
            service = catalog.services.get(r.service_code)
            on_time = service is not None and minutes <= service.turnaround_target_hours * 60
        for key in (
            (r.centre_institution, r.centre_type, month),
            (r.centre_institution, r.centre_type, "all"),
        ):
            requests.setdefault(key, []).append((minutes, on_time))
    flagged: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for new_id_, status, fen in recs:
        found = where.get(new_id_)
        if found is None:
            continue
        for key in (found, (found[0], found[1], "all")):
            flagged.setdefault(key, []).append((status, int(fen or 0)))
    return [
        {
            "centre_institution": centre,
            "centre_type": kind,
            "month": month,
            **_stats(requests[(centre, kind, month)], flagged.get((centre, kind, month), [])),
        }
        for centre, kind, month in sorted(requests, key=lambda k: (k[0], k[1], k[2] == "all", k[2]))
    ]
