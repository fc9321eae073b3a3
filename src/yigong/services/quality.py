"""Data quality reads: the rows ingest rejected (quarantine), or their counts."""

from __future__ import annotations

from typing import Any

from yigong.services.tables import rows
from yigong.warehouse import Tables

__all__ = ["quarantine"]


def quarantine(
    wh: Tables, detailed: bool, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Rejected rows (file, row, field, rule, reason, value) or, when ``detailed`` is false,
    only their counts by table and rule (a rejected row can name any institution, so only a
    user whose scope covers the whole warehouse gets the rows): (total, one page)."""
    q = wh.table("quarantine")
    if not detailed:
        g = q.group_by(["table_name", "rule"]).aggregate(errors=q.count())
        g = g.order_by(["table_name", "rule"])
        return int(g.count().to_pyarrow().as_py()), rows(g.limit(limit, offset=offset))
    q = q.select("run_id", "table_name", "file", "row_no", "field", "rule", "reason", "value")
    q = q.order_by(["file", "row_no", "field"])
    return int(q.count().to_pyarrow().as_py()), rows(q.limit(limit, offset=offset))
