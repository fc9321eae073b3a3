"""Inpatient stays: in-county discharges (front pages) and out-of-county admissions.

Out-of-county admissions become settlements only; in-county ones become front pages and, for
insured patients, settlements. Rates, levels, lengths of stay, costs and deaths come from the
condition table; trends over the years are the assumptions named below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.synth.clinical import (
    TCM_CATEGORIES,
    TCM_HOSPITAL_BOOST,
    assign_procedures,
    principal_codes,
    secondary_diagnoses,
    split_cost,
)
from yigong.synth.context import CountyContext
from yigong.synth.events import sample_events
from yigong.synth.institutions import OUTSIDE_PROVIDERS, community_blocks

TOWNSHIP, COUNTY, OUT = 0, 1, 2
#: median cost of the same condition relative to a county hospital (assumption).
LEVEL_COST = {TOWNSHIP: 0.55, COUNTY: 1.0}
PROVIDER_COST = {"city": 1.5, "neighbour": 1.5, "province": 2.0, "national": 2.6}
#: the condition file's medians are list prices of a typical stay; this scales them to the
#: average cost per stay of a Hebei county hospital (≈ 7,000 yuan in 2021; assumption).
COST_CALIBRATION = 0.75
LEVEL_LOS = np.array([0.85, 1.0, 1.15])
#: out-of-county care is this much more frequent than the file's shares in 2021 and falls by
#: this fraction per year (assumption: county consultation rate rising with the reform).
OUT_BOOST_2021, OUT_DECLINE = 1.6, 0.06
#: out-of-county propensity of the residents of each community's townships (assumption, see
#: docs/synthetic-data.md "Medical-insurance money"): the general hospital's community keeps more
#: of its patients in the county, the TCM hospital's community (townships farther from the
#: county seat, toward Anyang) sends more out; a third community is typical.
OUT_BY_COMMUNITY = (0.55, 1.90, 1.0)
#: … and its yearly change from 2021 (the first community's hospital keeps more patients each
#: year, the second's residents leave more): × (1 + trend × (year − 2021)) (assumption)
OUT_TREND_BY_COMMUNITY = (-0.06, 0.12, 0.0)
#: yearly growth of the cost per stay (assumption, close to published county figures).
COST_GROWTH = {TOWNSHIP: 0.02, COUNTY: 0.035, OUT: 0.03}
LOS_DECLINE = 0.02
SIGMA_LOS, SIGMA_COST = 0.35, 0.4
#: day surgery share of eligible county-hospital operations: 2021 and yearly increase.
DAY_SURGERY_2021, DAY_SURGERY_STEP = 0.08, 0.07
#: discharge mode 3 (down to a township centre) from county hospitals: 2021 and yearly step.
DOWN_2021, DOWN_STEP = 0.012, 0.01

#: a township stay leans on drugs and less on diagnostics and consumables (assumption):
#: factors on the profile's shares of western drugs, diagnosis and consumables.
TOWNSHIP_CATEGORY_FACTORS = {5: 1.25, 1: 0.7, 9: 0.6}

MODE_ADVICE, MODE_TRANSFER, MODE_DOWN, MODE_AGAINST, MODE_DEATH, MODE_OTHER = 1, 2, 3, 4, 5, 9
ROUTE_EMERGENCY, ROUTE_OUTPATIENT, ROUTE_REFERRED, ROUTE_OTHER = 1, 2, 3, 9


@dataclass
class Stays:
    """Inpatient stays of one county and year (arrays of equal length)."""

    person: np.ndarray
    cond: np.ndarray
    level: np.ndarray
    inst: np.ndarray  # index into ctx.inst.all; -1 out of county
    provider: np.ndarray  # index into OUTSIDE_PROVIDERS; -1 in county
    admission: np.ndarray
    discharge: np.ndarray
    los: np.ndarray
    mode: np.ndarray
    route: np.ndarray
    receiving: np.ndarray  # object: institution or provider code for modes 2/3
    day_surgery: np.ndarray
    total_fen: np.ndarray
    parts: np.ndarray  # (n, 11) fen by national cost category
    principal: np.ndarray  # object: ICD-10 code
    sec_count: np.ndarray
    sec_codes: np.ndarray
    proc_enc: np.ndarray
    proc_rows: np.ndarray
    referred_from: np.ndarray  # institution index of the referring township centre, -1 if none
    age: np.ndarray

    def __len__(self) -> int:
        return len(self.person)


def choose_column(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row of a matrix of non-negative weights (rows need not sum to 1)."""
    cum = np.cumsum(p, axis=1)
    u = rng.random(len(p)) * cum[:, -1]
    out = np.zeros(len(p), dtype=np.int64)
    for j in range(p.shape[1] - 1):
        out += u >= cum[:, j]
    return out


def _levels(
    ctx: CountyContext,
    c: np.ndarray,
    year: int,
    rng: np.random.Generator,
    person: np.ndarray | None = None,
) -> np.ndarray:
    dy = year - 2021
    w = ctx.cond.ip_levels[c].copy()
    w[:, TOWNSHIP] *= ctx.spec.primary_pull * (1 + 0.03 * dy)
    w[:, OUT] *= max(0.2, OUT_BOOST_2021 * (1 - OUT_DECLINE * dy)) / ctx.spec.capacity
    if person is not None and len(ctx.inst.communities) > 1:
        blocks = community_blocks(len(ctx.inst.communities), len(ctx.inst.centres))
        block = blocks[ctx.pop.township[person]]
        trend = 1 + np.asarray(OUT_TREND_BY_COMMUNITY)[block] * dy
        w[:, OUT] *= np.asarray(OUT_BY_COMMUNITY)[block] * np.maximum(trend, 0.2)
    return choose_column(w, rng)


def county_hospital(ctx: CountyContext, c: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w = ctx.cond.site[c][:, : ctx.n_hospitals].copy()
    w[w.sum(axis=1) == 0, 0] = 1.0
    return choose_column(w, rng)


def _provider(ctx: CountyContext, c: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    onc = ctx.cond.profile_names.index("oncology")
    is_onc = ctx.cond.profile[c] == onc
    base = np.array([p.weight for p in OUTSIDE_PROVIDERS])
    onco = np.array([p.oncology_weight for p in OUTSIDE_PROVIDERS])
    return choose_column(np.where(is_onc[:, None], onco[None, :], base[None, :]), rng)


def simulate_year(ctx: CountyContext, year: int) -> Stays:
    """All inpatient stays of residents discharged in `year` (in and out of county)."""
    rng = ctx.rng("inpatient", year)
    cond, pop = ctx.cond, ctx.pop
    ev = sample_events(pop, cond, cond.ip_rate / 1000, year, rng)
    n = len(ev.person)
    c, person = ev.condition, ev.person
    dy = year - 2021
    level = _levels(ctx, c, year, rng, person)
    # newborns are treated in a county hospital (MCH or general) or out of county
    level[cond.newborn[c] & (level == TOWNSHIP)] = COUNTY
    inst = np.full(n, -1)
    own_centre = ctx.centre_index(pop.township[person])
    random_centre = ctx.centre_index(rng.integers(0, len(ctx.inst.centres), n))
    inst = np.where(
        level == TOWNSHIP, np.where(rng.random(n) < 0.85, own_centre, random_centre), inst
    )
    inst = np.where(level == COUNTY, county_hospital(ctx, c, rng), inst)
    provider = np.where(level == OUT, _provider(ctx, c, rng), -1)
    # length of stay, procedures, day surgery
    med_los = cond.los[c] * LEVEL_LOS[level] * (1 - LOS_DECLINE) ** dy
    los = np.maximum(1, np.round(med_los * rng.lognormal(0, SIGMA_LOS, n))).astype(np.int64)
    proc_enc, proc_rows = assign_procedures(cond, c, level, rng)
    pr = cond.procedures
    first = np.r_[True, proc_enc[1:] != proc_enc[:-1]] if len(proc_enc) else np.empty(0, bool)
    principal_row = np.full(n, -1)
    principal_row[proc_enc[first]] = proc_rows[first]
    has_proc = principal_row >= 0
    grade = np.where(has_proc, pr.grade[principal_row], 0)
    eligible_day = has_proc & pr.day_surgery[principal_row] & (level == COUNTY)
    day_surgery = eligible_day & (rng.random(n) < DAY_SURGERY_2021 + DAY_SURGERY_STEP * max(dy, 0))
    los[day_surgery] = 1
    # ages, deaths, transfers
    age_days = (ev.day - pop.birth[person]).astype(np.int64)
    age = age_days // 365
    age_mult = np.select([age >= 80, age >= 65, age < 1], [1.5, 1.0, 1.0], 0.4)
    p_death = cond.mortality[c] * age_mult * np.where(level == TOWNSHIP, 0.6, 1.0)
    u = rng.random(n)
    mode = np.full(n, MODE_ADVICE)
    p_transfer = np.where(level == TOWNSHIP, 0.04, 0.01 + 0.3 * cond.refer_up[c])
    p_down = np.where(
        level == COUNTY, (DOWN_2021 + DOWN_STEP * max(dy, 0)) * (1 + cond.chronic[c]), 0
    )
    edges = np.cumsum(
        np.stack([p_death, p_transfer, p_down, np.full(n, 0.02), np.full(n, 0.005)]), axis=0
    )
    mode = np.select(
        [u < edges[0], u < edges[1], u < edges[2], u < edges[3], u < edges[4]],
        [MODE_DEATH, MODE_TRANSFER, MODE_DOWN, MODE_AGAINST, MODE_OTHER],
        MODE_ADVICE,
    )
    mode[(level == OUT) & (mode != MODE_DEATH)] = MODE_ADVICE
    mode[day_surgery & (mode == MODE_DOWN)] = MODE_ADVICE
    los[mode == MODE_DEATH] = np.maximum(1, (los[mode == MODE_DEATH] * 0.6).astype(np.int64))
    ids = ctx.institution_ids()
    receiving = np.full(n, None, dtype=object)
    up_from_township = (mode == MODE_TRANSFER) & (level == TOWNSHIP)
    receiving[up_from_township] = ctx.inst.hospital("general").institution_id
    up_from_county = (mode == MODE_TRANSFER) & (level == COUNTY)
    receiving[up_from_county] = np.array([p.code for p in OUTSIDE_PROVIDERS], dtype=object)[
        _provider(ctx, c[up_from_county], rng)
    ]
    receiving[mode == MODE_DOWN] = ids[own_centre[mode == MODE_DOWN]]
    # admission route: referred up from the patient's township centre, emergency, outpatient
    p_ref = np.where(level == COUNTY, cond.refer_up[c] * (1 + 0.1 * max(dy, 0)), 0)
    p_emerg = np.minimum(0.6, 0.12 + 4 * cond.mortality[c])
    u = rng.random(n)
    route = np.select(
        [u < p_ref, u < p_ref + p_emerg, u < p_ref + p_emerg + 0.01],
        [ROUTE_REFERRED, ROUTE_EMERGENCY, ROUTE_OTHER],
        ROUTE_OUTPATIENT,
    )
    referred_from = np.where(route == ROUTE_REFERRED, own_centre, -1)
    # dates: the discharge date was sampled; admission = discharge - length of stay
    discharge = ev.day
    admission = discharge - los.astype("timedelta64[D]")
    admission = np.maximum(admission, pop.birth[person])
    los = (discharge - admission).astype(np.int64)
    # costs
    infl = np.array([(1 + COST_GROWTH[k]) ** dy for k in (TOWNSHIP, COUNTY, OUT)])[level]
    prov_mult = np.array([PROVIDER_COST[p.scope] for p in OUTSIDE_PROVIDERS])
    mult = np.where(level == TOWNSHIP, LEVEL_COST[TOWNSHIP], 1.0)
    mult = np.where(level == OUT, prov_mult[np.maximum(provider, 0)], mult)
    factor = np.where(grade >= 3, 1.3, np.where(has_proc, 1.0, 0.9))
    factor = factor * np.where(day_surgery, 0.75, 1.0) * np.where(mode == MODE_DEATH, 1.4, 1.0)
    los_factor = np.sqrt(np.maximum(los, 1) / np.maximum(med_los, 1))
    total = (
        COST_CALIBRATION
        * cond.cost[c]
        * mult
        * infl
        * factor
        * los_factor
        * rng.lognormal(0, SIGMA_COST, n)
    )
    total_fen = np.maximum(np.round(total * 100), 5000).astype(np.int64)
    shares = cond.profiles[cond.profile[c]].copy()
    tcm_inst = ctx.inst.hospital("tcm")
    at_tcm = inst == ids.tolist().index(tcm_inst.institution_id)
    for k in TCM_CATEGORIES:
        shares[at_tcm, k] *= TCM_HOSPITAL_BOOST
    for k, factor in TOWNSHIP_CATEGORY_FACTORS.items():
        shares[level == TOWNSHIP, k] *= factor
    shares /= shares.sum(axis=1, keepdims=True)
    parts = split_cost(total_fen, shares, rng)
    principal = principal_codes(cond, c, rng)
    sec_count, sec_codes = secondary_diagnoses(cond, principal, age, rng)
    stays = Stays(
        person,
        c,
        level,
        inst,
        provider,
        admission,
        discharge,
        los,
        mode,
        route,
        receiving,
        day_surgery,
        total_fen,
        parts,
        principal,
        sec_count,
        sec_codes,
        proc_enc,
        proc_rows,
        referred_from,
        age,
    )
    return _after_deaths(ctx, stays)


def _after_deaths(ctx: CountyContext, stays: Stays) -> Stays:
    """Drop stays admitted after the patient died in hospital; record the deaths."""
    died = stays.mode == MODE_DEATH
    death = np.full(ctx.pop.size, np.datetime64("2100-12-31"))
    np.minimum.at(death, stays.person[died], stays.discharge[died])
    end = death[stays.person]
    keep = np.where(died, stays.discharge == end, stays.discharge < end)
    ctx.pop.death = np.minimum(ctx.pop.death, death)
    return _take(stays, keep)


def _take(s: Stays, keep: np.ndarray) -> Stays:
    idx = np.flatnonzero(keep)
    remap = np.full(len(keep), -1)
    remap[idx] = np.arange(len(idx))
    sec_sel = np.repeat(keep, s.sec_count)
    proc_sel = keep[s.proc_enc] if len(s.proc_enc) else np.empty(0, bool)
    return Stays(
        s.person[idx],
        s.cond[idx],
        s.level[idx],
        s.inst[idx],
        s.provider[idx],
        s.admission[idx],
        s.discharge[idx],
        s.los[idx],
        s.mode[idx],
        s.route[idx],
        s.receiving[idx],
        s.day_surgery[idx],
        s.total_fen[idx],
        s.parts[idx],
        s.principal[idx],
        s.sec_count[idx],
        s.sec_codes[sec_sel],
        remap[s.proc_enc[proc_sel]],
        s.proc_rows[proc_sel],
        s.referred_from[idx],
        s.age[idx],
    )


def split_in_out(s: Stays) -> tuple[Stays, Stays]:
    """In-county stays (front pages) and out-of-county stays (settlements only)."""
    return _take(s, s.level != OUT), _take(s, s.level == OUT)
