"""Benchmark the set-based DRG grouper against a naive per-case loop, in one run.

    .venv/bin/python benchmarks/bench_drg.py --cases 1000000 [--scheme chs-drg-1.1] [--seed 7]

Synthetic cases are drawn (seeded) from the pack's own code lists, like the reference
samples: principal diagnosis from the MDC lists, 0–6 secondary diagnoses (≈15 % MCC
codes, ≈30 % CC codes, the rest from the diagnosis dictionary), about half with
procedures (principal from the ADRG procedure lists, 0–3 more), ≈3 % newborns.
Prints cases/s of ``group_cases`` on plain ``list<string>`` input and on
dictionary-encoded input, peak RSS (``resource.getrusage``), and the per-case loop's
cases/s on a sample, with the ratio. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.casemix.batch import group_cases
from yigong.casemix.contract import table_to_cases
from yigong.casemix.explain import explain_with
from yigong.casemix.model import pack_model
from yigong.casemix.synthetic import synthetic_cases


def _dict_encoded(t: pa.Table) -> pa.Table:
    for name in ("diagnoses", "procedures"):
        col = t.column(name).combine_chunks()
        enc = pa.ListArray.from_arrays(col.offsets, pc.dictionary_encode(col.values))
        t = t.set_column(t.column_names.index(name), name, enc)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--scheme", default="chs-drg-1.1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--naive-sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--save", type=Path, help="also write the JSON report here")
    a = ap.parse_args()
    t0 = time.perf_counter()
    group_cases(synthetic_cases(a.scheme, 10, a.seed), a.scheme)  # load + compile the pack once
    load_s = time.perf_counter() - t0
    table = synthetic_cases(a.scheme, a.cases, a.seed)
    dtable = _dict_encoded(table)
    best = {}
    for label, tab in (("list<string>", table), ("list<dictionary>", dtable)):
        times = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            res = group_cases(tab, a.scheme)
            times.append(time.perf_counter() - t0)
        best[label] = min(times)
    statuses = dict(
        zip(
            *np.unique(res.column("status").to_numpy(zero_copy_only=False), return_counts=True),
            strict=True,
        )
    )
    model = pack_model(a.scheme)
    sample = table_to_cases(table.slice(0, a.naive_sample))
    t0 = time.perf_counter()
    for c in sample:
        explain_with(model, c)
    naive = len(sample) / (time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "scheme": a.scheme,
        "cases": a.cases,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "pack_load_and_compile_s": round(load_s, 2),
        "batch_cases_per_s": {k: round(a.cases / v) for k, v in best.items()},
        "batch_seconds": {k: round(v, 3) for k, v in best.items()},
        "naive_per_case_cases_per_s": round(naive),
        "naive_sample": len(sample),
        "speedup_vs_naive": {k: round(a.cases / v / naive, 1) for k, v in best.items()},
        "peak_rss_mb": round(peak_mb),
        "statuses": {str(k): int(v) for k, v in statuses.items()},
        "distinct_drgs": len(set(res.column("drg").drop_null().to_pylist())),
    }
    report["load_average_1m"] = round(
        os.getloadavg()[0], 2
    )  # other work on the machine skews figures
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if a.save:
        a.save.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
