"""Period ids of discharge dates in the one period notation (`yigong.schema.periods`, DHIS2's
identifiers): ``202503``, ``2025Q1``, ``2025``."""

from __future__ import annotations

import ibis

PERIOD_KINDS = ("month", "quarter", "year")


def period_id(date: ibis.Value, kind: str) -> ibis.Value:
    """The period id (string) of a date column for ``kind`` in ``PERIOD_KINDS``."""
    year = date.year().cast("string")
    if kind == "year":
        return year
    if kind == "quarter":
        return year + "Q" + date.quarter().cast("string")
    if kind == "month":
        return year + date.month().cast("string").lpad(2, "0")
    raise ValueError(f"period kind must be one of {PERIOD_KINDS}, got {kind!r}")
