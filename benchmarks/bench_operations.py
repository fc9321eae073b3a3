"""Benchmark: cost allocation and DRG profit and loss of a province-year (issue 20).

Builds a synthetic province with numpy — 150 counties, each with 3 hospitals (55 departments:
6 administrative, 3 support, 6 medical-technology, 20 wards, 20 clinics) and 25 township
centres (15 departments), twelve months of department costs (≈ 970,000 department-months),
and ≥ 15 M discharges spread over the wards — then times, each stage on its own:

1. the step-down allocation of every institution-month (`allocate_costs`, no transfer list);
2. case costs of every discharge (`case_costs`, top-down, reconciled per ward-month);
3. DRG payment of every case by the payment engine: `settle_drg_columns` when the payment
   engine has it (columns of fen), else `settle_drg` (one Python object per case) on a sample
   with the full-size time extrapolated (said so in the output);
4. profit and loss per DRG within each institution (`pnl_table`, columns) and the
   reconciliation (total payment = the engine's total, total cost = Σ case costs);
5. the five worst-losing DRGs of one hospital with their cost structure and peer LOS;
6. the checks the issue asks for, to the fen: the allocation conserves every unit's totals, the
   case costs plus what no stay could carry equal each ward-month's full cost, the P&L's
   payment is the engine's total and its cost the sum of the case costs.

The goal (< 30 s) is on the sum of stages 1-6. Generating the data is not timed, nor is reading
a warehouse (the engines take columns; `bench_scale.py` times reads). Baseline in the same run:
the naive vectorised float split of the ward costs over the stays and its per-DRG bincount (no
fen, no remainders, not conserved), against stages 2 + 4. Per stage: wall and process CPU
seconds (user and system, every thread); the load average before and after and the peak RSS;
all written to ``benchmarks/results/operations.json``.

Run: ``.venv/bin/python benchmarks/bench_operations.py [--discharges 15000000] [--counties 150]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from yigong.operations import (
    DRIVERS,
    ELEMENTS,
    Coded,
    CostCentres,
    PnlCases,
    StayColumns,
    allocate_costs,
    case_costs,
    load_operations_policy,
    reconcile,
)
from yigong.operations.centres import SETTINGS
from yigong.operations.pnl import pnl_table, worst_groups
from yigong.payment.loader import load_policy
from yigong.schema.money import Money
from yigong.schema.tables import DISCHARGE_COST_COLUMNS

# department templates: (category index, setting, own driver, count)
HOSPITAL = [(0, "none", None, 6), (1, "none", "bed_days", 1), (1, "none", "discharges", 1),
            (1, "none", None, 1), (2, "none", None, 6), (3, "inpatient", None, 20),
            (3, "outpatient", None, 20)]  # fmt: skip
TOWNSHIP = [(0, "none", None, 2), (1, "none", None, 1), (2, "none", None, 3),
            (3, "inpatient", None, 4), (3, "outpatient", None, 5)]  # fmt: skip
N_DRG = 600


class Ids:
    """Case ids made on demand (15 M Python strings would cost more memory than the data)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        return f"D{i:09d}"


def _template(spec: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cat = np.concatenate([np.full(k, c) for c, _, _, k in spec]).astype(np.int8)
    setting = np.concatenate([np.full(k, SETTINGS.index(s)) for _, s, _, k in spec]).astype(np.int8)
    own = np.concatenate([np.full(k, DRIVERS.index(d) if d else -1) for _, _, d, k in spec])
    return cat, setting, own.astype(np.int8)


def build_centres(counties: int, rng: np.random.Generator):  # noqa: ANN201 - benchmark only
    """The province's department-months as columns, and where each institution's wards are."""
    hosp, town = _template(HOSPITAL), _template(TOWNSHIP)
    kinds = np.tile(np.r_[np.zeros(3, int), np.ones(25, int)], counties)  # 0 hospital 1 township
    n_inst = len(kinds)
    sizes = np.where(kinds == 0, len(hosp[0]), len(town[0]))
    per_unit = np.repeat(sizes, 12)  # rows per institution-month
    n = int(per_unit.sum())
    unit = np.repeat(np.arange(n_inst * 12), per_unit)
    cat = np.empty(n, np.int8)
    setting = np.empty(n, np.int8)
    own = np.empty(n, np.int8)
    starts = np.r_[0, np.cumsum(per_unit)[:-1]]
    for kind, (c, s, o) in ((0, hosp), (1, town)):
        units = np.flatnonzero(np.repeat(kinds, 12) == kind)
        idx = (starts[units][:, None] + np.arange(len(c))[None, :]).ravel()
        cat[idx], setting[idx], own[idx] = np.tile(c, len(units)), np.tile(s, len(units)), \
            np.tile(o, len(units))  # fmt: skip
    scale = np.where(np.repeat(kinds, 12)[unit] == 0, 1.0, 0.15)
    costs = (rng.lognormal(np.log(30_000_00), 0.6, (n, len(ELEMENTS))) * scale[:, None]).astype(
        np.int64)  # fmt: skip
    costs[:, ELEMENTS.index("drugs")] *= setting != 0
    drivers = np.zeros((n, len(DRIVERS)), np.int64)
    drivers[:, DRIVERS.index("staff")] = rng.integers(1, 40, n)
    drivers[:, DRIVERS.index("area")] = rng.integers(40_00, 900_00, n)
    clinical = cat == 3
    drivers[:, DRIVERS.index("revenue")] = clinical * rng.integers(10**6, 10**9, n)
    ward = setting == SETTINGS.index("inpatient")
    drivers[:, DRIVERS.index("bed_days")] = ward * rng.integers(50, 1500, n)
    drivers[:, DRIVERS.index("discharges")] = ward * rng.integers(10, 200, n)
    drivers[:, DRIVERS.index("outpatient_visits")] = (setting == 1) * rng.integers(100, 5000, n)
    drivers[:, DRIVERS.index("exams")] = (cat == 2) * rng.integers(100, 9000, n)
    units = tuple(f"I{u // 12:05d} 2024-{u % 12 + 1:02d}" for u in range(n_inst * 12))
    centres = CostCentres(units, unit, tuple(f"R{i}" for i in range(n)),
                          tuple("科室" for _ in range(n)), cat, own, costs, drivers, setting)  # fmt: skip
    ward_offset = np.where(kinds == 0, 6 + 3 + 6, 2 + 1 + 3)  # first ward in the template
    n_wards = np.where(kinds == 0, 20, 4)
    return centres, kinds, starts, ward_offset, n_wards


def build_stays(n: int, kinds, starts, ward_offset, n_wards, rng):  # noqa: ANN001, ANN201
    """≥ 15 M discharges: institution (hospitals take 80 %), month, ward, LOS, charges."""
    hospitals = np.flatnonzero(kinds == 0)
    townships = np.flatnonzero(kinds == 1)
    at_hospital = rng.random(n) < 0.8
    inst = np.where(at_hospital, rng.choice(hospitals, n), rng.choice(townships, n))
    month = rng.integers(0, 12, n)
    ward_k = (rng.random(n) * n_wards[inst]).astype(np.int64)
    row = starts[inst * 12 + month] + ward_offset[inst] + ward_k
    los = np.minimum(rng.geometric(0.13, n), 90).astype(np.int64)
    total = np.round(rng.lognormal(np.log(6000), 0.8, n) * 100).astype(np.int64)
    zeros = np.zeros(n, np.int64)
    charges = dict.fromkeys(DISCHARGE_COST_COLUMNS, zeros)
    charges["cost_western_drugs"] = total * 30 // 100
    charges["cost_consumables"] = total * 12 // 100
    stays = StayColumns(Ids(n), row, los, charges)
    weights = np.round(rng.lognormal(0, 0.6, N_DRG), 4)
    drg = rng.integers(0, N_DRG, n)
    doctor = inst * 40 + rng.integers(0, 40, n)
    return stays, inst, drg, weights, doctor, total, at_hospital


def _payments_columns(inst, drg, weights, total, los, at_hospital, policy):  # noqa: ANN001, ANN202
    from yigong.payment.columns import Codes
    from yigong.payment.drg import DrgCaseColumns, settle_drg_columns

    n = len(inst)
    cols = DrgCaseColumns(
        Ids(n), Codes(inst.astype(np.int64), tuple(f"I{i:05d}" for i in range(inst.max() + 1))),
        Codes(np.where(at_hospital, 0, 1).astype(np.int64), ("county_hospital", "township_center")),
        Codes(drg.astype(np.int64), tuple(f"G{g:03d}" for g in range(N_DRG))),
        np.round(weights * 10_000).astype(np.int64)[drg], 4, total, los, "bench",
    )  # fmt: skip
    result = settle_drg_columns(cols, policy.drg, 2024, policy.rounding.rule(), check_ids=False)
    engine_total = Money.sum([h.payment for h in result.hospitals])
    return result.payment_fen, engine_total, "settle_drg_columns (all cases)"


def _payments_sample(inst, drg, weights, total, los, at_hospital, policy, sample):  # noqa: ANN001, ANN202
    from yigong.payment.drg import DrgCase, settle_drg

    take = np.arange(min(sample, len(inst)))
    cases = tuple(
        DrgCase(f"D{i:09d}", f"I{inst[i]:05d}",
                "county_hospital" if at_hospital[i] else "township_center", f"G{drg[i]:03d}",
                Decimal(str(weights[drg[i]])), Money.from_fen(int(total[i])), int(los[i]))
        for i in take.tolist()
    )  # fmt: skip
    start = time.perf_counter()
    result = settle_drg(cases, policy.drg, 2024, policy.rounding.rule())
    per_case = (time.perf_counter() - start) / len(take)
    return result, per_case


def _usage() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def float_baseline(allocation, stays, inst, drg, n_inst):  # noqa: ANN001, ANN201
    """The naive vectorised way, in the same run: each ward-month's full cost spread over its
    stays in float64 by the same drivers (no fen, no remainders, totals not conserved, no
    sort), then summed per DRG and institution with one bincount per element."""
    full = allocation.full.astype(np.float64)
    ward = stays.ward
    bed_days = np.maximum(stays.bed_days, 1).astype(np.float64)
    charges = {"drugs": stays.charges["cost_western_drugs"].astype(np.float64),
               "consumables": stays.charges["cost_consumables"].astype(np.float64)}  # fmt: skip
    key = inst * N_DRG + drg
    out = []
    for e, name in enumerate(ELEMENTS):
        w = charges.get(name, bed_days)
        per_ward = np.bincount(ward, weights=w, minlength=len(full))
        share = full[ward, e] * w / per_ward[ward]
        out.append(np.bincount(key, weights=share, minlength=n_inst * N_DRG))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--discharges", type=int, default=15_000_000)
    ap.add_argument("--counties", type=int, default=150)
    ap.add_argument("--sample", type=int, default=300_000, help="per-case payment sample size")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" /
                    "operations.json")  # fmt: skip
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    ops = load_operations_policy()
    pay_policy = load_policy("henan-default")
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    t0 = time.perf_counter()
    centres, kinds, starts, ward_offset, n_wards = build_centres(args.counties, rng)
    stays, inst, drg, weights, doctor, total, at_hospital = build_stays(
        args.discharges, kinds, starts, ward_offset, n_wards, rng)  # fmt: skip
    print(f"built: {len(centres):,} department-months of {len(kinds):,} institutions, "
          f"{len(stays):,} discharges in {time.perf_counter() - t0:.1f} s (not timed below)")  # fmt: skip
    timings: dict[str, dict[str, float]] = {}

    def timed(name: str, fn, record: dict | None = None):  # noqa: ANN001, ANN202
        start, cpu, use = time.perf_counter(), time.process_time(), _usage()
        out = fn()
        user, system = (b - a for a, b in zip(use, _usage(), strict=True))
        (timings if record is None else record)[name] = {
            "wall_s": round(time.perf_counter() - start, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "user_s": round(user, 2), "sys_s": round(system, 2),
        }  # fmt: skip
        t = (timings if record is None else record)[name]
        print(f"{name:<34} {t['wall_s']:7.2f} s wall  {t['cpu_s']:7.2f} s CPU "
              f"({t['user_s']:.2f} user + {t['sys_s']:.2f} sys, every thread)")  # fmt: skip
        return out

    allocation = timed("1 step-down allocation", lambda: allocate_costs(
        centres, ops.allocation, keep_transfers=False))  # fmt: skip
    costs = timed("2 case costs (top-down)", lambda: case_costs(allocation, stays, ops.case_cost))
    mode = ""
    try:
        payment, engine_total, mode = timed("3 DRG payment (payment engine)", lambda:
                                            _payments_columns(inst, drg, weights, total,
                                                              stays.bed_days, at_hospital,
                                                              pay_policy))  # fmt: skip
    except ImportError:
        result, per_case = _payments_sample(inst, drg, weights, total, stays.bed_days,
                                            at_hospital, pay_policy, args.sample)  # fmt: skip
        extrapolated = per_case * len(inst)
        timings["3 DRG payment (payment engine)"] = {"wall_s": round(extrapolated, 1),
                                                     "cpu_s": None}  # type: ignore[dict-item]  # fmt: skip
        mode = (f"settle_drg per case on {args.sample:,} cases ({1 / per_case:,.0f} cases/s), "
                f"extrapolated to {len(inst):,}: no columnar DRG settlement on this branch")  # fmt: skip
        print(f"{'3 DRG payment (payment engine)':<34} {extrapolated:7.1f} s extrapolated ({mode})")
        take = len(result.cases)
        payment = np.zeros(len(inst), np.int64)
        payment[:take] = [r.payment.fen for r in result.cases]
        engine_total = Money.sum([h.payment for h in result.hospitals])
        keep = np.arange(len(inst)) < take
        print("   P&L below on all cases; only the sample carries engine payments")
    else:
        keep = np.ones(len(inst), bool)

    def pnl():  # noqa: ANN202 - the cases in the case costs' ward order (no cost rows move)
        o, ward = costs.order, costs.sorted_ward
        assert ward is not None
        # institution and department follow from the ward row (a unit is an institution-month);
        # the other case columns are gathered into ward order
        cases = PnlCases(
            Ids(len(o)), Coded(centres.unit[ward] // 12, tuple(f"I{i:05d}" for i in range(len(kinds)))),
            Coded(ward, tuple(centres.department_id)), Coded(doctor[o],
            tuple(f"E{i}" for i in range(doctor.max() + 1))),
            Coded(drg[o], tuple(f"G{g:03d}" for g in range(N_DRG))),
            stays.bed_days[o], costs.sorted_cost, np.ones(len(o), bool), payment[o],
        )  # fmt: skip
        return cases, pnl_table(cases, "group")

    cases, table = timed("4 P&L per DRG and institution", pnl)
    worst = timed("5 five worst DRGs of a hospital", lambda: worst_groups(table, "I00000", 5))
    rows = table

    def checks():  # noqa: ANN202 - the reconciliations the issue asks for, to the fen
        problems = allocation.conservation() + costs.reconciliation()
        problems += reconcile(cases, engine_total if keep.all() else
                              Money.from_fen(int(payment.sum())),
                              Money.from_fen(int(costs.sorted_cost.sum())))  # fmt: skip
        return problems

    problems = timed("6 conservation and reconciliation", checks)
    assert problems == [], problems[:5]
    assert not allocation.unallocated.any()
    # not timed: the institution the P&L read from the ward row is the stay's own
    assert (cases.institution.index == inst[costs.order]).all()
    baseline: dict[str, dict[str, float]] = {}
    timed("baseline: float split + bincount", lambda: float_baseline(
        allocation, stays, inst, drg, len(kinds)), baseline)  # fmt: skip
    total_s = sum(v["wall_s"] for v in timings.values() if v["wall_s"] is not None)
    total_cpu = sum(v["cpu_s"] or 0 for v in timings.values())
    exact = [timings[k] for k in ("2 case costs (top-down)", "4 P&L per DRG and institution")]
    base = baseline["baseline: float split + bincount"]
    ratio = {u: round(sum(t[u] for t in exact) / base[u], 2) if base[u] else None
             for u in ("wall_s", "cpu_s")}  # fmt: skip
    print(f"case costs + P&L (exact, fen) / float baseline: {ratio['wall_s']}x wall, "
          f"{ratio['cpu_s']}x CPU")  # fmt: skip
    load_after = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total of stages 1-6 {total_s:.1f} s wall, {total_cpu:.1f} s CPU (goal < 30 s wall; "
          f"data generation not included); {len(rows):,} DRG × institution rows; "
          f"peak RSS {peak:,.0f} MB; load average after: {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f}")  # fmt: skip
    for r in worst:
        print(
            f"   {r.key}: {r.cases} cases, loss {r.profit}, LOS {r.mean_los} vs peers {r.peer_los}"
        )
    record = {
        "discharges": len(inst), "department_months": len(centres), "institutions": len(kinds),
        "timed": "stages 1-6: allocation, case costs, DRG payment, P&L, worst DRGs, conservation "
                 "and reconciliation checks; data generation is not timed",
        "timings": timings, "total_s": round(total_s, 1), "total_cpu_s": round(total_cpu, 1),
        "baseline": baseline, "exact_over_float_baseline": ratio, "payment_mode": mode,
        "threads": __import__("sys").modules["yigong.operations.apportion"].THREADS,
        "peak_rss_mb": round(peak), "load_before": load_before, "load_after": load_after,
        "cpus": os.cpu_count(),
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
