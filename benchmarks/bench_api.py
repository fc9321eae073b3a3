"""Load test of the API's scorecard, drill-down, overview and map, and of the cockpit overview
page's JSON twin (``/?format=json``), on loopback, 100 concurrent clients, and the time the
cockpit's first page takes once the server has warmed its caches.

    .venv/bin/python benchmarks/bench_api.py --db demo-county/yigong.duckdb \\
        [--clients 100] [--requests 4000] [--workers 1] [--out benchmarks/results/api.json] \\
        [--only overview "overview page JSON" map] [--no-cold] [--no-in-process]

The server is `yigong serve` in its own process(es) on 127.0.0.1 (``--workers N`` uvicorn
workers; with more than one the warehouse is opened read-only). The load comes from this
process: ``--clients`` keep-alive connections, each sending its next request as soon as the
previous answer arrived (closed loop), driven by a small asyncio HTTP/1.1 client so that the
load generator itself costs little CPU on the same machine.

Measured, for each endpoint:

- **cold**: right after the server started (empty caches), all clients at once send one
  request each — every client waits for the first computation (the cache is single-flight);
- **warm**: after a warm-up of ``--warmup`` requests, ``--requests`` requests;

with p50/p95/p99/max latency, requests/s and non-200 answers; then, with the server stopped,
the app's own cost per warm request (called in this process as an ASGI callable: no network,
no load generator). The baselines in the same run are
``/api/v1/me`` (token check, user and scope from the cache, the framework — no data) and
``/healthz`` (no token, no data: the server and the load generator alone), so the ratios to
them say what the data costs. The load average (`uptime`) before and after is recorded:
the machine is shared. No timing is asserted anywhere; the goal in issue 7 is p95 < 50 ms for
scorecard and drill-down, in issue 19 for the overview and the map.

`yigong serve` warms its caches at start (`yigong.access.warm`): what each user of the user
store lands on — here the bench user's scorecard and overview — is computed before anyone
asks. The run
waits for that (``warm_wait_s``: polling the overview until it answers within half a second),
then measures **first page**: a fresh login in the cockpit and its landing page, ``/`` (HTML),
as a person would open it. So "cold" for the scorecard, the overview and the map measures a
server that has already warmed them (the first request of each still files its JSON bytes);
for the drill-down (not warmed) it is really cold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "load-test-passphrase-1"
ENDPOINTS = ("scorecard", "drill-down", "overview", "overview page JSON", "map")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _quantiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(max(ms), 2),
    }


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads whole answers."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, limit=1 << 22
        )

    async def get(self, url: str) -> tuple[int, int]:
        """(status, body bytes) of one GET; reconnects when the server closed the connection."""
        if self.writer is None or self.writer.is_closing():
            await self.connect()
        assert self.reader is not None
        self.writer.write(f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.extra}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        else:  # chunked
            body = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        if fields.get("connection", "").lower() == "close":
            self.writer.close()
        return status, len(body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _load(conns: list[Connection], url: str, total: int, cold: bool) -> dict[str, float]:
    ms: list[float] = []
    errors = 0
    todo = iter(range(len(conns) if cold else total))

    async def worker(c: Connection) -> None:
        nonlocal errors
        for _ in todo:
            t = time.perf_counter()
            status, _ = await c.get(url)
            ms.append((time.perf_counter() - t) * 1000)
            errors += status != 200
            if cold:
                return

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    wall = time.perf_counter() - t0
    return {**_quantiles(ms), "errors": errors, "requests_per_s": round(len(ms) / wall, 1)}


async def _cold(port: int, headers: dict[str, str], url: str, clients: int) -> dict[str, float]:
    """Every client opens its connection, then all send one request at once."""
    conns = [Connection(port, headers) for _ in range(clients)]
    await asyncio.gather(*(c.connect() for c in conns))
    try:
        return await _load(conns, url, 0, cold=True)
    finally:
        for c in conns:
            c.close()


async def _warm(
    port: int, headers: dict[str, str], url: str, clients: int, warmup: int, total: int
) -> dict[str, float]:
    """Warm-up requests, then the measured ones, on the same keep-alive connections."""
    conns = [Connection(port, headers) for _ in range(clients)]
    await asyncio.gather(*(c.connect() for c in conns))
    try:
        await _load(conns, url, warmup, cold=False)
        return await _load(conns, url, total, cold=False)
    finally:
        for c in conns:
            c.close()


def _post_token(port: int) -> str:
    import httpx

    r = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data={"username": "bench", "password": PASSWORD, "grant_type": "password"},
        timeout=60,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _start(db: Path, users_db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`yigong serve` as deployed (one JSON log record per request), its log in a file next to
    the bench's user store rather than on this console."""
    import httpx

    env = {**os.environ, "YIGONG_SECRET": "bench-secret"}
    log = (users_db.parent / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from yigong.cli.main import app; app()",
            "serve",
            "--db",
            str(db),
            "--users-db",
            str(users_db),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stderr=log,
    )
    for _ in range(1200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except httpx.TransportError:
            if server.poll() is not None:
                raise SystemExit(f"the server exited ({server.returncode})") from None
            time.sleep(0.1)
    raise SystemExit("the server did not answer within 120 s")


def _in_process(db: Path, users_db: Path, urls: dict[str, str], n: int) -> dict[str, float]:
    """Server-side cost per request without network or load generator: the app called as an
    ASGI callable, warm, ``n`` times per URL (ms per request; CPU of one core)."""
    from yigong.api import Settings, create_app

    settings = Settings(warehouse=db, users_db=users_db, secret="bench-secret")
    app = create_app(settings, read_only=True)
    auth = f"Bearer {app.state.yigong.sessions.create('bench', 'api')}".encode()

    async def call(path: str, query: bytes) -> int:
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await app(
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": query,
                "root_path": "",
                "headers": [(b"host", b"127.0.0.1"), (b"authorization", auth)],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
            },
            receive,
            send,
        )
        return int(sent[0]["status"])  # type: ignore[call-overload]

    async def measure() -> dict[str, float]:
        out = {}
        for name, url in urls.items():
            path, _, query = url.partition("?")
            for _ in range(50):  # warm: results computed, answers filed
                assert await call(path, query.encode()) == 200
            t = time.perf_counter()
            for _ in range(n):
                await call(path, query.encode())
            out[name] = round((time.perf_counter() - t) / n * 1000, 3)
        return out

    try:
        return asyncio.run(measure())
    finally:
        app.state.yigong.warehouse.close()


def _wait_warm(port: int, headers: dict[str, str], url: str, limit: float) -> float:
    """Seconds until ``url`` answers within 0.5 s (the warmer has computed it)."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            r = httpx.get(f"http://127.0.0.1:{port}{url}", headers=headers, timeout=0.5)
            if r.status_code == 200:
                return round(time.monotonic() - started, 1)
        except httpx.TimeoutException:
            pass  # still computing (the request joined the warmer's computation)
        time.sleep(2)
    return -1.0


def _first_page(port: int) -> dict[str, float]:
    """A person's first page: the login form, the login, then the landing page (HTML)."""
    import re

    import httpx

    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as c:
        form = c.get("/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
        assert token is not None
        data = {
            "action": "login",
            "csrf": token.group(1),
            "username": "bench",
            "password": PASSWORD,
        }
        t = time.perf_counter()
        r = c.post("/login", data=data, headers={"Origin": base})
        login_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        page = c.get(r.headers["location"])
        page_ms = (time.perf_counter() - t) * 1000
        assert page.status_code == 200, page.status_code
        return {"login_ms": round(login_ms, 1), "landing_page_ms": round(page_ms, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="an existing warehouse (e.g. from `yigong demo`)")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--indicator", default="C02", help="the drill-down's indicator")
    ap.add_argument("--out", default="benchmarks/results/api.json")
    ap.add_argument("--warm-wait", type=float, default=600, help="seconds to wait for warming")
    ap.add_argument(
        "--only",
        nargs="+",
        default=list(ENDPOINTS),
        choices=ENDPOINTS,
        help="endpoints to measure (the baselines always are)",
    )
    ap.add_argument("--no-cold", action="store_true", help="skip the cold runs")
    ap.add_argument("--no-in-process", action="store_true", help="skip the in-process costs")
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    from yigong.access.users import UserStore
    from yigong.services.demo_steps import county_and_year

    db = Path(args.db)
    county, year = county_and_year(db)
    node, period = f"division:{county}", str(year)
    work = Path(tempfile.mkdtemp(prefix="yigong-bench-api-"))
    users_db = work / "auth.sqlite"
    UserStore(users_db).add("bench", PASSWORD, "county_commission", [node], actor="bench")
    every = {
        "baseline /healthz": "/healthz",
        "baseline /api/v1/me": "/api/v1/me",
        "scorecard": f"/api/v1/nodes/{node}/indicators?period={period}",
        "drill-down": f"/api/v1/nodes/{node}/indicators/{args.indicator}/explain?period={period}",
        "overview": f"/api/v1/nodes/{node}/overview?period={period}",
        "overview page JSON": f"/?node={node}&period={period}&format=json",
        "map": f"/api/v1/nodes/{node}/map?period={period}",
    }
    urls = {k: v for k, v in every.items() if k.startswith("baseline") or k in args.only}
    report: dict[str, object] = {
        "warehouse": str(db),
        "warehouse_bytes": db.stat().st_size,
        "node": node,
        "period": period,
        "clients": args.clients,
        "requests": args.requests,
        "workers": args.workers,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_generator": "this process: asyncio + uvloop, raw HTTP/1.1 keep-alive",
        "uptime_before": _uptime(),
    }
    port = _free_port()
    server = _start(db, users_db, port, args.workers)
    try:
        headers = {"Authorization": f"Bearer {_post_token(port)}"}
        report["warm_wait_s"] = _wait_warm(port, headers, every["overview"], args.warm_wait)
        report["first_page"] = _first_page(port)
        print("warmed in", report["warm_wait_s"], "s; first page", report["first_page"], flush=True)
        cold: dict[str, object] = {}
        for name, url in urls.items():  # cold: every client at once on an empty cache
            if args.no_cold:
                break
            cold[name] = asyncio.run(_cold(port, headers, url, args.clients))
            print("cold", name, cold[name], flush=True)
        report["cold"] = cold
        warm: dict[str, dict[str, float]] = {}
        for name, url in urls.items():
            warm[name] = asyncio.run(
                _warm(port, headers, url, args.clients, args.warmup, args.requests)
            )
            print("warm", name, warm[name], flush=True)
        report["warm"] = warm
        for base in ("baseline /api/v1/me", "baseline /healthz"):
            floor = warm[base]["p95_ms"]
            report[f"warm_p95_ratio_to_{base.split()[1]}"] = {
                n: round(w["p95_ms"] / floor, 2) for n, w in warm.items()
            }
        report["goal_p95_under_50_ms"] = {
            n: warm[n]["p95_ms"] < 50 for n in urls if not n.startswith("baseline")
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not args.no_in_process:
        report["in_process_ms_per_request"] = _in_process(db, users_db, urls, 2000)
        print("in process", report["in_process_ms_per_request"], flush=True)
    report["uptime_after"] = _uptime()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
