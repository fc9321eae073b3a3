"""Basic public-health service records (国家基本公共卫生服务记录) per resident and service.

Who has hypertension or type-2 diabetes is drawn once per person (a fixed uniform number per
person compared with an age-specific prevalence each year, so patients stay patients and the
ageing population adds new ones), plus everyone the year's encounters diagnosed with it.
Prevalence by age is set so that adults (18+) come out near the national figures of the
中国居民营养与慢性病状况报告（2020年）: hypertension 27.5 %, diabetes 11.9 %.

Each township has its own management propensity, and each village clinic its own diligence, so
that health-management rates, follow-up on schedule and control rates differ between townships
and villages (docs/synthetic-data.md lists the figures and their sources). A registered
patient is managed either by the village clinic (with the township's village share) or by the
township centre; every quarter a follow-up happens with the clinic's diligence; each follow-up
carries blood pressure (hypertension), fasting glucose (diabetes, HbA1c in some), BMI,
medication adherence and the days prescribed (long prescriptions grow from 2021 to 2024).

The other programmes write the services a resident receives: elderly health checks (65+),
child health visits (0–6), maternal visits (deliveries of the year), vaccinations (children
0–6), severe mental disorder and tuberculosis follow-ups, TCM health guidance, and the health
record opened at birth or updated at a health check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, padded
from yigong.synth.context import CountyContext
from yigong.synth.contracts import team_ids
from yigong.synth.inpatient import Stays
from yigong.synth.outpatient import Visits
from yigong.synth.public_health import village_share

#: age bands (lower bounds) and prevalence per band (assumption calibrated to 27.5 % / 11.9 %
#: of adults 18+ in 中国居民营养与慢性病状况报告（2020年）, rural Hebei age structure).
AGE_BANDS = np.array([18, 35, 45, 55, 65, 75])
HTN_PREVALENCE = np.array([0.07, 0.16, 0.30, 0.45, 0.55, 0.62])
DM_PREVALENCE = np.array([0.03, 0.07, 0.12, 0.17, 0.21, 0.22])
#: basic public health manages patients aged 35 and over (服务规范 第三版: 辖区内35岁及以上).
MANAGED_FROM_AGE = 35

SERVICE_COLUMNS = (
    "service_id",
    "person_id_number",
    "program",
    "service_type",
    "disease",
    "service_date",
    "institution_id",
    "staff_id_number",
    "team_id",
    "sbp",
    "dbp",
    "fasting_glucose",
    "hba1c",
    "bmi",
    "adherence",
    "prescription_days",
)
ADHERENCE = ("regular", "intermittent", "none")
NUMERIC = frozenset({"sbp", "dbp", "fasting_glucose", "hba1c", "bmi", "prescription_days"})


@dataclass
class _Rows:
    """Columns of service records collected as lists of numpy arrays."""

    cols: dict[str, list[np.ndarray]]

    @classmethod
    def empty(cls) -> _Rows:
        return cls({c: [] for c in SERVICE_COLUMNS if c not in ("service_id", "person_id_number")}
                   | {"person": []})  # fmt: skip

    def add(self, n: int, **values: object) -> None:
        for name, store in self.cols.items():
            v = values.get(name)
            if isinstance(v, np.ndarray):
                store.append(v)
            elif name in NUMERIC:
                store.append(np.full(n, np.nan))
            else:
                store.append(np.full(n, v, dtype=object))


def _prevalence(age: np.ndarray, table: np.ndarray) -> np.ndarray:
    band = np.searchsorted(AGE_BANDS, age, side="right") - 1
    return np.where(band >= 0, table[np.clip(band, 0, len(table) - 1)], 0.0)


def _diagnosed(stays: Stays, visits: Visits, size: int, cond: int) -> np.ndarray:
    """Persons with a visit or a stay for condition ``cond`` that year."""
    out = np.zeros(size, bool)
    out[visits.person[visits.cond == cond]] = True
    out[stays.person[stays.cond == cond]] = True
    return out


#: share of patients who know their diagnosis and see a doctor for it (assumption, near the
#: awareness reported by national surveillance: about half of patients)
AWARE = 0.55


def _people_draws(ctx: CountyContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform numbers per person (hypertension, diabetes, awareness), fixed for all years."""
    base = ctx.rng("ph-chronic-people")
    return base.random(ctx.pop.size), base.random(ctx.pop.size), base.random(ctx.pop.size)


def chronic_patients(ctx: CountyContext, year: int, aware: bool = False) -> dict[str, np.ndarray]:
    """Who has hypertension and who has type-2 diabetes in ``year`` (alive at mid-year);
    ``aware``: only the patients who know it (those the year's chronic visits go to)."""
    mid = np.datetime64(f"{year}-07-01")
    age, alive = ctx.pop.age_on(mid), ctx.pop.alive_on(mid)
    u_htn, u_dm, u_aware = _people_draws(ctx)
    know = u_aware < AWARE if aware else np.ones(ctx.pop.size, bool)
    return {
        "hypertension": alive & know & (u_htn < _prevalence(age, HTN_PREVALENCE)),
        "diabetes": alive & know & (u_dm < _prevalence(age, DM_PREVALENCE)),
    }


def remap_chronic_visits(ctx: CountyContext, visits: list[Visits]) -> None:
    """Give the year's hypertension and diabetes visits to that year's patients.

    The encounter sampler draws visitors uniformly from an age group, so without this almost
    half of the over-35s would see a doctor for hypertension in one year. Each such visit is
    handed to a patient who knows the diagnosis, of the same village, sex and 5-year age band
    (the visit keeps its date, clinic and cost), else of the same village and sex; where there
    is none it stays with its person.
    """
    pop = ctx.pop
    for k, year in enumerate(ctx.years):
        rng = ctx.rng("ph-remap", year)
        v = visits[k]
        mid = np.datetime64(f"{year}-07-01")
        band = np.minimum(pop.age_on(mid) // 5, 24)
        fine = (pop.village * 25 + band) * 2 + (pop.sex == 1)
        coarse = pop.village * 2 + (pop.sex == 1)
        for disease, has in chronic_patients(ctx, year, aware=True).items():
            rows = np.flatnonzero(v.cond == ctx.cond.index(disease))
            if not len(rows):
                continue
            pool = np.flatnonzero(has)
            chosen = v.person[rows].copy()
            todo = np.ones(len(rows), bool)
            for group in (fine, coarse):
                order = pool[np.argsort(group[pool], kind="stable")]
                keys = group[order]
                want = group[v.person[rows]]
                lo = np.searchsorted(keys, want, "left")
                hi = np.searchsorted(keys, want, "right")
                ok = todo & (hi > lo)
                pick = lo + (rng.random(len(rows)) * np.maximum(hi - lo, 1)).astype(np.int64)
                cand = order[np.minimum(pick, max(len(order) - 1, 0))] if len(order) else chosen
                chosen = np.where(ok, cand, chosen)
                todo &= ~ok
            valid = (v.day[rows] >= pop.birth[chosen]) & (v.day[rows] < pop.death[chosen])
            v.person[rows] = np.where(valid, chosen, v.person[rows])


def _random_days(rng: np.random.Generator, start: np.ndarray, span: int) -> np.ndarray:
    return start + rng.integers(0, span, len(start)).astype("timedelta64[D]")


def public_health_services(
    ctx: CountyContext, stays: list[Stays], visits: list[Visits], staff: pa.Table
) -> tuple[pa.Table, dict[tuple[int, int, str], tuple[int, int]]]:
    """The service records of every year, and per (institution index, year, programme) the
    patients under management and those managed to standard (for the task table)."""
    pop = ctx.pop
    nt = len(ctx.inst.centres)
    vpt = ctx.spec.villages_per_township
    nv = nt * vpt
    ids = ctx.institution_ids()
    teams = team_ids(ctx)
    # village doctor (first village_doctor of each clinic) and a township GP per centre
    doctor = _first_staff(staff, ids, ("village_doctor", "assistant_physician"))
    centre_gp = _first_staff(staff, ids, ("physician",))
    base = ctx.rng("ph-people")
    town_rng = ctx.rng("ph-townships")
    # management propensity per township and diligence per village clinic (assumptions)
    register_p = town_rng.uniform(0.34, 0.66, nt)
    diligence = np.clip(
        town_rng.uniform(0.80, 0.95, nt)[np.arange(nv) // vpt] + town_rng.normal(0, 0.05, nv),
        0.55,
        0.99,
    )
    control_htn = town_rng.uniform(0.50, 0.72, nt)
    control_dm = town_rng.uniform(0.42, 0.62, nt)

    share = village_share(ctx)
    # each patient's managing institution is fixed once (clinic with the village share)
    at_clinic = base.random(pop.size) < (share[pop.township] + 0.3)
    adherence_u = base.random(pop.size)
    bmi_base = np.clip(base.normal(25.0, 3.3, pop.size), 16, 45)
    registered = {"hypertension": np.zeros(pop.size, bool), "diabetes": np.zeros(pop.size, bool)}
    rows = _Rows.empty()
    managed: dict[tuple[int, int, str], tuple[int, int]] = {}
    for k, year in enumerate(ctx.years):
        rng = ctx.rng("ph-services", year)
        dy = max(year - 2021, 0)
        start = np.datetime64(f"{year}-01-01")
        mid = np.datetime64(f"{year}-07-01")
        alive = pop.alive_on(start)
        age = pop.age_on(mid)
        clinic_of = ctx.clinic_index(pop.village)
        centre_of = ctx.centre_index(pop.township)
        true = chronic_patients(ctx, year)
        for disease, ctrl, reach in (
            ("hypertension", control_htn, 1.0),
            ("diabetes", control_dm, 0.8),
        ):
            found = _diagnosed(stays[k], visits[k], pop.size, ctx.cond.index(disease))
            has = alive & (true[disease] | found)
            eligible = has & (age >= MANAGED_FROM_AGE)
            # the first year finds the register as it stands; later years add new patients
            # (found in encounters more often) and lose 4 % (moved, refused)
            if k == 0:
                p_reg = reach * register_p[pop.township] * np.where(found, 1.1, 0.5)
            else:
                p_reg = (0.10 + 0.02 * dy) * reach * register_p[pop.township]
                p_reg = p_reg * np.where(found, 2.0, 0.6)
                registered[disease] &= rng.random(pop.size) >= 0.04
            new = eligible & ~registered[disease] & (rng.random(pop.size) < p_reg)
            registered[disease] |= new
            reg = np.flatnonzero(registered[disease] & alive)
            if not len(reg):
                continue
            inst = np.where(at_clinic[reg], clinic_of[reg], centre_of[reg])
            dil = np.where(
                at_clinic[reg], diligence[pop.village[reg]], diligence[pop.village[reg]] + 0.03
            )
            # new patients of the year start in a random month (fewer quarters to serve)
            first_q = np.where(new[reg], rng.integers(0, 2, len(reg)), 0)
            quarters = (rng.random((len(reg), 4)) < np.clip(dil + 0.01 * dy, 0, 0.99)[:, None]) & (
                np.arange(4)[None, :] >= first_q[:, None]
            )
            adh = np.select(
                [adherence_u[reg] < 0.70 + 0.02 * dy, adherence_u[reg] < 0.90], [0, 1], 2
            )
            p_ctrl = np.clip(
                ctrl[pop.township[reg]] + 0.02 * dy - 0.2 * (adh == 2) - 0.08 * (adh == 1),
                0.05,
                0.95,
            )
            done = 0
            std = quarters.sum(axis=1) >= 4
            for q in range(4):
                m = np.flatnonzero(quarters[:, q])
                n = len(m)
                if not n:
                    continue
                who = reg[m]
                day = _random_days(rng, np.full(n, start + np.timedelta64(91 * q, "D")), 88)
                controlled = rng.random(n) < p_ctrl[m]
                old = age[who] >= 65
                if disease == "hypertension":
                    sbp = np.where(controlled, rng.normal(128, 7, n), rng.normal(152, 10, n))
                    sbp = np.where(controlled & old, np.minimum(sbp, 146), sbp)
                    sbp = np.where(controlled & ~old, np.minimum(sbp, 138), sbp)
                    sbp = np.where(~controlled & old, np.maximum(sbp, 151), sbp)
                    sbp = np.where(~controlled & ~old, np.maximum(sbp, 141), sbp)
                    dbp = np.clip(
                        np.where(controlled, rng.normal(80, 5, n), rng.normal(92, 7, n)), 55, 125
                    )
                    dbp = np.where(controlled, np.minimum(dbp, 88), dbp)
                    glucose = np.full(n, np.nan)
                    hba1c = np.full(n, np.nan)
                else:
                    sbp = rng.normal(134, 14, n)
                    dbp = np.clip(rng.normal(82, 8, n), 50, 120)
                    glucose = np.where(
                        controlled, rng.uniform(4.6, 6.95, n), rng.lognormal(np.log(8.8), 0.18, n)
                    )
                    glucose = np.where(controlled, glucose, np.maximum(glucose, 7.05))
                    hba1c = np.where(
                        rng.random(n) < 0.25,
                        np.where(controlled, rng.uniform(5.6, 6.9, n), rng.uniform(7.1, 10.5, n)),
                        np.nan,
                    )
                bmi = np.clip(bmi_base[who] + rng.normal(0, 0.4, n), 15, 50)
                presc = np.where(
                    adh[m] == 2,
                    0,
                    np.where(
                        rng.random(n) < 0.04 + 0.04 * dy,
                        rng.choice([56, 84], n),
                        rng.choice([14, 28], n),
                    ),
                )
                i = inst[m]
                rows.add(
                    n,
                    person=who,
                    program=disease,
                    service_type="followup",
                    disease=disease,
                    service_date=day,
                    institution_id=ids[i],
                    staff_id_number=_provider(i, doctor, centre_gp),
                    team_id=_team(teams, pop, who),
                    sbp=np.round(sbp).astype(float),
                    dbp=np.round(dbp).astype(float),
                    fasting_glucose=np.round(glucose, 1),
                    hba1c=np.round(hba1c, 1),
                    bmi=np.round(bmi, 1),
                    adherence=np.array(ADHERENCE, dtype=object)[adh[m]],
                    prescription_days=presc.astype(float),
                )
                done += n
            for i in np.unique(inst):
                at = inst == i
                managed[(int(i), year, disease)] = (int(at.sum()), int((at & std).sum()))
        _other_programmes(ctx, rows, rng, year, alive, age, ids, doctor, centre_gp, teams, share)
    return _table(ctx, rows), managed


def _first_staff(staff: pa.Table, ids: np.ndarray, quals: tuple[str, ...]) -> dict[int, str]:
    index = {x: i for i, x in enumerate(ids)}
    out: dict[int, str] = {}
    for inst, qual, idn in zip(
        staff.column("institution_id").to_pylist(),
        staff.column("qualification").to_pylist(),
        staff.column("staff_id_number").to_pylist(),
        strict=True,
    ):
        i = index.get(inst)
        if i is not None and qual in quals and i not in out:
            out[i] = idn
    return out


def _provider(inst: np.ndarray, doctor: dict[int, str], centre_gp: dict[int, str]) -> np.ndarray:
    return np.array([doctor.get(int(i)) or centre_gp.get(int(i)) for i in inst], dtype=object)


def _team(teams: list[list[str]], pop: object, who: np.ndarray) -> np.ndarray:
    town, village = pop.township[who], pop.village[who]  # type: ignore[attr-defined]
    return np.array(
        [teams[t][v % len(teams[t])] for t, v in zip(town, village, strict=True)], dtype=object
    )


def _other_programmes(
    ctx: CountyContext,
    rows: _Rows,
    rng: np.random.Generator,
    year: int,
    alive: np.ndarray,
    age: np.ndarray,
    ids: np.ndarray,
    doctor: dict[int, str],
    centre_gp: dict[int, str],
    teams: list[list[str]],
    share: np.ndarray,
) -> None:
    """Elderly checks, child and maternal care, vaccination, mental health, TB, TCM, records."""
    pop = ctx.pop
    start = np.datetime64(f"{year}-01-01")
    clinic_of = ctx.clinic_index(pop.village)
    centre_of = ctx.centre_index(pop.township)
    village_p = share[pop.township]

    def emit(who: np.ndarray, program: str, kind: str, disease: str | None, at_centre: bool,
             day: np.ndarray | None = None) -> None:  # fmt: skip
        n = len(who)
        if not n:
            return
        if at_centre:
            inst = centre_of[who]
        else:
            inst = np.where(rng.random(n) < village_p[who] + 0.2, clinic_of[who], centre_of[who])
        rows.add(
            n,
            person=who,
            program=program,
            service_type=kind,
            disease=disease,
            service_date=day if day is not None else _random_days(rng, np.full(n, start), 365),
            institution_id=ids[inst],
            staff_id_number=_provider(inst, doctor, centre_gp),
            team_id=_team(teams, pop, who),
        )

    elderly = np.flatnonzero(
        alive & (age >= 65) & (rng.random(pop.size) < 0.62 + 0.02 * (year - 2021))
    )
    emit(elderly, "elderly_health", "health_check", None, False)
    emit(elderly[rng.random(len(elderly)) < 0.9], "health_records", "record_updated", None, False)
    emit(elderly[rng.random(len(elderly)) < 0.7], "tcm_health", "tcm_guidance", None, False)
    child = np.flatnonzero(alive & (age <= 6) & (rng.random(pop.size) < 0.88))
    for _ in range(2):
        emit(child, "child_health", "health_check", None, False)
    end = np.datetime64(f"{year}-12-31")
    born = np.flatnonzero((pop.birth >= start) & (pop.birth <= end))
    emit(
        born,
        "health_records",
        "record_opened",
        None,
        True,
        pop.birth[born] + np.timedelta64(7, "D"),
    )
    for dose_month in (0, 1, 2, 3, 4, 6, 8, 12, 18):
        shot = pop.birth + np.timedelta64(int(dose_month * 30.4), "D")
        due = np.flatnonzero((shot >= start) & (shot <= end) & (rng.random(pop.size) < 0.97))
        emit(due, "vaccination", "vaccination", None, True, shot[due])
    mothers = np.flatnonzero(alive & (age >= 18) & (age <= 45) & (pop.sex == 2))
    births = len(born)
    if births:
        pregnant = mothers[rng.integers(0, len(mothers), births)]
        for visit in range(5):
            emit(pregnant, "maternal_health", "home_visit", None, visit >= 3)
    mental = np.flatnonzero(alive & (age >= 15) & (ctx.rng("ph-mental").random(pop.size) < 0.004))
    for _ in range(4):
        emit(mental[rng.random(len(mental)) < 0.85], "mental_health", "followup", "severe_mental",
             False)  # fmt: skip
    tb = np.flatnonzero(alive & (age >= 15) & (rng.random(pop.size) < 0.0004))
    for _ in range(6):
        emit(tb, "tb", "followup", "tb", False)


def _table(ctx: CountyContext, rows: _Rows) -> pa.Table:
    cols = {k: np.concatenate(v) if v else np.empty(0) for k, v in rows.cols.items()}
    order = np.lexsort((cols["person"], cols["service_date"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)

    def floats(name: str) -> pa.Array:
        v = cols[name].astype(float)
        return pa.array(v, pa.float64(), mask=np.isnan(v))

    def ints(name: str) -> pa.Array:
        v = cols[name].astype(float)
        return pa.array(np.nan_to_num(v).astype(np.int64), pa.int64(), mask=np.isnan(v))

    return pa.table(
        {
            "service_id": concat(f"GW{ctx.spec.code}", padded(np.arange(1, n + 1), 9)),
            "person_id_number": ctx.pop.id_number.take(pa.array(cols["person"].astype(np.int64))),
            "program": pa.array(cols["program"], pa.string()),
            "service_type": pa.array(cols["service_type"], pa.string()),
            "disease": pa.array(cols["disease"], pa.string()),
            "service_date": dates(cols["service_date"].astype("datetime64[D]")),
            "institution_id": pa.array(cols["institution_id"], pa.string()),
            "staff_id_number": pa.array(cols["staff_id_number"], pa.string()),
            "team_id": pa.array(cols["team_id"], pa.string()),
            "sbp": ints("sbp"),
            "dbp": ints("dbp"),
            "fasting_glucose": floats("fasting_glucose"),
            "hba1c": floats("hba1c"),
            "bmi": floats("bmi"),
            "adherence": pa.array(cols["adherence"], pa.string()),
            "prescription_days": ints("prescription_days"),
        }
    )
