"""Clinical detail shared by the inpatient and out-of-county generators.

Diagnosis codes, secondary diagnoses (comorbidities), procedures and the split of a stay's
cost into the 11 national cost categories of the front page — exact to the fen.
"""

from __future__ import annotations

import numpy as np

from yigong.synth.conditions import Conditions

#: index of the national cost categories in DISCHARGE_COST_COLUMNS.
TCM_CATEGORIES = (4, 6, 7)  # cost_tcm, cost_patent_drugs, cost_herbal_drugs
#: a TCM hospital bills TCM treatment and Chinese medicines this much more (assumption).
TCM_HOSPITAL_BOOST = 2.5
#: spread (log-normal σ) of each encounter's cost shares around the profile (assumption).
COST_SPLIT_NOISE = 0.25


def principal_codes(cond: Conditions, c: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One ICD-10 医保版 code per encounter, drawn from the condition's candidate codes."""
    out = np.empty(len(c), dtype=object)
    order = np.argsort(c, kind="stable")
    bounds = np.searchsorted(c[order], np.arange(cond.count + 1))
    for k in range(cond.count):
        sel = order[bounds[k] : bounds[k + 1]]
        if len(sel):
            out[sel] = rng.choice(cond.icd_codes[k], len(sel), p=cond.icd_weights[k])
    return out


def secondary_diagnoses(
    cond: Conditions, principal: np.ndarray, age: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Comorbidities (0–6 per stay, more with age): (counts, flat codes).

    Drawn without replacement with weights that move from `weight_young` to `weight_old`
    between ages 30 and 80; never the principal diagnosis' own category.
    """
    n, m = len(age), len(cond.comorbid_codes)
    lam = 0.3 + 0.035 * np.clip(age - 30, 0, None)
    k = np.minimum(rng.poisson(lam), 6)
    t = np.clip((age - 30) / 50, 0, 1)[:, None]
    w = cond.comorbid_young[None, :] * (1 - t) + cond.comorbid_old[None, :] * t
    prefix3 = np.array([str(p)[:3] for p in principal], dtype=object)
    for j, p in enumerate(cond.comorbid_prefix):
        w[prefix3 == p[:3], j] = 0
    with np.errstate(divide="ignore"):
        keys = np.log(w) + rng.gumbel(size=(n, m))
    ranked = np.argsort(-keys, axis=1)
    available = (w > 0).sum(axis=1)
    k = np.minimum(k, available)
    take = np.arange(m)[None, :] < k[:, None]
    codes = np.asarray(cond.comorbid_codes, dtype=object)[ranked][take]
    return k, codes


def assign_procedures(
    cond: Conditions, c: np.ndarray, level: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Procedures per encounter: (encounter index, procedure row), principal (highest grade) first.

    Rows of one (condition, group) are alternatives: at most one is chosen, with the row's
    share as probability; a row is only possible at or above its `min_level`.
    """
    pr = cond.procedures
    order = np.argsort(c, kind="stable")
    bounds = np.searchsorted(c[order], np.arange(cond.count + 1))
    enc, rows = [], []
    for g in np.unique(pr.group):
        grp = np.flatnonzero(pr.group == g)
        k = pr.condition[grp[0]]
        sel = order[bounds[k] : bounds[k + 1]]
        if not len(sel):
            continue
        pick = np.searchsorted(np.cumsum(pr.share[grp]), rng.random(len(sel)), side="right")
        row = grp[np.minimum(pick, len(grp) - 1)]
        keep = (pick < len(grp)) & (level[sel] >= pr.min_level[row])
        enc.append(sel[keep])
        rows.append(row[keep])
    if not enc:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    enc_a, rows_a = np.concatenate(enc), np.concatenate(rows)
    o = np.lexsort((-pr.grade[rows_a], enc_a))
    return enc_a[o], rows_a[o]


def split_cost(total_fen: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split totals into categories (n × k fen) that add up exactly to each total.

    Each encounter's shares are the profile `shares` (n × k) times log-normal noise
    (σ = `COST_SPLIT_NOISE`); categories with share 0 stay 0. Rounding is by flooring, and the
    remaining fen go to the largest category.
    """
    noise = np.exp(COST_SPLIT_NOISE * rng.standard_normal(shares.shape, dtype=np.float32))
    p = shares * noise
    p /= p.sum(axis=1, keepdims=True)
    parts = np.floor(p * total_fen[:, None]).astype(np.int64)
    rest = total_fen - parts.sum(axis=1)
    parts[np.arange(len(total_fen)), np.argmax(p, axis=1)] += rest
    return parts
