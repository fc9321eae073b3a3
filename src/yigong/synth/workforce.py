"""Beds (卫统1-1) and health workers (卫统1-2) of each institution and year.

Beds follow the bed-days actually used (occupied bed-days ÷ 365 ÷ a target occupancy) and
grow by an extra 3 % a year (assumption: county hospitals expanding ahead of demand, so
occupancy falls and beds per 1,000 residents rise towards the 5.9 target). Staff follow beds
(hospitals) or residents (township centres) with ratios typical of county institutions
(assumption), so physicians, nurses and pharmacists per 1,000 residents stay below the 2025
targets while rising every year.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth import ids
from yigong.synth._arrow import dates, flags, take
from yigong.synth.context import CountyContext
from yigong.synth.contracts import team_ids
from yigong.synth.inpatient import Stays

OCCUPANCY = {"general": 0.85, "tcm": 0.75, "mch": 0.6, "township": 0.45}
BED_EXPANSION = 0.03
QUALIFICATIONS = (
    "licensed_physician",
    "assistant_physician",
    "registered_nurse",
    "pharmacist",
    "technician",
    "other_health",
    "village_doctor",
    "management",
    "support",
)
#: staff per open bed (hospitals) by qualification, in QUALIFICATIONS order (assumption).
PER_BED = {
    "general": (0.38, 0.04, 0.68, 0.05, 0.08, 0.03, 0.0, 0.05, 0.08),
    "tcm": (0.40, 0.05, 0.55, 0.06, 0.07, 0.03, 0.0, 0.05, 0.08),
    "mch": (0.36, 0.04, 0.62, 0.05, 0.08, 0.03, 0.0, 0.06, 0.08),
}
#: staff per 1,000 township residents at a township centre (assumption).
PER_1000_TOWNSHIP = (0.55, 0.45, 0.8, 0.12, 0.2, 0.05, 0.0, 0.08, 0.12)
STAFF_GROWTH = 0.035
#: practice scope of hospital physicians (relative weights; assumption shaped like a county
#: general hospital: internal medicine and surgery dominate, few pathologists).
HOSPITAL_SPECIALTIES = {
    "内科": 0.28,
    "外科": 0.20,
    "妇产科": 0.10,
    "儿科": 0.07,
    "急诊医学科": 0.05,
    "麻醉科": 0.06,
    "医学影像科": 0.06,
    "重症医学科": 0.03,
    "病理科": 0.015,
    "中医科": 0.04,
    "眼科": 0.03,
    "耳鼻咽喉科": 0.02,
    "康复医学科": 0.03,
}
TITLES = ("senior", "deputy_senior", "intermediate", "junior", "none")
TITLE_P = {"hospital": (0.03, 0.12, 0.35, 0.45, 0.05), "township": (0.0, 0.04, 0.25, 0.6, 0.11)}


def bed_counts(ctx: CountyContext, stays: list[Stays]) -> dict[int, np.ndarray]:
    """Open beds (实有床位) per institution and year, and occupied bed-days."""
    n_inst = len(ctx.inst.all)
    occ = np.array(
        [OCCUPANCY[k] for k in ctx.inst.hospital_kinds]
        + [OCCUPANCY["township"]] * len(ctx.inst.centres)
    )
    out = {}
    for year, s in zip(ctx.years, stays, strict=True):
        used = np.bincount(s.inst, weights=s.los, minlength=n_inst)[: len(occ)]
        beds = np.ceil(used / 365 / occ * (1 + BED_EXPANSION) ** (year - 2021)).astype(np.int64)
        out[year] = np.maximum(beds, np.where(np.arange(len(occ)) < ctx.n_hospitals, 5, 2))
    return out


def bed_stats_table(
    ctx: CountyContext, stays: list[Stays], beds: dict[int, np.ndarray]
) -> pa.Table:
    rng = ctx.rng("beds")
    ids_ = ctx.institution_ids()
    rows = []
    for year, s in zip(ctx.years, stays, strict=True):
        b = beds[year]
        used = np.bincount(s.inst, weights=s.los, minlength=len(ids_))[: len(b)].astype(np.int64)
        days = 366 if year % 4 == 0 else 365
        rows.append(
            pa.table(
                {
                    "institution_id": pa.array(ids_[: len(b)], pa.string()),
                    "year": pa.array(np.full(len(b), year)),
                    "approved_beds": pa.array(
                        np.round(b * rng.uniform(0.85, 1.05, len(b))).astype(np.int64)
                    ),
                    "open_beds": pa.array(b),
                    "open_bed_days": pa.array(b * days),
                    "occupied_bed_days": pa.array(np.minimum(used, b * days)),
                }
            )
        )
    return pa.concat_tables(rows)


def staff_table(ctx: CountyContext, beds: dict[int, np.ndarray]) -> pa.Table:
    """Year-end staff snapshots; the same person keeps the same identity number every year."""
    rng = ctx.rng("staff")
    residents = np.bincount(ctx.pop.township, minlength=len(ctx.inst.centres))
    # roster: per institution and qualification, enough people for the busiest year
    inst_l, qual_l, rank_l = [], [], []
    need: dict[tuple[int, int], dict[int, int]] = {}
    for i, kind in enumerate(ctx.inst.hospital_kinds):
        for y in ctx.years:
            for q, r in enumerate(PER_BED[kind]):
                need.setdefault((i, q), {})[y] = round(beds[y][i] * r)
    for t in range(len(ctx.inst.centres)):
        i = ctx.n_hospitals + t
        for y in ctx.years:
            for q, r in enumerate(PER_1000_TOWNSHIP):
                need.setdefault((i, q), {})[y] = round(
                    residents[t] / 1000 * r * (1 + STAFF_GROWTH) ** (y - 2021)
                )
    for v in range(len(ctx.inst.clinics)):
        i = ctx.n_hospitals + len(ctx.inst.centres) + v
        doctors = 1 + int(rng.random() < 0.5)
        assistant = int(rng.random() < 0.12)
        need[(i, 6)] = dict.fromkeys(ctx.years, doctors - assistant)
        need[(i, 1)] = dict.fromkeys(ctx.years, assistant)
    for (i, q), by_year in sorted(need.items()):
        top = max(by_year.values())
        inst_l.append(np.full(top, i))
        qual_l.append(np.full(top, q))
        rank_l.append(np.arange(top))
    inst, qual, rank = (np.concatenate(a) for a in (inst_l, qual_l, rank_l))
    n = len(inst)
    nurse = qual == 2
    male = rng.random(n) < np.where(nurse, 0.04, np.where(qual == 6, 0.7, 0.55))
    birth = np.datetime64("1962-01-01") + rng.integers(0, 365 * 36, n).astype("timedelta64[D]")
    seq = ids.sequences(birth.astype(np.int64), male, base=ids.STAFF_SEQUENCE_BASE)
    id_number = ids.id_numbers(np.full(n, int(ctx.spec.code)), birth, seq)
    hospital = inst < ctx.n_hospitals
    title_h = rng.choice(len(TITLES), n, p=TITLE_P["hospital"])
    title_t = rng.choice(len(TITLES), n, p=TITLE_P["township"])
    title = np.where(hospital, title_h, title_t)
    title[qual >= 6] = 4
    physician = qual <= 1
    kind = np.array(
        list(ctx.inst.hospital_kinds)
        + ["township"] * len(ctx.inst.centres)
        + ["village"] * len(ctx.inst.clinics),
        dtype=object,
    )[inst]
    u = rng.random(n)
    practice = np.select(
        [~physician, (kind == "tcm") & (u < 0.55), (kind == "township") & (u < 0.2), u > 0.97],
        ["none", "tcm", "tcm", "dental"],
        "clinical",
    )
    specialty_names = np.array(list(HOSPITAL_SPECIALTIES), dtype=object)
    specialty_p = np.array(list(HOSPITAL_SPECIALTIES.values()))
    hospital_specialty = specialty_names[
        rng.choice(len(specialty_names), n, p=specialty_p / specialty_p.sum())
    ]
    hospital_specialty = np.where(practice == "tcm", "中医科", hospital_specialty)
    hospital_specialty = np.where(practice == "dental", "口腔科", hospital_specialty)
    specialty = np.select(
        [physician & hospital, physician & (kind == "township"), qual == 6, nurse, qual == 3],
        [hospital_specialty, "全科", "乡村全科", "护理", "药剂"],
        None,
    )
    gp = physician & ((kind == "township") & (rng.random(n) < 0.4) | (kind == "village"))
    teams = team_ids(ctx)
    town_of = np.full(n, -1)
    town_of[kind == "township"] = inst[kind == "township"] - ctx.n_hospitals
    clinic = kind == "village"
    town_of[clinic] = np.array([c.township for c in ctx.inst.clinics])[
        inst[clinic] - ctx.n_hospitals - len(ctx.inst.centres)
    ]
    in_team = (gp | (qual == 6) | (nurse & (kind == "township") & (rng.random(n) < 0.3))) & (
        town_of >= 0
    )
    team = np.full(n, None, dtype=object)
    for k in np.flatnonzero(in_team):
        ts = teams[town_of[k]]
        team[k] = ts[rank[k] % len(ts)]
    ids_ = ctx.institution_ids()
    tables = []
    for y in ctx.years:
        present = rank < np.array([need[(i, q)][y] for i, q in zip(inst, qual, strict=True)])
        m = np.flatnonzero(present)
        on_duty = ctx.rng("on-duty", y).random(len(m)) > 0.03
        tables.append(
            pa.table(
                {
                    "snapshot_date": dates(np.full(len(m), np.datetime64(f"{y}-12-31"))),
                    "institution_id": pa.array(ids_[inst[m]], pa.string()),
                    "staff_id_number": id_number.take(pa.array(m)),
                    "sex": take(["2", "1"], male[m].astype(np.int64)),
                    "qualification": take(QUALIFICATIONS, qual[m]),
                    "practice_category": pa.array(practice[m], pa.string()),
                    "specialty": pa.array(specialty[m], pa.string()),
                    "title": take(TITLES, title[m]),
                    "on_duty": flags(on_duty),
                    "is_general_practitioner": flags(gp[m]),
                    "family_doctor_team_id": pa.array(team[m], pa.string()),
                }
            )
        )
    return pa.concat_tables(tables)


def staff_count_by_institution(staff: pa.Table, ids_: np.ndarray, year: int) -> np.ndarray:
    """On-duty staff per institution at the end of `year` (for personnel expenditure)."""
    snap = staff.column("snapshot_date").to_numpy().astype("datetime64[D]")
    on = staff.column("on_duty").to_numpy(zero_copy_only=False)
    sel = (snap == np.datetime64(f"{year}-12-31")) & on
    inst = np.asarray(staff.column("institution_id").to_pylist(), dtype=object)[sel]
    index = {k: i for i, k in enumerate(ids_)}
    return np.bincount([index[x] for x in inst], minlength=len(ids_))
