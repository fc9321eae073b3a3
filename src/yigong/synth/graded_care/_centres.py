"""Synthetic shared-centre requests with mutual recognition by the real window rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from yigong.graded_care.centres.catalog import CentreCatalog, CentreRequestStatus
from yigong.graded_care.centres.recognition import PriorResult, RecognitionStatus, find_repeat
from yigong.schema.money import Money
from yigong.store import models as m
from yigong.synth.graded_care._base import (
    CENTRE_MIX,
    GradedCareRates,
    GradedCareSummary,
    _Bulk,
    _random_time,
    _World,
)


def _generate_centres(
    bulk: _Bulk,
    world: _World,
    residents: Sequence[Mapping[str, Any]],
    years: Sequence[int],
    rng: np.random.Generator,
    rates: GradedCareRates,
    catalog: CentreCatalog,
    summary: GradedCareSummary,
) -> None:
    community_of = {t: c for c, ts in world.townships.items() for t in ts}
    codes, p = CENTRE_MIX
    codes = [c for c in codes if c in catalog.services]
    p_arr = np.array([p[CENTRE_MIX[0].index(c)] for c in codes])
    p_arr = p_arr / p_arr.sum()
    n = len(residents)
    for year in years:
        count = int(rng.poisson(rates.centre_requests_per_resident * n))
        orders: list[tuple[datetime, int, str]] = []
        for res, svc_i in zip(
            rng.integers(0, n, size=count), rng.choice(len(codes), size=count, p=p_arr), strict=True
        ):
            at = _random_time(rng, year)
            orders.append((at, int(res), codes[int(svc_i)]))
            if rng.random() < rates.repeat_share:  # the same service again, 1–60 days later
                later = at + timedelta(days=float(rng.uniform(1, 60)))
                orders.append((later, int(res), codes[int(svc_i)]))
        orders.sort()
        reported: dict[tuple[int, str], list[PriorResult]] = defaultdict(list)
        for k, (at, res, code) in enumerate(orders):
            service = catalog.services[code]
            tsp = world.home_township[res]
            village = world.home_village[res]
            frm = village if village is not None and code.startswith("ECG") else tsp
            rid = f"CRS-{year}-{k:07d}"
            patient = str(residents[res]["patient_key"])
            flag = find_repeat(reported[(res, code)], at, service.recognition_window_days)
            row = {
                "request_id": rid,
                "centre_type": service.centre.value,
                "service_code": code,
                "patient_key": patient,
                "requesting_institution": frm,
                "centre_institution": world.leads[community_of[tsp]],
                "status": CentreRequestStatus.REQUESTED.value,
                "requested_at": at,
                "reported_at": None,
                "report_text": None,
                "price_fen": Money(service.price).fen,
                "version": 1,
            }
            recognised = False
            if flag is not None:
                recognised = bool(rng.random() < rates.recognise)
                status = (
                    RecognitionStatus.RECOGNISED if recognised else RecognitionStatus.NOT_RECOGNISED
                )
                bulk.add(
                    m.Recognition,
                    {
                        "recognition_id": f"RCS-{year}-{k:07d}",
                        "patient_key": patient,
                        "service_code": code,
                        "earlier_request_id": flag.prior.request_id,
                        "new_request_id": rid,
                        "window_days": flag.window_days,
                        "days_between": flag.days_between,
                        "status": status.value,
                        "decided_by": f"{frm}-u1",
                        "decided_institution": frm,
                        "decided_at": at + timedelta(minutes=10),
                        "reason": None if recognised else "病情变化，需复查",
                        "avoided_fen": row["price_fen"] if recognised else 0,
                        "flagged_at": at,
                        "version": 2,
                    },
                )
                summary.recognitions += 1
            if recognised:
                row["status"] = CentreRequestStatus.AVOIDED.value
                row["version"] = 2
            else:
                hours = float(rng.lognormal(np.log(service.turnaround_target_hours * 0.6), 0.5))
                done = at + timedelta(hours=max(hours, 0.1))
                row.update(
                    status=CentreRequestStatus.REPORTED.value,
                    reported_at=done,
                    report_text="合成报告",
                    version=2,
                )
                reported[(res, code)].append(PriorResult(rid, done))
            bulk.add(m.CentreRequest, row)
            summary.centre_requests += 1
