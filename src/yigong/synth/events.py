"""Who falls ill with what, and when: sampling encounters from per-capita rates.

For each condition, year, age band and sex the expected number of encounters is
``rate × residents in the group × relative age/sex weight / mean weight``, so the file's rate
is the overall rate per resident and the age pattern only redistributes it. Counts are
Poisson; persons are drawn uniformly (with replacement: readmissions happen) from the group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.synth.conditions import Conditions
from yigong.synth.population import Population, age_band, birth_rate

#: admissions and visits grow a little every year (assumption: +2 %/year utilisation).
UTILISATION_GROWTH = 0.02
OBSTETRIC_DEPARTMENTS = frozenset({"妇产科", "新生儿科"})


@dataclass
class Events:
    """Sampled encounters (arrays of equal length)."""

    person: np.ndarray
    condition: np.ndarray
    day: np.ndarray  # datetime64[D]: discharge date (inpatient) or visit date (outpatient)

    def take(self, mask: np.ndarray) -> Events:
        return Events(self.person[mask], self.condition[mask], self.day[mask])


def _seasonal_days(rng: np.random.Generator, year: int, amplitude: float, n: int) -> np.ndarray:
    days = 366 if year % 4 == 0 else 365
    d = np.arange(days)
    density = 1 + amplitude * np.cos(2 * np.pi * (d - 15) / days)
    cdf = np.cumsum(density) / density.sum()
    return np.datetime64(f"{year}-01-01") + np.searchsorted(cdf, rng.random(n)).astype(
        "timedelta64[D]"
    )


def sample_events(
    pop: Population, cond: Conditions, rates: np.ndarray, year: int, rng: np.random.Generator
) -> Events:
    """Encounters of one year for conditions with per-resident yearly `rates` (same order as `cond`)."""
    mid = np.datetime64(f"{year}-07-01")
    idx = np.flatnonzero(pop.alive_on(mid))
    age = pop.age_on(mid)[idx]
    group = age_band(age) * 2 + (pop.sex[idx] == 1)  # (band, sex): equal weight inside
    order = np.lexsort((age, group))
    idx, age, group = idx[order], age[order], group[order]
    bounds = np.searchsorted(group, np.arange(21))
    g_band, g_male = np.arange(20) // 2, np.arange(20) % 2 == 1
    n_alive = len(idx)
    dy = year - 2021
    births = birth_rate(year) / birth_rate(2021)
    # eligible persons of each group form one contiguous run (sorted by age inside): its bounds
    # for every condition at once, (group, condition)
    lo_all = np.stack(
        [
            bounds[g] + np.searchsorted(age[bounds[g] : bounds[g + 1]], cond.age_min, "left")
            for g in range(20)
        ]
    )
    hi_all = np.stack(
        [
            bounds[g] + np.searchsorted(age[bounds[g] : bounds[g + 1]], cond.age_max, "right")
            for g in range(20)
        ]
    )
    persons, conds, days = [], [], []
    for c in range(cond.count):
        rate = rates[c] * (1 + UTILISATION_GROWTH * dy)
        if rate <= 0:
            continue
        if cond.department[c] in OBSTETRIC_DEPARTMENTS:
            rate *= births
        expected_total = rate * n_alive
        if cond.newborn[c]:
            start, end = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
            pool = np.flatnonzero((pop.birth >= start) & (pop.birth <= end))
            k = rng.poisson(expected_total) if len(pool) else 0
            chosen = pool[rng.integers(0, len(pool), k)] if k else np.empty(0, np.int64)
            offset = rng.integers(0, 6, k) + rng.poisson(cond.los[c], k)
            persons.append(chosen)
            conds.append(np.full(k, c))
            days.append(pop.birth[chosen] + offset.astype("timedelta64[D]"))
            continue
        lo, hi = lo_all[:, c], hi_all[:, c].copy()
        if cond.sex[c]:
            wrong_sex = g_male != (cond.sex[c] == 1)
            hi[wrong_sex] = lo[wrong_sex]
            sex_w = np.ones(20)
        else:
            sex_w = np.where(g_male, 2 * cond.male_share[c], 2 * (1 - cond.male_share[c]))
        group_w = (hi - lo) * cond.age_weights[c][np.minimum(g_band, 8)] * sex_w
        total_w = group_w.sum()
        if total_w <= 0:
            continue
        counts = rng.poisson(expected_total * group_w / total_w)
        for g in np.flatnonzero(counts):
            chosen = idx[rng.integers(lo[g], hi[g], counts[g])]
            persons.append(chosen)
            conds.append(np.full(len(chosen), c))
            days.append(_seasonal_days(rng, year, cond.seasonal[c], len(chosen)))
    if not persons:
        empty = np.empty(0, np.int64)
        return Events(empty, empty, np.empty(0, "datetime64[D]"))
    ev = Events(
        np.concatenate(persons), np.concatenate(conds), np.concatenate(days).astype("datetime64[D]")
    )
    # nobody is treated before birth or after death; newborn stays may end in January
    ok = (ev.day >= pop.birth[ev.person]) & (ev.day < pop.death[ev.person])
    ok &= ev.day <= np.datetime64(f"{year}-12-31")
    # ages were taken at mid-year: keep the age limits on the day itself and a month before
    # (a stay's admission precedes the sampled discharge day)
    days_old = (ev.day - pop.birth[ev.person]).astype(np.int64)
    age_then, age_before = days_old // 365.25, (days_old - 30) // 365.25
    ok &= cond.newborn[ev.condition] | (
        (age_before >= cond.age_min[ev.condition]) & (age_then <= cond.age_max[ev.condition])
    )
    return ev.take(ok)
