"""The workflow store as the project's canonical tables (``yigong.schema.tables``).

``to_canonical_tables(store)`` returns ``referrals``, ``family_doctor_contracts`` and
``examinations`` with exactly the canonical Arrow schemas, so a county that records graded care
in this workflow can feed the warehouse and its indicators like any other source. The richer
``wf_*`` feed (``feed.py``) keeps everything; this mapping is narrower, and says where:

- referral status: ``approved`` → ``reviewed``, ``records_returned`` → ``completed``;
  ``review_rejected`` → ``declined`` and ``no_show`` → ``cancelled`` (the canonical code list has
  no separate codes for them; ``wf_referrals.status`` keeps them apart);
- referrals whose requesting institution is outside the county (down-referrals from a city
  hospital) cannot be represented (``from_institution_id`` must be a county institution): they
  are returned in ``CanonicalExport.left_out`` with the reason, never dropped silently;
- contracts: the one ``key_population`` is the first of the contract's populations in
  ``KeyPopulation`` declaration order (``general`` when none); ``services_agreed`` is null;
- examinations: centre requests whose service is an examination (``exam_type`` in the centre
  data); a recognised repeat is a row at zero cost with ``recognised_exam_id`` = the earlier
  request; cancelled requests and consultations are not examinations (listed in ``left_out``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from yigong.graded_care.centres.catalog import load_centre_catalog
from yigong.graded_care.contracts import parse_populations, primary_population
from yigong.schema.tables import TABLES
from yigong.store import models as m
from yigong.store.session import Store
from yigong.warehouse.types import arrow_schema

STATUS = {
    "requested": "requested",
    "approved": "reviewed",
    "review_rejected": "declined",
    "accepted": "accepted",
    "declined": "declined",
    "arrived": "arrived",
    "records_returned": "completed",
    "no_show": "cancelled",
    "cancelled": "cancelled",
}


@dataclass
class CanonicalExport:
    """Canonical tables plus every workflow record that could not be represented, with why."""

    tables: dict[str, pa.Table]
    left_out: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, reason)


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = arrow_schema(next(t for t in TABLES if t.name == name))
    return pa.Table.from_pydict(
        {f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema
    )


def _fen(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def to_canonical_tables(store: Store, county: str | None = None) -> CanonicalExport:
    """Map the store onto the canonical ``referrals``, ``family_doctor_contracts`` and
    ``examinations`` tables (centre services of ``county``, default file otherwise)."""
    out = CanonicalExport({})
    catalog = load_centre_catalog(county)
    with store.transaction() as s:
        home = dict(
            s.execute(select(m.Institution.institution_id, m.Institution.county_code))
            .tuples()
            .all()
        )
        refs = s.execute(select(m.Referral.__table__).order_by(m.Referral.referral_id)).all()
        steps: dict[str, dict[str, Any]] = defaultdict(dict)
        for rid, act, at in s.execute(
            select(m.ReferralEvent.referral_id, m.ReferralEvent.action, m.ReferralEvent.at)
        ):
            steps[rid].setdefault(act, at)
        teams = dict(
            s.execute(select(m.FamilyDoctorTeam.team_id, m.FamilyDoctorTeam.institution_id))
            .tuples()
            .all()
        )
        served: dict[str, int] = defaultdict(int)
        for (cid,) in s.execute(select(m.ContractService.contract_id)):
            served[cid] += 1
        contracts = s.execute(select(m.Contract.__table__).order_by(m.Contract.contract_id)).all()
        exams = s.execute(
            select(m.CentreRequest.__table__).order_by(m.CentreRequest.request_id)
        ).all()
        recognised = dict(
            s.execute(
                select(m.Recognition.new_request_id, m.Recognition.earlier_request_id).where(
                    m.Recognition.status == "recognised"
                )
            )
            .tuples()
            .all()
        )
    rows = []
    for r in refs:
        if home.get(r.requesting_institution) != r.home_county:
            out.left_out.append(
                (
                    "referrals",
                    r.referral_id,
                    "requesting institution is outside "
                    "the county (canonical from_institution_id is a county member)",
                )
            )
            continue
        out_of_county = r.scope == "out_of_county"
        st = steps[r.referral_id]
        rows.append(
            {
                "referral_id": r.referral_id,
                "patient_key": r.patient_key,
                "from_institution_id": r.requesting_institution,
                "to_institution_id": None if out_of_county else r.receiving_institution,
                "to_provider_code": r.receiving_institution if out_of_county else None,
                "direction": "up" if r.direction == "upward" else "down",
                "setting": r.setting,
                "is_out_of_county": out_of_county,
                "within_community": r.scope == "intra_community",
                "status": STATUS[r.status],
                "diagnosis_code": r.diagnosis_icd10,
                "request_date": r.requested_at.date(),
                "arrival_date": st["arrive"].date() if "arrive" in st else None,
                "completed_date": st["return"].date() if "return" in st else None,
            }
        )
    out.tables["referrals"] = _table("referrals", rows)
    out.tables["family_doctor_contracts"] = _table(
        "family_doctor_contracts",
        [
            {
                "contract_id": c.contract_id,
                "person_key": c.patient_key,
                "team_id": c.team_id,
                "institution_id": teams[c.team_id],
                "key_population": primary_population(parse_populations(c.populations)),
                "signed_date": c.signed_on,
                "end_date": c.end_on,
                "fee_amount": _fen(c.fee_fen),
                "services_agreed": None,
                "services_delivered": served.get(c.contract_id, 0),
            }
            for c in contracts
        ],
    )
    exam_rows = []
    for e in exams:
        service = catalog.services.get(e.service_code)
        exam_type = service.exam_type if service else None
        if exam_type is None or e.status == "cancelled":
            why = "cancelled request" if e.status == "cancelled" else "not an examination"
            out.left_out.append(("examinations", e.request_id, why))
            continue
        avoided = e.status == "avoided"
        exam_rows.append(
            {
                "exam_id": e.request_id,
                "patient_key": e.patient_key,
                "ordering_institution_id": e.requesting_institution,
                "performing_institution_id": e.centre_institution,
                "exam_type": exam_type,
                "exam_item": service.name_zh if service else e.service_code,
                "exam_date": e.requested_at.date(),
                "report_date": e.reported_at.date() if e.reported_at else None,
                "cost": Decimal("0.00") if avoided else _fen(e.price_fen),
                "recognised_exam_id": recognised.get(e.request_id) if avoided else None,
            }
        )
    out.tables["examinations"] = _table("examinations", exam_rows)
    return out
