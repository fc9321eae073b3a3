"""Family-doctor contracts (家庭医生签约): one contract per signed resident and year.

Residents are classed into one key population (first match: maternal, child 0–6, elderly 65+,
hypertension, diabetes, disabled, low income, general) and sign with a team of their township
centre with a probability per class that rises a little each year (assumption).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.synth._arrow import concat, dates, money, padded, take
from yigong.synth.context import CountyContext
from yigong.synth.inpatient import Stays
from yigong.synth.outpatient import Visits

KEY_POPULATIONS = (
    "maternal",
    "child",
    "elderly",
    "hypertension",
    "diabetes",
    "disabled",
    "low_income",
    "general",
)
#: probability of signing in 2021 by key population, and the yearly increase (assumption).
SIGN_2021 = np.array([0.60, 0.55, 0.62, 0.68, 0.68, 0.80, 0.88, 0.16])
SIGN_STEP = 0.02
#: yearly fee in yuan: key populations, general population (assumption).
FEE_KEY, FEE_GENERAL = 100, 30
SERVICES_KEY, SERVICES_GENERAL = 4, 2
RESIDENTS_PER_TEAM = 4000


def team_ids(ctx: CountyContext) -> list[list[str]]:
    """Family-doctor team codes of each township centre."""
    sizes = np.bincount(ctx.pop.township, minlength=len(ctx.inst.centres))
    return [
        [
            f"T{c.institution_id[1:]}{k + 1:02d}"
            for k in range(max(2, round(sizes[t] / RESIDENTS_PER_TEAM)))
        ]
        for t, c in enumerate(ctx.inst.centres)
    ]


def contracts_table(ctx: CountyContext, stays: list[Stays], visits: list[Visits]) -> pa.Table:
    pop = ctx.pop
    teams = team_ids(ctx)
    flat_teams = np.array([t for ts in teams for t in ts], dtype=object)
    team_start = np.r_[0, np.cumsum([len(t) for t in teams])]
    htn, dm = ctx.cond.index("hypertension"), ctx.cond.index("diabetes")
    deliveries = [ctx.cond.index("vaginal_delivery"), ctx.cond.index("caesarean_delivery")]
    disabled = ctx.rng("disabled").random(pop.size) < 0.015
    tables = []
    for k, year in enumerate(ctx.years):
        rng = ctx.rng("contracts", year)
        mid = np.datetime64(f"{year}-07-01")
        alive = pop.alive_on(np.datetime64(f"{year}-01-01"))
        age = pop.age_on(mid)
        v, s = visits[k], stays[k]
        has_htn = np.zeros(pop.size, bool)
        has_htn[v.person[v.cond == htn]] = True
        has_dm = np.zeros(pop.size, bool)
        has_dm[v.person[v.cond == dm]] = True
        maternal = np.zeros(pop.size, bool)
        maternal[s.person[np.isin(s.cond, deliveries)]] = True
        cls = np.select(
            [maternal, age <= 6, age >= 65, has_htn, has_dm, disabled, pop.low_income],
            np.arange(7),
            7,
        )
        dy = year - 2021
        sign = alive & (rng.random(pop.size) < SIGN_2021[cls] + SIGN_STEP * max(dy, 0))
        who = np.flatnonzero(sign)
        n = len(who)
        town = pop.township[who]
        team = flat_teams[
            team_start[town] + rng.integers(0, 1 << 30, n) % np.diff(team_start)[town]
        ]
        key = cls[who] < 7
        signed = np.datetime64(f"{year}-01-01") + rng.integers(0, 90, n).astype("timedelta64[D]")
        agreed = np.where(key, SERVICES_KEY, SERVICES_GENERAL)
        delivered = rng.binomial(agreed, 0.85)
        tables.append(
            pa.table(
                {
                    "person": pa.array(who),
                    "team_id": pa.array(team, pa.string()),
                    "institution_id": pa.array(
                        [ctx.inst.centres[t].institution_id for t in town], pa.string()
                    ),
                    "key_population": take(KEY_POPULATIONS, cls[who]),
                    "signed_date": dates(signed),
                    "end_date": dates(signed + np.timedelta64(364, "D")),
                    "fee_amount": money(np.where(key, FEE_KEY, FEE_GENERAL) * 100),
                    "services_agreed": pa.array(agreed),
                    "services_delivered": pa.array(delivered),
                }
            )
        )
    t = pa.concat_tables(tables)
    person = t.column("person").combine_chunks()
    t = t.drop_columns(["person"])
    t = t.add_column(0, "person_id_number", pop.id_number.take(person))
    return t.add_column(
        0, "contract_id", concat(f"QY{ctx.spec.code}", padded(np.arange(1, t.num_rows + 1), 9))
    )
