"""The departments (cost centres) of each hospital and township centre, in the four classes of
the national cost accounting standard.

Clinical cost centres are the wards and clinics the encounters name: a ward for every 出院科别
and a clinic for every 就诊科室 the institution's front pages and visits use (so each
discharge finds its ward by name, as a hospital's HIS maps them). The other classes are a
fixed list per kind of institution (*assumption*, shaped like a county general hospital and a
township centre): medical technology (laboratory, imaging, ultrasound/ECG, pathology,
operating theatre and anaesthesia, pharmacy), medical support (sterile supply, medical
records, billing) and administration and logistics. Village clinics have no departments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from yigong.synth._arrow import dates
from yigong.synth.context import CountyContext
from yigong.synth.operations.activity import split_fen

#: medical-technology departments: code, name, exam types they perform, equipment intensity.
MEDTECH_HOSPITAL = (
    ("T01", "检验科", ("lab_panel",), 3.0),
    ("T02", "医学影像科", ("xray", "ct", "mri"), 5.0),
    ("T03", "超声心电科", ("ultrasound", "ecg"), 2.5),
    ("T04", "病理科", ("pathology",), 2.0),
    ("T05", "手术麻醉科", (), 4.0),
    ("T06", "药剂科", (), 1.0),
)
MEDTECH_TOWNSHIP = (
    ("T01", "检验科", ("lab_panel",), 2.0),
    ("T02", "医学影像科", ("xray", "ultrasound", "ecg", "ct", "mri", "pathology"), 3.0),
    ("T06", "药剂科", (), 1.0),
)
#: medical support: code, name, own allocation driver (None: the class's default).
SUPPORT_HOSPITAL = (
    ("S01", "消毒供应中心", "bed_days"),
    ("S02", "病案室", "discharges"),
    ("S03", "收费结算中心", None),
)
SUPPORT_TOWNSHIP = (("S03", "收费室", None),)
ADMIN_HOSPITAL = (
    ("A01", "院办公室"),
    ("A02", "医务科"),
    ("A03", "护理部"),
    ("A04", "财务科"),
    ("A05", "信息科"),
    ("A06", "总务科"),
)
ADMIN_TOWNSHIP = (("A01", "院办公室"), ("A06", "总务后勤"))
#: floor area in m² (hospital, township) of the non-clinical departments (*assumption*).
AREA = {
    "T01": (320, 120),
    "T02": (520, 140),
    "T03": (220, 0),
    "T04": (160, 0),
    "T05": (900, 0),
    "T06": (300, 90),
    "S01": (420, 0),
    "S02": (140, 0),
    "S03": (180, 60),
    "A": (160, 80),
}
WARD_AREA_PER_BED, WARD_AREA_BASE = 32, 60  # m² (*assumption*, 综合医院建设标准 order)
CLINIC_AREA_BASE, CLINIC_AREA_PER_DAILY_VISIT = 40, 1.5


@dataclass(frozen=True)
class Dept:
    """One cost centre of the roster."""

    department_id: str
    institution: int  # index into ctx.inst.all
    code: str
    name: str
    category: str
    setting: str
    driver: str | None = None
    exam_types: tuple[str, ...] = ()
    intensity: float = 1.0  # equipment per m² relative to a ward (depreciation weight)


def _clinical(inst_id: str, index: int, names: list[str], prefix: str, setting: str) -> list[Dept]:
    return [
        Dept(f"{inst_id}-{prefix}{k:02d}", index, f"{prefix}{k:02d}", name, "clinical", setting,
             intensity=1.2 if setting == "inpatient" else 1.0)
        for k, name in enumerate(names, start=1)
    ]  # fmt: skip


def _busiest(activity: pd.DataFrame, inst_id: str) -> list[str]:
    """Department names of one institution, busiest (by revenue) first."""
    sub = activity[activity.institution_id == inst_id]
    order = sub.groupby("name")["revenue"].sum().sort_values(ascending=False, kind="stable")
    return list(order.index)


def roster(ctx: CountyContext, wards: pd.DataFrame, clinics: pd.DataFrame) -> list[Dept]:
    """Every department of every hospital and township centre (village clinics have none)."""
    out: list[Dept] = []
    n_costed = ctx.n_hospitals + len(ctx.inst.centres)
    for index, inst in enumerate(ctx.inst.all[:n_costed]):
        hospital = index < ctx.n_hospitals
        iid = inst.institution_id
        admin = ADMIN_HOSPITAL if hospital else ADMIN_TOWNSHIP
        support = SUPPORT_HOSPITAL if hospital else SUPPORT_TOWNSHIP
        medtech = MEDTECH_HOSPITAL if hospital else MEDTECH_TOWNSHIP
        out += [Dept(f"{iid}-{c}", index, c, n, "administrative", "none") for c, n in admin]
        out += [
            Dept(f"{iid}-{c}", index, c, n, "medical_support", "none", driver=d)
            for c, n, d in support
        ]
        out += [
            Dept(f"{iid}-{c}", index, c, n, "medical_technology", "none", exam_types=e,
                 intensity=k)
            for c, n, e, k in medtech
        ]  # fmt: skip
        out += _clinical(iid, index, _busiest(wards, iid), "I", "inpatient")
        out += _clinical(iid, index, _busiest(clinics, iid), "O", "outpatient")
    return out


def ward_beds(
    ctx: CountyContext, depts: list[Dept], wards: pd.DataFrame, beds: pa.Table
) -> dict[tuple[str, int], int]:
    """Beds per ward and year: the institution's open beds split by the wards' bed-days."""

    open_beds = {
        (r["institution_id"], r["year"]): r["open_beds"]
        for r in beds.select(["institution_id", "year", "open_beds"]).to_pylist()
    }
    used = wards.groupby(["institution_id", "name", "year"])["bed_days"].sum()
    ids = ctx.institution_ids()
    out: dict[tuple[str, int], int] = {}
    for year in ctx.years:
        by_inst: dict[int, list[Dept]] = {}
        for d in depts:
            if d.setting == "inpatient":
                by_inst.setdefault(d.institution, []).append(d)
        for index, ws in by_inst.items():
            total = int(open_beds.get((ids[index], year), 0) or 0)
            weights = np.array([used.get((ids[index], w.name, year), 0) for w in ws], float)
            for w, b in zip(ws, split_fen(total, weights), strict=True):
                out[(w.department_id, year)] = int(b)
    return out


def areas(
    ctx: CountyContext, depts: list[Dept], beds: dict[tuple[str, int], int], clinics: pd.DataFrame
) -> dict[str, float]:
    """Floor area per department (m², fixed over the years; *assumption*)."""
    rng = ctx.rng("operations-area")
    last = max(ctx.years)
    ids = ctx.institution_ids()
    daily = clinics[clinics.year == last].groupby(["institution_id", "name"])["visits"].sum() / 300
    out = {}
    for d in depts:
        hospital = d.institution < ctx.n_hospitals
        if d.setting == "inpatient":
            base = WARD_AREA_BASE + WARD_AREA_PER_BED * beds.get((d.department_id, last), 0)
        elif d.setting == "outpatient":
            visits = float(daily.get((ids[d.institution], d.name), 0.0))
            base = CLINIC_AREA_BASE + CLINIC_AREA_PER_DAILY_VISIT * visits
        else:
            base = AREA["A" if d.category == "administrative" else d.code][0 if hospital else 1]
        out[d.department_id] = round(float(base) * float(rng.uniform(0.85, 1.15)), 1)
    return out


def departments_table(
    ctx: CountyContext,
    depts: list[Dept],
    beds: dict[tuple[str, int], int],
    area: dict[str, float],
    staff_counts: dict[tuple[str, int], int],
) -> pa.Table:
    """One row per department and year (valid 1 January to 31 December; the last year open)."""
    ids = ctx.institution_ids()
    last = max(ctx.years)
    rows = [(d, y) for y in ctx.years for d in depts]
    n = len(rows)
    valid_to = np.array([np.datetime64(f"{y}-12-31") for _, y in rows])
    return pa.table(
        {
            "department_id": pa.array([d.department_id for d, _ in rows], pa.string()),
            "institution_id": pa.array([ids[d.institution] for d, _ in rows], pa.string()),
            "code": pa.array([d.code for d, _ in rows], pa.string()),
            "name_zh": pa.array([d.name for d, _ in rows], pa.string()),
            "category": pa.array([d.category for d, _ in rows], pa.string()),
            "setting": pa.array([d.setting for d, _ in rows], pa.string()),
            "cost_driver": pa.array([d.driver for d, _ in rows], pa.string()),
            "floor_area_m2": pa.array([area[d.department_id] for d, _ in rows], pa.float64()),
            "staff_count": pa.array(
                [staff_counts.get((d.department_id, y), 0) for d, y in rows], pa.int64()
            ),
            "beds": pa.array([beds.get((d.department_id, y), 0) for d, y in rows], pa.int64()),
            "valid_from": dates(np.array([np.datetime64(f"{y}-01-01") for _, y in rows])),
            "valid_to": dates(valid_to, np.array([y != last for _, y in rows], dtype=bool))
            if n
            else pa.array([], pa.date32()),
        }
    )
