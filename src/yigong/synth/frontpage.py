"""File-shaped `discharges` rows (住院病案首页) from simulated in-county stays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.schema.tables import DISCHARGE_COST_COLUMNS
from yigong.synth._arrow import concat, dates, flags, joined, money, padded, take
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import COUNTY, TOWNSHIP, Stays
from yigong.synth.settlements import RESIDENT_FUND_SHARE

MEDICAL_DEPARTMENTS = frozenset(
    {
        "内科",
        "呼吸内科",
        "心血管内科",
        "神经内科",
        "消化内科",
        "内分泌科",
        "肾内科",
        "皮肤科",
        "感染科",
    }
)
#: share of the stay's cost the patient pays, by level (assumption; before scheme adjustments).
SELF_PAID_SHARE = {TOWNSHIP: 0.22, COUNTY: 0.35}


def payer_codes(ctx: CountyContext, person: np.ndarray) -> np.ndarray:
    """病案首页 医疗付费方式: 1 employee, 2 resident, 3 poverty relief, 6 self-pay."""
    scheme = ctx.pop.scheme[person]
    low = ctx.pop.low_income[person]
    return np.select([scheme == 0, scheme == 2, low], ["1", "6", "3"], "2").astype(object)


def self_paid_fen(ctx: CountyContext, s: Stays, rng: np.random.Generator) -> np.ndarray:
    """The patient's own share of each stay (exact fen, never above the total)."""
    base = np.where(s.level == TOWNSHIP, SELF_PAID_SHARE[TOWNSHIP], SELF_PAID_SHARE[COUNTY])
    scheme = ctx.pop.scheme[s.person]
    share = base - np.where(scheme == 0, 0.1, 0) - np.where(ctx.pop.low_income[s.person], 0.1, 0)
    share = np.clip(share + rng.uniform(-0.05, 0.05, len(s)), 0.05, 1.0)
    # the residents' fund pays RESIDENT_FUND_SHARE of the rest (settlements.py: calibrated to
    # per-capita financing); the patient pays the out-of-catalogue remainder too
    share = np.where(scheme == 1, 1 - (1 - share) * RESIDENT_FUND_SHARE, share)
    share[scheme == 2] = 1.0
    return np.minimum(np.round(s.total_fen * share).astype(np.int64), s.total_fen)


def departments(
    ctx: CountyContext, c: np.ndarray, level: np.ndarray, age: np.ndarray
) -> np.ndarray:
    dept = np.asarray(ctx.cond.department, dtype=object)[c]
    child = (age < 14) & np.isin(dept, list(MEDICAL_DEPARTMENTS))
    dept = np.where(child, "儿科", dept)
    profile = np.asarray(ctx.cond.profile_names, dtype=object)[ctx.cond.profile[c]]
    township_dept = np.select(
        [
            np.isin(dept, ["妇产科", "妇科"]),
            dept == "儿科",
            dept == "新生儿科",
            np.isin(profile, ["surgical"]),
            profile == "tcm_rehab",
        ],
        ["妇产科", "儿科", "儿科", "外科", "中医科"],
        "内科",
    )
    return np.where(level == TOWNSHIP, township_dept, dept)


def procedure_details(
    ctx: CountyContext, grade: np.ndarray, invasive: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """切口等级, 切口愈合类别 and 麻醉方式 (CV06.00.103) of each procedure, "" when none.

    Assumption (illustrative shares, not measured): operations of grade 2 and above have an
    incision, mostly clean (Ⅰ类) and healing 甲; grade 3–4 operations are done under general
    anaesthesia mostly, grade 2 under neuraxial, general or local, grade 1 procedures (imaging,
    endoscopy, minor treatment) without anaesthesia recorded. Drawn from their own random stream, so the other columns do not move.
    """
    rng = ctx.rng("procedure_details")
    n = len(grade)
    cut = grade >= 2
    incision = np.where(
        invasive,
        rng.choice(np.array(["1", "2"], dtype=object), n, p=[0.7, 0.3]),
        rng.choice(np.array(["1", "2", "3"], dtype=object), n, p=[0.55, 0.38, 0.07]),
    )
    healing = rng.choice(np.array(["1", "2", "3"], dtype=object), n, p=[0.96, 0.03, 0.01])
    major = rng.choice(np.array(["1", "22", "41"], dtype=object), n, p=[0.7, 0.2, 0.1])
    middle = rng.choice(np.array(["22", "21", "1", "3"], dtype=object), n, p=[0.4, 0.2, 0.2, 0.2])
    blank = np.full(n, "", dtype=object)
    anaesthesia = np.select([grade >= 3, grade == 2], [major, middle], blank)
    return np.where(cut, incision, blank), np.where(cut, healing, blank), anaesthesia


def _details(offsets: np.ndarray, values: np.ndarray) -> pa.Array:
    """A detail list aligned with the procedures ("" for a procedure without one)."""
    return joined(offsets, pa.array(values, pa.string()))


def discharges_table(
    ctx: CountyContext, s: Stays, self_fen: np.ndarray, rng: np.random.Generator
) -> pa.Table:
    """The front pages of in-county stays (all generated years of one county)."""
    n = len(s)
    ids = ctx.institution_ids()
    inst_id = ids[s.inst]
    # 住院次数: the patient's n-th stay at this institution (counted within the generated years)
    order = np.lexsort((s.admission, s.person, s.inst))
    key = s.inst[order].astype(np.int64) * (ctx.pop.size + 1) + s.person[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    seq_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    admission_seq = np.empty(n, np.int64)
    admission_seq[order] = seq_sorted + 1
    case_no = concat("BA", padded(s.person, 8))
    discharge_id = concat(
        pa.array(inst_id, pa.string()), "-", case_no, "-", padded(admission_seq, 2)
    )
    birth = ctx.pop.birth[s.person]
    age_days = (s.admission - birth).astype(np.int64)
    age_years = (age_days // 365.25).astype(np.int64)
    infant = age_days < 365
    newborn = ctx.cond.newborn[s.cond] & (age_days < 28)
    preterm = s.cond == ctx.cond.index("preterm")
    weight = np.where(
        preterm, rng.normal(1900, 350, n).clip(800, 2490), rng.normal(3300, 420, n).clip(2500, 4800)
    )
    village_codes = np.array([v.code for vs in ctx.geo.villages for v in vs], dtype=object)
    # diagnoses: principal first, then comorbidities; admission condition 1 (present) mostly
    diag_counts = 1 + s.sec_count
    diag_off = np.r_[0, np.cumsum(diag_counts)]
    flat = np.empty(diag_off[-1], dtype=object)
    flat[diag_off[:-1]] = s.principal
    sec_pos = np.setdiff1d(np.arange(diag_off[-1]), diag_off[:-1], assume_unique=True)
    flat[sec_pos] = s.sec_codes
    cond_flat = np.where(
        rng.random(len(flat)) < 0.92,
        "1",
        rng.choice(np.array(["2", "3", "4"], dtype=object), len(flat)),
    )
    cond_flat[diag_off[:-1]] = "1"
    # procedures (principal first)
    pr = ctx.cond.procedures
    proc_counts = np.bincount(s.proc_enc, minlength=n)
    proc_off = np.r_[0, np.cumsum(proc_counts)]
    p_adm = s.admission[s.proc_enc]
    p_los = s.los[s.proc_enc]
    p_day = p_adm + np.minimum(p_los, rng.poisson(1, len(p_adm))).astype("timedelta64[D]")
    p_grade = pr.grade[s.proc_rows]
    p_emerg = (s.route[s.proc_enc] == 1) & (p_grade >= 2)
    proc_codes = np.asarray(pr.code, dtype=object)[s.proc_rows]
    incision, healing, anaesthesia = procedure_details(
        ctx, p_grade, pr.minimally_invasive[s.proc_rows].astype(bool)
    )
    cols: dict[str, pa.Array] = {
        "discharge_id": discharge_id,
        "institution_id": pa.array(inst_id, pa.string()),
        "case_no": case_no,
        "admission_seq": pa.array(admission_seq),
        "patient_id_number": ctx.pop.id_number.take(pa.array(s.person)),
        "sex": take(["", "1", "2"], ctx.pop.sex[s.person]),
        "age_years": pa.array(age_years),
        "age_days": pa.array(age_days, mask=~infant),
        "birth_weight_g": pa.array(np.round(weight).astype(np.int64), mask=~newborn),
        "residence_code": pa.array(village_codes[ctx.pop.village[s.person]], pa.string()),
        "admission_route": pa.array(s.route.astype(str).astype(object), pa.string()),
        "admission_date": dates(s.admission),
        "discharge_date": dates(s.discharge),
        "length_of_stay": pa.array(s.los),
        "department": pa.array(departments(ctx, s.cond, s.level, age_years), pa.string()),
        "attending_doctor_key": concat(
            "E",
            pc.utf8_slice_codeunits(pa.array(inst_id, pa.string()), 7),
            padded(rng.integers(1, 40, n), 3),
        ),
        "discharge_mode": pa.array(s.mode.astype(str).astype(object), pa.string()),
        "receiving_institution": pa.array(s.receiving, pa.string()),
        "payer": pa.array(payer_codes(ctx, s.person), pa.string()),
        "diagnosis_codes": joined(diag_off, pa.array(flat, pa.string())),
        "diagnosis_conditions": joined(diag_off, pa.array(cond_flat, pa.string())),
        "procedure_codes": joined(proc_off, pa.array(proc_codes, pa.string())),
        "procedure_dates": joined(proc_off, pc.cast(dates(p_day), pa.string())),
        "procedure_grades": joined(
            proc_off,
            pa.array(np.where(p_grade > 0, p_grade.astype(str), "").astype(object), pa.string()),
        ),
        "procedure_emergency": joined(proc_off, take(["0", "1"], p_emerg.astype(np.int64))),
        "procedure_minimally_invasive": joined(
            proc_off, take(["0", "1"], pr.minimally_invasive[s.proc_rows].astype(np.int64))
        ),
        "procedure_incision_classes": _details(proc_off, incision),
        "procedure_healing_grades": _details(proc_off, healing),
        "procedure_anaesthesia": _details(proc_off, anaesthesia),
        "is_day_surgery": flags(s.day_surgery),
        "total_cost": money(s.total_fen),
        "self_paid": money(self_fen),
    }
    for k, name in enumerate(DISCHARGE_COST_COLUMNS):
        cols[name] = money(s.parts[:, k])
    return pa.table(cols)
