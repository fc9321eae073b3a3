"""Load test of the cockpit's scorecard and drill-down on loopback, 100 concurrent clients.

    .venv/bin/python benchmarks/bench_api.py [--db demo-county/yigong.duckdb | --preset county]
        [--clients 100] [--requests 2000]

The server is `yigong serve` in its own process (one uvicorn worker) on 127.0.0.1; the load
comes from this process (httpx, asyncio). For each endpoint it reports p50/p95/p99 latency and
requests/s; the baseline in the same run is `/api/v1/me` (authentication and the framework,
no data), so the ratios say what the data costs. A cold single-client pass (first request per
node, before the result cache) is reported too. No timing is asserted anywhere; the goal in
issue 7 is p95 < 50 ms for scorecard and drill-down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _warehouse(args: argparse.Namespace, work: Path) -> Path:
    if args.db:
        return Path(args.db)
    from yigong.services.demo import run_demo

    print(f"building the synthetic {args.preset} county in {work} …", flush=True)
    return run_demo(work / "demo", preset=args.preset, seed=2024, say=lambda _: None).db


def _quantiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"n": len(ms), "p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2),
            "p99_ms": round(q[98], 2), "max_ms": round(max(ms), 2)}


async def _load(base: str, headers: dict[str, str], url: str, clients: int, total: int
                ) -> dict[str, float]:
    ms: list[float] = []
    errors = 0
    todo = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=120) as client:
        async def worker() -> None:
            nonlocal errors
            for _ in todo:
                t = time.perf_counter()
                r = await client.get(url)
                ms.append((time.perf_counter() - t) * 1000)
                errors += r.status_code != 200
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
    return {**_quantiles(ms), "errors": errors, "requests_per_s": round(len(ms) / wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="an existing warehouse (e.g. from `yigong demo`)")
    ap.add_argument("--preset", default="county")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--out", default="benchmarks/results/api.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yigong-bench-api-"))
    db = _warehouse(args, work)

    from yigong.api.users import UserStore
    from yigong.services.demo_steps import county_and_year

    county, year = county_and_year(db)
    node, period = f"division:{county}", str(year)
    users_db = work / "auth.sqlite"
    UserStore(users_db).add("bench", PASSWORD, "county_commission", [node], actor="bench")
    port = _free_port()
    env = {**os.environ, "YIGONG_SECRET": "bench-secret"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from yigong.cli.main import app; app()", "serve", "--db",
         str(db), "--users-db", str(users_db), "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "bench", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        urls = {"baseline /api/v1/me": "/api/v1/me",
                "scorecard": f"/?node={node}&period={period}&format=json",
                "drill-down": f"/nodes/{node}/indicators/C02?period={period}&format=json",
                "api indicators": f"/api/v1/nodes/{node}/indicators?period={period}"}
        cold = {}
        for name, url in urls.items():
            t = time.perf_counter()
            httpx.get(base + url, headers=headers, timeout=300).raise_for_status()
            cold[name] = round((time.perf_counter() - t) * 1000, 1)
        report: dict[str, object] = {"warehouse": str(db), "node": node, "period": period,
                                     "clients": args.clients, "cold_single_client_ms": cold}
        for name, url in urls.items():
            report[name] = asyncio.run(_load(base, headers, url, args.clients, args.requests))
            print(name, report[name], flush=True)
        floor = report["baseline /api/v1/me"]["p95_ms"]  # type: ignore[index]
        report["p95_ratio_to_baseline"] = {
            n: round(report[n]["p95_ms"] / floor, 2) for n in urls}  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=20)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
