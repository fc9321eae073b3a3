"""Fund-use progress against time elapsed (基金使用进度与序时进度): for each medical community of
the county-year's stored run that the user may see, month by month, how much of its quota has
been used (quota − quota remaining, from the monthly statements, which are sums of ledger
lines) against the share of the year elapsed, with an early warning:

- **yellow** when use runs more than `YELLOW` percentage points ahead of the time elapsed;
- **red** when it runs more than `RED` points ahead, or when the average monthly use so far
  would exhaust the quota before the year ends (the month it would run out is given).

The county total sums the communities shown. Amounts stay exact (`Decimal`, yuan).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yigong.access.principal import Principal
from yigong.access.views import settlement

__all__ = ["RED", "YELLOW", "fund_progress"]

YELLOW = Decimal(5)
RED = Decimal(10)
_MONTHS = 12


def _level(used_pct: Decimal, elapsed_pct: Decimal, runs_out: int | None) -> str:
    ahead = used_pct - elapsed_pct
    if ahead > RED or (runs_out is not None and runs_out < _MONTHS):
        return "red"
    if ahead > YELLOW:
        return "yellow"
    return "ok"


def _track(quota: Decimal, remaining: list[tuple[str, Decimal]]) -> dict[str, Any]:
    months = []
    runs_out: int | None = None
    for i, (period, left) in enumerate(remaining, 1):
        used = quota - left
        used_pct = (used / quota * 100) if quota else Decimal(0)
        elapsed = Decimal(i) / _MONTHS * 100
        avg = used / i
        runs_out = int(quota / avg) + 1 if avg > 0 and quota / avg < _MONTHS else None
        months.append(
            {
                "period": period,
                "used": str(used.quantize(Decimal("0.01"))),
                "used_pct": float(round(used_pct, 1)),
                "elapsed_pct": float(round(elapsed, 1)),
                "level": _level(used_pct, elapsed, runs_out),
            }
        )
    last = months[-1] if months else None
    return {
        "months": months,
        "level": last["level"] if last else "ok",
        "used": last["used"] if last else "0.00",
        "used_pct": last["used_pct"] if last else 0.0,
        "elapsed_pct": last["elapsed_pct"] if last else 0.0,
        "runs_out_month": runs_out,
    }


def fund_progress(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Per community in view, and for the county total, the monthly progress and its warning
    (empty when the run has not been computed)."""
    budget = settlement.budget(p, county, year)
    statements = settlement.statements(p, county, year)
    quotas = {r["community"].split(" ", 1)[0]: Decimal(r["quota"]) for r in budget["items"]}
    out = []
    total_quota = Decimal(0)
    total_left: dict[str, Decimal] = {}
    for st in statements["statements"]:
        cid = st["community_id"]
        quota = quotas.get(cid)
        if quota is None:
            continue
        rows = [
            (r["period"], Decimal(r["quota_remaining"]))
            for r in st["rows"]
            if not str(r["period"]).endswith("-YE")
        ]
        total_quota += quota
        for period, left in rows:
            total_left[period] = total_left.get(period, Decimal(0)) + left
        out.append(
            {"community_id": cid, "name": st["name"], "quota": str(quota), **_track(quota, rows)}
        )
    total = _track(total_quota, sorted(total_left.items())) if out else None
    return {
        "county": county,
        "year": year,
        "status": budget["status"],
        "communities": out,
        "total": None if total is None else {"quota": str(total_quota), **total},
        "thresholds": {"yellow": float(YELLOW), "red": float(RED)},
    }
