"""Basic public-health service tasks (国家基本公共卫生服务) per institution, programme and year.

Each township's tasks follow from its residents (everyone gets a health record, elderly 65+
a yearly check, children 0–6 child health care, …). The township health centre shares them
with its village clinics: each township's base village share is drawn between 44 % and 58 %
(scaled per programme; vaccination stays at the centre) and rises a point a year, so some townships fall below the ≥ 50 % target of the Henan
opinions and some exceed it. Funds follow the national per-capita standard.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import money, take
from yigong.synth.context import CountyContext

PROGRAMS = (
    "health_records",
    "health_education",
    "vaccination",
    "child_health",
    "maternal_health",
    "elderly_health",
    "hypertension",
    "diabetes",
    "mental_health",
    "tb",
    "tcm_health",
)
#: each programme's own unit of work (the assessment pack names the same units).
UNITS = (
    "records",
    "sessions",
    "doses",
    "persons",
    "persons",
    "persons",
    "persons",
    "persons",
    "persons",
    "persons",
    "persons",
)
#: programme weight in the per-capita funds (assumption).
FUND_WEIGHT = np.array([0.10, 0.06, 0.12, 0.08, 0.06, 0.18, 0.15, 0.10, 0.05, 0.03, 0.07])
#: how much of the township's village share each programme carries (vaccination stays at the centre).
VILLAGE_FACTOR = np.array([1.15, 1.1, 0.0, 0.6, 0.6, 1.15, 1.2, 1.2, 0.6, 0.6, 1.15])
#: national per-capita funding standard of basic public health services, yuan per resident
#: (2021 79, 2022 84, 2023 89, 2024 94: the yearly notices of the NHC and MOF).
FUND_STANDARD = {2021: 79, 2022: 84, 2023: 89, 2024: 94}


def _fund_standard(year: int) -> int:
    return FUND_STANDARD.get(year, 79 + 5 * (year - 2021))


def village_share(ctx: CountyContext) -> np.ndarray:
    """Each township's base share of tasks handed to its village clinics (drawn once)."""
    return ctx.rng("ph-share").uniform(0.44, 0.58, len(ctx.inst.centres))


def public_health_table(
    ctx: CountyContext, managed: dict[tuple[int, int, str], tuple[int, int]] | None = None
) -> pa.Table:
    """Tasks per institution, programme and year. ``managed`` maps (institution index, year,
    programme) to (patients under management, patients managed to standard) from the service
    records: the hypertension and diabetes tasks are then those patients, so task counts and
    records agree."""
    pop = ctx.pop
    nt, vpt = len(ctx.inst.centres), ctx.spec.villages_per_township
    base_share = village_share(ctx)
    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("inst", "year", "prog", "assigned", "done", "funds")
    }
    for year in ctx.years:
        rng = ctx.rng("public-health", year)
        day = np.datetime64(f"{year}-07-01")
        alive = pop.alive_on(day)
        age = pop.age_on(day)
        start, end = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
        born = (pop.birth >= start) & (pop.birth <= end)

        def per_village(mask: np.ndarray) -> np.ndarray:
            return np.bincount(pop.village[mask], minlength=nt * vpt).astype(float)

        residents = per_village(alive)
        need = np.stack(
            [
                residents * 0.9,
                np.full(nt * vpt, 6.0),
                per_village(alive & (age <= 6)),
                per_village(alive & (age <= 6)),
                per_village(born) * 1.1,
                per_village(alive & (age >= 65)) * 0.7,
                per_village(alive & (age >= 35)) * 0.12,
                per_village(alive & (age >= 35)) * 0.04,
                residents * 0.004,
                residents * 0.0004,
                per_village(alive & (age >= 65)) * 0.45 + per_village(alive & (age <= 3)) * 0.6,
            ]
        )  # programmes × villages
        funds = residents[None, :] * _fund_standard(year) * FUND_WEIGHT[:, None]
        share_t = np.clip(base_share + 0.01 * (year - 2021), 0, 0.9)
        share = np.clip(
            share_t[np.arange(nt * vpt) // vpt][None, :] * VILLAGE_FACTOR[:, None], 0, 0.95
        )
        village_tasks = np.round(need * share)
        centre_tasks = np.stack(
            [
                np.bincount(
                    np.arange(nt * vpt) // vpt,
                    weights=np.round(need[p] - village_tasks[p]),
                    minlength=nt,
                )
                for p in range(len(PROGRAMS))
            ]
        )
        village_funds = np.round(funds * share * 100)
        centre_funds = np.stack(
            [
                np.bincount(
                    np.arange(nt * vpt) // vpt,
                    weights=np.round(funds[p] * 100) - village_funds[p],
                    minlength=nt,
                )
                for p in range(len(PROGRAMS))
            ]
        )
        for inst_index, tasks, fen in (
            (ctx.centre_index(np.arange(nt)), centre_tasks, centre_funds),
            (ctx.clinic_index(np.arange(nt * vpt)), village_tasks, village_funds),
        ):
            k = tasks.shape[1]
            prog = np.repeat(np.arange(len(PROGRAMS)), k)
            assigned = np.maximum(tasks.ravel(), 0).astype(np.int64)
            keep = assigned > 0
            done = np.minimum(
                assigned, np.round(assigned * rng.uniform(0.82, 1.02, len(assigned)))
            ).astype(np.int64)
            if managed is not None:
                inst_flat = np.tile(inst_index, len(PROGRAMS))
                for p, name in enumerate(PROGRAMS):
                    if name not in ("hypertension", "diabetes"):
                        continue
                    rows = np.flatnonzero(prog == p)
                    for r in rows:
                        a, d = managed.get((int(inst_flat[r]), year, name), (0, 0))
                        assigned[r], done[r] = a, d
                keep = assigned > 0
            out["inst"].append(np.tile(inst_index, len(PROGRAMS))[keep])
            out["year"].append(np.full(keep.sum(), year))
            out["prog"].append(prog[keep])
            out["assigned"].append(assigned[keep])
            out["done"].append(done[keep])
            out["funds"].append(np.maximum(fen.ravel(), 0).astype(np.int64)[keep])
    cat = {k: np.concatenate(v) for k, v in out.items()}
    order = np.lexsort((cat["prog"], cat["inst"], cat["year"]))
    cat = {k: v[order] for k, v in cat.items()}
    return pa.table(
        {
            "institution_id": pa.array(ctx.institution_ids()[cat["inst"]], pa.string()),
            "year": pa.array(cat["year"]),
            "program": take(PROGRAMS, cat["prog"]),
            "tasks_assigned": pa.array(cat["assigned"]),
            "tasks_done": pa.array(cat["done"]),
            "funds": money(cat["funds"]),
            "unit": take(UNITS, cat["prog"]),
        }
    )
