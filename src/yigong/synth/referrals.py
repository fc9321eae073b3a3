"""Two-way referrals (双向转诊) derived from the simulated stays and visits.

Upward: township centre → county hospital for stays admitted by referral (admission route 3)
and township transfers (discharge mode 2); county hospital → out-of-county provider for county
transfers and out-of-county stays with a referral on file. Downward: county hospital →
township centre for discharge mode 3. Outpatient: a small share of primary-care visits are
referred up to a county clinic, with every workflow status represented.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, flags, padded
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import COUNTY, MODE_DOWN, MODE_TRANSFER, ROUTE_REFERRED, TOWNSHIP, Stays
from yigong.synth.institutions import OUTSIDE_PROVIDERS
from yigong.synth.outpatient import COUNTY as OP_COUNTY
from yigong.synth.outpatient import Visits

#: share of primary-care visits referred up to a county outpatient clinic (assumption).
OUTPATIENT_REFERRAL_SHARE = 0.006
OUTPATIENT_STATUSES = (
    "requested",
    "reviewed",
    "accepted",
    "declined",
    "arrived",
    "completed",
    "cancelled",
)
OUTPATIENT_STATUS_P = (0.04, 0.04, 0.07, 0.05, 0.3, 0.45, 0.05)


def community_at(ctx: CountyContext, inst: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Community id of each institution (index into `inst.all`) on each day ('' if none)."""
    ids = {i.institution_id: k for k, i in enumerate(ctx.inst.all)}
    out = np.full(len(inst), "", dtype=object)
    for m in ctx.inst.memberships:
        k = ids[m["institution_id"]]
        start = np.datetime64(m["valid_from"])
        end = np.datetime64(m["valid_to"]) if m["valid_to"] else np.datetime64("2100-12-31")
        out[(inst == k) & (day >= start) & (day <= end)] = m["community_id"]
    return out


def referrals_table(
    ctx: CountyContext, inside: Stays, out: Stays, out_ref: np.ndarray, visits: list[Visits]
) -> pa.Table:
    rng = ctx.rng("referrals")
    ids = ctx.institution_ids()
    prov_codes = {p.code for p in OUTSIDE_PROVIDERS}
    parts: list[dict[str, np.ndarray]] = []
    general = ctx.inst.hospital_kinds.index("general")

    def add(
        person, frm, to, to_code, direction, setting, status, diag, request, arrival, completed
    ):
        n = len(person)
        parts.append(
            {
                "person": person,
                "from": frm,
                "to": to,
                "to_code": to_code,
                "direction": np.full(n, direction, dtype=object),
                "setting": np.full(n, setting, dtype=object),
                "status": status,
                "diag": diag,
                "request": request,
                "arrival": arrival,
                "completed": completed,
            }
        )

    s = inside
    days = lambda lo, hi, n: rng.integers(lo, hi, n).astype("timedelta64[D]")  # noqa: E731
    none_code = lambda n: np.full(n, None, dtype=object)  # noqa: E731
    # upward, admitted by referral from the patient's township centre
    m = np.flatnonzero(s.route == ROUTE_REFERRED)
    done = rng.random(len(m)) < 0.85
    add(
        s.person[m],
        s.referred_from[m],
        s.inst[m],
        none_code(len(m)),
        "up",
        "inpatient",
        np.where(done, "completed", "arrived").astype(object),
        s.principal[m],
        s.admission[m] - days(0, 3, len(m)),
        s.admission[m],
        np.where(done, s.discharge[m] + days(0, 5, len(m)), np.datetime64("NaT")),
    )
    # upward transfers from township centres to the county general hospital
    m = np.flatnonzero((s.mode == MODE_TRANSFER) & (s.level == TOWNSHIP))
    add(
        s.person[m],
        s.inst[m],
        np.full(len(m), general),
        none_code(len(m)),
        "up",
        "inpatient",
        np.full(len(m), "arrived", dtype=object),
        s.principal[m],
        s.discharge[m],
        s.discharge[m] + days(0, 2, len(m)),
        np.full(len(m), np.datetime64("NaT")),
    )
    # transfers out of the county from county hospitals
    m = np.flatnonzero((s.mode == MODE_TRANSFER) & (s.level == COUNTY))
    add(
        s.person[m],
        s.inst[m],
        np.full(len(m), -1),
        s.receiving[m],
        "up",
        "inpatient",
        np.full(len(m), "arrived", dtype=object),
        s.principal[m],
        s.discharge[m],
        s.discharge[m] + days(0, 2, len(m)),
        np.full(len(m), np.datetime64("NaT")),
    )
    # out-of-county stays with a referral on file (issued by the county general hospital)
    m = np.flatnonzero(out_ref)
    codes = np.array([p.code for p in OUTSIDE_PROVIDERS], dtype=object)[out.provider[m]]
    add(
        out.person[m],
        np.full(len(m), general),
        np.full(len(m), -1),
        codes,
        "up",
        "inpatient",
        np.full(len(m), "completed", dtype=object),
        out.principal[m],
        out.admission[m] - days(1, 4, len(m)),
        out.admission[m],
        out.discharge[m] + days(0, 7, len(m)),
    )
    # downward: county hospital → the patient's township centre
    m = np.flatnonzero(s.mode == MODE_DOWN)
    rid = (
        np.array([ids.tolist().index(r) for r in s.receiving[m]], dtype=np.int64)
        if len(m)
        else np.empty(0, np.int64)
    )
    done = rng.random(len(m)) < 0.7
    add(
        s.person[m],
        s.inst[m],
        rid,
        none_code(len(m)),
        "down",
        "inpatient",
        np.where(done, "completed", "arrived").astype(object),
        s.principal[m],
        s.discharge[m] - days(0, 2, len(m)),
        s.discharge[m] + days(0, 4, len(m)),
        np.where(done, s.discharge[m] + days(4, 30, len(m)), np.datetime64("NaT")),
    )
    # outpatient referrals from primary care to a county hospital clinic
    for v in visits:
        m = np.flatnonzero(
            (v.level < OP_COUNTY) & (rng.random(len(v.person)) < OUTPATIENT_REFERRAL_SHARE)
        )
        status = rng.choice(
            np.array(OUTPATIENT_STATUSES, dtype=object), len(m), p=OUTPATIENT_STATUS_P
        )
        arrived = np.isin(status, ["arrived", "completed"])
        arrival = np.where(arrived, v.day[m] + days(0, 8, len(m)), np.datetime64("NaT"))
        completed = np.where(
            status == "completed", arrival + days(0, 3, len(m)), np.datetime64("NaT")
        )
        add(
            v.person[m],
            v.inst[m],
            np.full(len(m), general),
            none_code(len(m)),
            "up",
            "outpatient",
            status,
            v.code[m],
            v.day[m],
            arrival,
            completed,
        )
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((cat["person"], cat["request"]))
    cat = {k: v[order] for k, v in cat.items()}
    n = len(order)
    to = cat["to"]
    out_of_county = to < 0
    frm_comm = community_at(ctx, cat["from"], cat["request"])
    to_comm = community_at(ctx, np.where(out_of_county, -99, to), cat["request"])
    to_ids = np.where(out_of_county, None, ids[np.maximum(to, 0)])
    assert all(c in prov_codes for c in cat["to_code"][out_of_county])
    return pa.table(
        {
            "referral_id": concat(f"ZZ{ctx.spec.code}", padded(np.arange(1, n + 1), 8)),
            "patient_id_number": ctx.pop.id_number.take(pa.array(cat["person"], pa.int64())),
            "from_institution_id": pa.array(ids[cat["from"]], pa.string()),
            "to_institution_id": pa.array(to_ids, pa.string()),
            "to_provider_code": pa.array(cat["to_code"], pa.string()),
            "direction": pa.array(cat["direction"], pa.string()),
            "setting": pa.array(cat["setting"], pa.string()),
            "is_out_of_county": flags(out_of_county),
            "within_community": flags(~out_of_county & (frm_comm == to_comm) & (frm_comm != "")),
            "status": pa.array(cat["status"], pa.string()),
            "diagnosis_code": pa.array(cat["diag"], pa.string()),
            "request_date": dates(cat["request"]),
            "arrival_date": dates(cat["arrival"], ~np.isnat(cat["arrival"])),
            "completed_date": dates(cat["completed"], ~np.isnat(cat["completed"])),
        }
    )
