"""Ingest throughput on a city-size synthetic CSV set, against DuckDB's raw read_csv in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--preset city] [--years 2024] [--repeat 1]
        [--layouts canonical,national] [--without charge_items,prescriptions]

Baseline: for every file, `CREATE TABLE AS SELECT * FROM read_csv(file)` with DuckDB's own type
detection into a fresh database file (no validation, no pseudonymisation, no quarantine); a
file whose types the sniffer guesses wrong (a procedure code column it took for numbers from
its first rows) is read as text instead.
Two floors, measured in the same run on the same files, show how much of the gap any exact,
private ingest must pay: ``text_read_csv_s`` reads every cell as text (``all_varchar``: money
and codes checked as written, never rounded or re-typed by a sniffer), ``privacy_floor_s``
reads as text and also does the two things the privacy rules require of every row: every text
cell scanned for a resident ID number (the ingest's own ``yg_has_id`` macro) and every
identifier column (``*_id_number``; 身份证号 or 证件号码 in the national layouts) keyed-hashed,
each distinct number once (HMAC-SHA256, as ingest does) — no other rule, no quarantine, no
write of canonical types.
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
from yigong.ingest.check import pseudonymise_sql
from yigong.ingest.rules import MACROS
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


def floors(paths: list[Path], db: Path, key: PseudonymKey) -> tuple[float, float]:
    """(seconds to read every file as text, seconds to read as text with the ID scan and the
    keyed hash the privacy rules require): see the module docstring."""
    con = duckdb.connect(str(db))
    for macro in MACROS:
        con.execute(macro)
    hashed = pseudonymise_sql(key)
    assert hashed is not None
    text = floor = 0.0
    for i, path in enumerate(paths):
        read = "read_csv(?, all_varchar = true)"
        t0 = time.perf_counter()
        con.execute(f'CREATE TABLE "x{i}" AS SELECT * FROM {read}', [str(path)])
        text_s = time.perf_counter() - t0
        text += text_s
        names = [r[0] for r in con.execute(f'DESCRIBE "x{i}"').fetchall()]
        ids = [n for n in names if n.endswith("id_number") or n in NATIONAL_ID_HEADERS]
        scans = [f'(length(x."{n}") >= 15 AND yg_has_id(x."{n}"))' for n in names if n not in ids]
        t0 = time.perf_counter()
        for j, n in enumerate(ids):  # each distinct number hashed once, as ingest does
            con.execute(
                f'CREATE TABLE "m{j}" AS SELECT raw, {hashed.format(v="raw")} AS k '
                f'FROM (SELECT DISTINCT "{n}" AS raw FROM "x{i}" WHERE "{n}" IS NOT NULL)'
            )
        keys = "".join(f', m{j}.k AS "k{j}"' for j in range(len(ids)))
        joins = " ".join(f'LEFT JOIN "m{j}" m{j} ON m{j}.raw = x."{n}"' for j, n in enumerate(ids))
        con.execute(
            f'CREATE TABLE "f{i}" AS SELECT x.*, {" OR ".join(scans) or "false"} AS has_id'
            f'{keys} FROM "x{i}" x {joins}'
        )
        floor += text_s + time.perf_counter() - t0
        for j in range(len(ids)):
            con.execute(f'DROP TABLE "m{j}"')
        con.execute(f'DROP TABLE "x{i}"')
        con.execute(f'DROP TABLE "f{i}"')
    con.close()
    return text, floor


#: the identity-number columns of the national layouts (their profiles map them to *_id_number)
NATIONAL_ID_HEADERS = frozenset({"身份证号", "证件号码", "身份证件号码"})
KEY = PseudonymKey(b"benchmark-key-0123456789abcdefghijklmnopqrstuv")


def ours(files: list[tuple[str, Path]], db: Path) -> tuple[float, int, int]:
    key = KEY
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
    best_raw = best_ours = best_text = best_floor = float("inf")
    rows = rejected = 0
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="yg-bench-"))
        try:
            t_raw, _all_rows, _n = raw_read(paths, tmp / "raw.duckdb")
            t_text, t_floor = floors(paths, tmp / "floor.duckdb", KEY)
            best_text, best_floor = min(best_text, t_text), min(best_floor, t_floor)
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
        "text_read_csv_s": round(best_text, 3),
        "privacy_floor_s": round(best_floor, 3),
        "ratio_text_to_raw": round(best_text / best_raw, 2),
        "ratio_floor_to_raw": round(best_floor / best_raw, 2),
        "ratio_ingest_to_floor": round(best_ours / best_floor, 2),
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
