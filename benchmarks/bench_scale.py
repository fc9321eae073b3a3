"""How DRG grouping and the indicator catalog grow from a county to a province, on DuckDB and on
Spark local mode, each measurement in a fresh process (clean peak memory).

    .venv/bin/python benchmarks/bench_scale.py                       # county, city, province; 2024
    .venv/bin/python benchmarks/bench_scale.py --scales county,city --engines duckdb
    .venv/bin/python benchmarks/bench_scale.py --scales province --province-counties 18
    YIGONG_SPARK_MASTER=spark://host:7077 .venv/bin/python benchmarks/bench_scale.py --engines spark

Per scale (presets of `yigong synth`; ``--years``, default 2024; the province may be cut to its
first N counties with ``--province-counties``, which the results say) the data are prepared
once under ``bench-data/scale/<scale>-<years>[-c<N>]/`` and reused:
1. ``yigong synth <preset> --format parquet --partitioned`` (time, peak RSS of the generator);
2. ``yigong ingest`` of the partitioned files into ``yigong.duckdb`` (every rule, pseudonyms);
3. ``Warehouse.export_parquet`` to ``parquet/``: the Parquet warehouse the Spark backend reads.

Measured per scale and engine, each in its own subprocess (``os.wait4`` gives the process's
peak RSS; for Spark the JVM's peak, VmHWM, is read from /proc before the session stops):
- ``drg``: `services.casemix.group_discharges` — every discharge grouped under CHS-DRG 1.1 and
  stored in ``drg_results`` (the pack is loaded and compiled before the clock starts);
- ``catalog``: `indicators.evaluate` of the whole catalog for the scale's top division and the
  last year (with the previous period, targets and trajectories), after loading the catalog.
On Spark the session start is timed separately (``session_s``) and not in the task times.
Reported: rows, seconds, µs per row, the growth exponent between consecutive scales
(log t2/t1 ÷ log n2/n1: 1 = linear; below 1 = fixed costs still dominate), the Spark/DuckDB
ratio per scale and the crossover (the first scale where Spark is faster), the load average
(``os.getloadavg``) at each measurement and the machine. Nothing is asserted.
Results: ``benchmarks/results/scale.json`` (merged with earlier runs per scale and engine).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
YIGONG = [str(Path(sys.executable).parent / "yigong")]
SCHEME = "chs-drg-1.1"
#: the benchmark's own pseudonymisation key (synthetic data only)
BENCH_KEY = "bench-scale-key-synthetic-data-only-0123456789"
SCALES: dict[str, tuple[str, str]] = {  # scale -> (synth preset, division node of its top)
    "county": ("county", "division:130423"),
    "city": ("city", "division:130400"),
    "province": ("province", "division:130000"),
}
ENGINES = ("duckdb", "spark")
TASKS = ("drg", "catalog")


# ----------------------------------------------------------------------- processes ----
def _popen_wait4(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `cmd` to the end; reaps the child itself (``os.wait4``) so the peak RSS is that
    child's (and its waited-for children's), not the maximum of every earlier child."""
    t0 = time.perf_counter()
    out_path = (
        Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-scale-{os.getpid()}-{time.time_ns()}"
    )
    with out_path.open("w+") as out, out_path.with_suffix(".err").open("w+") as err:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=err, text=True
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    out_path.unlink()
    out_path.with_suffix(".err").unlink()
    return {
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "exit": proc.returncode,
        "stdout": stdout,
        "stderr": stderr[-3000:],
    }


def _load() -> float:
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------ prepare ----
def data_dir(base: Path, scale: str, years: list[int], counties: int | None) -> Path:
    name = f"{scale}-{'-'.join(map(str, years))}" + (f"-c{counties}" if counties else "")
    return base / name


def prepare(
    base: Path, scale: str, years: list[int], counties: int | None, only: list[str] | None = None
) -> dict[str, Any]:
    """Generate, ingest and export one scale (each step skipped when already done); `only`
    ingests just those tables (e.g. discharges for the DRG task when a full ingest is too long)."""
    d = data_dir(base, scale, years, counties)
    d.mkdir(parents=True, exist_ok=True)
    log_path = d / "prepare.json"
    log: dict[str, Any] = json.loads(log_path.read_text()) if log_path.exists() else {}
    preset = SCALES[scale][0]
    env = {"YIGONG_PSEUDONYM_KEY": BENCH_KEY}
    if "synth" not in log:
        print(f"[{scale}] synth {preset} years {years} …", flush=True)
        cmd = [
            *YIGONG,
            "synth",
            preset,
            "--format",
            "parquet",
            "--partitioned",
            "--years",
            ",".join(map(str, years)),
            "-o",
            str(d / "files"),
        ]
        if counties:
            cmd += ["--counties", str(counties)]
        r = _popen_wait4(cmd)
        if r["exit"]:
            raise SystemExit(f"synth failed: {r['stderr']}")
        files = [f for f in (d / "files").rglob("*.parquet")]
        log["synth"] = {
            "seconds": round(r["seconds"], 1),
            "peak_rss_mb": r["peak_rss_mb"],
            "files": len(files),
            "bytes": sum(f.stat().st_size for f in files),
            "load_1m": _load(),
        }
        log_path.write_text(json.dumps(log, indent=2))
    if "ingest" in log and log["ingest"].get("tables") != only:
        for k in ("ingest", "export"):
            log.pop(k, None)  # another set of tables: ingest again
    if "ingest" not in log:
        print(f"[{scale}] ingest {', '.join(only) if only else 'every table'} …", flush=True)
        (d / "yigong.duckdb").unlink(missing_ok=True)
        shutil.rmtree(d / "parquet", ignore_errors=True)
        paths = [str(d / "files" / t) for t in only] if only else [str(d / "files")]
        r = _popen_wait4([*YIGONG, "ingest", *paths, "--db", str(d / "yigong.duckdb")], env)
        if r["exit"]:
            raise SystemExit(f"ingest failed: {r['stdout'][-3000:]} {r['stderr']}")
        log["ingest"] = {
            "seconds": round(r["seconds"], 1),
            "peak_rss_mb": r["peak_rss_mb"],
            "load_1m": _load(),
            "tables": only,
        }
        log_path.write_text(json.dumps(log, indent=2))
    if "export" not in log:
        print(f"[{scale}] export Parquet warehouse …", flush=True)
        code = (
            "import sys, json; from yigong.warehouse.backends.duckdb import DuckDBWarehouse\n"
            "with DuckDBWarehouse(sys.argv[1]) as wh:\n"
            "    wh.export_parquet(sys.argv[2])\n"
            "    names = ['discharges', 'outpatient_visits', 'settlements', 'persons',\n"
            "             'examinations', 'family_doctor_contracts', 'referrals',\n"
            "             'discharge_diagnoses', 'discharge_procedures', 'staff', 'institutions']\n"
            "    print(json.dumps({n: wh.count(n) for n in names}))\n"
        )
        r = _popen_wait4([sys.executable, "-c", code, str(d / "yigong.duckdb"), str(d / "parquet")])
        if r["exit"]:
            raise SystemExit(f"export failed: {r['stderr']}")
        log["export"] = {
            "seconds": round(r["seconds"], 1),
            "rows": json.loads(r["stdout"].strip().splitlines()[-1]),
        }
        log_path.write_text(json.dumps(log, indent=2))
    log["dir"] = str(d.relative_to(ROOT) if d.is_relative_to(ROOT) else d)
    return log


# ------------------------------------------------------------- one measurement ----
def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _jvm_peak_mb() -> int | None:
    """Peak RSS (VmHWM) of the Spark JVM started by this process, if there is one."""
    for pid in _descendants(os.getpid()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            if cmd.endswith(b"java"):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return round(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return None


def measure(engine: str, task: str, d: Path, node: str, period: str, repeat: int) -> dict[str, Any]:
    """Run one task on one engine in this (fresh) process; prints and returns the figures."""
    from yigong.warehouse import open_warehouse

    t0 = time.perf_counter()
    wh = open_warehouse(engine, d / ("yigong.duckdb" if engine == "duckdb" else "parquet"))
    session_s = time.perf_counter() - t0
    out: dict[str, Any] = {"engine": engine, "task": task, "session_s": round(session_s, 2)}
    if engine == "spark":
        out["spark_master"] = wh.session.sparkContext.master
    times = []
    if task == "drg":
        from yigong.casemix.batch import group_cases
        from yigong.casemix.synthetic import synthetic_cases
        from yigong.services.casemix import group_discharges

        t0 = time.perf_counter()
        group_cases(synthetic_cases(SCHEME, 10, 7), SCHEME)  # load + compile the pack
        out["prepare_s"] = round(time.perf_counter() - t0, 2)
        for _ in range(repeat):
            t0 = time.perf_counter()
            summary = group_discharges(wh, SCHEME)
            times.append(time.perf_counter() - t0)
        out["rows"] = summary.rows
        out["statuses"] = dict(summary.statuses)
        out["drgs"] = summary.drgs
    else:
        from yigong.indicators.evaluate import evaluate
        from yigong.indicators.loader import load_catalog
        from yigong.indicators.periods import parse_period
        from yigong.warehouse.hierarchy import parse_node

        t0 = time.perf_counter()
        cat = load_catalog()
        out["prepare_s"] = round(time.perf_counter() - t0, 2)
        for _ in range(repeat):
            t0 = time.perf_counter()
            ev = evaluate(wh, cat, parse_node(node), parse_period(period))
            times.append(time.perf_counter() - t0)
        out["indicators"] = len(ev.results)
        out["computed"] = sum(1 for r in ev.results if r.value is not None)
        out["queries"] = ev.queries
        out["node"], out["period"] = node, period
    out["seconds"] = round(min(times), 3)
    out["all_seconds"] = [round(t, 3) for t in times]
    out["jvm_peak_rss_mb"] = _jvm_peak_mb() if engine == "spark" else None
    wh.close()
    out["load_1m"] = _load()
    print(json.dumps(out, default=str))
    return out


# ------------------------------------------------------------------------ report ----
def growth(points: list[dict[str, Any]], rows_key: str) -> list[dict[str, Any]]:
    """Growth exponents between consecutive scales of one engine and task."""
    out = []
    for a, b in zip(points, points[1:], strict=False):
        na, nb = a[rows_key], b[rows_key]
        if na and nb and nb != na and a["seconds"] > 0 and b["seconds"] > 0:
            out.append(
                {
                    "from": a["scale"],
                    "to": b["scale"],
                    "rows_ratio": round(nb / na, 2),
                    "time_ratio": round(b["seconds"] / a["seconds"], 2),
                    "exponent": round(math.log(b["seconds"] / a["seconds"]) / math.log(nb / na), 2),
                }
            )
    return out


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    order = [s for s in SCALES if s in results["scales"]]
    summary: dict[str, Any] = {"growth": {}, "spark_vs_duckdb": {}, "crossover": {}}
    for engine in ENGINES:
        for task in TASKS:
            pts = []
            for s in order:
                m = results["scales"][s].get("measurements", {}).get(f"{engine}:{task}")
                if m and "seconds" in m:
                    pts.append(
                        {
                            "scale": s,
                            "seconds": m["seconds"],
                            "rows": results["scales"][s]["rows"][
                                "discharges" if task == "drg" else "total"
                            ],
                        }
                    )
            summary["growth"][f"{engine}:{task}"] = growth(pts, "rows")
    for task in TASKS:
        ratios = {}
        for s in order:
            ms = results["scales"][s].get("measurements", {})
            d, sp = ms.get(f"duckdb:{task}"), ms.get(f"spark:{task}")
            if d and sp and "seconds" in d and "seconds" in sp:
                ratios[s] = round(sp["seconds"] / d["seconds"], 2)
        summary["spark_vs_duckdb"][task] = ratios
        faster = [s for s, r in ratios.items() if r < 1]
        summary["crossover"][task] = (
            f"Spark faster from {faster[0]}"
            if faster
            else "none measured: DuckDB faster at every measured scale"
            if ratios
            else "not measured"
        )
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="county,city,province")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--tasks", default="drg,catalog")
    ap.add_argument("--years", default="2024", help="comma-separated years to generate")
    ap.add_argument(
        "--province-counties",
        type=int,
        default=None,
        help="only the province's first N counties (of 66)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (best kept)")
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data" / "scale")
    ap.add_argument("--prepare-only", action="store_true")
    ap.add_argument(
        "--ingest-tables",
        default=None,
        help="ingest only these tables (comma-separated; tasks that need others are "
        "skipped), e.g. discharges for the DRG task alone",
    )
    ap.add_argument("--save", type=Path, default=RESULTS)
    ap.add_argument(
        "--measure",
        nargs=5,
        metavar=("ENGINE", "TASK", "DIR", "NODE", "PERIOD"),
        help=argparse.SUPPRESS,
    )
    a = ap.parse_args()
    if a.measure:
        engine, task, d, node, period = a.measure
        measure(engine, task, Path(d), node, period, a.repeat)
        return 0
    years = sorted(int(y) for y in a.years.split(","))
    scales = [s.strip() for s in a.scales.split(",") if s.strip()]
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    tasks = [t.strip() for t in a.tasks.split(",") if t.strip()]
    results: dict[str, Any] = json.loads(a.save.read_text()) if a.save.exists() else {}
    results.setdefault("scales", {})
    results["machine"] = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
    }
    for scale in scales:
        counties = a.province_counties if scale == "province" else None
        only = a.ingest_tables.split(",") if a.ingest_tables else None
        prep = prepare(a.data, scale, years, counties, only)
        rows = prep["export"]["rows"]
        entry = results["scales"].get(scale, {})
        if entry.get("years") != years or entry.get("province_counties") != counties:
            entry = {}  # another cut of the data: earlier measurements do not apply
        entry.update(
            {
                "years": years,
                "province_counties": counties,
                "data": prep["dir"],
                "synth": prep["synth"],
                "ingest": prep["ingest"],
                "ingested_tables": only or "all",
                "rows": {**rows, "total": sum(rows.values())},
            }
        )
        entry.setdefault("measurements", {})
        results["scales"][scale] = entry
        if a.prepare_only:
            continue
        node, period = SCALES[scale][1], str(max(years))
        for engine in engines:
            for task in tasks:
                if only and task == "catalog":
                    print(f"[{scale}] {engine} catalog skipped: only {only} ingested", flush=True)
                    continue
                print(f"[{scale}] {engine} {task} …", flush=True)
                load_before = _load()
                r = _popen_wait4(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "--measure",
                        engine,
                        task,
                        str(a.data / Path(prep["dir"]).name),
                        node,
                        period,
                        "--repeat",
                        str(a.repeat),
                    ]
                )
                if r["exit"]:
                    m = {"error": r["stderr"][-1500:], "load_1m_before": load_before}
                else:
                    m = json.loads(r["stdout"].strip().splitlines()[-1])
                    m["process_peak_rss_mb"] = r["peak_rss_mb"]
                    m["load_1m_before"] = load_before
                    n = rows["discharges"] if task == "drg" else sum(rows.values())
                    m["us_per_row"] = round(m["seconds"] / n * 1e6, 3) if n else None
                print(json.dumps(m, default=str)[:400], flush=True)
                entry["measurements"][f"{engine}:{task}"] = m
                a.save.parent.mkdir(exist_ok=True)
                results["summary"] = summarise(results)
                a.save.write_text(
                    json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
                )
    results["summary"] = summarise(results)
    a.save.parent.mkdir(exist_ok=True)
    a.save.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(json.dumps(results["summary"], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
