"""Seeded stress cases: codes drawn from every list of a pack, boundary ages and weights,
invalid sexes, multi-trauma mixes, tagged and multi-list procedures, exclusion-table hits."""

from __future__ import annotations

import random

from yigong.casemix import Case
from yigong.casemix.model import pack_model


def stress_cases(scheme: str, n: int, seed: int) -> list[Case]:
    m = pack_model(scheme)
    rng = random.Random(seed)
    dx_pool = sorted(set().union(*m.mdc_dx.values()))
    rule_dx = sorted(
        {
            c
            for rs in m.rules.values()
            for r in rs
            for k, v in r.lists.items()
            if k.startswith("dx")
            for c in v
        }
    )
    trauma = sorted(m.trauma.get("MDCZ", {}))
    comp = sorted(m.complications)
    rule_px = sorted(
        {
            c
            for rs in m.rules.values()
            for r in rs
            for k, v in r.lists.items()
            if k.startswith("proc")
            for c in v
        }
    )
    or_px = sorted(m.or_codes)
    extra_px = sorted(set().union(*m.mdc_px.values())) if m.mdc_px else []
    pools = [dx_pool, rule_dx, trauma, comp]
    out = []
    for i in range(n):
        k = rng.random()
        if k < 0.15:
            age, days = 0, rng.choice([0, 1, 27, 28, 29, 30, 100, None])
        else:
            age, days = (
                (None, None) if rng.random() < 0.03 else (rng.choice([0, 1, 15, 40, 80]), None)
            )
        weight = (
            rng.choice([None, 0, 700, 1499, 1500, 1999, 2000, 2499, 2500, 3300])
            if age == 0
            else None
        )
        sex = rng.choice([0, 3, None]) if rng.random() < 0.05 else rng.choice([1, 2])
        dx = [
            rng.choice(rng.choice(pools))
            for _ in range(rng.randint(0, 6) if rng.random() < 0.02 else rng.randint(1, 6))
        ]
        if rng.random() < 0.1 and trauma:
            dx = [rng.choice(trauma), rng.choice(trauma)] + dx
        px = [
            rng.choice(rng.choice([rule_px, or_px, rule_px]))
            for _ in range(rng.choice([0, 0, 1, 2, 3, 4]))
        ]
        if extra_px and rng.random() < 0.03:
            px.insert(0, rng.choice(extra_px))
        if rng.random() < 0.05 and dx:
            dx.append(dx[0])  # duplicates have no special effect
        out.append(Case(f"s{i}", sex, age, days, weight, tuple(dx), tuple(px)))
    return out
