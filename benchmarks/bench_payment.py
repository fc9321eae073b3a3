"""Benchmark: settle a province-size year with the payment engine.

Builds a synthetic province with numpy — ~150 medical communities, ~3,000 member institutions,
~15 M already-grouped discharges — aggregates the discharges into claims per institution-month
(what the warehouse will hand the engine), then times:

1. the global-budget cycle (reserves → quotas → 12 months of prepayments and claims → quarterly
   assessment → year-end reconciliation → quality return), conservation check and rendering of
   the ledger/statements, against a naive float loop doing the same arithmetic (baseline ratio);
2. DRG and DIP settlement of a province-year (15 M cases each, generated as columns with
   numpy; the warehouse synth would take hours at that size): per group in Decimal, every case
   classified and paid on int64 columns of fen, outliers computed case by case on those
   columns. Wall and CPU time and cases per second are printed (goal ≥ 1 M cases/s).

Run: ``.venv/bin/python benchmarks/bench_payment.py [--discharges 15000000] [--cases 15000000]``
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np

from yigong.payment.budget import settle_budget
from yigong.payment.columns import Codes
from yigong.payment.dip_catalog import DipHistoryColumns, ProcedureKind, build_catalog_columns
from yigong.payment.dip_settle import DipCaseColumns, settle_dip_columns
from yigong.payment.drg import DrgCaseColumns, settle_drg_columns
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
    PriorScore,
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
    prior = tuple(
        PriorScore(cm.community_id, 2024, Decimal(int(rng.integers(5500, 10000))).scaleb(-2))
        for cm in communities
    )
    return BudgetInputs(
        "某省", 2025, annual, communities, institutions, history, tuple(claims), scores, prior
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


def time_it(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - benchmark only
    """Wall-clock seconds (and CPU seconds in CPU[fn name]: the machine is shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    CPU[fn.__name__] = time.process_time() - cpu
    return time.perf_counter() - start, out


def _codes(index: np.ndarray, labels: list[str]) -> Codes:
    return Codes(index.astype(np.int64), tuple(labels))


def province_drg_cases(n: int, rng: np.random.Generator) -> DrgCaseColumns:
    """A province-year of grouped discharges as columns (600 DRGs, 3,000 hospitals)."""
    table = np.round(rng.lognormal(0, 0.6, 600) * 10_000).astype(np.int64)  # weights, 4 places
    table = np.maximum(table, 500)
    drg = rng.integers(0, 600, n)
    hosp = rng.integers(0, 3000, n)
    level = (hosp % 5 != 0).astype(np.int64)  # one in five a county hospital
    cost = np.round(table[drg] * rng.lognormal(0, 0.35, n)).astype(
        np.int64
    )  # fen ≈ weight × 10,000 yuan
    return DrgCaseColumns(
        _LazyIds("d", n),
        _codes(hosp, [f"H{i:04d}" for i in range(3000)]),
        _codes(level, ["county_hospital", "township_center"]),
        _codes(drg, [f"G{i:03d}" for i in range(600)]),
        table[drg],
        4,
        cost * 100,
        rng.integers(1, 40, n),
        "synthetic",
        None,
    )


class _LazyIds:
    """Case ids ``d000000001`` … without holding 15 M strings (the engine reads them only for
    errors and per-case files)."""

    def __init__(self, prefix: str, n: int) -> None:
        self.prefix, self.n = prefix, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return f"{self.prefix}{i:09d}"


def province_dip(
    n_hist: int, n: int, rng: np.random.Generator
) -> tuple[DipHistoryColumns, DipCaseColumns]:
    """Three years of history and a year of cases as columns: 6,000 diagnoses × 800 procedures
    (~9,000 groups after the core threshold), 3,000 hospitals at two levels."""
    dx = [f"{chr(65 + g % 26)}{g % 100:02d}.{g % 10}{g // 1000}" for g in range(6000)]
    pr = [""] + [f"{30 + p // 100:02d}.{p % 100:02d}01" for p in range(1, 800)]
    kinds = [k.value for k in ProcedureKind]

    def draw(m: int) -> tuple[np.ndarray, ...]:
        d = np.minimum(rng.zipf(1.3, m) - 1, 5999)
        p = np.where(rng.random(m) < 0.45, 0, (d * 7 + rng.integers(0, 3, m)) % 799 + 1)
        k = np.where(p == 0, 0, 1 + (p % 3))
        h = rng.integers(0, 3000, m)
        mean = 3000 + (d % 97) * 400 + np.where(p > 0, 6000, 0)
        cost = np.round(mean * rng.lognormal(0, 0.45, m) * 100).astype(np.int64)
        return d, p, k, h, cost

    d, p, k, h, cost = draw(n_hist)
    year = rng.choice([2022, 2023, 2024], n_hist, p=[0.3, 0.33, 0.37])
    lv = (h % 5 != 0).astype(np.int64)
    levels = ["county_hospital", "township_center"]
    history = DipHistoryColumns(year, _codes(h, [f"H{i:04d}" for i in range(3000)]),
                                _codes(lv, levels), _codes(d, dx), _codes(p, pr),
                                _codes(k, kinds), cost, "synthetic", None)  # fmt: skip
    d, p, k, h, cost = draw(n)
    lv = (h % 5 != 0).astype(np.int64)
    cases = DipCaseColumns(_LazyIds("c", n), _codes(h, [f"H{i:04d}" for i in range(3000)]),
                           _codes(lv, levels), _codes(d, dx), _codes(p, pr), _codes(k, kinds),
                           cost, cost * 65 // 100, "synthetic", None)  # fmt: skip
    return history, cases


def bench_cases(n: int, n_hist: int, rng: np.random.Generator, policy) -> dict[str, float]:  # noqa: ANN001
    """Per-case DRG and DIP settlement of a province-year, vectorised (whole columns)."""
    rounding = policy.rounding.rule()
    out: dict[str, float] = {}
    t_gen, cols = time_it(province_drg_cases, n, rng)
    t_drg, res = time_it(
        settle_drg_columns, cols, policy.drg, 2025, rounding, None, check_ids=False
    )
    out["drg_wall"], out["drg_cpu"] = t_drg, CPU["settle_drg_columns"]
    print(f"DRG  {n:>12,} cases settled: {t_drg:6.2f} s wall, {CPU['settle_drg_columns']:6.2f} s CPU "
          f"= {n / t_drg:,.0f} cases/s wall, {n / CPU['settle_drg_columns']:,.0f} cases/s CPU "
          f"(rate {res.rate}; {res.counts}); cases generated in {t_gen:.1f} s")  # fmt: skip
    t_gen, (history, cases) = time_it(province_dip, n_hist, n, rng)
    t_cat, catalog = time_it(build_catalog_columns, history, 2025, policy.dip)
    fund = Money.from_fen(int(cases.fund_fen.sum()))
    t_dip, dres = time_it(settle_dip_columns, cases, catalog, policy.dip, fund, 2025, rounding,
                          (), check_ids=False)  # ids unique by construction  # fmt: skip
    out["dip_wall"], out["dip_cpu"] = t_dip, CPU["settle_dip_columns"]
    out["catalog_wall"], out["catalog_cpu"] = t_cat, CPU["build_catalog_columns"]
    print(f"DIP  catalogue from {n_hist:,} historical cases: {t_cat:6.2f} s wall, "
          f"{CPU['build_catalog_columns']:6.2f} s CPU ({len(catalog.groups):,} groups; generated in {t_gen:.1f} s)")  # fmt: skip
    print(f"DIP  {n:>12,} cases settled: {t_dip:6.2f} s wall, {CPU['settle_dip_columns']:6.2f} s CPU "
          f"= {n / t_dip:,.0f} cases/s wall, {n / CPU['settle_dip_columns']:,.0f} cases/s CPU "
          f"(point value {dres.point_value}; {dres.counts}; residual {dres.residual})")  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--discharges", type=int, default=15_000_000)
    ap.add_argument("--communities", type=int, default=150)
    ap.add_argument("--institutions-per-community", type=int, default=20)
    ap.add_argument("--cases", type=int, default=15_000_000, help="DRG and DIP cases of the year")
    ap.add_argument(
        "--history", type=int, default=15_000_000, help="DIP historical cases (3 years)"
    )
    ap.add_argument("--skip-budget", action="store_true", help="only the DRG and DIP settlement")
    ap.add_argument("--seed", type=int, default=20250101)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    policy = load_policy("henan-default")

    if args.skip_budget:
        bench_cases(args.cases, args.history, rng, policy)
        _load()
        return
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
    bench_cases(args.cases, args.history, rng, policy)
    _load()


def _load() -> None:
    load = os.getloadavg()
    print(
        f"load average during the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores (wall ≈ CPU × contention)"
    )


if __name__ == "__main__":
    main()
