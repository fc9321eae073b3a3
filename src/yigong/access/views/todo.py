"""The user's to-do and early-warning list (待办/预警), from what their role may read and act
on, inside their scope:

- **referrals** waiting for one of the user's institutions to act (review, answer, arrival,
  records return) — or, for a reader of referrals, how many wait in the scope;
- **overdue returns**: patients arrived more than `RETURN_DAYS` days ago whose records have
  not been sent back;
- **flags to review**: undecided screening flags in scope (the insurance bureau), or flags of
  the user's own institution without its self-check (an institution);
- **fund use ahead of time elapsed**: communities whose quota use runs ahead of 序时进度
  (`yigong.access.views.fund_progress`);
- **indicators off track**: targets of the user's home node that are not met and will not be
  by the trend.

Each item says why it is there, how urgent it is (high, medium, low), and links to the page
where the user acts on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.views.fund_progress import fund_progress
from yigong.access.views.overview import kpis
from yigong.access.views.screening import triage
from yigong.access.views.settlement import default_county
from yigong.graded_care.referrals.machine import TRANSITIONS, Parties
from yigong.services.referral import referral_inbox

__all__ = ["RETURN_DAYS", "todo"]

RETURN_DAYS = 7
_WAITING = ("requested", "approved", "accepted", "arrived")
_LIMIT = 500


def _referrals(p: Principal) -> list[dict[str, Any]]:
    store = p.state.workflow()
    acts = p.can("act", "referrals")
    items: list[dict[str, Any]] = []
    now = datetime.now(UTC).replace(tzinfo=None)
    for status in _WAITING:
        page = referral_inbox(store, p.scope.institutions, status=status, limit=_LIMIT)
        if not page.total:
            continue
        mine = 0
        first: str | None = None
        overdue = []
        for r in page.items:
            parties = Parties(
                r.requesting_institution,
                r.receiving_institution,
                frozenset(r.reviewers),
                r.direction,
            )
            who = {r.requesting_institution, r.receiving_institution, *r.reviewers}
            who &= p.scope.institutions
            steps = [
                t
                for t in TRANSITIONS
                if t.source is r.status
                and t.action.value != "cancel"
                and any(t.party in parties.of(i) for i in who)
            ]
            if steps:
                mine += 1
                first = first or r.referral_id
            if status == "arrived" and now - r.updated_at > timedelta(days=RETURN_DAYS):
                overdue.append(r.referral_id)
        if acts and mine:
            items.append(
                {
                    "kind": "referral",
                    "status": status,
                    "count": mine,
                    "urgency": "high" if status in ("requested", "approved") else "medium",
                    "href": f"/referrals?status={status}",
                    "first": f"/referrals/{first}" if first else None,
                }
            )
        elif not acts:
            items.append(
                {
                    "kind": "referral_watch",
                    "status": status,
                    "count": page.total,
                    "urgency": "low",
                    "href": f"/referrals?status={status}",
                    "first": None,
                }
            )
        if overdue:
            items.append(
                {
                    "kind": "overdue_return",
                    "status": status,
                    "count": len(overdue),
                    "days": RETURN_DAYS,
                    "urgency": "high" if acts else "medium",
                    "href": f"/referrals/{overdue[0]}" if acts else "/referrals?status=arrived",
                    "first": None,
                }
            )
    return items


def _flags(p: Principal, period: str) -> list[dict[str, Any]]:
    out = []
    if p.can("act", "screening"):
        data = triage(p, period, None, 1, state="unreviewed", sort="amount", per_page=1)
        if data["total"]:
            high = triage(p, period, None, 1, state="unreviewed", severity="high", per_page=1)
            out.append(
                {
                    "kind": "flags_to_review",
                    "count": data["total"],
                    "high": high["total"],
                    "urgency": "high" if high["total"] else "medium",
                    "href": f"/screening?period={period}&state=unreviewed&sort=amount",
                    "first": None,
                }
            )
    elif p.can("act", "self_check"):
        data = triage(p, period, None, 1, per_page=_LIMIT)
        open_ = [
            f
            for f in data["items"]
            if not (f.get("review") or {}).get("self_check")
            and (f.get("review") or {}).get("status", "open") == "open"
        ]
        if open_:
            out.append(
                {
                    "kind": "flags_to_check",
                    "count": len(open_),
                    "urgency": "high" if any(f["severity"] == "high" for f in open_) else "medium",
                    "href": f"/screening?period={period}",
                    "first": f"/screening/flags/{open_[0]['flag_id']}",
                }
            )
    return out


def _fund(p: Principal, year: int) -> list[dict[str, Any]]:
    county = default_county(p)
    if not county or not p.can("read", "settlement"):
        return []
    try:
        progress = fund_progress(p, county, year)
    except AccessError:
        return []
    out = []
    for c in progress["communities"]:
        if c["level"] in ("yellow", "red"):
            out.append(
                {
                    "kind": "fund_ahead",
                    "community": c["name"],
                    "used_pct": c["used_pct"],
                    "elapsed_pct": c["elapsed_pct"],
                    "runs_out_month": c["runs_out_month"],
                    "urgency": "high" if c["level"] == "red" else "medium",
                    "href": f"/settlement?county={county}&year={year}",
                    "first": None,
                }
            )
    return out


def _indicators(p: Principal, period: str) -> list[dict[str, Any]]:
    if not p.can("read", "indicators"):
        return []
    node = p.node(p.home())
    out = []
    for r in kpis(p, node, period):
        if r["light"] == "red":
            out.append(
                {
                    "kind": "off_track",
                    "indicator": r["indicator"],
                    "name_zh": r["name_zh"],
                    "name_en": r["name_en"],
                    "value": r["value"],
                    "unit": r["unit"],
                    "decimals": r["decimals"],
                    "display": r["display"],
                    "target": r["target"],
                    "urgency": "medium",
                    "href": f"/nodes/{node}/indicators/{r['indicator']}?period={period}",
                    "first": None,
                }
            )
    return out


def todo(p: Principal, period: str) -> dict[str, Any]:
    """Every item of the user's list, most urgent first."""
    items: list[dict[str, Any]] = []
    if p.can("read", "referrals"):
        items += _referrals(p)
    if p.can("read", "screening"):
        items += _flags(p, period[:4])
    items += _fund(p, int(period[:4]))
    items += _indicators(p, period)
    order = {"high": 0, "medium": 1, "low": 2}
    items.sort(key=lambda x: order[x["urgency"]])
    return {"node": p.home(), "period": period, "items": items}
