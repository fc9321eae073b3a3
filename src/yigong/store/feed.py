"""Warehouse feed: the workflow store as pyarrow Tables the indicator engine can load.

``export_tables(store)`` returns one Table per name in ``FEED_SCHEMAS`` with exactly those
columns (documented in ``docs/graded-care.md``). Money is ``decimal128(14, 2)`` yuan; times are
``timestamp[us]`` naive UTC; dates are ``date32``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from yigong.graded_care.contracts import KeyPopulation
from yigong.graded_care.referrals.states import ReferralAction
from yigong.store import models as m
from yigong.store.session import Store

MONEY = pa.decimal128(18, 2)  # as the canonical schema (DType.DECIMAL)
TS = pa.timestamp("us")
STEP_TIMES = {
    ReferralAction.APPROVE: "approved_at",
    ReferralAction.ACCEPT: "accepted_at",
    ReferralAction.ARRIVE: "arrived_at",
    ReferralAction.RETURN_RECORDS: "returned_at",
}

FEED_SCHEMAS: dict[str, pa.Schema] = {
    "wf_referrals": pa.schema(
        [
            ("referral_id", pa.string()),
            ("patient_key", pa.string()),
            ("direction", pa.string()),
            ("scope", pa.string()),
            ("setting", pa.string()),
            ("status", pa.string()),
            ("requesting_institution", pa.string()),
            ("receiving_institution", pa.string()),
            ("requesting_level", pa.string()),
            ("receiving_level", pa.string()),
            ("home_county", pa.string()),
            ("community_id", pa.string()),
            ("diagnosis_icd10", pa.string()),
            ("in_county", pa.bool_()),
            ("requested_at", TS),
            ("approved_at", TS),
            ("accepted_at", TS),
            ("arrived_at", TS),
            ("returned_at", TS),
            ("follow_ups", pa.int64()),
            ("updated_at", TS),
        ]
    ),
    "wf_referral_events": pa.schema(
        [
            ("referral_id", pa.string()),
            ("seq", pa.int64()),
            ("action", pa.string()),
            ("action_zh", pa.string()),
            ("from_status", pa.string()),
            ("to_status", pa.string()),
            ("user_id", pa.string()),
            ("institution_id", pa.string()),
            ("at", TS),
            ("reason", pa.string()),
        ]
    ),
    "wf_centre_requests": pa.schema(
        [
            ("request_id", pa.string()),
            ("centre_type", pa.string()),
            ("service_code", pa.string()),
            ("patient_key", pa.string()),
            ("requesting_institution", pa.string()),
            ("centre_institution", pa.string()),
            ("status", pa.string()),
            ("requested_at", TS),
            ("reported_at", TS),
            ("turnaround_minutes", pa.int64()),
            ("price", MONEY),
        ]
    ),
    "wf_recognitions": pa.schema(
        [
            ("recognition_id", pa.string()),
            ("patient_key", pa.string()),
            ("service_code", pa.string()),
            ("earlier_request_id", pa.string()),
            ("new_request_id", pa.string()),
            ("requesting_institution", pa.string()),
            ("window_days", pa.int64()),
            ("days_between", pa.int64()),
            ("status", pa.string()),
            ("flagged_at", TS),
            ("decided_at", TS),
            ("decided_institution", pa.string()),
            ("avoided", MONEY),
        ]
    ),
    "wf_contracts": pa.schema(
        [
            ("contract_id", pa.string()),
            ("team_id", pa.string()),
            ("institution_id", pa.string()),
            ("patient_key", pa.string()),
            ("populations", pa.string()),
            *[(f"is_{p.value}", pa.bool_()) for p in KeyPopulation],
            ("signed_on", pa.date32()),
            ("start_on", pa.date32()),
            ("end_on", pa.date32()),
            ("fee", MONEY),
            ("status", pa.string()),
            ("services", pa.int64()),
        ]
    ),
    "wf_contract_services": pa.schema(
        [
            ("service_id", pa.int64()),
            ("contract_id", pa.string()),
            ("team_id", pa.string()),
            ("institution_id", pa.string()),
            ("service_type", pa.string()),
            ("delivered_on", pa.date32()),
            ("delivered_by", pa.string()),
        ]
    ),
    "wf_contract_fee_lines": pa.schema(
        [
            ("team_id", pa.string()),
            ("year", pa.int64()),
            ("recipient", pa.string()),
            ("recipient_kind", pa.string()),
            ("amount", MONEY),
            ("rule", pa.string()),
        ]
    ),
}


def _money(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen).scaleb(-2)


def _rows(s: Session, model: type[m.Base], *order: Any) -> Sequence[Row[Any]]:
    """All rows of a model's table as Core rows (attribute access, no ORM objects: fast)."""
    return s.execute(select(model.__table__).order_by(*order)).all()  # type: ignore[attr-defined]


def _col(rows: Sequence[Row[Any]], name: str) -> list[Any]:
    """One column of Core rows as a list (positional: much faster than attribute access)."""
    if not rows:
        return []
    index = rows[0]._fields.index(name)
    return [r[index] for r in rows]


def _columns(name: str, columns: dict[str, Any]) -> pa.Table:
    """A feed table from whole columns (lists or Arrow arrays), checked against its schema."""
    schema = FEED_SCHEMAS[name]
    return pa.Table.from_pydict({f.name: columns[f.name] for f in schema}, schema=schema)


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = FEED_SCHEMAS[name]
    return pa.Table.from_pydict({f.name: [r[f.name] for r in rows] for f in schema}, schema=schema)


def export_tables(store: Store) -> dict[str, pa.Table]:
    """Every feed table, built from the store in one read transaction."""
    with store.transaction() as s:
        levels = dict(s.execute(select(m.Institution.institution_id, m.Institution.level)).all())
        events = _rows(s, m.ReferralEvent, m.ReferralEvent.referral_id, m.ReferralEvent.seq)
        referrals = _rows(s, m.Referral, m.Referral.referral_id)
        centre = _rows(s, m.CentreRequest, m.CentreRequest.request_id)
        recogs = _rows(s, m.Recognition, m.Recognition.recognition_id)
        teams = dict(
            s.execute(select(m.FamilyDoctorTeam.team_id, m.FamilyDoctorTeam.institution_id)).all()
        )
        contracts = _rows(s, m.Contract, m.Contract.contract_id)
        services = _rows(s, m.ContractService, m.ContractService.service_id)
        fee_lines = _rows(
            s,
            m.FeeDistributionLine,
            m.FeeDistributionLine.team_id,
            m.FeeDistributionLine.year,
            m.FeeDistributionLine.recipient,
        )
    steps: dict[str, dict[str, datetime]] = defaultdict(dict)
    follow_ups: dict[str, int] = defaultdict(int)
    for e in events:
        act = ReferralAction(e.action)
        if act in STEP_TIMES:
            steps[e.referral_id][STEP_TIMES[act]] = e.at
        elif act is ReferralAction.FOLLOW_UP:
            follow_ups[e.referral_id] += 1
    out: dict[str, pa.Table] = {}
    out["wf_referrals"] = _table(
        "wf_referrals",
        [
            {
                "referral_id": r.referral_id,
                "patient_key": r.patient_key,
                "direction": r.direction,
                "scope": r.scope,
                "setting": r.setting,
                "status": r.status,
                "requesting_institution": r.requesting_institution,
                "receiving_institution": r.receiving_institution,
                "requesting_level": levels.get(r.requesting_institution),
                "receiving_level": levels.get(r.receiving_institution),
                "home_county": r.home_county,
                "community_id": r.community_id,
                "diagnosis_icd10": r.diagnosis_icd10,
                "in_county": r.scope != "out_of_county",
                "requested_at": r.requested_at,
                "updated_at": r.updated_at,
                "follow_ups": follow_ups.get(r.referral_id, 0),
                **{col: steps[r.referral_id].get(col) for col in STEP_TIMES.values()},
            }
            for r in referrals
        ],
    )
    out["wf_referral_events"] = _table(
        "wf_referral_events",
        [
            {
                "referral_id": e.referral_id,
                "seq": e.seq,
                "action": e.action,
                "action_zh": ReferralAction(e.action).name_zh,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "user_id": e.user_id,
                "institution_id": e.institution_id,
                "at": e.at,
                "reason": e.reason,
            }
            for e in events
        ],
    )
    out["wf_centre_requests"] = _table(
        "wf_centre_requests",
        [
            {
                "request_id": c.request_id,
                "centre_type": c.centre_type,
                "service_code": c.service_code,
                "patient_key": c.patient_key,
                "requesting_institution": c.requesting_institution,
                "centre_institution": c.centre_institution,
                "status": c.status,
                "requested_at": c.requested_at,
                "reported_at": c.reported_at,
                "turnaround_minutes": (
                    int((c.reported_at - c.requested_at).total_seconds() // 60)
                    if c.reported_at
                    else None
                ),
                "price": _money(c.price_fen),
            }
            for c in centre
        ],
    )
    requester = {c.request_id: c.requesting_institution for c in centre}
    out["wf_recognitions"] = _table(
        "wf_recognitions",
        [
            {
                "recognition_id": r.recognition_id,
                "patient_key": r.patient_key,
                "service_code": r.service_code,
                "earlier_request_id": r.earlier_request_id,
                "new_request_id": r.new_request_id,
                "requesting_institution": requester.get(r.new_request_id),
                "window_days": r.window_days,
                "days_between": r.days_between,
                "status": r.status,
                "flagged_at": r.flagged_at,
                "decided_at": r.decided_at,
                "decided_institution": r.decided_institution,
                "avoided": _money(r.avoided_fen),
            }
            for r in recogs
        ],
    )
    served: dict[str, int] = defaultdict(int)
    for cid in _col(services, "contract_id"):
        served[cid] += 1
    pops = pa.array(_col(contracts, "populations"), pa.string())
    contract_ids = _col(contracts, "contract_id")
    contract_teams = _col(contracts, "team_id")
    out["wf_contracts"] = _columns(
        "wf_contracts",
        {
            "contract_id": contract_ids,
            "team_id": contract_teams,
            "institution_id": [teams.get(t) for t in contract_teams],
            "patient_key": _col(contracts, "patient_key"),
            "populations": pops,
            **{
                f"is_{p.value}": pc.match_substring_regex(pops, f"(^|,){p.value}(,|$)")
                for p in KeyPopulation
            },
            "signed_on": _col(contracts, "signed_on"),
            "start_on": _col(contracts, "start_on"),
            "end_on": _col(contracts, "end_on"),
            "fee": [_money(f) for f in _col(contracts, "fee_fen")],
            "status": _col(contracts, "status"),
            "services": [served.get(c, 0) for c in contract_ids],
        },
    )
    team_of = dict(zip(contract_ids, contract_teams, strict=True))
    service_teams = [team_of.get(c) for c in _col(services, "contract_id")]
    out["wf_contract_services"] = _columns(
        "wf_contract_services",
        {
            "service_id": _col(services, "service_id"),
            "contract_id": _col(services, "contract_id"),
            "team_id": service_teams,
            "institution_id": [teams.get(t) if t else None for t in service_teams],
            "service_type": _col(services, "service_type"),
            "delivered_on": _col(services, "delivered_on"),
            "delivered_by": _col(services, "delivered_by"),
        },
    )
    out["wf_contract_fee_lines"] = _table(
        "wf_contract_fee_lines",
        [
            {
                "team_id": f.team_id,
                "year": f.year,
                "recipient": f.recipient,
                "recipient_kind": f.recipient_kind,
                "amount": _money(f.amount_fen),
                "rule": f.rule,
            }
            for f in fee_lines
        ],
    )
    return out
