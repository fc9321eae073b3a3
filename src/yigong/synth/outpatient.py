"""Outpatient and emergency visits: in-county visits and out-of-county outpatient care.

In-county visits become `outpatient_visits` rows; out-of-county visits exist only as
settlements. Where a visit happens follows the condition's outpatient level shares, pulled
towards primary care year by year (assumption: the reform's goal of 基层首诊).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.synth.clinical import principal_codes, split_cost
from yigong.synth.context import CountyContext
from yigong.synth.events import sample_events
from yigong.synth.inpatient import choose_column, county_hospital
from yigong.synth.institutions import OUTSIDE_PROVIDERS

VILLAGE, TOWNSHIP, COUNTY, OUT = 0, 1, 2, 3
#: the condition file's visit rates are relative propensities; this scales them to about
#: 2.6 visits per resident and year in and out of the county (assumption, rural Hebei).
VISIT_CALIBRATION = 0.85
#: primary care (village + township) weight relative to the file in 2021, and yearly step:
#: primary share of in-county visits ≈ 63 % in 2021 rising to ≈ 67 % in 2024 (assumption).
PRIMARY_2021, PRIMARY_STEP = 0.6, 0.04
OUT_DECLINE = 0.05
LEVEL_COST = np.array([0.25, 0.5, 1.0, 1.8])
COST_GROWTH = 0.03
SIGMA_COST = 0.55
#: cost categories of a visit: drugs, consumables, examination, laboratory, treatment, other.
OP_COST_COLUMNS = (
    "cost_drugs",
    "cost_consumables",
    "cost_examination",
    "cost_laboratory",
    "cost_treatment",
    "cost_other",
)
LEVEL_PROFILE = np.array(
    [
        [0.70, 0.05, 0.00, 0.02, 0.15, 0.08],
        [0.55, 0.05, 0.10, 0.10, 0.14, 0.06],
        [0.42, 0.05, 0.20, 0.15, 0.12, 0.06],
        [0.40, 0.05, 0.22, 0.16, 0.12, 0.05],
    ]
)
HEALTH_CHECK_PROFILE = np.array([0.0, 0.02, 0.45, 0.45, 0.0, 0.08])
VISIT_TYPES = ("outpatient", "emergency", "health_check", "home_visit", "other")
#: share of visits that are special-needs services (特需) by hospital kind (assumption: the
#: TCM hospital's famous-doctor clinics exceed the 10 % cap, the others stay below it).
SPECIAL_NEEDS = {"general": 0.03, "tcm": 0.12, "mch": 0.02}


@dataclass
class Visits:
    """Outpatient visits of one county and year (arrays of equal length)."""

    person: np.ndarray
    cond: np.ndarray
    level: np.ndarray
    inst: np.ndarray  # index into ctx.inst.all; -1 out of county
    provider: np.ndarray  # index into OUTSIDE_PROVIDERS; -1 in county
    day: np.ndarray
    visit_type: np.ndarray  # index into VISIT_TYPES
    appointment: np.ndarray
    slot: np.ndarray  # datetime64[s]
    prescription: np.ndarray
    special: np.ndarray
    code: np.ndarray
    parts: np.ndarray  # (n, 6) fen in OP_COST_COLUMNS order

    @property
    def total_fen(self) -> np.ndarray:
        return self.parts.sum(axis=1)

    def take(self, m: np.ndarray) -> Visits:
        return Visits(*(getattr(self, f)[m] for f in self.__dataclass_fields__))


def simulate_year(ctx: CountyContext, year: int) -> Visits:
    """All outpatient visits of residents in `year` (in and out of county), sorted by date."""
    rng = ctx.rng("outpatient", year)
    cond, pop = ctx.cond, ctx.pop
    ev = sample_events(pop, cond, cond.op_rate * VISIT_CALIBRATION, year, rng)
    n, c, person = len(ev.person), ev.condition, ev.person
    dy = year - 2021
    w = cond.op_levels[c].copy()
    w[:, [VILLAGE, TOWNSHIP]] *= max(0.2, PRIMARY_2021 + PRIMARY_STEP * dy) * ctx.spec.primary_pull
    w[:, OUT] *= max(0.2, 1 - OUT_DECLINE * dy) / ctx.spec.capacity
    level = choose_column(w, rng)
    own_clinic = ctx.clinic_index(pop.village[person])
    vpt = ctx.spec.villages_per_township
    other_clinic = ctx.clinic_index(pop.township[person] * vpt + rng.integers(0, vpt, n))
    own_centre = ctx.centre_index(pop.township[person])
    any_centre = ctx.centre_index(rng.integers(0, len(ctx.inst.centres), n))
    inst = np.full(n, -1)
    inst = np.where(
        level == VILLAGE, np.where(rng.random(n) < 0.92, own_clinic, other_clinic), inst
    )
    inst = np.where(level == TOWNSHIP, np.where(rng.random(n) < 0.85, own_centre, any_centre), inst)
    inst = np.where(level == COUNTY, county_hospital(ctx, c, rng), inst)
    weights = np.array([p.weight for p in OUTSIDE_PROVIDERS])
    provider = np.where(
        level == OUT, choose_column(np.broadcast_to(weights, (n, len(weights))), rng), -1
    )
    # visit type
    check = c == cond.index("health_check")
    u = rng.random(n)
    p_emerg = np.array([0.0, 0.04, 0.10, 0.08])[level]
    p_home = np.where(level == VILLAGE, 0.05, 0.0)
    vtype = np.select(
        [check, u < p_emerg, u < p_emerg + p_home, u < p_emerg + p_home + 0.01], [2, 1, 3, 4], 0
    )
    # appointments (time slots) at county hospitals rise with the reform; a few at townships
    p_app = np.where(
        level == COUNTY, 0.25 + 0.1 * max(dy, 0), np.where(level == TOWNSHIP, 0.05, 0.0)
    )
    appointment = (rng.random(n) < p_app) & (vtype != 1)
    slot = ev.day.astype("datetime64[s]") + (8 * 3600 + 1800 * rng.integers(0, 16, n)).astype(
        "timedelta64[s]"
    )
    prescription = (rng.random(n) < 0.72) & ~check
    kinds = np.array(list(ctx.inst.hospital_kinds) + [""] * (len(ctx.inst.all) - ctx.n_hospitals))
    p_special = np.array([SPECIAL_NEEDS.get(k, 0.0) for k in kinds])[np.maximum(inst, 0)]
    special = (level == COUNTY) & (rng.random(n) < p_special) & (vtype == 0)
    # costs in fen, split by category
    total = cond.op_cost[c] * LEVEL_COST[level] * (1 + COST_GROWTH) ** dy
    total = total * rng.lognormal(0, SIGMA_COST, n) * np.where(special, 2.5, 1.0)
    total_fen = np.maximum(np.round(total * 100), 300).astype(np.int64)
    shares = np.where(check[:, None], HEALTH_CHECK_PROFILE[None, :], LEVEL_PROFILE[level])
    shares[:, 0] *= np.where(prescription, 1.0, 0.05)  # no prescription, (almost) no drugs
    parts = split_cost(total_fen, shares, rng)
    code = principal_codes(cond, c, rng)
    order = np.lexsort((inst, ev.day))
    v = Visits(
        person,
        c,
        level,
        inst,
        provider,
        ev.day,
        vtype,
        appointment,
        slot,
        prescription,
        special,
        code,
        parts,
    )
    return v.take(order)
