"""Ingest quarantine: the rejected rows to a user whose scope covers the whole warehouse (a
rejected row can name any institution), counts by table and rule to everyone else."""

from __future__ import annotations

from typing import Any

from yigong.access.principal import Principal
from yigong.services import quality

__all__ = ["quarantine"]


def quarantine(p: Principal, limit: int, offset: int) -> dict[str, Any]:
    detailed = p.scope.covers_everything
    with p.state.tables() as wh:
        total, rows = quality.quarantine(wh, detailed, limit, offset)
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": p.redact(rows),
        "detailed": detailed,
    }
