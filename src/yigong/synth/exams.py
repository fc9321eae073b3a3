"""Examinations and laboratory tests (检查检验), with mutual recognition (结果互认).

Stays and a share of township and county visits order examinations. When a township centre
refers a patient up (and for a quarter of the county admissions through the outpatient route)
it has examined the patient in the days before; the county
hospital then either recognises that result (a row whose `recognised_exam_id` points to the
earlier one, at no cost) or repeats the examination. Recognition rises year by year
(assumption). CT and MRI ordered by township centres are performed at the county general
hospital's shared imaging centre (基层检查、上级诊断).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, money, nullable, padded, take
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import COUNTY, ROUTE_OUTPATIENT, ROUTE_REFERRED, Stays
from yigong.synth.outpatient import COUNTY as OP_COUNTY
from yigong.synth.outpatient import TOWNSHIP as OP_TOWNSHIP
from yigong.synth.outpatient import Visits

EXAM_TYPES = ("lab_panel", "xray", "ct", "ultrasound", "ecg", "mri", "pathology")
EXAM_P = np.array([0.45, 0.12, 0.15, 0.15, 0.10, 0.02, 0.01])
ITEMS = {
    "lab_panel": ("血常规", "肝功能", "肾功能", "血糖", "血脂", "尿常规"),
    "xray": ("胸部X线正位片", "四肢X线片"),
    "ct": ("头颅CT平扫", "胸部CT平扫", "腹部CT平扫"),
    "ultrasound": ("腹部彩色多普勒超声", "心脏彩色多普勒超声", "甲状腺彩色多普勒超声"),
    "ecg": ("常规心电图",),
    "mri": ("头颅MRI平扫", "腰椎MRI平扫"),
    "pathology": ("组织病理检查",),
}
#: price in yuan at a county hospital (assumption, Hebei price list order of magnitude).
PRICE = np.array([45, 60, 240, 120, 25, 500, 300])
REPORT_DAYS = np.array([0, 0, 1, 0, 0, 1, 5])
#: recognition of an earlier township result at the county hospital: 2021 and yearly step.
RECOGNISED_2021, RECOGNISED_STEP = 0.2, 0.12
#: share of county admissions through the outpatient route examined first at the patient's
#: township centre (assumption).
WORKUP_SHARE = 0.25
SHARED_IMAGING = (2, 5, 6)  # ct, mri, pathology: performed by the general hospital for townships


def exams_table(ctx: CountyContext, stays: list[Stays], visits: list[Visits]) -> pa.Table:
    ids = ctx.institution_ids()
    general = ctx.inst.hospital_kinds.index("general")
    rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("person", "order", "perform", "type", "day", "cost_mult", "ref")
    }

    def add(person, order, etype, day, ref=None):
        n = len(person)
        perform = np.where(
            (order >= ctx.n_hospitals) & np.isin(etype, SHARED_IMAGING), general, order
        )
        rows["person"].append(person)
        rows["order"].append(order)
        rows["perform"].append(perform)
        rows["type"].append(etype)
        rows["day"].append(day)
        rows["cost_mult"].append(np.where(order >= ctx.n_hospitals, 0.8, 1.0))
        rows["ref"].append(np.full(n, -1) if ref is None else ref)

    for year, s, v in zip(ctx.years, stays, visits, strict=True):
        rng = ctx.rng("exams", year)
        dy = year - 2021
        # township work-up before the stay (every upward referral, and a share of county
        # admissions through the outpatient route), then the county order: recognised or repeated
        workup = (s.route == ROUTE_REFERRED) | (
            (s.level == COUNTY)
            & (s.route == ROUTE_OUTPATIENT)
            & (rng.random(len(s)) < WORKUP_SHARE)
        )
        m = np.flatnonzero(workup)
        centre = np.where(
            s.referred_from[m] >= 0,
            s.referred_from[m],
            ctx.centre_index(ctx.pop.township[s.person[m]]),
        )
        etype = rng.choice(len(EXAM_TYPES), len(m), p=EXAM_P)
        before = s.admission[m] - rng.integers(1, 8, len(m)).astype("timedelta64[D]")
        base = sum(len(a) for a in rows["person"])
        add(s.person[m], centre, etype, before)
        recognised = rng.random(len(m)) < RECOGNISED_2021 + RECOGNISED_STEP * max(dy, 0)
        add(
            s.person[m],
            s.inst[m],
            etype,
            s.admission[m],
            np.where(recognised, base + np.arange(len(m)), -1),
        )
        # ordinary orders during stays
        k = rng.poisson(np.where(s.level == COUNTY, 1.5, 0.8))
        enc = np.repeat(np.arange(len(s)), k)
        offset = np.minimum(rng.integers(0, 2, len(enc)), s.los[enc])
        add(
            s.person[enc],
            s.inst[enc],
            rng.choice(len(EXAM_TYPES), len(enc), p=EXAM_P),
            s.admission[enc] + offset.astype("timedelta64[D]"),
        )
        # outpatient orders
        p = np.where(v.level == OP_COUNTY, 0.2, np.where(v.level == OP_TOWNSHIP, 0.08, 0.0))
        m = np.flatnonzero(rng.random(len(v.person)) < p)
        add(v.person[m], v.inst[m], rng.choice(len(EXAM_TYPES), len(m), p=EXAM_P), v.day[m])
    cat = {k: np.concatenate(v) for k, v in rows.items()}
    n = len(cat["person"])
    rng = ctx.rng("exam-items")
    item = np.empty(n, dtype=object)
    for t, name in enumerate(EXAM_TYPES):
        sel = cat["type"] == t
        item[sel] = rng.choice(np.array(ITEMS[name], dtype=object), sel.sum())
    is_rec = cat["ref"] >= 0
    item[is_rec] = item[cat["ref"][is_rec]]
    cost = np.round(PRICE[cat["type"]] * cat["cost_mult"] * rng.uniform(0.9, 1.1, n) * 100).astype(
        np.int64
    )
    cost[is_rec] = 0
    exam_id = concat(f"JC{ctx.spec.code}", padded(np.arange(1, n + 1), 9))
    rec_id = nullable(exam_id.take(pa.array(np.maximum(cat["ref"], 0))), is_rec)
    report = cat["day"] + (
        REPORT_DAYS[cat["type"]] + (cat["type"] == 6) * rng.integers(0, 3, n)
    ).astype("timedelta64[D]")
    return pa.table(
        {
            "exam_id": exam_id,
            "patient_id_number": ctx.pop.id_number.take(pa.array(cat["person"], pa.int64())),
            "ordering_institution_id": pa.array(ids[cat["order"]], pa.string()),
            "performing_institution_id": pa.array(ids[cat["perform"]], pa.string()),
            "exam_type": take(EXAM_TYPES, cat["type"]),
            "exam_item": pa.array(item, pa.string()),
            "exam_date": dates(cat["day"]),
            "report_date": dates(report),
            "cost": money(cost),
            "recognised_exam_id": rec_id,
        }
    )
