"""Rows of the warehouse as JSON-ready dicts.

Shared by the read services (`hierarchy`, `quality`, `exports`, `casemix_report`) so the API,
the cockpit and the CLI show the same values: Decimals as strings (money stays exact), dates as
ISO text. Services do not redact: what a user may see is `yigong.access`'s business.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ibis

__all__ = ["measure_rows", "plain", "rows"]


def plain(v: Any) -> Any:
    """A JSON-ready value: Decimal → str, date/datetime → ISO text, anything else as is."""
    if isinstance(v, Decimal):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def rows(expr: ibis.Table) -> list[dict[str, Any]]:
    """The rows of an Ibis expression as JSON-ready dicts."""
    return [{k: plain(v) for k, v in r.items()} for r in expr.to_pyarrow().to_pylist()]


def measure_rows(measures: list[Any]) -> list[dict[str, Any]]:
    """A drill-down's rows per measure (`yigong.services.indicators.Explanation.rows`) as
    JSON-ready dicts."""
    return [
        {
            "role": m.role,
            "measure": m.measure,
            "name_zh": m.name_zh,
            "note": m.note,
            "rows": [
                {k: plain(v) for k, v in r.items()}
                for r in (m.rows.to_pylist() if m.rows is not None else [])
            ],
        }
        for m in measures
    ]
