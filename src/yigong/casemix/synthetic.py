"""Seeded synthetic discharge cases drawn from a pack's own code lists (benchmarks, tests).

Shaped like the reference samples: principal diagnosis from the MDC lists, 0–6
secondary diagnoses (≈15 % MCC codes, ≈30 % CC codes, the rest from the diagnosis
dictionary), about half with procedures (principal from the ADRG procedure lists, then
0–3 codes from the dictionary), ≈3 % newborns with a birth weight. Not patient data.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from yigong.casemix.contract import INPUT_SCHEMA
from yigong.casemix.model import pack_model


def _lists(
    rng: np.random.Generator,
    first: np.ndarray,
    extra_pool: np.ndarray,
    n_extra: np.ndarray,
    present: np.ndarray | None = None,
) -> pa.ListArray:

    counts = np.where(present if present is not None else True, 1 + n_extra, 0)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = np.empty(offsets[-1], dtype=object)
    starts = offsets[:-1]
    has = counts > 0
    values[starts[has]] = first[has]
    rest = np.ones(offsets[-1], dtype=bool)
    rest[starts[has]] = False
    values[rest] = extra_pool[rng.integers(0, len(extra_pool), rest.sum())]
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.string()))


def synthetic_cases(scheme: str, n: int, seed: int) -> pa.Table:
    m = pack_model(scheme)
    rng = np.random.default_rng(seed)
    principal = np.array(sorted(set().union(*m.mdc_dx.values())), dtype=object)
    mcc = np.array(sorted(c for c, (s, _) in m.complications.items() if s == "MCC"), dtype=object)
    cc = np.array(sorted(c for c, (s, _) in m.complications.items() if s == "CC"), dtype=object)
    anyd = np.array(sorted(m.dx_names), dtype=object)
    rule_procs = np.array(
        sorted(
            {
                c
                for rs in m.rules.values()
                for r in rs
                for k, v in r.lists.items()
                if k.startswith("proc")
                for c in v
            }
        ),
        dtype=object,
    )
    all_procs = np.array(sorted(m.px_names), dtype=object)
    pool = np.concatenate(
        [rng.choice(mcc, 15_000), rng.choice(cc, 30_000), rng.choice(anyd, 55_000)]
    )
    newborn = rng.random(n) < 0.03
    age = np.where(newborn, 0, rng.integers(0, 95, n))
    days = np.where(newborn, rng.integers(0, 29, n), age * 365 + rng.integers(0, 365, n))
    weight = pa.array(np.where(newborn, rng.integers(700, 4500, n), 0), mask=~newborn)
    dx = _lists(rng, principal[rng.integers(0, len(principal), n)], pool, rng.integers(0, 7, n))
    px = _lists(
        rng,
        rule_procs[rng.integers(0, len(rule_procs), n)],
        all_procs,
        rng.integers(0, 4, n),
        present=rng.random(n) < 0.5,
    )
    return pa.table(
        {
            "case_id": pa.array(np.char.add("c", np.arange(n).astype(str))),
            "sex": pa.array(rng.integers(1, 3, n), pa.int8()),
            "age_years": pa.array(age, pa.int32()),
            "age_days": pa.array(days, pa.int32()),
            "birth_weight_g": weight.cast(pa.int32()),
            "length_of_stay": pa.array(rng.integers(1, 30, n), pa.int32()),
            "discharge_mode": pa.array(np.where(rng.random(n) < 0.02, "5", "1")),
            "diagnoses": dx,
            "procedures": px,
        },
        schema=INPUT_SCHEMA,
    )
