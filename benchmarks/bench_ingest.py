"""Ingest throughput on a city-size synthetic CSV set, against DuckDB's raw read_csv in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--preset city] [--years 2024] [--repeat 1]
        [--layouts canonical,national] [--without charge_items,prescriptions]

Baseline: for every file, `CREATE TABLE AS SELECT * FROM read_csv(file)` with DuckDB's own type
detection into a fresh database file (no validation, no pseudonymisation, no quarantine); a
file whose types the sniffer guesses wrong (a procedure code column it took for numbers from
its first rows) is read as text instead.
Measured: `yigong.ingest.ingest_paths` of the same files into a fresh warehouse file (staging,
every validation rule, keyed-hash pseudonymisation, quarantine, upsert, child tables).
Prints rows, seconds, rows/s and the ratio ours ÷ raw per layout; writes the figures to
`benchmarks/results/ingest.json`.

Layouts: ``canonical`` (yigong's own files) and ``national`` (the front page, settlement list
with its sub-lists and visit list as hospitals export them, read through their layout
profiles; written in UTF-8 here so that DuckDB's raw reader can read the same files — a GBK
export adds one transcoding pass, measured apart as ``gbk_transcode_s``).
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


def raw_read(paths: list[Path], db: Path) -> tuple[float, int, int]:
    """Every file read by DuckDB into a table of its own; (seconds, rows of `counted` files)."""
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    rows = []
    for i, path in enumerate(paths):
        try:
            con.execute(f'CREATE TABLE "t{i}" AS SELECT * FROM read_csv(?)', [str(path)])
        except duckdb.ConversionException:  # the type sniffer guessed from too few rows
            con.execute(f'DROP TABLE IF EXISTS "t{i}"')
            con.execute(
                f'CREATE TABLE "t{i}" AS SELECT * FROM read_csv(?, all_varchar = true)',
                [str(path)],
            )
        rows.append(con.execute(f'SELECT count(*) FROM "t{i}"').fetchone()[0])
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed, sum(rows), len(paths)


def ours(files: list[tuple[str, Path]], db: Path) -> tuple[float, int, int]:
    key = PseudonymKey(b"benchmark-key-0123456789abcdefghijklmnopqrstuv")
    with DuckDBWarehouse(db) as wh:  # schema and code tables are set up before the clock starts
        t0 = time.perf_counter()
        reports = ingest_paths(wh, [p for _, p in files], key=key)
        elapsed = time.perf_counter() - t0
    return elapsed, sum(r.rows_read for r in reports), sum(r.rows_rejected for r in reports)


def _data(preset: str, seed: int, years: tuple[int, ...], root: Path, layout: str) -> Path:
    from yigong.synth import generate

    data = root / f"{preset}-{seed}-{'_'.join(map(str, years))}-{layout}"
    if not (data / "admin_divisions.csv").exists():
        t0 = time.perf_counter()
        generate(preset, data, seed=seed, years=years, layout=layout, encoding="utf-8")
        print(f"generated {data} in {time.perf_counter() - t0:.1f} s", flush=True)
    return data


def _gbk_seconds(paths: list[Path]) -> float:
    """What transcoding the national files from GBK would add (encode once, time the decode)."""
    from yigong.ingest.encoding import as_utf8

    total = 0.0
    for p in paths:
        gbk = p.with_suffix(".gbk.csv")
        gbk.write_bytes(p.read_text(encoding="utf-8").encode("gbk", errors="replace"))
        t0 = time.perf_counter()
        with as_utf8(gbk):
            pass
        total += time.perf_counter() - t0
        gbk.unlink()
    return total


def bench_layout(args: argparse.Namespace, years: tuple[int, ...], layout: str) -> dict:
    data = _data(args.preset, args.seed, years, args.data, layout)
    skip = set(args.without)
    files = [(t, p) for t, p in collect([data]) if p.stem not in skip]
    # every file the ingest reads: the collected files and the sub-lists read with them
    paths = sorted(
        p
        for p in data.iterdir()
        if p.suffix == ".csv" and not p.name.startswith("_") and p.stem not in skip
    )
    size = sum(p.stat().st_size for p in paths)
    best_raw = best_ours = float("inf")
    rows = rejected = 0
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="yg-bench-"))
        try:
            t_raw, _all_rows, _n = raw_read(paths, tmp / "raw.duckdb")
            t_ours, rows, rejected = ours(files, tmp / "ours.duckdb")
            best_raw, best_ours = min(best_raw, t_raw), min(best_ours, t_ours)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    national = [p for p in paths if not p.stem.isascii()]
    return {
        "layout": layout,
        "files_ingested": len(files),
        "files_read": len(paths),
        "bytes": size,
        "rows": rows,
        "rejected": rejected,
        "raw_read_csv_s": round(best_raw, 3),
        "ingest_s": round(best_ours, 3),
        "raw_rows_per_s": round(rows / best_raw),
        "ingest_rows_per_s": round(rows / best_ours),
        "ratio_ingest_to_raw": round(best_ours / best_raw, 2),
        **({"gbk_transcode_s": round(_gbk_seconds(national), 3)} if national else {}),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="city")
    ap.add_argument("--years", default="2024")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--data", type=Path, default=Path("bench-data"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--layouts", default="canonical,national")
    ap.add_argument(
        "--without",
        type=lambda v: [t for t in v.split(",") if t],
        default=[],
        help="tables left out of both layouts (files written the same in both: on a loaded "
        "machine the largest make a run take hours), e.g. charge_items,prescriptions",
    )
    args = ap.parse_args()
    years = tuple(int(y) for y in args.years.split(","))
    result = {
        "preset": args.preset,
        "years": years,
        **({"without": args.without} if args.without else {}),
        "layouts": [bench_layout(args, years, lay) for lay in args.layouts.split(",")],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"duckdb {duckdb.__version__}",
    }
    out = Path(__file__).parent / "results" / "ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
