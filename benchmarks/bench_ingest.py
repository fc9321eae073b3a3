"""Ingest throughput on a city-size synthetic CSV set, against DuckDB's raw read_csv in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--preset city] [--years 2024] [--repeat 1]

Baseline: for every file, `CREATE TABLE AS SELECT * FROM read_csv(file)` with DuckDB's own type
detection into a fresh database file (no validation, no pseudonymisation, no quarantine).
Measured: `yigong.ingest.ingest_paths` of the same files into a fresh warehouse file (staging,
every validation rule, keyed-hash pseudonymisation, quarantine, upsert, child tables).
Prints rows, seconds, rows/s and the ratio ours ÷ raw; writes the figures to
`benchmarks/results/ingest.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from yigong.ingest import PseudonymKey, collect, ingest_paths
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def raw_read(files: list[tuple[str, Path]], db: Path) -> tuple[float, int]:
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    rows = 0
    for name, path in files:
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_csv(?)', [str(path)])
        rows += con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed, rows


def ours(files: list[tuple[str, Path]], db: Path) -> tuple[float, int, int]:
    key = PseudonymKey(b"benchmark-key")
    with DuckDBWarehouse(db) as wh:  # schema and code tables are set up before the clock starts
        t0 = time.perf_counter()
        reports = ingest_paths(wh, [p for _, p in files], key=key)
        elapsed = time.perf_counter() - t0
    return elapsed, sum(r.rows_read for r in reports), sum(r.rows_rejected for r in reports)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="city")
    ap.add_argument("--years", default="2024")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--data", type=Path, default=Path("bench-data"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    from yigong.synth import generate

    years = tuple(int(y) for y in args.years.split(","))
    data = args.data / f"{args.preset}-{args.seed}-{args.years.replace(',', '_')}"
    if not (data / "discharges.csv").exists():
        t0 = time.perf_counter()
        generate(args.preset, data, seed=args.seed, years=years)
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s")
    files = collect([data])
    size = sum(p.stat().st_size for _, p in files)
    best_raw = best_ours = float("inf")
    rows = rejected = 0
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="yg-bench-"))
        try:
            t_raw, rows = raw_read(files, tmp / "raw.duckdb")
            t_ours, read, rejected = ours(files, tmp / "ours.duckdb")
            assert read == rows, (read, rows)
            best_raw, best_ours = min(best_raw, t_raw), min(best_ours, t_ours)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "preset": args.preset,
        "years": years,
        "files": len(files),
        "bytes": size,
        "rows": rows,
        "rejected": rejected,
        "raw_read_csv_s": round(best_raw, 3),
        "ingest_s": round(best_ours, 3),
        "raw_rows_per_s": round(rows / best_raw),
        "ingest_rows_per_s": round(rows / best_ours),
        "ratio_ingest_to_raw": round(best_ours / best_raw, 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"duckdb {duckdb.__version__}",
    }
    out = Path(__file__).parent / "results" / "ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
