"""Itemised charges at the scale of a large county-year: ingest and screen ≥ 50 M item rows.

    .venv/bin/python benchmarks/bench_charges.py [--counties 6] [--data bench-data] [--keep]

Data: the synthetic ``city`` preset's first N counties, year 2024, as partitioned CSV datasets
(`yigong synth city --counties N --years 2024 --partitioned`); their ``charge_items`` dataset
(one file per county and month) is the input measured. A county of the preset has about
9-10 M item rows a year, so six counties give ≥ 50 M: the size of a county of 1.5-2 million
people, or a small city's community, in one year.

Set-up, not timed: the tables the item rows and the item rules read are ingested first from the
same files (`SETUP_TABLES`: institutions, departments, persons, front pages, visits, prices, the
drug master …); the others (prescriptions, public-health services, pay …) are left out, since
neither the charge ingest nor the item rules read them.

Baseline: DuckDB's own ``read_csv`` of the same ``charge_items`` files into a table of a fresh
database file, with its type detection (no validation, pseudonymisation, quarantine or upsert).
Measured:
  * ingest: `yigong.ingest.ingest_paths` of the ``charge_items`` dataset into the warehouse
    (staging, every row rule, the reconciliation of each stay's items with its front page,
    pseudonymisation, quarantine, upsert): rows/s and the ratio ingest ÷ raw read;
  * screen: `yigong.services.screening.run_screening` of the year with the fund-supervision
    pack's item rules (duplicate charge, price above the catalogue, quantity beyond a day,
    charge after discharge or death, operating-room add-ons): item rows/s and flags.
Writes `benchmarks/results/charges.json`; the machine's 1-minute load average is recorded at
each step (the figures are only comparable at a similar load).
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

from yigong.ingest import PseudonymKey, ingest_paths
from yigong.oversight.item_evaluators import ITEM_EVALUATORS
from yigong.services.screening import rules, run_screening
from yigong.synth.generate import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

YEAR = 2024
#: The datasets the charge ingest (reference checks, reconciliation with front pages and visits)
#: and the item rules (prices, discharges and deaths, institution levels) read.
SETUP_TABLES = (
    "admin_divisions",
    "communities",
    "community_memberships",
    "institutions",
    "departments",
    "persons",
    "discharges",
    "outpatient_visits",
    "service_prices",
    "drug_master",
    "formulary",
)
KEY = PseudonymKey(b"benchmark-key-0123456789abcdefghijklmnopqrstuv")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def data_for(root: Path, counties: int, seed: int) -> Path:
    data = root / f"city-{seed}-{YEAR}-c{counties}-partitioned"
    if not (data / "charge_items").is_dir():
        t0 = time.perf_counter()
        generate("city", data, seed=seed, years=(YEAR,), partitioned=True, counties=counties)
        print(f"generated {data} in {time.perf_counter() - t0:.0f} s", flush=True)
    return data


def raw_read(files: list[Path], db: Path) -> tuple[float, int]:
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, union_by_name = true)",
        [[str(f) for f in files]],
    )
    elapsed = time.perf_counter() - t0
    n = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.close()
    return elapsed, int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counties", type=int, default=6)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--data", type=Path, default=Path("bench-data"))
    ap.add_argument("--keep", action="store_true", help="keep the warehouse file")
    args = ap.parse_args()
    data = data_for(args.data, args.counties, args.seed)
    charges = data / "charge_items"
    files = sorted(p for p in charges.rglob("*.csv"))
    others = [data / name for name in SETUP_TABLES if (data / name).exists()]
    tmp = Path(tempfile.mkdtemp(prefix="yg-bench-charges-"))
    result: dict = {"counties": args.counties, "year": YEAR, "files": len(files)}
    result["setup_tables"] = [p.name for p in others]
    result["bytes"] = sum(f.stat().st_size for f in files)
    try:
        t_raw, raw_rows = raw_read(files, tmp / "raw.duckdb")
        result |= {"raw_read_csv_s": round(t_raw, 1), "raw_rows": raw_rows, "load_raw": _load()}
        print(f"raw read: {raw_rows:,} rows in {t_raw:.1f} s", flush=True)
        (tmp / "raw.duckdb").unlink()
        db = tmp / "warehouse.duckdb"
        with DuckDBWarehouse(db) as wh:
            t0 = time.perf_counter()
            ingest_paths(wh, others, key=KEY)
            result["setup_ingest_s"] = round(time.perf_counter() - t0, 1)
            print(f"set-up tables in {result['setup_ingest_s']} s", flush=True)
            t0 = time.perf_counter()
            reports = ingest_paths(wh, [charges], key=KEY)
            t_ingest = time.perf_counter() - t0
        read = sum(r.rows_read for r in reports)
        accepted = sum(r.rows_accepted for r in reports)
        result |= {
            "ingest_s": round(t_ingest, 1),
            "rows_read": read,
            "rows_accepted": accepted,
            "rows_rejected": sum(r.rows_rejected for r in reports),
            "ingest_rows_per_s": round(read / t_ingest),
            "raw_rows_per_s": round(raw_rows / t_raw),
            "ratio_ingest_to_raw": round(t_ingest / t_raw, 2),
            "load_ingest": _load(),
        }
        print(f"ingest: {read:,} rows in {t_ingest:.1f} s", flush=True)
        item_rules = [r.id for r in rules().rules.values() if r.evaluator in ITEM_EVALUATORS]
        t0 = time.perf_counter()
        screened = run_screening(db, YEAR, item_rules)
        t_screen = time.perf_counter() - t0
        result |= {
            "screen_rules": item_rules,
            "screen_s": round(t_screen, 1),
            "screen_rows_per_s": round(accepted / t_screen),
            "flags": screened["flags"],
            "flags_by_rule": screened["by_rule"],
            "load_screen": _load(),
        }
        print(f"screen: {screened['flags']:,} flags in {t_screen:.1f} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"duckdb {duckdb.__version__}"
    )
    out = Path(__file__).parent / "results" / "charges.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
