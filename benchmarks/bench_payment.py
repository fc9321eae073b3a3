"""Benchmark: settle a province-size year with the payment engine.

Builds a synthetic province with numpy — ~150 medical communities, ~3,000 member institutions,
~15 M already-grouped discharges — aggregates the discharges into claims per institution-month
(what the warehouse will hand the engine), then times:

1. the global-budget cycle (reserves → quotas → 12 months of prepayments and claims → quarterly
   assessment → year-end reconciliation → quality return), conservation check and rendering of
   the ledger/statements, against a naive float loop doing the same arithmetic (baseline ratio);
2. DRG payment and DIP settlement per case (Decimal) on a sample of cases, against a numpy
   float baseline on the same sample; the full-province time is extrapolated, and says so.

Run: ``.venv/bin/python benchmarks/bench_payment.py [--discharges 15000000] [--sample 200000]``
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np

from yigong.payment.budget import settle_budget
from yigong.payment.dip_catalog import DipHistoricalCase, ProcedureKind, build_catalog
from yigong.payment.dip_settle import DipCase, settle_dip
from yigong.payment.drg import DrgCase, settle_drg
from yigong.payment.export import budget_files
from yigong.payment.invariants import budget_violations
from yigong.payment.loader import load_policy
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    Institution,
    ReferralStatus,
)
from yigong.schema.money import Money

SETTINGS = [ClaimSetting.IN_COUNTY, ClaimSetting.OUT_OF_COUNTY]
REFERRALS = [ReferralStatus.NOT_APPLICABLE, ReferralStatus.REFERRED, ReferralStatus.SELF_REFERRED]


def fen(value: int) -> Money:
    return Money(Decimal(int(value)).scaleb(-2))


def build_province(
    n_discharges: int, n_comm: int, per_comm: int, rng: np.random.Generator
) -> tuple[BudgetInputs, int]:
    """Synthetic province: discharges generated with numpy, aggregated to claims."""
    comm = rng.integers(0, n_comm, n_discharges, dtype=np.int64)
    month = rng.integers(0, 12, n_discharges, dtype=np.int64)
    outside = rng.random(n_discharges) < 0.12
    # counties of two communities (c, c ^ 1): 5 % of in-county care is at the other community
    cross = (~outside) & (rng.random(n_discharges) < 0.05)
    provider_comm = np.where(cross, np.minimum(comm ^ 1, n_comm - 1), comm)
    member = np.minimum(
        rng.geometric(0.35, n_discharges) - 1, per_comm - 1
    )  # lead hospital most often
    inst = provider_comm * per_comm + member
    ext = rng.integers(0, 40, n_discharges)
    referral = np.where(outside, np.where(rng.random(n_discharges) < 0.6, 1, 2), 0)
    cost_fen = np.round(rng.lognormal(np.log(6000), 0.8, n_discharges) * 100).astype(np.int64)
    fund_fen = cost_fen * 65 // 100
    target = np.where(outside, n_comm * per_comm + ext, inst)
    key = ((comm * 12 + month) * 3 + referral) * (n_comm * per_comm + 40) + target
    uniq, inv = np.unique(key, return_inverse=True)
    sums = np.bincount(
        inv, weights=fund_fen.astype(np.float64), minlength=len(uniq)
    )  # exact below 2**53 fen
    n_targets = n_comm * per_comm + 40
    communities = tuple(
        Community(f"C{c:03d}", f"医共体{c:03d}", int(rng.integers(150_000, 600_000)))
        for c in range(n_comm)
    )
    institutions = tuple(
        Institution(
            f"C{c:03d}-{j:02d}",
            f"C{c:03d}",
            f"机构{c:03d}-{j:02d}",
            "county_hospital" if j == 0 else "township_center",
        )
        for c in range(n_comm)
        for j in range(per_comm)
    )
    claims = []
    for k, total in zip(uniq.tolist(), sums.tolist(), strict=True):
        tgt = k % n_targets
        rest = k // n_targets
        ref = rest % 3
        rest //= 3
        mon = rest % 12
        c = rest // 12
        if tgt >= n_comm * per_comm:
            inst_id, setting = f"OUT-{tgt - n_comm * per_comm:02d}", ClaimSetting.OUT_OF_COUNTY
        else:
            inst_id, setting = (
                f"C{tgt // per_comm:03d}-{tgt % per_comm:02d}",
                ClaimSetting.IN_COUNTY,
            )
        claims.append(
            Claim(f"C{c:03d}", inst_id, mon + 1, setting, REFERRALS[ref], fen(int(total)))
        )
    total_paid = int(fund_fen.sum())
    history = tuple(
        FundHistory(
            cm.community_id,
            y,
            fen(int(total_paid * (0.85 + 0.05 * (y - 2022)) * rng.uniform(0.8, 1.2) / n_comm)),
        )
        for cm in communities
        for y in (2022, 2023, 2024)
    )
    scores = tuple(
        AssessmentScore(cm.community_id, q, Decimal(int(rng.integers(5500, 10000))).scaleb(-2))
        for cm in communities
        for q in range(1, 5)
    )
    annual = fen(int(total_paid * 1.22))
    return BudgetInputs(
        "某省", 2025, annual, communities, institutions, history, tuple(claims), scores
    ), total_paid


def float_budget_baseline(inputs: BudgetInputs, policy) -> float:  # noqa: ANN001 - benchmark only
    """The same arithmetic in naive floats, no ledger: the baseline a spreadsheet would do."""
    fund = float(inputs.annual_fund.amount)
    shares = [
        float(policy.reserves.risk_adjustment.share),
        float(policy.reserves.quality_guarantee.share),
        float(policy.reserves.major_illness.share),
    ]
    dist = fund * (1 - sum(shares))
    heads = {c.community_id: c.insured_headcount for c in inputs.communities}
    hist: dict[str, float] = defaultdict(float)
    w = {2024: 7.0, 2023: 2.0, 2022: 1.0}
    for h in inputs.history:
        hist[h.community_id] += w[h.year] * float(h.fund_paid.amount)
    ht, hs = sum(heads.values()), sum(hist.values())
    quota = {c: dist * (0.5 * heads[c] / ht + 0.5 * hist[c] / hs) for c in heads}
    spent: dict[str, float] = defaultdict(float)
    cash: dict[str, float] = defaultdict(float)
    for _month in range(1, 13):
        for c, q in quota.items():
            cash[c] += q / 12 * 0.9
    for cl in inputs.claims:
        spent[cl.community_id] += float(cl.fund_paid.amount)
    total = 0.0
    for c, q in quota.items():
        s = q - spent[c]
        total += s if s > 0 else s * 0.5
    return total


CPU: dict[str, float] = {}


def time_it(fn, *args):  # noqa: ANN001, ANN202 - benchmark only
    """Wall-clock seconds (and CPU seconds in CPU[fn name]: the machine is shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    CPU[fn.__name__] = time.process_time() - cpu
    return time.perf_counter() - start, out


def bench_cases(sample: int, rng: np.random.Generator, policy) -> None:  # noqa: ANN001
    rounding = policy.rounding.rule()
    table = np.round(rng.lognormal(0, 0.6, 600), 4)  # a DRG weight table of 600 groups
    drg_idx = rng.integers(0, 600, sample)
    weights = table[drg_idx]
    costs = np.round(weights * 10000 * rng.lognormal(0, 0.35, sample) * 100).astype(np.int64)
    los = rng.integers(1, 30, sample)
    level = rng.random(sample) < 0.6
    drg_cases = tuple(
        DrgCase(f"d{i:08d}", f"H{i % 200:03d}", "county_hospital" if level[i] else "township_center", f"G{drg_idx[i]:03d}",
                Decimal(str(weights[i])), fen(costs[i]), int(los[i]))
        for i in range(sample)
    )  # fmt: skip
    t_drg, res = time_it(settle_drg, drg_cases, policy.drg, 2025, rounding)
    start = time.perf_counter()
    paid = (los > 2) & (los < 60)
    rate = costs[paid].sum() / 100 / weights[paid].sum()
    coef = np.where(level, 1.0, 0.8)
    std = rate * weights * coef
    c = costs / 100
    pay = np.where(
        ~paid, c, np.where(c < 0.4 * std, c, np.where(c > 2 * std, std + (c - 2 * std), std))
    )
    per_h = np.bincount(np.arange(sample) % 200, weights=pay)
    t_np = time.perf_counter() - start
    print(
        f"DRG  {sample:>9,} cases: Decimal engine {t_drg:6.2f} s ({sample / t_drg:,.0f} cases/s); numpy float baseline {t_np:6.3f} s; ratio {t_drg / t_np:,.0f}x"
    )
    print(
        f"     extrapolated to 15,000,000 cases: {t_drg * 15_000_000 / sample:,.0f} s (single process, linear)"
    )
    _ = (res, per_h)

    groups = 3000
    dx = [f"{chr(65 + g % 26)}{g % 100:02d}.{g % 10}" for g in range(groups)]
    gidx = rng.integers(0, groups, sample)
    hist_n = sample
    hidx = rng.integers(0, groups, hist_n)
    hyear = rng.choice([2022, 2023, 2024], hist_n, p=[0.2, 0.3, 0.5])
    hcost = np.round(rng.lognormal(np.log(8000), 0.7, hist_n) * 100).astype(np.int64)
    kinds = [ProcedureKind.SURGICAL, ProcedureKind.CONSERVATIVE]
    history = tuple(
        DipHistoricalCase(int(hyear[i]), f"H{i % 200:03d}", "county_hospital" if i % 3 else "township_center", dx[hidx[i]],
                          f"P{hidx[i] % 500:04d}", kinds[hidx[i] % 2], fen(hcost[i]))
        for i in range(hist_n)
    )  # fmt: skip
    cases = tuple(
        DipCase(f"c{i:08d}", f"H{i % 200:03d}", "county_hospital" if i % 3 else "township_center", dx[gidx[i]], f"P{gidx[i] % 500:04d}",
                kinds[gidx[i] % 2], fen(costs[i]), fen(costs[i] * 65 // 100))
        for i in range(sample)
    )  # fmt: skip
    t_cat, catalog = time_it(build_catalog, history, 2025, policy.dip)
    fund = fen(int(costs.sum() * 65 // 100))
    t_dip, dres = time_it(settle_dip, cases, catalog, policy.dip, fund, 2025, rounding)
    print(
        f"DIP  catalogue from {hist_n:,} historical cases: {t_cat:6.2f} s ({len(catalog.groups):,} groups)"
    )
    print(
        f"DIP  {sample:>9,} cases settled: {t_dip:6.2f} s ({sample / t_dip:,.0f} cases/s); extrapolated to 15 M: {t_dip * 15_000_000 / sample:,.0f} s"
    )
    _ = dres


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--discharges", type=int, default=15_000_000)
    ap.add_argument("--communities", type=int, default=150)
    ap.add_argument("--institutions-per-community", type=int, default=20)
    ap.add_argument(
        "--sample", type=int, default=200_000, help="cases for the per-case DRG/DIP timing"
    )
    ap.add_argument("--seed", type=int, default=20250101)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    policy = load_policy("henan-default")

    t_gen, (inputs, total_paid) = time_it(
        build_province, args.discharges, args.communities, args.institutions_per_community, rng
    )
    print(f"synthetic province: {args.discharges:,} discharges → {len(inputs.claims):,} claim rows "
          f"({len(inputs.communities)} communities, {len(inputs.institutions):,} institutions); built in {t_gen:.1f} s")  # fmt: skip
    t_budget, result = time_it(settle_budget, inputs, policy)
    t_check, broken = time_it(budget_violations, result, inputs.annual_fund)
    assert broken == [], broken
    t_render, files = time_it(budget_files, result)
    t_float, _ = time_it(float_budget_baseline, inputs, policy)
    total = t_budget + t_check
    cpu_total = CPU["settle_budget"] + CPU["budget_violations"]
    print(f"budget cycle: settle {t_budget:.2f} s + conservation check {t_check:.2f} s = {total:.2f} s wall, "
          f"{cpu_total:.2f} s CPU (goal < 5 s); {len(result.ledger.lines):,} ledger lines")  # fmt: skip
    print(
        f"render ledger + statements: {t_render:.2f} s wall, {CPU['budget_files']:.2f} s CPU ({sum(len(v) for v in files.values()) / 1e6:.1f} MB)"
    )
    print(
        f"baseline naive float loop (no ledger, no exactness): {t_float:.3f} s wall, {CPU['float_budget_baseline']:.3f} s CPU; "
        f"engine/baseline ratio {total / t_float:,.1f}x wall, {cpu_total / CPU['float_budget_baseline']:,.1f}x CPU"
    )
    print(f"fund paid in claims: {fen(total_paid)} yuan; conservation holds to the fen")
    bench_cases(args.sample, rng, policy)
    load = os.getloadavg()
    print(
        f"load average during the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores (wall ≈ CPU × contention)"
    )


if __name__ == "__main__":
    main()
