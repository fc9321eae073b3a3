"""`make bench`: the quick benchmark set — each script at a reduced size, in one go.

The quick set shows that the harness runs and gives ratios in minutes; the figures of record
come from the full-size commands in benchmarks/README.md (ingest, indicators, API and scale
write `benchmarks/results/*.json` and take from minutes to hours, so they are not run here).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
QUICK = [
    (
        "DRG grouping, 200 k cases",
        ["bench_drg.py", "--cases", "200000", "--repeat", "1", "--naive-sample", "5000"],
    ),
    (
        "payment, 1.5 M discharges in 15 communities",
        ["bench_payment.py", "--discharges", "1500000", "--communities", "15"],
    ),
]


def main() -> int:
    failed = []
    for title, argv in QUICK:
        print(f"== {title}: {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / argv[0]), *argv[1:]])
        print(
            f"== {title}: exit {done.returncode} in {time.perf_counter() - t0:.1f} s\n", flush=True
        )
        if done.returncode:
            failed.append(title)
    print("full-size runs (figures of record): see benchmarks/README.md")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
