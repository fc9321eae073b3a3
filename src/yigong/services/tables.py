"""Rows of the warehouse as JSON-ready dicts, and the redaction every scoped read applies.

Shared by the read services (`hierarchy`, `quality`, `exports`, `casemix_report`) so the API,
the cockpit and the CLI show the same values: Decimals as strings (money stays exact), dates as
ISO text, and any string naming an institution outside the user's scope replaced.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ibis

__all__ = ["OUTSIDE_SCOPE", "measure_rows", "plain", "redact", "rows"]

OUTSIDE_SCOPE = "(outside scope)"


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


def redact(value: Any, hidden: frozenset[str]) -> Any:
    """Replace every string naming an institution outside the scope (e.g. the other end of
    a referral in a drill-down row) by ``"(outside scope)"``."""
    if isinstance(value, str):
        return OUTSIDE_SCOPE if value in hidden else value
    if isinstance(value, dict):
        return {k: redact(v, hidden) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, hidden) for v in value]
    return value


def measure_rows(measures: list[Any], hidden: frozenset[str]) -> list[dict[str, Any]]:
    """A drill-down's rows per measure (`yigong.services.indicators.Explanation.rows`) as
    JSON-ready dicts, with `redact` applied."""
    return [
        {
            "role": m.role,
            "measure": m.measure,
            "name_zh": m.name_zh,
            "note": m.note,
            "rows": redact(
                [
                    {k: plain(v) for k, v in r.items()}
                    for r in (m.rows.to_pylist() if m.rows is not None else [])
                ],
                hidden,
            ),
        }
        for m in measures
    ]
