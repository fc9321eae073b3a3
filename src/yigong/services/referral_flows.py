"""Referral flows for the overview's Sankey: how many referrals went up or down, from which
level of care to which, in or out of the county — read from the warehouse's referral feed
(``wf_referrals``, written from the workflow store), so they move with the indicators' data
version. Counts only: no institution, no patient."""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.services.tables import rows

__all__ = ["referral_flows"]

FEED = "wf_referrals"


def referral_flows(
    wh: Any, institutions: frozenset[str], start: date, end: date
) -> list[dict[str, Any]]:
    """Referrals requested in ``[start, end)`` with an end among ``institutions``, counted by
    direction, requesting level, receiving level and whether they stayed in the county; each
    row also says whether the referral left (``from_here``) or reached (``to_here``) the given
    institutions. Empty when the feed is not in the warehouse."""
    if not institutions or FEED not in wh.list_tables():
        return []
    t = wh.table(FEED)
    ids = sorted(institutions)
    t = t.filter(
        (t.requesting_institution.isin(ids) | t.receiving_institution.isin(ids))
        & (t.requested_at >= start)
        & (t.requested_at < end)
    )
    t = t.mutate(
        from_here=t.requesting_institution.isin(ids), to_here=t.receiving_institution.isin(ids)
    )
    grouped = t.group_by(
        [
            t.direction,
            t.requesting_level.name("from_level"),
            t.receiving_level.name("to_level"),
            t.in_county,
            "from_here",
            "to_here",
        ]
    ).aggregate(n=t.count())
    out = rows(grouped.order_by(["direction", "from_level", "to_level", "in_county"]))
    for r in out:
        r["in_county"] = bool(r["in_county"])
        r["n"] = int(r["n"])
    return out
