"""Medical-insurance settlements (医保结算清单) of insured residents.

Included: every inpatient stay of an insured resident (in county, linked to its front page
by `discharge_id`, and out of county, where the settlement is the only trace), outpatient
chronic and special disease visits (门诊慢特病) at township centres and county hospitals, and
every out-of-county outpatient visit. Ordinary in-county outpatient visits are not settled
here (a documented subset: their fund payment is estimated in `finance`).

Payment methods of in-county stays: county hospitals by DRG from 2022 (Handan's rollout),
township centres by DIP from 2023 (the city's DIP pool for primary-care stays), day-surgery stays
at county hospitals by day surgery from 2023, psychiatric, rehabilitation and long (≥ 60 days)
county-hospital stays per bed-day; fee for service otherwise. The residents' fund pays
``RESIDENT_FUND_SHARE`` of what the front page leaves to the fund (docs/synthetic-data.md,
"Medical-insurance money": calibrated to per-capita financing).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, flags, money, padded, take
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import TOWNSHIP, Stays
from yigong.synth.institutions import OUTSIDE_PROVIDERS
from yigong.synth.outpatient import COUNTY as OP_COUNTY
from yigong.synth.outpatient import OUT as OP_OUT
from yigong.synth.outpatient import TOWNSHIP as OP_TOWNSHIP
from yigong.synth.outpatient import Visits
from yigong.synth.population import SCHEMES

#: share of out-of-county admissions with a referral on file (转外备案): 2021 and yearly step.
OUT_REFERRED_2021, OUT_REFERRED_STEP = 0.5, 0.05
#: the patient's share of out-of-county stays (assumption: lower reimbursement outside).
OUT_PERSONAL = {True: 0.42, False: 0.55}
PER_BED_DAY_CONDITIONS = ("schizophrenia", "depression", "stroke_sequelae")
#: county-hospital stays this long or longer are paid per bed-day (the DRG pack excludes them)
LONG_STAY_DAYS = 60
#: year from which the county hospitals are paid by DRG (assumption: Handan's 2022 rollout).
DRG_FROM = 2022
#: year from which township centres' stays are paid by DIP and county-hospital day surgery by
#: day surgery (assumption: the city's DIP pool for primary-care stays and its day-surgery list).
DIP_FROM = DAY_SURGERY_FROM = 2023
#: share of what is not the patient's own part (front page 自付) that the residents' fund pays;
#: the rest is out-of-catalogue spending (自费) the patient pays too. Calibrated so the residents'
#: fund paid per insured resident is about the communities' share of per-capita financing
#: (docs/synthetic-data.md, "Medical-insurance money"); other schemes are not scaled.
RESIDENT_FUND_SHARE = 0.81
RESIDENT = SCHEMES.index("resident")

Columns = dict[str, list[pa.Array]]


def out_referred(ctx: CountyContext, out: Stays) -> np.ndarray:
    """Which out-of-county stays had a referral on file."""
    rng = ctx.rng("out-referred")
    dy = out.discharge.astype("datetime64[Y]").astype(np.int64) + 1970 - 2021
    return rng.random(len(out)) < OUT_REFERRED_2021 + OUT_REFERRED_STEP * np.maximum(dy, 0)


def _add(cols: Columns, **arrays: pa.Array) -> None:
    for k, v in arrays.items():
        cols.setdefault(k, []).append(v)


def _common(ctx: CountyContext, person: np.ndarray, cols: Columns, n: int) -> None:
    _add(
        cols,
        insured_area=pa.array([ctx.spec.code] * n, pa.string()),
        person_id_number=ctx.pop.id_number.take(pa.array(person, pa.int64())),
        scheme=take(SCHEMES, ctx.pop.scheme[person]),
    )


def _personal(total: np.ndarray, share: np.ndarray) -> np.ndarray:
    return np.minimum(np.round(total * np.clip(share, 0.05, 1.0)).astype(np.int64), total)


def _calibrated(total: np.ndarray, personal: np.ndarray, scheme: np.ndarray) -> np.ndarray:
    """The patient's part after the residents' fund share: residents pay also the part of the
    fund's share the calibration leaves out; other schemes keep ``personal``."""
    fund = total - personal
    resident_fund = np.round(fund * RESIDENT_FUND_SHARE).astype(np.int64)
    return np.where(scheme == RESIDENT, total - resident_fund, personal)


def settlements_table(
    ctx: CountyContext,
    inside: Stays,
    self_fen: np.ndarray,
    discharge_id: pa.Array,
    out: Stays,
    referred: np.ndarray,
    visits: list[Visits],
) -> pa.Table:
    """All settlements of one county's insured residents, ordered by settlement date."""
    rng = ctx.rng("settlements")
    cols: Columns = {}
    inst = ctx.inst.all
    pr_codes = np.asarray(ctx.cond.procedures.code, dtype=object)
    per_bed_day = np.isin(ctx.cond.ids, PER_BED_DAY_CONDITIONS)
    # --- in-county inpatient
    ins = ctx.pop.scheme[inside.person] != 2
    s, fen, did = inside, self_fen, discharge_id.filter(pa.array(ins))
    idx = np.flatnonzero(ins)
    n = len(idx)
    year = s.discharge[idx].astype("datetime64[Y]").astype(np.int64) + 1970
    township = s.level[idx] == TOWNSHIP
    method = np.where(
        township,
        np.where(year >= DIP_FROM, "dip", "fee_for_service"),
        np.where(year >= DRG_FROM, "drg", "fee_for_service"),
    )
    day = s.day_surgery[idx] & ~township & (year >= DAY_SURGERY_FROM)
    method = np.where(day, "day_surgery", method)
    bed = (per_bed_day[s.cond[idx]] | (s.los[idx] >= LONG_STAY_DAYS)) & ~township
    method = np.where(bed, "per_bed_day", method)
    personal_in = fen[idx]  # the front page's self-paid part, calibrated there (frontpage.py)
    first_proc = _principal_procedure(s, pr_codes)
    _add(
        cols,
        provider_code=pa.array([inst[i].institution_id for i in s.inst[idx]], pa.string()),
        provider_name=pa.array([inst[i].name_zh for i in s.inst[idx]], pa.string()),
        provider_level=pa.array([inst[i].level for i in s.inst[idx]], pa.string()),
        service_area=pa.array([ctx.spec.code] * n, pa.string()),
        care_type=pa.array(["inpatient"] * n, pa.string()),
        admission_date=dates(s.admission[idx]),
        discharge_date=dates(s.discharge[idx]),
        settle_date=dates(s.discharge[idx] + rng.integers(0, 3, n).astype("timedelta64[D]")),
        principal_diagnosis=pa.array(s.principal[idx], pa.string()),
        principal_procedure=pa.array(first_proc[idx], pa.string()),
        length_of_stay=pa.array(s.los[idx]),
        total_cost=money(s.total_fen[idx]),
        fund_paid=money(s.total_fen[idx] - personal_in),
        personal_paid=money(personal_in),
        payment_method=pa.array(method.astype(object), pa.string()),
        drg_dip_code=pa.nulls(n, pa.string()),
        is_referred=pa.nulls(n, pa.bool_()),
        discharge_id=did,
    )
    _common(ctx, s.person[idx], cols, n)
    # --- out-of-county inpatient
    ins = ctx.pop.scheme[out.person] != 2
    idx = np.flatnonzero(ins)
    n = len(idx)
    prov = [OUTSIDE_PROVIDERS[p] for p in out.provider[idx]]
    share = np.array([OUT_PERSONAL[bool(r)] for r in referred[idx]]) - 0.12 * (
        ctx.pop.scheme[out.person[idx]] == 0
    )
    personal = _personal(out.total_fen[idx], share + rng.uniform(-0.05, 0.05, n))
    personal = _calibrated(out.total_fen[idx], personal, ctx.pop.scheme[out.person[idx]])
    first_proc = _principal_procedure(out, pr_codes)
    _add(
        cols,
        provider_code=pa.array([p.code for p in prov], pa.string()),
        provider_name=pa.array([p.name_zh for p in prov], pa.string()),
        provider_level=pa.array([p.level for p in prov], pa.string()),
        service_area=pa.array([p.division_code for p in prov], pa.string()),
        care_type=pa.array(["inpatient"] * n, pa.string()),
        admission_date=dates(out.admission[idx]),
        discharge_date=dates(out.discharge[idx]),
        settle_date=dates(out.discharge[idx] + rng.integers(0, 5, n).astype("timedelta64[D]")),
        principal_diagnosis=pa.array(out.principal[idx], pa.string()),
        principal_procedure=pa.array(first_proc[idx], pa.string()),
        length_of_stay=pa.array(out.los[idx]),
        total_cost=money(out.total_fen[idx]),
        fund_paid=money(out.total_fen[idx] - personal),
        personal_paid=money(personal),
        payment_method=pa.array(["drg"] * n, pa.string()),
        drg_dip_code=pa.nulls(n, pa.string()),
        is_referred=flags(referred[idx]),
        discharge_id=pa.nulls(n, pa.string()),
    )
    _common(ctx, out.person[idx], cols, n)
    # --- outpatient: chronic-disease visits in county, every visit out of county
    for v in visits:
        chronic = ctx.cond.chronic[v.cond]
        keep = (ctx.pop.scheme[v.person] != 2) & (
            (chronic & np.isin(v.level, [OP_TOWNSHIP, OP_COUNTY])) | (v.level == OP_OUT)
        )
        w = v.take(keep)
        n = len(w.person)
        outside = w.level == OP_OUT
        total = w.total_fen
        share = np.where(outside, 0.6, 0.4) - 0.15 * (ctx.pop.scheme[w.person] == 0)
        personal = _calibrated(total, _personal(total, share), ctx.pop.scheme[w.person])
        prov_code = np.array([p.code for p in OUTSIDE_PROVIDERS], dtype=object)
        prov_name = np.array([p.name_zh for p in OUTSIDE_PROVIDERS], dtype=object)
        prov_area = np.array([p.division_code for p in OUTSIDE_PROVIDERS], dtype=object)
        in_code = np.array([i.institution_id for i in inst], dtype=object)
        in_name = np.array([i.name_zh for i in inst], dtype=object)
        in_level = np.array([i.level for i in inst], dtype=object)
        pi, ii = np.maximum(w.provider, 0), np.maximum(w.inst, 0)
        _add(
            cols,
            provider_code=pa.array(np.where(outside, prov_code[pi], in_code[ii]), pa.string()),
            provider_name=pa.array(np.where(outside, prov_name[pi], in_name[ii]), pa.string()),
            provider_level=pa.array(np.where(outside, "3", in_level[ii]), pa.string()),
            service_area=pa.array(np.where(outside, prov_area[pi], ctx.spec.code), pa.string()),
            care_type=pa.array(
                np.where(chronic[keep], "outpatient_chronic", "outpatient"), pa.string()
            ),
            admission_date=dates(w.day),
            discharge_date=pa.nulls(n, pa.date32()),
            settle_date=dates(w.day),
            principal_diagnosis=pa.array(w.code, pa.string()),
            principal_procedure=pa.nulls(n, pa.string()),
            length_of_stay=pa.nulls(n, pa.int64()),
            total_cost=money(total),
            fund_paid=money(total - personal),
            personal_paid=money(personal),
            payment_method=pa.array(["fee_for_service"] * n, pa.string()),
            drg_dip_code=pa.nulls(n, pa.string()),
            is_referred=pa.nulls(n, pa.bool_()),
            discharge_id=pa.nulls(n, pa.string()),
        )
        _common(ctx, w.person, cols, n)
    table = pa.table({k: pa.concat_arrays(v) for k, v in cols.items()})
    table = table.sort_by([("settle_date", "ascending")])
    sid = concat(f"JS{ctx.spec.code}", padded(np.arange(1, table.num_rows + 1), 9))
    return table.add_column(0, "settlement_id", sid)


def _principal_procedure(s: Stays, codes: np.ndarray) -> np.ndarray:
    out = np.full(len(s), None, dtype=object)
    if len(s.proc_enc):
        first = np.r_[True, s.proc_enc[1:] != s.proc_enc[:-1]]
        out[s.proc_enc[first]] = codes[s.proc_rows[first]]
    return out
