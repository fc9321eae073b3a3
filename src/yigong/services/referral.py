"""Referral use cases: one function per user action (CLI and REST call these).

Every action runs in one transaction: it loads the referral, asks the state machine
(`yigong.graded_care.referrals.machine.decide`) whether the acting institution may do it, writes the new
status and one audit event, and commits. A refused or lost action leaves the previous state.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from yigong.graded_care.catalogs.level_check import LevelCheck, check_encounter
from yigong.graded_care.catalogs.loader import (
    available_catalogs,
    load_catalog,
    validate_catalog_file,
)
from yigong.graded_care.errors import InvalidRequest, NotFound
from yigong.graded_care.levels import CareLevel, level_of_type
from yigong.graded_care.referrals.machine import Parties, decide
from yigong.graded_care.referrals.records import Actor, ReferralEvent, ReferralRecord
from yigong.graded_care.referrals.routing import InstitutionRef, resolve_route
from yigong.graded_care.referrals.states import Direction, ReferralAction, ReferralStatus, Scope
from yigong.interop.fhir.referral import Party, referral_bundle
from yigong.rulepacks import Issue
from yigong.services._workflow import action, as_naive_utc, institution, need_text, new_id
from yigong.services.centres import recognition_summary
from yigong.services.contracts import contract_summary
from yigong.store import Store
from yigong.store import models as m

A = ReferralAction


def register_institution(
    store: Store,
    institution_id: str,
    institution_type: str,
    county_code: str,
    *,
    community_id: str | None = None,
    is_lead: bool = False,
    name: str = "",
    level: str | None = None,
) -> dict[str, Any]:
    """Add or update an institution in the workflow directory (level from its type by default)."""
    care_level = CareLevel.parse(level) if level else level_of_type(institution_type)
    with action(store, f"register institution {institution_id}") as s:
        row = s.get(m.Institution, institution_id) or m.Institution(institution_id=institution_id)
        row.institution_type = institution_type
        row.level = care_level.key
        row.county_code = county_code
        row.community_id = community_id
        row.is_lead = is_lead
        row.name = name
        s.add(row)
    return {
        "institution_id": institution_id,
        "level": care_level.key,
        "community_id": community_id,
        "county_code": county_code,
        "is_lead": is_lead,
    }


def _ref(s: Session, institution_id: str) -> InstitutionRef:
    row = institution(s, institution_id)
    lead = None
    if row.community_id is not None:
        lead = s.scalar(
            select(m.Institution.institution_id).where(
                m.Institution.community_id == row.community_id, m.Institution.is_lead.is_(True)
            )
        )
    return InstitutionRef(
        row.institution_id, CareLevel.parse(row.level), row.county_code, row.community_id, lead
    )


def request_referral(
    store: Store,
    actor: Actor,
    *,
    patient_key: str,
    receiving_institution: str,
    direction: Direction | str,
    diagnosis_icd10: str,
    reason: str,
    setting: str = "inpatient",
    at: datetime | None = None,
) -> ReferralRecord:
    """申请: the actor's institution asks to refer a patient up or down, for an outpatient
    visit or an inpatient stay (``setting``)."""
    direction = Direction(direction)
    if setting not in ("outpatient", "inpatient"):
        raise InvalidRequest(f"setting {setting!r} must be outpatient or inpatient")
    now = as_naive_utc(at)
    referral_id = new_id("RF")
    with action(store, "request referral") as s:
        requester = _ref(s, actor.institution_id)
        receiver = _ref(s, receiving_institution)
        home = requester.county_code if requester.community_id else receiver.county_code
        route = resolve_route(requester, receiver, direction, home)
        parties = Parties(
            requester.institution_id, receiver.institution_id, route.reviewers, direction
        )
        t = decide(None, A.REQUEST, actor.institution_id, parties, reason)
        s.add(
            m.Referral(
                referral_id=referral_id,
                patient_key=need_text(patient_key, "patient_key"),
                direction=direction.value,
                scope=route.scope.value,
                setting=setting,
                status=t.target.value,
                requesting_institution=requester.institution_id,
                receiving_institution=receiver.institution_id,
                reviewers=",".join(sorted(route.reviewers)),
                home_county=route.home_county,
                community_id=route.community_id,
                diagnosis_icd10=_icd10(diagnosis_icd10),
                reason=reason.strip(),
                requested_at=now,
                updated_at=now,
            )
        )
        s.flush()
        s.add(_event(referral_id, 1, t.action, None, t.target, actor, now, reason))
    return get_referral(store, referral_id)


_ICD10 = re.compile(r"^[A-Z]\d{2}(\.[0-9A-Za-z]{1,10})?$")


def _icd10(code: str) -> str:
    """Trim and upper-case the chapter letter; keep 医保版 extensions (``I10.x00``) as written."""
    text = need_text(code, "diagnosis_icd10").replace(" ", "")
    text = text[:1].upper() + text[1:]
    if not _ICD10.match(text):
        raise InvalidRequest(f"diagnosis_icd10 {code!r} is not an ICD-10 code (e.g. I63.900)")
    return text


def _event(
    referral_id: str,
    seq: int,
    act: ReferralAction,
    source: ReferralStatus | None,
    target: ReferralStatus,
    actor: Actor,
    at: datetime,
    reason: str | None,
) -> m.ReferralEvent:
    return m.ReferralEvent(
        referral_id=referral_id,
        seq=seq,
        action=act.value,
        from_status=source.value if source else None,
        to_status=target.value,
        user_id=need_text(actor.user_id, "user_id"),
        institution_id=actor.institution_id,
        at=at,
        reason=reason.strip() if reason and reason.strip() else None,
    )


def _load(s: Session, referral_id: str) -> m.Referral:
    """Load the referral row to act on (tests wrap this to force two actors to interleave)."""
    row = s.get(m.Referral, referral_id)
    if row is None:
        raise NotFound(f"referral {referral_id!r} not found")
    return row


def _parties(row: m.Referral) -> Parties:
    return Parties(
        row.requesting_institution,
        row.receiving_institution,
        frozenset(filter(None, row.reviewers.split(","))),
        Direction(row.direction),
    )


def perform(
    store: Store,
    referral_id: str,
    act: ReferralAction | str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """Perform one action on an existing referral (the generic form of the functions below)."""
    act = ReferralAction(act)
    now = as_naive_utc(at)
    with action(store, f"{act.value} referral {referral_id}") as s:
        row = _load(s, referral_id)
        source = ReferralStatus(row.status)
        t = decide(source, act, actor.institution_id, _parties(row), reason)
        if now < row.updated_at:
            raise InvalidRequest(
                f"{act.value} at {now.isoformat()} is earlier than the referral's last step "
                f"({row.updated_at.isoformat()})"
            )
        seq = (
            s.scalar(
                select(func.max(m.ReferralEvent.seq)).where(
                    m.ReferralEvent.referral_id == referral_id
                )
            )
            or 0
        ) + 1
        row.status = t.target.value
        row.updated_at = now
        flag_modified(row, "updated_at")  # always bump the version, even for 随访 self-loops
        s.add(_event(referral_id, seq, act, source, t.target, actor, now, reason))
    return get_referral(store, referral_id)


def approve_referral(
    store: Store,
    referral_id: str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """审核通过 by a reviewer (the lead hospital for out-of-county referrals)."""
    return perform(store, referral_id, A.APPROVE, actor, reason=reason, at=at)


def reject_referral(
    store: Store, referral_id: str, actor: Actor, *, reason: str, at: datetime | None = None
) -> ReferralRecord:
    """审核不通过, with a reason."""
    return perform(store, referral_id, A.REJECT, actor, reason=reason, at=at)


def accept_referral(
    store: Store,
    referral_id: str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """应答·接收 by the receiving institution."""
    return perform(store, referral_id, A.ACCEPT, actor, reason=reason, at=at)


def decline_referral(
    store: Store, referral_id: str, actor: Actor, *, reason: str, at: datetime | None = None
) -> ReferralRecord:
    """应答·拒收 by the receiving institution, with a reason."""
    return perform(store, referral_id, A.DECLINE, actor, reason=reason, at=at)


def record_arrival(
    store: Store,
    referral_id: str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """到诊: the patient arrived at the receiving institution."""
    return perform(store, referral_id, A.ARRIVE, actor, reason=reason, at=at)


def return_records(
    store: Store,
    referral_id: str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """回传: the receiving institution returns diagnosis and treatment records."""
    return perform(store, referral_id, A.RETURN_RECORDS, actor, reason=reason, at=at)


def record_follow_up(
    store: Store,
    referral_id: str,
    actor: Actor,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> ReferralRecord:
    """随访 by the primary-care side after the records came back (repeatable)."""
    return perform(store, referral_id, A.FOLLOW_UP, actor, reason=reason, at=at)


def cancel_referral(
    store: Store, referral_id: str, actor: Actor, *, reason: str, at: datetime | None = None
) -> ReferralRecord:
    """撤销 by the requesting institution before arrival, with a reason."""
    return perform(store, referral_id, A.CANCEL, actor, reason=reason, at=at)


def record_no_show(
    store: Store, referral_id: str, actor: Actor, *, reason: str, at: datetime | None = None
) -> ReferralRecord:
    """未到诊: the accepted patient never arrived."""
    return perform(store, referral_id, A.NO_SHOW, actor, reason=reason, at=at)


def _record(s: Session, row: m.Referral, with_events: bool) -> ReferralRecord:
    events: tuple[ReferralEvent, ...] = ()
    if with_events:
        rows = s.scalars(
            select(m.ReferralEvent)
            .where(m.ReferralEvent.referral_id == row.referral_id)
            .order_by(m.ReferralEvent.seq)
        )
        events = tuple(
            ReferralEvent(
                e.seq,
                ReferralAction(e.action),
                ReferralStatus(e.from_status) if e.from_status else None,
                ReferralStatus(e.to_status),
                e.user_id,
                e.institution_id,
                e.at,
                e.reason,
            )
            for e in rows
        )
    return ReferralRecord(
        row.referral_id,
        row.patient_key,
        Direction(row.direction),
        Scope(row.scope),
        row.setting,
        ReferralStatus(row.status),
        row.requesting_institution,
        row.receiving_institution,
        tuple(filter(None, row.reviewers.split(","))),
        row.home_county,
        row.community_id,
        row.diagnosis_icd10,
        row.reason,
        row.requested_at,
        row.updated_at,
        row.version,
        events,
    )


def get_referral(store: Store, referral_id: str) -> ReferralRecord:
    """A referral with its full audit trail."""
    with store.transaction() as s:
        row = s.get(m.Referral, referral_id)
        if row is None:
            raise NotFound(f"referral {referral_id!r} not found")
        return _record(s, row, with_events=True)


def list_referrals(
    store: Store,
    *,
    status: ReferralStatus | str | None = None,
    institution_id: str | None = None,
    patient_key: str | None = None,
    limit: int = 100,
) -> list[ReferralRecord]:
    """Referrals, newest first, filtered by status, involved institution or patient."""
    query = select(m.Referral).order_by(m.Referral.requested_at.desc(), m.Referral.referral_id)
    if status is not None:
        query = query.where(m.Referral.status == ReferralStatus(status).value)
    if institution_id is not None:
        query = query.where(
            (m.Referral.requesting_institution == institution_id)
            | (m.Referral.receiving_institution == institution_id)
        )
    if patient_key is not None:
        query = query.where(m.Referral.patient_key == patient_key)
    with store.transaction() as s:
        return [_record(s, r, with_events=False) for r in s.scalars(query.limit(limit))]


_BOUND_IDS_MAX = 1000


@dataclass(frozen=True)
class InboxPage:
    """One page of a referral inbox: ``total`` referrals match, ``items`` are rows
    ``offset`` … ``offset + limit - 1`` of them, newest first."""

    total: int
    items: list[ReferralRecord]


def referral_inbox(
    store: Store,
    institutions: Collection[str] | None,
    *,
    status: ReferralStatus | str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> InboxPage:
    """The referrals whose requesting or receiving institution is one of ``institutions``
    (``None``: every referral, for a scope covering the whole store), optionally of one
    ``status``, newest first — filtered, counted and paged by the store (``WHERE … IN``,
    ``count``, ``LIMIT``/``OFFSET``), so no out-of-scope row ever leaves the database."""
    if limit < 1 or offset < 0:
        raise InvalidRequest(f"limit {limit} must be ≥ 1 and offset {offset} ≥ 0")
    where = []
    if institutions is not None:
        ids = sorted(set(institutions))
        if not ids:
            return InboxPage(0, [])
        # a province's thousands of ids are written into the statement (escaped by the
        # dialect) instead of bound one by one (stock SQLite binds at most 32,766 parameters)
        listed = bindparam(
            "scope_ids", ids, expanding=True, literal_execute=len(ids) > _BOUND_IDS_MAX
        )
        where.append(
            m.Referral.requesting_institution.in_(listed)
            | m.Referral.receiving_institution.in_(listed)
        )
    if status is not None:
        where.append(m.Referral.status == ReferralStatus(status).value)
    page = (
        select(m.Referral)
        .where(*where)
        .order_by(m.Referral.requested_at.desc(), m.Referral.referral_id)
        .limit(limit)
        .offset(offset)
    )
    with store.transaction() as s:
        total = s.scalar(select(func.count()).select_from(m.Referral).where(*where)) or 0
        return InboxPage(int(total), [_record(s, r, with_events=False) for r in s.scalars(page)])


def referral_fhir(
    store: Store, referral_id: str, parties: dict[str, Party] | None = None
) -> dict[str, Any]:
    """The referral as a FHIR R4 collection Bundle (ServiceRequest + Task + Provenance, the
    Organizations and the pseudonymous Patient; `yigong.interop.fhir.referral`)."""
    return referral_bundle(get_referral(store, referral_id), parties)


# --- disease catalogs, level checks and the warehouse feed (read-only use cases) ---


def validate_catalogs(paths: list[str] | None = None) -> list[Issue]:
    """Validate catalog files (every shipped catalog when ``paths`` is empty)."""

    files = paths or [str(p) for _, _, p in available_catalogs()]
    return [issue for f in files for issue in validate_catalog_file(f)]


def check_level(
    diagnosis_icd10: str,
    treated_level: str,
    setting: str = "outpatient",
    county: str | None = None,
    encounter_id: str = "",
) -> LevelCheck:
    """Was this encounter treated at its catalog level? (the catalog of ``county`` or default)"""

    return check_encounter(
        load_catalog(county), diagnosis_icd10, CareLevel.parse(treated_level), setting, encounter_id
    )


def export_feed(store: Store, out_dir: str) -> dict[str, int]:
    """Write the warehouse feed tables as Parquet files ``<out_dir>/<table>.parquet``."""

    import pyarrow.parquet as pq  # lazy: heavy (pyarrow.parquet ~0.3 s)

    from yigong.store.feed import export_tables  # lazy: start-up

    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, table in export_tables(store).items():
        pq.write_table(table, target / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts


def export_canonical(store: Store, out_dir: str) -> dict[str, Any]:
    """Write the canonical tables as ``<out_dir>/<table>.parquet``; report what was left out."""

    import pyarrow.parquet as pq  # lazy: heavy (pyarrow.parquet ~0.3 s)

    from yigong.store.canonical import to_canonical_tables  # lazy: start-up

    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    export = to_canonical_tables(store)
    for name, table in export.tables.items():
        pq.write_table(table, target / f"{name}.parquet")
    return {
        "rows": {n: t.num_rows for n, t in export.tables.items()},
        "left_out": [{"table": t, "id": i, "reason": r} for t, i, r in export.left_out],
    }


def graded_care_summary(store: Store, year: int | None = None) -> dict[str, Any]:
    """Headline figures of graded care for a year (all years when None), each with its
    numerator and denominator: referrals (by request time) by direction, scope and status, the
    in/out-of-county shares of upward referrals, the share whose records came back (回传),
    recognition of repeats flagged in the year, and the contracts starting in the year."""

    query = select(
        m.Referral.direction, m.Referral.scope, m.Referral.status, m.Referral.requested_at
    )
    with store.transaction() as s:
        rows = [r for r in s.execute(query).all() if year is None or r[3].year == year]
    count: dict[str, int] = {}
    for direction, scope, status, _ in rows:
        for key in (f"direction:{direction}", f"scope:{scope}", f"status:{status}"):
            count[key] = count.get(key, 0) + 1
    up = [r for r in rows if r[0] == "upward"]
    out_up = sum(1 for r in up if r[1] == "out_of_county")
    returned = sum(1 for r in rows if r[2] == "records_returned")
    recog = recognition_summary(store, year)

    def ratio(num: int, den: int) -> dict[str, Any]:
        return {
            "numerator": num,
            "denominator": den,
            "value": None if den == 0 else round(num / den, 4),
        }

    return {
        "year": year,
        "referrals": len(rows),
        "by": dict(sorted(count.items())),
        "out_of_county_share_of_upward": ratio(out_up, len(up)),
        "in_county_share_of_upward": ratio(len(up) - out_up, len(up)),
        "records_returned_share": ratio(returned, len(rows)),
        "recognition": {
            "rate": ratio(recog.recognised, recog.decided),
            "pending": recog.pending,
            "savings": str(recog.savings),
        },
        "contracts": contract_summary(store, year) if year is not None else None,
    }
