"""Benchmark the set-based DRG grouper against a naive per-case loop, in one run.

    .venv/bin/python benchmarks/bench_drg.py --cases 1000000 [--scheme chs-drg-1.1] [--seed 7]
    .venv/bin/python benchmarks/bench_drg.py --file --cases 1620480   # end to end, files

Synthetic cases are drawn (seeded) from the pack's own code lists, like the reference
samples: principal diagnosis from the MDC lists, 0–6 secondary diagnoses (≈15 % MCC
codes, ≈30 % CC codes, the rest from the diagnosis dictionary), about half with
procedures (principal from the ADRG procedure lists, 0–3 more), ≈3 % newborns.
Prints cases/s of ``group_cases`` on plain ``list<string>`` input and on
dictionary-encoded input, peak RSS (``resource.getrusage``), and the per-case loop's
cases/s on a sample, with the ratio. No timing is asserted anywhere.

``--file``: the end-to-end file mode. The same cases are written to a contract CSV (not
timed); then the whole command ``yigong drg group IN.csv -o OUT.csv`` runs as a separate
process (start-up, pack load from its cache, read, checks, grouping, write), wall clock, best
of ``--repeat``; and in the same run DuckDB reads the same file raw (``CREATE TABLE AS SELECT *
FROM read_csv(...)`` in memory, in this process: the reader's work alone). Prints cases/s end
to end, the ratio to the raw read, the commands' CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
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


def write_contract_csv(table: pa.Table, path: Path) -> None:
    """The cases as a contract input file (lists ``|``-joined, empty for null)."""
    import pyarrow.csv as pacsv

    cols = {}
    for name in table.column_names:
        col = table.column(name)
        cols[name] = pc.binary_join(col, "|") if pa.types.is_list(col.type) else col
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(
            pa.table(cols), fh, pacsv.WriteOptions(include_header=False, quoting_style="none")
        )


def file_mode(a: argparse.Namespace) -> dict:
    """``yigong drg group`` on a CSV of `a.cases` cases, whole command, against DuckDB's raw read."""
    import duckdb

    exe = Path(sys.executable).parent / "yigong"
    tmp = Path(tempfile.mkdtemp(prefix="yg-drg-file-"))
    try:
        src = tmp / "cases.csv"
        write_contract_csv(synthetic_cases(a.scheme, a.cases, a.seed), src)
        small = tmp / "warm.csv"
        write_contract_csv(synthetic_cases(a.scheme, 10, a.seed), small)
        cmd = [str(exe), "drg", "group", "--scheme", a.scheme]
        subprocess.run(
            [*cmd, str(small), "-o", str(tmp / "warm.out")], check=True, capture_output=True
        )  # fills the pack cache, as any earlier run would
        ours, raw, cpu = [], [], []
        for _ in range(a.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(
                [*cmd, str(src), "-o", str(tmp / "out.csv")], capture_output=True, text=True
            )
            ours.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode:
                raise SystemExit(done.stderr)
            con = duckdb.connect()
            t0 = time.perf_counter()
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(src)])
            raw.append(time.perf_counter() - t0)
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
            con.close()
            assert rows == a.cases, rows
        best, best_raw = min(ours), min(raw)
        return {
            "mode": "file: yigong drg group IN.csv -o OUT.csv, whole command, wall clock",
            "scheme": a.scheme,
            "cases": a.cases,
            "bytes": src.stat().st_size,
            "cpus": os.cpu_count(),
            "end_to_end_s": round(best, 3),
            "end_to_end_cases_per_s": round(a.cases / best),
            "raw_duckdb_read_s": round(best_raw, 3),
            "ratio_to_raw_read": round(best / best_raw, 2),
            "command_cpu_s": round(min(cpu), 2),
            "runs": {"ours_s": [round(x, 3) for x in ours], "raw_s": [round(x, 3) for x in raw]},
            "summary": done.stdout.strip(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--scheme", default="chs-drg-1.1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--naive-sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--save", type=Path, help="also write the JSON report here")
    ap.add_argument("--file", action="store_true", help="end-to-end file mode (see above)")
    a = ap.parse_args()
    if a.file:
        text = json.dumps(file_mode(a), indent=2, ensure_ascii=False)
        print(text)
        if a.save:
            a.save.write_text(text + "\n", encoding="utf-8")
        return
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
