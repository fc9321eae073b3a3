"""Synthetic referrals, each walked through the real state machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from yigong.graded_care.referrals.machine import TRANSITIONS, Parties, decide
from yigong.graded_care.referrals.routing import resolve_route
from yigong.graded_care.referrals.states import Direction, ReferralAction, ReferralStatus
from yigong.store import models as m
from yigong.synth.graded_care._base import (
    DOWN_DIAGNOSES,
    DOWN_REASON,
    UP_DIAGNOSES,
    UP_REASON,
    A,
    GradedCareRates,
    GradedCareSummary,
    _Bulk,
    _hours,
    _random_time,
    _World,
)


class _ReferralWriter:
    """Walks one referral through the real state machine and buffers its rows."""

    def __init__(self, bulk: _Bulk, world: _World, summary: GradedCareSummary) -> None:
        self.bulk, self.world, self.summary = bulk, world, summary

    def write(
        self,
        rid: str,
        patient: str,
        frm: str,
        to: str,
        direction: Direction,
        dx: str,
        reason: str,
        at: datetime,
        steps: list[tuple[ReferralAction, timedelta, str | None]],
        setting: str,
    ) -> None:
        route = resolve_route(
            self.world.refs[frm], self.world.refs[to], direction, self.world.county
        )
        parties = Parties(frm, to, route.reviewers, direction)
        status: ReferralStatus | None = None
        events = []
        now = at
        for seq, (act, delay, why) in enumerate([(A.REQUEST, timedelta(0), reason), *steps], 1):
            now = now + delay
            t = next(t for t in TRANSITIONS if t.source == status and t.action is act)
            actor = sorted(parties.institutions_for(t.party))[0]
            decide(status, act, actor, parties, why)  # the real rule; raises if illegal
            events.append(
                {
                    "referral_id": rid,
                    "seq": seq,
                    "action": act.value,
                    "from_status": status.value if status else None,
                    "to_status": t.target.value,
                    "user_id": f"{actor}-u1",
                    "institution_id": actor,
                    "at": now,
                    "reason": why,
                }
            )
            status = t.target
        assert status is not None
        self.bulk.add(
            m.Referral,
            {
                "referral_id": rid,
                "patient_key": patient,
                "direction": direction.value,
                "scope": route.scope.value,
                "setting": setting,
                "status": status.value,
                "requesting_institution": frm,
                "receiving_institution": to,
                "reviewers": ",".join(sorted(route.reviewers)),
                "home_county": route.home_county,
                "community_id": route.community_id,
                "diagnosis_icd10": dx,
                "reason": reason,
                "requested_at": at,
                "updated_at": now,
                "version": len(events),
            },
        )
        for e in events:
            self.bulk.add(m.ReferralEvent, e)
        self.summary.referrals += 1
        self.summary.referral_events += len(events)
        self.summary.by_status[status.value] = self.summary.by_status.get(status.value, 0) + 1


def _steps(
    rng: np.random.Generator, rates: GradedCareRates, direction: Direction
) -> list[tuple[ReferralAction, timedelta, str | None]]:
    """A realistic path through the table, with delays between the steps."""
    u = rng.random()
    if u < rates.reject:
        return [(A.REJECT, _hours(rng, 0.5, 24), "可在本机构诊治")]
    if u < rates.reject + rates.cancel_before_review:
        return [(A.CANCEL, _hours(rng, 0.2, 6), "患者放弃转诊")]
    path: list[tuple[ReferralAction, timedelta, str | None]] = [
        (A.APPROVE, _hours(rng, 0.2, 12), None)
    ]
    u = rng.random()
    if u < rates.decline:
        return [*path, (A.DECLINE, _hours(rng, 1, 24), "床位已满，建议择期")]
    path.append((A.ACCEPT, _hours(rng, 0.5, 24), None))
    if rng.random() < rates.no_show:
        return [*path, (A.NO_SHOW, _hours(rng, 48, 96), "患者未按时到诊")]
    path.append((A.ARRIVE, _hours(rng, 1, 72), None))
    if rng.random() < rates.not_yet_returned:
        return path
    stay = (3, 14) if direction is Direction.UPWARD else (0.5, 3)
    path.append((A.RETURN_RECORDS, timedelta(days=float(rng.uniform(*stay))), "诊疗记录已回传"))
    for _ in range(int(rng.poisson(1.2))):
        path.append((A.FOLLOW_UP, timedelta(days=float(rng.uniform(7, 30))), "随访"))
    return path


def _generate_referrals(
    bulk: _Bulk,
    world: _World,
    residents: Sequence[Mapping[str, Any]],
    years: Sequence[int],
    rng: np.random.Generator,
    rates: GradedCareRates,
    summary: GradedCareSummary,
) -> None:
    writer = _ReferralWriter(bulk, world, summary)
    ages = np.array([int(r.get("age", 40)) for r in residents])
    weight = np.where(ages >= 65, rates.elderly_multiplier, 1.0)
    all_leads = sorted(set(world.leads.values()))
    community_of = {t: c for c, ts in world.townships.items() for t in ts}
    n = len(residents)
    for year in years:
        lam = rates.upward_per_resident * n * float(weight.mean())
        count = int(rng.poisson(lam))
        who = rng.choice(n, size=count, p=weight / weight.sum())
        paths = rng.choice(3, size=count, p=list(rates.path_shares))
        for k, (res, path) in enumerate(zip(who, paths, strict=True)):
            tsp = world.home_township[int(res)]
            village = world.home_village[int(res)]
            lead = world.leads[community_of[tsp]]
            if path == 0 and village is not None:
                frm, to, kind = village, tsp, "village"
            elif path == 2:
                frm, to, kind = (
                    lead,
                    world.out_hospitals[
                        int(rng.choice(len(world.out_hospitals), p=world.out_weights))
                    ],
                    "county",
                )
            else:
                frm, to, kind = tsp, lead, "township"
                others = [x for x in all_leads if x != lead]
                if others and rng.random() < rates.inter_community_share:
                    to = others[int(rng.integers(0, len(others)))]
            codes, p = UP_DIAGNOSES[kind]
            dx = codes[int(rng.choice(len(codes), p=p))]
            writer.write(
                f"RFS-{year}-{k:06d}",
                str(residents[int(res)]["patient_key"]),
                frm,
                to,
                Direction.UPWARD,
                dx,
                UP_REASON[kind],
                _random_time(rng, year),
                _steps(rng, rates, Direction.UPWARD),
                "inpatient" if rng.random() < rates.inpatient_share_up else "outpatient",
            )
        down = int(rng.poisson(count * rates.downward_per_upward))
        for k, res in enumerate(rng.choice(n, size=down, p=weight / weight.sum())):
            tsp = world.home_township[int(res)]
            village = world.home_village[int(res)]
            lead = world.leads[community_of[tsp]]
            to = village if village is not None and rng.random() < 0.3 else tsp
            codes, p = DOWN_DIAGNOSES
            dx = codes[int(rng.choice(len(codes), p=p))]
            writer.write(
                f"RFS-{year}-D{k:05d}",
                str(residents[int(res)]["patient_key"]),
                lead,
                to,
                Direction.DOWNWARD,
                dx,
                DOWN_REASON,
                _random_time(rng, year),
                _steps(rng, rates, Direction.DOWNWARD),
                "inpatient" if rng.random() < rates.inpatient_share_down else "outpatient",
            )
